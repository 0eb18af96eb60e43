"""The administrator's policy: a JSON file in the system config folder, signed with the
administrator's Ed25519 key, whose public half is installed beside it.

``AUTOGLM_POLICY_FILE`` names another file (tests, an organisation build); the
administrator's key is then looked up beside that file. No file means the
built-in defaults. A file that is there and cannot be trusted or understood —
not JSON, not an object, unsigned, signed by a key that is not the installed
administrator key, altered after signing, or holding a field it should not —
stops the app with its own error (fail closed): the doors show the message,
never a traceback.

The signature covers the canonical form of every field but ``signature`` (as
a model manifest's does, through the same code in ``app.security.keys``).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import fnmatch
import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import SETTINGS
from app.errors import (
    ConfigError,
    ModelRefused,
    PolicyViolation,
    UnsignedNotAllowed,
    UntrustedSigner,
)
from app.security.policy_location import admin_key_path, policy_path
from app.security.roles import BUILT_IN_ROLES, Role, parse_roles
from app.security.safety.rules import SafetyRules, parse_safety

if TYPE_CHECKING:
    from app.security.keys import TrustStore

log = logging.getLogger(__name__)
POLICY_FORMAT = "autoglm-policy/1"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_SIGNATURE_FIELDS = ("format", "signer", "signed_at", "signature")


class PolicyRejected(ConfigError):
    """The policy file is there and cannot be used: the app stops rather than run without it."""

    exit_code = 45
    http_status = 503
    code = "policy_rejected"


class PolicyMalformed(PolicyRejected):
    """Not JSON, or a field with a wrong name, type or value."""

    code = "policy_malformed"


class PolicyWrongShape(PolicyRejected):
    """Valid JSON that is not an object (a list, a number, a string)."""

    exit_code = 46
    code = "policy_wrong_shape"


class PolicyUnsigned(PolicyRejected):
    exit_code = 47
    code = "policy_unsigned"


class PolicyUnknownKey(PolicyRejected):
    """Signed, but not by the administrator key installed beside it (or none is installed)."""

    exit_code = 48
    code = "policy_unknown_key"


class PolicyTampered(PolicyRejected):
    """Signed by the administrator's key, and changed since."""

    exit_code = 49
    code = "policy_tampered"


class ModelNotAllowed(ModelRefused):
    """The policy lists the models that may load, and this file's SHA-256 is not among them."""

    exit_code = 21
    reason = "not allowed by policy"


class ToolForbidden(PolicyViolation):
    """The policy does not let the model call this tool (or any tool, or any from MCP
    servers), or the API serve function calling."""

    exit_code = 87
    code = "tool_forbidden"


@dataclass(frozen=True)
class ToolsPolicy:
    """Which tools the model may call: all, none, or those whose names match the listed
    globs (``files.*``); whether tools from MCP servers may run at all, and whether the
    API may serve function calling (its tools are the client's own functions)."""

    enabled: bool = True
    allowed: tuple[str, ...] | None = None  # name globs; None: every tool
    mcp_servers: bool = True
    api_function_calling: bool = True

    def permits(self, name: str, *, from_mcp: bool = False) -> bool:
        if not self.enabled or (from_mcp and not self.mcp_servers):
            return False
        return self.allowed is None or any(fnmatch.fnmatchcase(name, g) for g in self.allowed)

    def why_not(self, name: str, *, from_mcp: bool = False) -> str:
        if not self.enabled:
            return "tools are forbidden"
        if from_mcp and not self.mcp_servers:
            return "tools from MCP servers are forbidden"
        return f"only {', '.join(self.allowed or ())} may be called"


@dataclass(frozen=True)
class Policy:
    allow_unsigned_models: bool = True  # the user may still opt in per load
    safety: SafetyRules = field(default_factory=SafetyRules)  # the safety filter's actions
    # Store nothing in clear: where no key store can be had, refuse to store at all.
    require_encryption: bool = False
    # Model signing keys ("autoglm-ed25519 …" lines); when any are given, only they sign models.
    trusted_keys: tuple[str, ...] = ()
    allowed_models: frozenset[str] = frozenset()  # SHA-256 digests; empty: any verified model
    sync_server: str | None = None
    sync_ca_bundle: str | None = None
    retention_days: int | None = None  # None: kept until the user deletes it
    audit_content: bool = False  # whether audit records may hold what users wrote
    serve_off_loopback: bool = True  # may the API answer other computers at all
    health_probe_open: bool = False  # may a load balancer ask /health for up/down without a key
    roles: Mapping[str, Role] = field(default_factory=lambda: dict(BUILT_IN_ROLES))
    locked_settings: Mapping[str, Any] = field(default_factory=dict)  # name → enforced value
    tools: ToolsPolicy = field(default_factory=ToolsPolicy)
    source: str = "default"
    signer: str | None = None  # the administrator key's id
    signed_at: str | None = None
    sha256: str | None = None  # of the file as read, for the audit record

    def locks(self) -> dict[str, Any]:
        """Every setting the policy fixes, with its value (explicit locks, and those its
        switches imply)."""
        locks = dict(self.locked_settings)
        if not self.allow_unsigned_models:
            locks["allow_unsigned"] = False
        if not self.serve_off_loopback:
            locks["api_allow_network"] = False
        if self.retention_days is not None and _declared("retention_days"):
            locks["retention_days"] = self.retention_days
        return locks


def _declared(setting: str) -> bool:
    return any(s.name == setting for s in SETTINGS)


# -- reading -----------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], Policy]] = {}


def _stamp(path: Path) -> tuple[Any, ...] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load_policy(path: Path | None = None, admin_key: Path | None = None) -> Policy:
    """The policy in force: built-in defaults when there is no file, else the file checked
    and parsed, or one of the PolicyRejected errors saying why it cannot be used.

    Read again whenever the file or the administrator's key changes on disk.
    """
    path = path or policy_path()
    admin_key = admin_key or admin_key_path(path)
    stamp = _stamp(path)
    if stamp is None:
        return Policy()
    key = (stamp, _stamp(admin_key))
    cache_key = f"{path}\0{admin_key}"
    with _cache_lock:
        hit = _cache.get(cache_key)
        if hit is not None and hit[0] == key:
            return hit[1]
    policy = read_policy(path, admin_key)
    with _cache_lock:
        _cache[cache_key] = (key, policy)
    return policy


def read_policy(path: Path, admin_key: Path) -> Policy:
    """Check and parse the policy at ``path`` against the administrator key ``admin_key``."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PolicyMalformed(f"the administrator's policy {path} cannot be read: "
                              f"{exc.strerror or exc}") from None
    fields = parse_json(raw, path)
    check_signature(fields, path, admin_key)
    policy = parse_policy(fields, str(path))
    return replace(policy, sha256=hashlib.sha256(raw).hexdigest())


def parse_json(raw: bytes, path: Path | str) -> dict[str, Any]:
    """The file's JSON object, or PolicyMalformed / PolicyWrongShape."""
    try:
        fields = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PolicyMalformed(f"the administrator's policy {path} is not valid JSON: {exc}; "
                              "the app will not start until it is fixed") from None
    if not isinstance(fields, dict):
        kind = {list: "a list", int: "a number", float: "a number", str: "a string",
                bool: "true or false", type(None): "null"}.get(type(fields), type(fields).__name__)
        raise PolicyWrongShape(f"the administrator's policy {path} must be a JSON object, not "
                               f"{kind}; the app will not start until it is fixed")
    return fields


def check_signature(fields: Mapping[str, Any], path: Path | str, admin_key: Path) -> str:
    """The signer's key id when ``fields`` carry a valid signature by the key in
    ``admin_key``; else PolicyUnsigned, PolicyUnknownKey or PolicyTampered."""
    from cryptography.exceptions import InvalidSignature

    from app.security.keys import canonical_bytes, parse_public_key

    where = f"the administrator's policy {path}"
    if "signature" not in fields:
        raise PolicyUnsigned(f"{where} is not signed: an administrator must sign it with "
                             "`autoglm policy sign`; the app will not start until then")
    signer, sig_text = fields.get("signer"), fields.get("signature")
    if not isinstance(signer, str) or not isinstance(sig_text, str):
        raise PolicyMalformed(f"{where}: signer and signature must be strings")
    try:
        signature = base64.b64decode(sig_text, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    if len(signature) != 64:
        raise PolicyMalformed(f"{where}: the signature is not 64 bytes of base64")
    try:
        admin = parse_public_key(admin_key.read_text(encoding="utf-8"), admin_key)
    except FileNotFoundError:
        raise PolicyUnknownKey(f"{where} is signed by key {signer}, and no administrator key "
                               f"is installed beside it ({admin_key.name}): the signature cannot "
                               "be checked") from None
    except (OSError, UnicodeDecodeError, ConfigError) as exc:
        raise PolicyUnknownKey(f"{where}: the administrator key {admin_key} cannot be read "
                               f"({exc})") from None
    if signer != admin.key_id:
        raise PolicyUnknownKey(f"{where} is signed by an unknown key {signer}, not by the "
                               f"administrator key {admin.key_id} installed beside it")
    try:
        admin.public_key().verify(signature, canonical_bytes(fields))
    except InvalidSignature:
        raise PolicyTampered(f"{where} was changed after it was signed: its signature does not "
                             f"match the administrator key {admin.key_id}") from None
    return admin.key_id


_BOOLS = ("allow_unsigned_models", "require_encryption", "audit_content", "serve_off_loopback",
          "health_probe_open")
KNOWN_FIELDS = (*_BOOLS, "safety", "trusted_keys", "allowed_models", "sync_server",
                "sync_ca_bundle", "retention_days", "roles", "locked_settings", "tools",
                *_SIGNATURE_FIELDS)


def parse_policy(fields: Mapping[str, Any], source: str) -> Policy:
    """The policy's fields, type-checked; PolicyMalformed names the first mistake."""

    def fail(where: str, problem: str) -> PolicyMalformed:
        return PolicyMalformed(f"the administrator's policy {source}: {where} {problem}")

    for name in fields:
        if name not in KNOWN_FIELDS:
            close = difflib.get_close_matches(name, KNOWN_FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise fail(name, f"is not a policy field{hint}")
    fmt = fields.get("format", POLICY_FORMAT)
    if fmt != POLICY_FORMAT:
        raise fail("format", f"is {fmt!r}; this version reads {POLICY_FORMAT!r}")
    values: dict[str, Any] = {}
    for name in _BOOLS:
        if name in fields:
            if not isinstance(fields[name], bool):
                raise fail(name, "must be true or false")
            values[name] = fields[name]
    try:
        values["safety"] = parse_safety(fields.get("safety"), source)
    except ConfigError as exc:
        raise PolicyMalformed(str(exc)) from None
    values["trusted_keys"] = _trusted_keys(fields.get("trusted_keys", []), fail)
    allowed = fields.get("allowed_models", [])
    if not isinstance(allowed, list) or not all(isinstance(h, str) and _HEX64.fullmatch(h.lower())
                                                for h in allowed):
        raise fail("allowed_models", "must be a list of SHA-256 digests (64 hex digits)")
    values["allowed_models"] = frozenset(h.lower() for h in allowed)
    server = fields.get("sync_server")
    if server is not None and (not isinstance(server, str)
                               or not re.match(r"https?://[^\s/]+", server)):
        raise fail("sync_server", "must be an http:// or https:// address")
    ca = fields.get("sync_ca_bundle")
    if ca is not None and (not isinstance(ca, str) or not ca.strip()):
        raise fail("sync_ca_bundle", "must be the path of a PEM file")
    values.update(sync_server=server, sync_ca_bundle=ca)
    days = fields.get("retention_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        raise fail("retention_days", "must be a whole number of days, at least 1")
    values["retention_days"] = days
    values["roles"] = parse_roles(fields.get("roles"), fail)
    values["locked_settings"] = _locked_settings(fields.get("locked_settings", {}), fail)
    values["tools"] = _tools(fields.get("tools", {}), fail)
    signer, signed_at = fields.get("signer"), fields.get("signed_at")
    return Policy(**values, source=source,
                  signer=signer if isinstance(signer, str) else None,
                  signed_at=signed_at if isinstance(signed_at, str) else None)


def _trusted_keys(raw: Any, fail: Any) -> tuple[str, ...]:
    from app.security.keys import parse_public_key

    if not isinstance(raw, list):
        raise fail("trusted_keys", "must be a list of public keys ('autoglm-ed25519 <key> <name>')")
    lines = []
    for i, text in enumerate(raw):
        try:
            if not isinstance(text, str):
                raise ConfigError("not a string")
            lines.append(parse_public_key(text).public_line())
        except ConfigError:
            raise fail(f"trusted_keys[{i}]", "is not a public key ('autoglm-ed25519 <base64 "
                       "key> <name>', as in a .pub file)") from None
    return tuple(lines)


def _locked_settings(raw: Any, fail: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise fail("locked_settings", "must be an object: setting name → the value it keeps")
    out = {}
    for name, value in raw.items():
        try:
            decl = SETTINGS.get(name)
            out[name] = decl.coerce(value)
        except ConfigError as exc:
            raise fail(f"locked_settings.{name}:", str(exc)) from None
    return out


_TOOLS_FIELDS = ("enabled", "allowed", "mcp_servers", "api_function_calling")


def _tools(raw: Any, fail: Any) -> ToolsPolicy:
    if not isinstance(raw, dict):
        raise fail("tools", "must be an object: enabled, allowed, mcp_servers, "
                   "api_function_calling")
    for name in raw:
        if name not in _TOOLS_FIELDS:
            close = difflib.get_close_matches(name, _TOOLS_FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise fail(f"tools.{name}", f"is not a tools field{hint}")
    for name in ("enabled", "mcp_servers", "api_function_calling"):
        if name in raw and not isinstance(raw[name], bool):
            raise fail(f"tools.{name}", "must be true or false")
    allowed = raw.get("allowed")
    if allowed is not None and (not isinstance(allowed, list) or not all(
            isinstance(g, str) and g.strip() for g in allowed)):
        raise fail("tools.allowed", "must be a list of tool names or globs ('files.*')")
    return ToolsPolicy(enabled=raw.get("enabled", True),
                       allowed=None if allowed is None else tuple(g.strip() for g in allowed),
                       mcp_servers=raw.get("mcp_servers", True),
                       api_function_calling=raw.get("api_function_calling", True))


def check_tool_allowed(policy: Policy, name: str, *, from_mcp: bool = False) -> None:
    """ToolForbidden, naming the policy, unless it lets the model call ``name``."""
    if not policy.tools.permits(name, from_mcp=from_mcp):
        raise ToolForbidden(f"{name}: not allowed by the administrator's policy "
                            f"({policy.source}): {policy.tools.why_not(name, from_mcp=from_mcp)}")


# -- signing (for administrators) --------------------------------------------------------------

def sign_policy(fields: Mapping[str, Any], key_file: Path, passphrase: str | None = None
                ) -> dict[str, Any]:
    """``fields`` checked and signed with the private key in ``key_file``: the document to
    write as the policy file. A policy that would be rejected is not signed."""
    from app.security.keys import load_private_key, sign_fields, signer_id

    body = {k: v for k, v in fields.items() if k not in _SIGNATURE_FIELDS}
    parse_policy(body, "to sign")  # the same checks as loading: never sign a broken policy
    key = load_private_key(key_file, passphrase)
    signed: dict[str, Any] = {"format": POLICY_FORMAT, **body, "signer": signer_id(key),
                              "signed_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    signed["signature"] = sign_fields(key, signed)
    return signed


def policy_text(document: Mapping[str, Any]) -> str:
    """How a signed policy is written to disk (any layout verifies: the signature covers the
    canonical form)."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# -- decisions every door shares ---------------------------------------------------------------

def check_allow_unsigned(requested: bool, policy: Policy | None = None) -> bool:
    """The one switch for loading unsigned models: the user's wish, unless policy forbids."""
    if not requested:
        return False
    policy = policy or load_policy()
    if not policy.allow_unsigned_models:
        raise UnsignedNotAllowed(
            f"unsigned models are not allowed by the administrator's policy ({policy.source})"
        )
    return True


def check_model_allowed(policy: Policy, name: str, sha256: str) -> None:
    """ModelNotAllowed when the policy lists allowed models and this is not one."""
    if policy.allowed_models and sha256.lower() not in policy.allowed_models:
        raise ModelNotAllowed(
            f"{name}: not allowed by the administrator's policy ({policy.source}): its SHA-256 "
            f"{sha256[:16]}… is not among the {len(policy.allowed_models)} allowed models"
        )


def trust_for_models(policy: Policy, user_trust: TrustStore) -> TrustStore:
    """The keys whose model signatures count: the user's trust store, or, where the policy
    pins keys, those keys and no others."""
    if not policy.trusted_keys:
        return user_trust
    from app.security.keys import TrustStore

    return TrustStore([], None, policy.trusted_keys, include_shipped=False)


def check_signer_pinned(policy: Policy, model: Path) -> None:
    """UntrustedSigner, naming the policy, when it pins model-signing keys and the model's
    manifest is signed by another (a missing or broken manifest is the signature check's
    to report)."""
    if not policy.trusted_keys:
        return
    from app.security.keys import parse_public_key
    from app.security.manifest import find_manifest, load_manifest

    found = find_manifest(model)
    if found is None:
        return
    try:
        signer = load_manifest(found, model.name).signer
    except ModelRefused:
        return
    pinned = {parse_public_key(line).key_id for line in policy.trusted_keys}
    if signer not in pinned:
        raise UntrustedSigner(
            f"{model.name}: untrusted signer: it is signed by key {signer}, which the "
            f"administrator's policy ({policy.source}) does not pin (pinned: "
            f"{', '.join(sorted(pinned))})"
        )
