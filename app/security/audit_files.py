"""The audit log's files that leave the machine: exports (JSON lines with the public key)
and checkpoint files, read back and checked with no secret at all."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.errors import AppError
from app.security.audit import (
    FORMAT,
    FORMAT_VERSION,
    AuditEntry,
    Checkpoint,
    Verdict,
    checkpoint_signed,
    key_id,
    verify_entries,
)


class AuditFileError(AppError):
    """A checkpoint or export file that cannot be read, or was not signed by this installation."""

    exit_code = 71
    code = "audit_file_error"


def header(public_key: bytes, installation_id: str) -> dict[str, Any]:
    """The first line of an export (and the frame of a checkpoint file)."""
    return {"type": "header", "format": FORMAT, "version": FORMAT_VERSION,
            "installation_id": installation_id,
            "public_key": base64.b64encode(public_key).decode("ascii"),
            "key_id": key_id(public_key),
            "exported_at": datetime.now(UTC).isoformat()}


def line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n"


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise AuditFileError(f"Cannot read {path}: {err.strerror or err}.") from None
    try:
        whole = json.loads(text)  # a checkpoint file is one document
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        yield whole
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError as err:
            raise AuditFileError(
                f"{path} is not an audit checkpoint or export (line {n}: {err})."
            ) from None
        if not isinstance(doc, dict):
            raise AuditFileError(f"{path} is not an audit checkpoint or export (line {n}).")
        yield doc


def read_checkpoints(path: Path, public_key: bytes | None = None) -> list[Checkpoint]:
    """The checkpoints in a checkpoint file or an export; each must be signed by
    ``public_key`` (this installation's), or the file is refused."""
    points: list[Checkpoint] = []
    try:
        for doc in _read_lines(path):
            if doc.get("type") == "checkpoint-file":
                points.append(Checkpoint.from_json(doc["checkpoint"]))
            elif doc.get("type") == "checkpoint":
                points.append(Checkpoint.from_json(doc))
    except (KeyError, TypeError, ValueError) as err:
        raise AuditFileError(f"{path} holds a damaged checkpoint ({err}).") from None
    if not points:
        raise AuditFileError(f"{path} holds no audit checkpoint.")
    if public_key is not None:
        for point in points:
            if point.key_id != key_id(public_key) or not checkpoint_signed(public_key, point):
                raise AuditFileError(
                    f"The checkpoint for record {point.seq} in {path} is not signed by this "
                    f"installation's audit key {key_id(public_key)}: it was altered, or it "
                    "comes from another installation."
                )
    return points


def verify_export(path: Path) -> Verdict:
    """Check an export anywhere, with the public key it names and no secret: signatures,
    sequence, and every record against the digests the checkpoints sign."""
    header: dict[str, Any] | None = None
    entries: list[AuditEntry] = []
    points: list[Checkpoint] = []
    try:
        for doc in _read_lines(path):
            kind = doc.get("type")
            if kind == "header":
                header = doc
            elif kind == "record":
                entries.append(AuditEntry.from_json(doc))
            elif kind == "checkpoint":
                points.append(Checkpoint.from_json(doc))
    except (KeyError, TypeError, ValueError) as err:
        raise AuditFileError(f"{path} holds a damaged line ({err}).") from None
    if header is None or header.get("format") != FORMAT:
        raise AuditFileError(f"{path} is not an audit export (no header line).")
    public_key = base64.b64decode(str(header["public_key"]))
    return verify_entries(entries, key=None, public_key=public_key, checkpoints=points)
