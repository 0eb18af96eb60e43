"""The audit log's record format and its proofs: the canonical encoding, the HMAC-SHA256
chain, Ed25519-signed checkpoints, and the verification that finds the first record
that was edited, removed, reordered or cut off.

Plain Python over value objects: where records are kept is app.store.audit's business.

Each record's MAC is HMAC-SHA256(audit key, previous MAC || canonical encoding), so
a record cannot be changed, removed or moved without the key. A checkpoint signs
(sequence, head MAC, digest) with the installation's Ed25519 key; the digest is a
keyless SHA-256 chain over the same encodings, so that an exported log can be checked
on another machine with the public key alone. Removing the newest records leaves a
shorter chain that is still valid: only a checkpoint kept elsewhere reveals that.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

GENESIS = "00" * 32  # the "previous MAC" (and digest) of the first record
FORMAT = "open-autoglm audit"
FORMAT_VERSION = 1


def os_actor() -> str:
    """Who a record says did it, for what the user of this machine did: ``os:<login>``."""
    try:
        return "os:" + getpass.getuser()
    except (KeyError, OSError):
        return "os:unknown"


def api_actor(key_id_: str | None) -> str:
    """Who a record says did it, for a request to the API: its key, or none."""
    return f"api-key:{key_id_}" if key_id_ else "api:no-key"


@dataclass(frozen=True)
class AuditEntry:
    """One record: who did what to which object, and how it ended.

    ``object`` names things by id (``model:<sha256>``, ``conversation:<uuid>``), never
    by their text; ``details`` holds ids and counts.
    """

    seq: int
    time: datetime
    actor: str
    action: str
    object: str
    outcome: str
    details: dict[str, Any] = field(default_factory=dict)
    mac: str = ""

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "time": _iso(self.time)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> AuditEntry:
        return cls(
            seq=int(raw["seq"]), time=_parse_time(str(raw["time"])), actor=str(raw["actor"]),
            action=str(raw["action"]), object=str(raw["object"]), outcome=str(raw["outcome"]),
            details=dict(raw.get("details") or {}), mac=str(raw.get("mac", "")),
        )


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the log held ``seq`` records, ending in ``mac``, with ``digest``."""

    seq: int
    mac: str
    digest: str
    time: datetime
    installation_id: str
    key_id: str
    signature: str = ""  # base64 Ed25519 over the canonical encoding of the fields above

    def signed_bytes(self) -> bytes:
        body = {"format": FORMAT, "seq": self.seq, "mac": self.mac, "digest": self.digest,
                "time": _iso(self.time), "installation_id": self.installation_id,
                "key_id": self.key_id}
        return _canonical_json(body)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "time": _iso(self.time)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Checkpoint:
        return cls(
            seq=int(raw["seq"]), mac=str(raw["mac"]), digest=str(raw["digest"]),
            time=_parse_time(str(raw["time"])), installation_id=str(raw["installation_id"]),
            key_id=str(raw["key_id"]), signature=str(raw.get("signature", "")),
        )


@dataclass(frozen=True)
class Verdict:
    """What verification found: ``first_bad`` is the first sequence number that cannot be
    trusted (None when the log is intact), ``reason`` says why in words."""

    records: int
    last_seq: int
    checkpoints: int
    first_bad: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad is None

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


# -- encoding and chaining -------------------------------------------------------------------

def _iso(t: datetime) -> str:
    if t.tzinfo is not UTC:
        t = t.astimezone(UTC)
    return t.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# One encoder, made once: json.dumps with options builds a new one on every call, which
# is a third of what verifying a record costs.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)


def _canonical_json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


def canonical(entry: AuditEntry) -> bytes:
    """The bytes the MAC covers: every field but the MAC, as JSON with sorted keys, no spaces."""
    return _canonical_json({
        "seq": entry.seq, "time": _iso(entry.time), "actor": entry.actor,
        "action": entry.action, "object": entry.object, "outcome": entry.outcome,
        "details": entry.details,
    })


def chain_mac(key: bytes, previous_mac: str, entry: AuditEntry,
              encoded: bytes | None = None) -> str:
    """HMAC-SHA256 over the previous MAC and this record (``encoded``: its canonical
    bytes, when the caller has them already)."""
    body = bytes.fromhex(previous_mac) + (encoded or canonical(entry))
    return hmac.digest(key, body, "sha256").hex()


def chain_digest(previous: str, entry: AuditEntry, encoded: bytes | None = None) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + (encoded or canonical(entry))).hexdigest()


def seal(key: bytes, previous_mac: str, entry: AuditEntry) -> AuditEntry:
    """``entry`` with its MAC, chained on the record before it."""
    return replace(entry, mac=chain_mac(key, previous_mac, entry))


# -- checkpoints -----------------------------------------------------------------------------

def public_key_of(private_key: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = Ed25519PrivateKey.from_private_bytes(private_key)
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def new_signing_key() -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    return Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def sign_checkpoint(private_key: bytes, checkpoint: Checkpoint) -> Checkpoint:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = Ed25519PrivateKey.from_private_bytes(private_key)
    signature = signer.sign(checkpoint.signed_bytes())
    return replace(checkpoint, signature=base64.b64encode(signature).decode("ascii"))


def checkpoint_signed(public_key: bytes, checkpoint: Checkpoint) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, checkpoint.signed_bytes())
    except (InvalidSignature, ValueError):
        return False
    return True


def digest_upto(entries: Sequence[AuditEntry], start: str = GENESIS) -> str:
    digest = start
    for entry in entries:
        digest = chain_digest(digest, entry)
    return digest


# -- verification ----------------------------------------------------------------------------

def verify_entries(
    entries: Iterable[AuditEntry],
    *,
    key: bytes | None,
    public_key: bytes,
    checkpoints: Sequence[Checkpoint] = (),
) -> Verdict:
    """Check the chain of ``entries`` (in sequence order) and every checkpoint.

    With the audit ``key`` each record's MAC is checked against the stored MAC of the
    one before, so the first record that fails is the one that was touched. Without it
    (an export checked on another machine) records are checked through the
    checkpoints' digests, and a failure is placed just after the last good checkpoint.
    """
    rows = list(entries)
    points = sorted(checkpoints, key=lambda c: c.seq)
    for point in points:
        if not checkpoint_signed(public_key, point):
            return _bad(rows, points, point.seq,
                        f"the checkpoint at record {point.seq} does not carry a valid signature "
                        f"of this installation's audit key {key_id(public_key)}")
    at = {p.seq: p for p in points}
    macs = {e.seq: e.mac for e in rows}
    previous_mac = digest = GENESIS
    last_good_point = 0
    expected = 1
    for entry in rows:
        if entry.seq != expected:
            if entry.seq > expected:
                why = (f"record {expected} is missing (deleted)" if expected + 1 == entry.seq
                       else f"records {expected} to {entry.seq - 1} are missing (deleted)")
            else:
                why = f"record {entry.seq} appears twice or out of order"
            return _bad(rows, points, min(expected, entry.seq), why)
        encoded = canonical(entry)
        if key is not None and not hmac.compare_digest(
                chain_mac(key, previous_mac, entry, encoded), entry.mac):
            return _bad(rows, points, entry.seq, _why_mac_fails(key, entry, macs))
        if key is None:  # with the key, the MAC chain already covers what the digest does
            digest = chain_digest(digest, entry, encoded)
        point = at.get(entry.seq)
        if point is not None:
            if point.mac != entry.mac or (key is None and point.digest != digest):
                first = entry.seq if key is not None else last_good_point + 1
                return _bad(rows, points, first,
                            f"records up to {entry.seq} differ from the checkpoint signed at "
                            f"{_iso(point.time)}: they were rewritten")
            last_good_point = entry.seq
        previous_mac = entry.mac
        expected += 1
    last = expected - 1
    beyond = [p for p in points if p.seq > last]
    if beyond:
        point = beyond[-1]
        return _bad(rows, points, last + 1,
                    f"the log ends at record {last}, but a checkpoint signed at "
                    f"{_iso(point.time)} covers records up to {point.seq}: records {last + 1} "
                    f"to {point.seq} were removed (the tail was truncated)")
    return Verdict(len(rows), last, len(points))


def _why_mac_fails(key: bytes, entry: AuditEntry, macs: dict[int, str]) -> str:
    """Tell a moved record from an edited one: does it fit its MAC at another place?

    Its former predecessor is the record now just before that place, or (when two
    neighbours were swapped) the one now in it.
    """
    for seq in macs:
        if seq == entry.seq:
            continue
        moved = replace(entry, seq=seq)
        for previous in {macs.get(seq - 1, GENESIS), macs[seq]}:
            if hmac.compare_digest(chain_mac(key, previous, moved), entry.mac):
                return f"record {entry.seq} was written as record {seq}: records were reordered"
    return (f"record {entry.seq} does not match its MAC: a field of it was changed "
            "(or a record before it was removed and the rest renumbered)")


def _bad(rows: Sequence[AuditEntry], points: Sequence[Checkpoint], seq: int, why: str) -> Verdict:
    last = rows[-1].seq if rows else 0
    return Verdict(len(rows), last, len(points), seq, why)
