"""What the safety filter does with each kind of finding, in each direction: the
built-in defaults and the administrator's ``safety`` section of the policy file.

Directions: ``input`` (what the user sends to the model), ``output`` (the
model's reply as it is shown) and ``outbound`` (what leaves the machine: the
API's replies, sync and export). Actions, from mildest to strictest: allow,
warn, redact, block.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.errors import ConfigError

ACTIONS = ("allow", "warn", "redact", "block")  # mildest first
DIRECTIONS = ("input", "output", "outbound")

# Checksum-backed categories first: where spans overlap equally, the better-proven wins.
CATEGORIES = ("private_key", "api_key", "id_number", "bank_card", "phone", "passport",
              "email", "ip_address")
CHECKSUM_CATEGORIES = ("id_number", "bank_card")

_PERSONAL = {"input": "warn", "output": "redact", "outbound": "redact"}
DEFAULT_ACTIONS: Mapping[str, Mapping[str, str]] = {
    "id_number": _PERSONAL,
    "bank_card": _PERSONAL,
    "phone": _PERSONAL,
    "passport": _PERSONAL,
    "email": {"input": "allow", "output": "warn", "outbound": "redact"},
    "ip_address": {"input": "allow", "output": "allow", "outbound": "warn"},
    "api_key": {"input": "warn", "output": "redact", "outbound": "block"},
    "private_key": {"input": "redact", "output": "redact", "outbound": "block"},
}
ORG_DEFAULT_ACTION = "redact"
ORG_MAX_LENGTH = 64


def strictest(actions: list[str]) -> str:
    return max(actions, key=ACTIONS.index, default="allow")


@dataclass(frozen=True)
class OrgRule:
    """Words or a pattern the organisation treats as sensitive (a code name, staff ids)."""

    name: str
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    max_length: int = ORG_MAX_LENGTH  # the longest text the pattern can match
    actions: Mapping[str, str] = field(default_factory=dict)
    label: str = ""  # shown in place of a match; default "[NAME removed]"


@dataclass(frozen=True)
class SafetyRules:
    actions: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: DEFAULT_ACTIONS)
    org: tuple[OrgRule, ...] = ()

    def action(self, category: str, *directions: str) -> str:
        """The strictest action of ``category`` over ``directions`` (an API reply is both a
        reply and something leaving the machine)."""
        per = self.actions.get(category)
        if per is None:
            rule = next((r for r in self.org if r.name == category), None)
            per = rule.actions if rule is not None else {}
        return strictest([per.get(d, "allow") for d in directions])

    @property
    def categories(self) -> tuple[str, ...]:
        return CATEGORIES + tuple(r.name for r in self.org)


def parse_safety(raw: Any, source: str) -> SafetyRules:
    """The policy's ``safety`` section, checked; every mistake is named with where it is.

    Shape::

        "safety": {
          "actions": {"id_number": "block", "email": {"outbound": "block"}},
          "organisation": [
            {"name": "codename", "keywords": ["Blue Falcon", "青隼计划"]},
            {"name": "staff_id", "pattern": "EMP-\\\\d{6}", "max_length": 10,
             "action": {"input": "warn", "output": "redact", "outbound": "block"}}
          ]
        }

    An action is one of allow/warn/redact/block, for every direction at once or per
    direction; what is not given keeps its default.
    """
    if raw is None:
        return SafetyRules()

    def fail(where: str, problem: str) -> ConfigError:
        return ConfigError(f"the administrator's policy {source}: {where} {problem}")

    if not isinstance(raw, dict):
        raise fail("safety", "must be an object with 'actions' and/or 'organisation'")
    _known_keys(raw, ("actions", "organisation"), "safety", fail)
    actions = {c: dict(d) for c, d in DEFAULT_ACTIONS.items()}
    given = raw.get("actions", {})
    if not isinstance(given, dict):
        raise fail("safety.actions", "must be an object: category → action")
    for category, value in given.items():
        if category not in CATEGORIES:
            raise fail(f"safety.actions.{category}", "is not a category" + _did_you_mean(
                category, CATEGORIES) + f" (categories: {', '.join(CATEGORIES)})")
        actions[category].update(_actions(value, f"safety.actions.{category}", fail))
    org = []
    rules = raw.get("organisation", [])
    if not isinstance(rules, list):
        raise fail("safety.organisation", "must be a list of rules")
    names: set[str] = set()
    for i, item in enumerate(rules):
        org.append(_org_rule(item, f"safety.organisation[{i}]", fail, names))
    return SafetyRules(actions=actions, org=tuple(org))


def _org_rule(item: Any, where: str, fail: Any, names: set[str]) -> OrgRule:
    if not isinstance(item, dict):
        raise fail(where, "must be an object with a name and keywords or a pattern")
    _known_keys(item, ("name", "keywords", "pattern", "max_length", "action", "label"), where, fail)
    name = item.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]{0,39}", name):
        raise fail(f"{where}.name", "must be a short name of letters, digits, - and _")
    if name in CATEGORIES or name in names:
        raise fail(f"{where}.name", f"'{name}' is already taken")
    names.add(name)
    keywords = item.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise fail(f"{where}.keywords", "must be a list of non-empty strings")
    pattern = item.get("pattern")
    if pattern is not None:
        if not isinstance(pattern, str) or not pattern:
            raise fail(f"{where}.pattern", "must be a regular expression")
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise fail(f"{where}.pattern", f"is not a valid regular expression: {exc}") from None
        if compiled.match(""):
            raise fail(f"{where}.pattern", "matches empty text")
    if not keywords and pattern is None:
        raise fail(where, "needs keywords or a pattern")
    max_length = item.get("max_length", ORG_MAX_LENGTH)
    if not isinstance(max_length, int) or isinstance(max_length, bool) or not 1 <= max_length <= 1024:
        raise fail(f"{where}.max_length", "must be a whole number between 1 and 1024")
    longest = max((len(k) for k in keywords), default=0)
    label = item.get("label", "")
    if not isinstance(label, str):
        raise fail(f"{where}.label", "must be a string")
    defaults = dict.fromkeys(DIRECTIONS, ORG_DEFAULT_ACTION)
    defaults.update(_actions(item.get("action", ORG_DEFAULT_ACTION), f"{where}.action", fail))
    return OrgRule(name=name, keywords=tuple(k.strip() for k in keywords), pattern=pattern,
                   max_length=max(max_length, longest), actions=defaults, label=label)


def _actions(value: Any, where: str, fail: Any) -> dict[str, str]:
    if isinstance(value, str):
        return dict.fromkeys(DIRECTIONS, _action(value, where, fail))
    if not isinstance(value, dict):
        raise fail(where, f"must be an action ({'/'.join(ACTIONS)}) or an object "
                          "direction → action")
    _known_keys(value, DIRECTIONS, where, fail)
    return {d: _action(a, f"{where}.{d}", fail) for d, a in value.items()}


def _action(value: Any, where: str, fail: Any) -> str:
    if value not in ACTIONS:
        raise fail(where, f"is {value!r}; it must be one of {', '.join(ACTIONS)}"
                   + (_did_you_mean(value, ACTIONS) if isinstance(value, str) else ""))
    return str(value)


def _known_keys(obj: dict[str, Any], known: tuple[str, ...], where: str, fail: Any) -> None:
    for key in obj:
        if key not in known:
            raise fail(f"{where}.{key}", "is not known" + _did_you_mean(key, known)
                       + f" (known: {', '.join(known)})")


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
