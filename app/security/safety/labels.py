"""What the filter writes in place of what it removed, in the language of the UI."""

from __future__ import annotations

NAMES: dict[str, dict[str, str]] = {
    "en": {
        "id_number": "ID number", "bank_card": "bank card number", "phone": "phone number",
        "passport": "passport number", "email": "e-mail address", "ip_address": "IP address",
        "api_key": "API key", "private_key": "private key",
    },
    "zh_CN": {
        "id_number": "身份证号", "bank_card": "银行卡号", "phone": "电话号码", "passport": "护照号",
        "email": "邮箱地址", "ip_address": "IP地址", "api_key": "API密钥", "private_key": "私钥",
    },
}
_REMOVED = {"en": "[{} removed]", "zh_CN": "[{}已隐藏]"}
_STOPPED = {"en": "[reply stopped: {} found]", "zh_CN": "[回复已停止：发现{}]"}


def language_of(setting: str) -> str:
    """en or zh_CN for the ``language`` setting ("system" follows the locale)."""
    if setting in NAMES:
        return setting
    import locale
    import os

    name = next((os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)),
                None) or (locale.getlocale()[0] or "")
    return "zh_CN" if name.lower().startswith("zh") else "en"


def name_of(category: str, language: str) -> str:
    return NAMES.get(language, NAMES["en"]).get(category, category)


def removed_label(category: str, language: str, custom: str = "") -> str:
    """``[ID number removed]`` / ``[身份证号已隐藏]``; an organisation rule may give its own."""
    if custom:
        return custom
    return _REMOVED.get(language, _REMOVED["en"]).format(name_of(category, language))


def stopped_label(category: str, language: str) -> str:
    return _STOPPED.get(language, _STOPPED["en"]).format(name_of(category, language))
