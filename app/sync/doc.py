"""A conversation as the sync server holds it, and how two copies merge.

One resource per conversation: its fields and all its messages (a message is the
unit of change, a conversation is the unit of transfer, so a sync with nothing to do
costs a listing and a sync of one new reply costs one PUT).

Every field and every message carries a stamp ``[time, version, device]``; a merge is
a pure function of the two copies and the last agreed one (the base):

- messages are a union by id; where both sides hold one, the later stamp wins, and if
  both changed it since the base, the other text is kept as a conflict to restore;
- a field changed on both sides keeps the later value and records the other;
- a deleted message or conversation is a tombstone: it wins over unchanged copies and
  loses to later edits (a conversation edited after it was deleted elsewhere comes
  back, with the messages deleted along with it, and the user is told);
- tombstones carry identity and tree position only, never text.

The merge is commutative, associative and idempotent, so devices that sync in any
order, any number of times, end equal.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.store.records import ConversationRecord, MessageRecord

FORMAT = 1
FIELDS = (
    "title",
    "system_prompt",
    "model",
    "settings",
    "summary",
    "summary_upto_message_id",
    "deleted",
)
Stamp = list[Any]  # [ISO time, version, device]
Doc = dict[str, Any]


def stamp_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _key(stamp: Stamp, value: Any) -> tuple[Any, ...]:
    blob = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return (stamp[0], stamp[1], stamp[2] if len(stamp) > 2 else "", blob)


@dataclass
class Conflict:
    kind: str  # "field", "message" or "deleted"
    item: str
    kept: Any
    other: Any


@dataclass
class Merge:
    doc: Doc
    conflicts: list[Conflict] = field(default_factory=list)


def base_of(doc: Doc) -> Doc:
    """What is kept locally as the merge base: field values and stamps, message stamps."""
    return {
        "fields": doc["fields"],
        "messages": {mid: m["s"] for mid, m in doc["messages"].items()},
    }


def local_doc(
    conv: ConversationRecord, messages: list[MessageRecord], base: Doc | None, device: str
) -> Doc:
    """This device's copy of a conversation, stamped against the base."""
    base_fields = (base or {}).get("fields", {})
    now_stamp = [stamp_time(conv.updated_at), conv.version, device]
    fields = {}
    for name in FIELDS:
        value = getattr(conv, name)
        known = base_fields.get(name)
        if known is not None and known["v"] == value:
            fields[name] = known
        else:
            fields[name] = {"v": value, "s": now_stamp}
    out: dict[str, Any] = {}
    for m in messages:
        if m.status == "streaming":
            continue  # sent once finished
        stamp = [stamp_time(m.updated_at), m.version, ""]
        tree = {"c": stamp_time(m.created_at), "p": m.parent_id, "r": m.role}
        if m.deleted:
            with_conversation = conv.deleted and m.updated_at == conv.updated_at
            out[m.id] = {
                "s": stamp,
                "deleted": True,
                "wc": with_conversation,
                "x": m.content == "",  # erased: other devices blank their copy too
                **tree,
            }
        else:
            out[m.id] = {
                "s": stamp,
                "deleted": False,
                **tree,
                "m": {
                    "content": m.content,
                    "token_count": m.token_count,
                    "model": m.model,
                    "sampling": m.sampling,
                    "stats": m.stats,
                    "status": m.status,
                },
            }
    return {
        "format": FORMAT,
        "id": conv.id,
        "created_at": stamp_time(conv.created_at),
        "fields": fields,
        "messages": out,
    }


def _later(a: dict[str, Any], b: dict[str, Any], value_key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ka, kb = _key(a["s"], a.get(value_key)), _key(b["s"], b.get(value_key))
    return (a, b) if ka >= kb else (b, a)


def merge(local: Doc, remote: Doc | None, base: Doc | None) -> Merge:
    """The union of two copies (see the module's notes); ``remote`` None: ours alone."""
    if remote is None:
        return Merge(local)
    base = base or {"fields": {}, "messages": {}}
    result = Merge({**local, "fields": {}, "messages": {}})
    for name in FIELDS:
        mine, theirs = local["fields"].get(name), remote["fields"].get(name)
        if mine is None or theirs is None:
            result.doc["fields"][name] = mine or theirs
            continue
        kept, other = _later(mine, theirs, "v")
        result.doc["fields"][name] = kept
        known = base["fields"].get(name)
        if (
            name != "deleted"
            and mine["v"] != theirs["v"]
            and (known is None or (mine["v"] != known["v"] and theirs["v"] != known["v"]))
        ):
            result.conflicts.append(Conflict("field", name, kept["v"], other["v"]))
    for mid in sorted(set(local["messages"]) | set(remote["messages"])):
        mine, theirs = local["messages"].get(mid), remote["messages"].get(mid)
        if mine is None or theirs is None:
            result.doc["messages"][mid] = mine or theirs
            continue
        kept, other = _later(mine, theirs, "m")
        result.doc["messages"][mid] = kept
        if kept["s"] == other["s"] or kept.get("m") == other.get("m"):
            continue
        known = base["messages"].get(mid)
        if kept["deleted"] and not other["deleted"]:
            continue  # a delete later than the copy it replaces: what the user asked
        if not kept["deleted"] and other["deleted"]:
            result.conflicts.append(Conflict("deleted", mid, _text(kept), None))
        elif known is None or (mine["s"] != known and theirs["s"] != known):
            result.conflicts.append(Conflict("message", mid, _text(kept), _text(other)))
    _revive_if_edited_after_delete(result, local, remote)
    return result


def _text(message: dict[str, Any]) -> str | None:
    return (message.get("m") or {}).get("content")


def _revive_if_edited_after_delete(result: Merge, local: Doc, remote: Doc) -> None:
    deleted = result.doc["fields"].get("deleted")
    if not deleted or not deleted["v"]:
        return
    when = deleted["s"]
    later = [f["s"] for n, f in result.doc["fields"].items() if n != "deleted" and f["s"] > when]
    later += [m["s"] for m in result.doc["messages"].values() if not m["deleted"] and m["s"] > when]
    if not later:
        return
    top = max(later)
    result.doc["fields"]["deleted"] = {"v": False, "s": [top[0], top[1] + 1, top[2]]}
    result.conflicts.append(Conflict("deleted", "conversation", "kept: edited after it was deleted", None))
    # The messages deleted along with it come back, from whichever side still has them.
    for mid, m in list(result.doc["messages"].items()):
        if not (m["deleted"] and m.get("wc")):
            continue
        for side in (local, remote):
            copy = side["messages"].get(mid)
            if copy and not copy["deleted"]:
                result.doc["messages"][mid] = {**copy, "s": [m["s"][0], m["s"][1] + 1, m["s"][2]]}
                break


def same(a: Doc | None, b: Doc | None) -> bool:
    """Whether two copies hold the same state (what a PUT or a local write would change)."""
    if a is None or b is None:
        return a is b
    return a["fields"] == b["fields"] and a["messages"] == b["messages"]


def digest(doc: Doc) -> str:
    blob = json.dumps([doc["fields"], doc["messages"]], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
