"""The safety filter's detectors, its policy section, and its stream filter, without a model."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import ConfigError
from app.security.policy import load_policy
from app.security.safety import SafetyRules, Scanner, StreamFilter, apply, mask, parse_safety
from tests.policy_helpers import write_policy as write_policy_file

ID = "11010519491231002X"  # Beijing, born 1949-12-31, right check digit
ID_BAD_CHECK = "110105194912310021"
CARD = "6222021234567890128"  # UnionPay prefix, right Luhn digit
CARD_BAD_LUHN = "6222021234567890121"


def found(text: str, scanner: Scanner | None = None) -> list[tuple[str, str]]:
    return [(f.category, f.text) for f in (scanner or Scanner()).scan(text)]


# -- detectors ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (f"身份证号{ID}，请核对", [("id_number", ID)]),  # glued to 汉字 on both sides
    (f"身份证号{ID_BAD_CHECK}，请核对", []),  # wrong check digit
    ("身份证号110105194913310021", []),  # no 13th month
    (f"流水号9{ID}", []),  # inside a longer number
    (f"卡号{CARD}。", [("bank_card", CARD)]),
    (f"卡号{CARD_BAD_LUHN}。", []),
    ("卡号 6222 0212 3456 7890 128 已绑定", [("bank_card", "6222 0212 3456 7890 128")]),
    ("手机13800138000（微信同号）", [("phone", "13800138000")]),
    ("call +86 138-0013-8000 today", [("phone", "+86 138-0013-8000")]),
    ("座机010-62345678转1234", [("phone", "010-62345678")]),
    ("编号12800138000", []),  # no 128 mobile prefix
    ("订单20240615138001380001", []),  # a mobile number inside an order number
    ("客服热线400-820-8820", []),  # a company hotline is not a personal number
    ("邮箱zhang.wei@example.com请回复", [("email", "zhang.wei@example.com")]),
    ("mail 13800138000@qq.com now", [("email", "13800138000@qq.com")]),  # not a phone inside it
    ("服务器192.168.1.10宕机", [("ip_address", "192.168.1.10")]),
    ("version 10.0.19045.2965", []),
    ("address 999.1.1.1 is no address", []),
    ("link-local fe80::1ff:fe23:4567:890a.", [("ip_address", "fe80::1ff:fe23:4567:890a")]),
    ("at 12:30:45 the MAC 00:1A:2B:3C:4D:5E and std::vector", []),
    ("护照号码：E12345678。", [("passport", "E12345678")]),
    ("Passport number: 533380006", [("passport", "533380006")]),
    ("key AKIAIOSFODNN7EXAMPLE here", [("api_key", "AKIAIOSFODNN7EXAMPLE")]),
    ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok", [
        ("api_key", "ghp_abcdefghijklmnopqrstuvwxyz0123456789")]),
    ("别把glpat-c8buer3_S3LKoCv5FXu6发到群里", [("api_key", "glpat-c8buer3_S3LKoCv5FXu6")]),
    ("sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", []),
    ("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----",
     [("private_key", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----")]),
    ("身份证号１１０１０５１９４９１２３１００２Ｘ", [("id_number", "１１０１０５１９４９１２３１００２Ｘ")]),
])
def test_detectors_find_what_they_should_and_nothing_else(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_a_jwt_is_found_whole() -> None:
    jwt = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
           "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
    assert found(f"Authorization: Bearer {jwt}") == [("api_key", jwt)]


def test_a_masked_match_keeps_only_its_ends() -> None:
    assert mask(ID) == "11**************2X"
    assert mask("a@b.cn") == "*@*.**"


@given(st.text(alphabet="汉字，。 abcXYZ-:" + string.digits, max_size=30),
       st.text(alphabet="汉字，。 abcXYZ-:" + string.digits, max_size=30))
@settings(max_examples=300, deadline=None)
def test_an_id_is_found_wherever_it_stands_unless_digits_touch_it(before: str, after: str) -> None:
    findings = Scanner().scan(before + ID + after)
    glued = (before[-1:].isascii() and before[-1:].isalnum()) or (after[:1].isascii() and after[:1].isalnum())
    hit = [f for f in findings if f.category == "id_number"]
    if glued:
        assert not any(f.start == len(before) and f.end == len(before) + len(ID) for f in hit)
    else:
        assert [(f.start, f.text) for f in hit] == [(len(before), ID)]


@given(st.text(alphabet=string.digits + " -", min_size=1, max_size=40))
@settings(max_examples=300, deadline=None)
def test_every_card_found_passes_luhn_and_every_id_its_checksum(digits: str) -> None:
    from stdnum import luhn
    from stdnum.cn import ric

    for f in Scanner().scan(f"号码{digits}。"):
        plain = "".join(c for c in f.text if c.isalnum())
        if f.category == "bank_card":
            assert luhn.is_valid(plain)
        if f.category == "id_number":
            assert ric.is_valid(plain)


# -- rules and the policy file ----------------------------------------------------------------

def test_defaults_redact_personal_data_in_replies_and_block_keys_leaving_the_machine() -> None:
    rules = SafetyRules()
    assert rules.action("id_number", "input") == "warn"
    assert rules.action("id_number", "output") == "redact"
    assert rules.action("api_key", "output", "outbound") == "block"  # the strictest of both


def write_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: object) -> None:
    path = tmp_path / "policy.json"
    if isinstance(body, dict):
        write_policy_file(path, body)
    else:
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("AUTOGLM_POLICY_FILE", str(path))


def test_the_policy_file_sets_actions_and_organisation_rules(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write_policy(tmp_path, monkeypatch, {"safety": {
        "actions": {"id_number": "block", "email": {"output": "redact"}},
        "organisation": [{"name": "codename", "keywords": ["Blue Falcon", "青隼计划"]},
                         {"name": "staff_id", "pattern": r"EMP-\d{6}", "max_length": 10,
                          "action": {"input": "warn"}}]}})
    rules = load_policy().safety
    assert rules.action("id_number", "input") == "block"
    assert rules.action("email", "output") == "redact"
    assert rules.action("email", "input") == "allow"  # untouched directions keep their default
    assert rules.action("staff_id", "input") == "warn"
    assert rules.action("staff_id", "output") == "redact"
    scanner = Scanner(rules.org)
    text = "blue falcon（青隼计划）负责人 EMP-004211"
    out = apply(text, scanner.scan(text), rules, ("output",), "zh_CN").text
    assert out == "[codename已隐藏]（[codename已隐藏]）负责人 [staff_id已隐藏]"


@pytest.mark.parametrize("safety, message", [
    ({"actions": {"id_numbr": "block"}}, "safety.actions.id_numbr is not a category; did you mean 'id_number'?"),
    ({"actions": {"email": {"outbound": "blok"}}}, "safety.actions.email.outbound is 'blok'; it must be one of allow, warn, redact, block; did you mean 'block'?"),
    ({"actions": {"email": {"sync": "block"}}}, "safety.actions.email.sync is not known"),
    ({"organisation": [{"name": "x", "pattern": "(["}]}, "safety.organisation[0].pattern is not a valid regular expression"),
    ({"organisation": [{"name": "x"}]}, "safety.organisation[0] needs keywords or a pattern"),
    ({"organisation": [{"name": "email", "keywords": ["a"]}]}, "'email' is already taken"),
    ({"organisation": [{"name": "x", "pattern": "a*"}]}, "matches empty text"),
    (["block"], "safety must be an object"),
])
def test_a_wrong_safety_section_stops_with_a_message_that_says_where(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, safety: object, message: str) -> None:
    write_policy(tmp_path, monkeypatch, {"safety": safety})
    with pytest.raises(ConfigError, match="policy") as err:
        load_policy()
    assert message in str(err.value)


def test_a_policy_that_is_not_an_object_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_policy(tmp_path, monkeypatch, [1, 2])
    with pytest.raises(ConfigError, match="must be a JSON object"):
        load_policy()


def test_parse_without_a_section_gives_the_defaults() -> None:
    assert parse_safety(None, "x") == SafetyRules()


# -- the stream filter ----------------------------------------------------------------------

def stream(pieces: list[str], rules: SafetyRules | None = None, directions: tuple[str, ...] = ("output",),
           scanner: Scanner | None = None) -> tuple[list[str], StreamFilter]:
    rules = rules or SafetyRules()
    flt = StreamFilter(scanner or Scanner(rules.org), rules, directions, "en")
    shown = [flt.feed(p) for p in pieces]
    shown.append(flt.finish())
    return shown, flt


def splits(text: str) -> st.SearchStrategy[list[str]]:
    return st.lists(st.integers(0, len(text)), max_size=12).map(
        lambda cuts: [text[a:b] for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)], strict=True)])


REPLY = f"好的，您的身份证号是{ID}，手机 138 0013 8000，邮箱 a.b@example.com。Card {CARD} ok."


@given(splits(REPLY))
@settings(max_examples=300, deadline=None)
def test_however_a_reply_is_split_into_tokens_no_digit_of_an_id_is_ever_shown(pieces: list[str]) -> None:
    shown, flt = stream(pieces)
    so_far = ""
    for piece in shown:
        so_far += piece
        assert not any(ID[i:i + 2] in so_far for i in range(len(ID) - 1)), so_far
        assert "0013" not in so_far and "1234" not in so_far
    whole = apply(REPLY, Scanner().scan(REPLY), SafetyRules(), ("output",), "en").text
    assert so_far == whole  # streamed or not, the same text comes out
    assert "[ID number removed]" in so_far and "[phone number removed]" in so_far


@given(st.text(alphabet=string.ascii_letters + "汉字，。 ", max_size=60))
@settings(max_examples=200, deadline=None)
def test_text_with_nothing_to_find_is_let_out_at_once_but_for_its_last_word(text: str) -> None:
    shown, _ = stream([text])
    assert shown[0] == text.rstrip(string.ascii_letters)  # a word could still become an address
    assert "".join(shown) == text


def test_only_the_tail_that_could_grow_into_a_match_is_held_back() -> None:
    flt = StreamFilter(Scanner(), SafetyRules(), ("output",), "en")
    assert flt.feed("您的号码是") == "您的号码是"
    assert flt.feed("1101") == ""  # digits: could be an ID
    assert flt.feed("05194912") == ""
    assert flt.feed("31002X") == ""  # whole, but a digit could still follow
    assert flt.feed("，谢谢") == "[ID number removed]，谢谢"
    assert flt.feed(" done") == " "  # a word could still become an address or a key
    assert flt.finish() == "done"
    assert dict(flt.counts) == {("id_number", "redact"): 1}
    assert flt.most_held <= 20


def test_a_blocked_category_stops_the_reply_with_a_notice() -> None:
    rules = parse_safety({"actions": {"id_number": {"output": "block"}}}, "test")
    shown, flt = stream(["身份证", ID, "，后面的都不显示 13800138000"], rules)
    assert "".join(shown) == "身份证[reply stopped: ID number found]"
    assert flt.blocked == "id_number"


def test_an_unfinished_private_key_is_held_and_removed_at_the_end() -> None:
    shown, _ = stream(["Here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIE", "pAIBAAKCAQEA"])
    assert shown[0] == "Here:\n"
    assert "".join(shown) == "Here:\n[private key removed]"


def test_an_organisation_keyword_split_across_tokens_is_never_shown() -> None:
    rules = parse_safety({"organisation": [{"name": "codename", "keywords": ["青隼计划"]}]}, "t")
    shown, _ = stream(["项目", "青", "隼", "计", "划", "启动"], rules)
    assert "青" not in "".join(shown[:4]) and "".join(shown) == "项目[codename removed]启动"


def test_after_stop_nothing_more_is_shown() -> None:
    import threading

    from app.services.safety import filter_pieces

    cancel = threading.Event()

    def pieces():  # type: ignore[no-untyped-def]
        yield "第一段 "
        cancel.set()  # the user presses Stop while the model writes a number
        yield "1380013"
        yield "8000 and more words"

    flt = StreamFilter(Scanner(), SafetyRules(), ("output",), "en")
    assert list(filter_pieces(pieces(), flt, cancel)) == ["第一段 "]  # the number half-written is not


def test_a_screened_generation_blocked_midway_stops_the_engine() -> None:
    from app.engine.llama import Generation
    from app.engine.types import ReplyStats
    from app.services.safety import Safety, ScreenedGeneration

    read: list[str] = []

    def engine():  # type: ignore[no-untyped-def]
        for piece in ["Key: ", "-----BEGIN PRIVATE KEY-----\nMC4C", "\n-----END PRIVATE KEY-----",
                      " and then more", " never asked for"]:
            read.append(piece)
            yield piece

    rules = parse_safety({"actions": {"private_key": {"output": "block"}}}, "t")
    gen = ScreenedGeneration(Generation(engine(), ReplyStats()), Safety(rules).reply_filter())
    assert "".join(gen) == "Key: [reply stopped: private key found]"
    assert gen.stats.finish_reason == "content_filter"
    assert read[-1] == " and then more", "the engine was not asked for more"
