"""Finding personal and secret data in text: a candidate pattern per kind, confirmed by a
well-kept validator (python-stdnum's resident ID and Luhn checks, phonenumbers' CN
numbering plan, the standard library's ipaddress, detect-secrets' token patterns).

Chinese has no spaces, so patterns never lean on ``\\b``: a number glued to 汉字 is
found, and ASCII letter/digit look-arounds keep digits inside a longer number or code
from matching. Full-width digits and letters are read as their ASCII forms (one
character for one, so offsets stay those of the original text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Span = tuple[int, int]

# U+FF01..U+FF5E are the full-width forms of ASCII 0x21..0x7E; U+3000 is a full-width space.
_HALF_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}

_NOT_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_AFTER = r"(?![0-9A-Za-z])"


_FULL_WIDTH = re.compile("[\uFF01-\uFF5E\u3000]")


def half_width(text: str) -> str:
    # translate() looks every character up in the table; a search finds out far sooner
    # that there is nothing to translate, as in most English text.
    return text.translate(_HALF_WIDTH) if _FULL_WIDTH.search(text) else text


@dataclass(frozen=True)
class Finding:
    category: str
    start: int
    end: int
    text: str

    @property
    def masked(self) -> str:
        return mask(self.text)


def mask(text: str) -> str:
    """The match with all but its first and last two letters or digits hidden."""
    flat = " ".join(text.split())
    alnum = [i for i, c in enumerate(flat) if c.isalnum()]
    keep = set(alnum[:2] + alnum[-2:]) if len(alnum) > 6 else set()
    out = "".join(c if (i in keep or not c.isalnum()) else "*" for i, c in enumerate(flat))
    return out if len(out) <= 40 else f"{out[:18]}…{out[-18:]}"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c in "Xx")


# -- Chinese resident ID (18 characters, the last a check digit 0-9 or X) ----------------

_ID = re.compile(_NOT_BEFORE + r"\d{6} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                 r" ?\d{3}[\dXx]" + _NOT_AFTER)


def find_id_numbers(text: str) -> Iterator[Span]:
    for m in _ID.finditer(text):
        if _is_resident_id(_digits(m.group()).upper()):
            yield m.span()


# A streamed reply is scanned again for each token while a number is still in view, and
# checking its birthplace and date costs some 30 µs each time.
@functools.lru_cache(maxsize=4096)
def _is_resident_id(number: str) -> bool:
    from stdnum.cn import ric

    return bool(ric.is_valid(number))


# -- bank cards (13-19 digits, Luhn, an issuer prefix card networks use) --------------------

_CARD = re.compile(
    _NOT_BEFORE + r"(?:\d{13,19}"
    r"|\d{4}(?P<s>[ -])\d{4}(?P=s)\d{4}(?P=s)\d{1,4}(?:(?P=s)\d{1,3})?"
    r"|\d{4}(?P<a>[ -])\d{6}(?P=a)\d{4,5}"
    r"|\d{6}(?P<u>[ -])\d{10,13})" + _NOT_AFTER)
# Issuer prefixes and the lengths their cards have: Visa, Mastercard (51-55, 2221-2720), Amex,
# JCB, Diners, Discover, UnionPay (62, 81). China's banks issue almost all cards under 62, 4, 5
# and 35.
_ISSUERS = (
    (re.compile(r"4"), (13, 16, 19)),
    (re.compile(r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),
    (re.compile(r"3[47]"), (15,)),
    (re.compile(r"35|6(?:011|2|4[4-9]|5)|81"), (16, 17, 18, 19)),
    (re.compile(r"3(?:0[0-5]|[689])"), (14, 15, 16, 17, 18, 19)),
)


def _issued(number: str) -> bool:
    return any(p.match(number) and len(number) in lengths for p, lengths in _ISSUERS)


def find_bank_cards(text: str) -> Iterator[Span]:
    from stdnum import luhn

    for m in _CARD.finditer(text):
        number = _digits(m.group())
        if number.isdigit() and _issued(number) and luhn.is_valid(number):
            yield m.span()


# -- Chinese mobile and landline numbers ---------------------------------------------------

_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?:(?:\+|00)86[ -]?)?(?:"
    r"1[3-9]\d(?:[ -]?\d{4}){2}"  # mobile: 1xx xxxx xxxx
    r"|(?:\(0?\d{2,3}\)|（0?\d{2,3}）|0?\d{2,3}[ -]|0\d{2,3})[ -]?\d{3,4}[ -]?\d{4}"  # area code, number
    r")" + _NOT_AFTER)


def find_phones(text: str) -> Iterator[Span]:
    for m in _PHONE.finditer(text):
        if _is_cn_phone(m.group()):
            yield m.span()


@functools.lru_cache(maxsize=4096)
def _is_cn_phone(candidate: str) -> bool:
    import phonenumbers
    from phonenumbers import PhoneNumberType

    digits = "".join(c for c in candidate if c.isdigit())
    if candidate.startswith("+") or candidate.startswith("00"):
        digits = "+" + digits.removeprefix("00")
    elif not digits.startswith("1") and not digits.startswith("0"):
        return False  # a landline written without its area code's 0 is a bare number
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return False
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return False
    return phonenumbers.number_type(number) in (
        PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


# -- passports ------------------------------------------------------------------------------

# PRC passports: E + 8 digits, E + letter (not I or O) + 7 digits, G + 8 digits (older
# ordinary passports), D/S/P (+E) + 7 digits (diplomatic, service, public affairs).
_PASSPORT = re.compile(_NOT_BEFORE + r"(?:E[A-HJ-NP-Z0-9]\d{7}|G\d{8}|[DSP]E?\d{7})" + _NOT_AFTER)
# Any country's, where the text says it is a passport number.
_PASSPORT_SAID = re.compile(
    r"(?i:passport|护照)[ \t]*(?i:no\.?|number|#|号码|号|编号)?[ \t]*(?:is|为|是)?[ \t]*[:：]?[ \t]*"
    r"(?P<n>(?-i:[A-Z0-9]{6,9}))" + _NOT_AFTER)


def find_passports(text: str) -> Iterator[Span]:
    yield from (m.span() for m in _PASSPORT.finditer(text))
    for m in _PASSPORT_SAID.finditer(text):
        n = m.group("n")
        if sum(c.isdigit() for c in n) >= 5 and (m.start("n") == 0 or not text[m.start("n") - 1].isalnum()
                                                 or text[m.start("n") - 1] in "码号照"):
            yield m.span("n")


# -- e-mail ---------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9\-])")


def find_emails(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        if ".." not in m.group():
            yield m.span()


# -- IP addresses ---------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![0-9A-Za-z.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z]|\.\d)")
_IPV6 = re.compile(r"(?<![0-9A-Za-z:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
                   r"(?:\.\d{1,3}){0,3}(?:%[0-9A-Za-z]{1,15})?(?![0-9A-Za-z:])")


def find_ip_addresses(text: str) -> Iterator[Span]:
    import ipaddress

    for m in _IPV4.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        yield m.span()
    for m in _IPV6.finditer(text):
        candidate = m.group()
        if not any(c.isalnum() for c in candidate):
            continue  # "::" alone, as in C++ or Ruby, is not written as an address
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield m.span()


# -- PEM private keys -----------------------------------------------------------------------

_PEM_LABEL = r"(?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?"
_PEM = re.compile(rf"-----BEGIN {_PEM_LABEL}-----[\s\S]*?-----END {_PEM_LABEL}-----")
_PEM_OPEN = re.compile(rf"-----BEGIN {_PEM_LABEL}-----[\s\S]*\Z")  # cut short: still a key
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d: [\s\S]*?Private-MAC: [0-9a-f]+")


def find_private_keys(text: str) -> Iterator[Span]:
    end = 0
    for m in _PEM.finditer(text):
        end = m.end()
        yield m.span()
    rest = _PEM_OPEN.search(text, end)
    if rest is not None:
        yield rest.span()
    yield from (m.span() for m in _PUTTY.finditer(text))


# -- API keys and tokens --------------------------------------------------------------------

# Formats detect-secrets does not know: Chinese clouds, Google, newer OpenAI and Anthropic keys.
_MORE_TOKENS = (
    re.compile(r"LTAI[0-9A-Za-z]{12,20}"),  # Alibaba Cloud AccessKey ID
    re.compile(r"AKID[0-9A-Za-z]{13,40}"),  # Tencent Cloud SecretId
    re.compile(r"AIza[0-9A-Za-z_\-]{35}"),  # Google API key
    re.compile(r"sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_\-]{32,}"),
    re.compile(r"hf_[A-Za-z0-9]{34}"),  # Hugging Face
)


@functools.cache
def _token_patterns() -> tuple[tuple[re.Pattern[str], Callable[[str], bool] | None], ...]:
    """detect-secrets' regex plugins (not its entropy plugins, which flag Chinese prose; not
    its keyword plugin, which flags any ``password = …`` line; private keys and IP
    addresses have detectors of their own), and ours."""
    from detect_secrets.plugins import (
        artifactory,
        aws,
        azure_storage_key,
        basic_auth,
        cloudant,
        discord,
        github_token,
        gitlab_token,
        ibm_cloud_iam,
        ibm_cos_hmac,
        jwt,
        mailchimp,
        npm,
        openai,
        pypi_token,
        sendgrid,
        slack,
        softlayer,
        square_oauth,
        stripe,
        telegram_token,
        twilio,
    )
    from detect_secrets.plugins.base import RegexBasedDetector

    plugins: list[Any] = [
        artifactory.ArtifactoryDetector, aws.AWSKeyDetector, azure_storage_key.AzureStorageKeyDetector,
        basic_auth.BasicAuthDetector, cloudant.CloudantDetector, discord.DiscordBotTokenDetector,
        github_token.GitHubTokenDetector, gitlab_token.GitLabTokenDetector,
        ibm_cloud_iam.IbmCloudIamDetector, ibm_cos_hmac.IbmCosHmacDetector, jwt.JwtTokenDetector,
        mailchimp.MailchimpDetector, npm.NpmDetector, openai.OpenAIDetector,
        pypi_token.PypiTokenDetector, sendgrid.SendGridDetector, slack.SlackDetector,
        softlayer.SoftlayerDetector, square_oauth.SquareOAuthDetector, stripe.StripeDetector,
        telegram_token.TelegramBotTokenDetector, twilio.TwilioKeyDetector,
    ]
    out: list[tuple[re.Pattern[str], Callable[[str], bool] | None]] = []
    for plugin in plugins:
        assert issubclass(plugin, RegexBasedDetector)
        check = jwt.JwtTokenDetector.is_formally_valid if plugin is jwt.JwtTokenDetector else None
        # ASCII: their \w and \b would count 汉字 as letters, so "密钥glpat-…发给你" went unseen.
        out.extend((re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII), check)
                   for pattern in plugin.denylist)
    out.extend((pattern, None) for pattern in _MORE_TOKENS)
    return tuple(out)


_TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-]")
_JWT_CHAR = re.compile(r"[A-Za-z0-9_\-+/=]")
_ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")


def find_api_keys(text: str, *, prefilter: bool = True) -> Iterator[Span]:
    """``prefilter=False`` walks every pattern's matches, also where a search finds none;
    only to prove that the search changes nothing."""
    if not _ASCII_ALNUM.search(text):
        return
    for pattern, check in _token_patterns():
        # Most texts hold no key. A search per pattern says so in about half the time of a
        # finditer loop per pattern (whose iterators cost more than the scans); one search of
        # an alternation of all of them takes as long as the loop, as Python's re tries every
        # part at every position.
        if prefilter and pattern.search(text) is None:
            continue
        for m in pattern.finditer(text):
            group = next((g for g in range(1, m.re.groups + 1) if m.group(g)), 0)
            if group and len(m.group(group)) >= 8:  # the secret in its setting ("aws_secret = '…'")
                start, end = m.span(group)
            else:  # a whole token, not a piece of a longer one
                start, end = m.span()
                if check is not None:  # detect-secrets' JWT pattern stops before the signature
                    while end < len(text) and _JWT_CHAR.match(text[end]):
                        end += 1
                if (start > 0 and _TOKEN_CHAR.match(text[start - 1])) or (
                        end < len(text) and _TOKEN_CHAR.match(text[end])):
                    continue
            if end > start and (check is None or check(text[start:end])):
                yield start, end


# What a text must hold for a detector to find anything in it, checked first because it is
# far cheaper than the detector: every pattern of these needs a digit (as its own \d
# reads one), an "@", a digit or two ":" for the IP addresses, a key's armour line.
# Not the API keys: their forty-odd patterns share no such condition.
GATES: dict[str, re.Pattern[str]] = {
    "private_key": re.compile(r"-----BEGIN |PuTTY-User-Key-File-"),
    "id_number": re.compile(r"\d"),
    "bank_card": re.compile(r"\d"),
    "phone": re.compile(r"\d"),
    "passport": re.compile(r"\d"),
    "email": re.compile("@"),
    "ip_address": re.compile(r"\d|:[^:]*:"),
}

DETECTORS: dict[str, Callable[[str], Iterator[Span]]] = {
    "private_key": find_private_keys,
    "api_key": find_api_keys,
    "id_number": find_id_numbers,
    "bank_card": find_bank_cards,
    "phone": find_phones,
    "passport": find_passports,
    "email": find_emails,
    "ip_address": find_ip_addresses,
}
# The same with nothing skipped: every token pattern's matches walked, also where its search
# finds none. Used without ``GATES`` only to prove that what is skipped changes nothing.
DETECTORS_UNGATED: dict[str, Callable[[str], Iterator[Span]]] = DETECTORS | {
    "api_key": functools.partial(find_api_keys, prefilter=False)}
