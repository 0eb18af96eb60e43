"""The processing records: what the app processes, why, on what legal basis, for how long,
where it is kept and whether it leaves the computer — as data in one place, shown by the
Privacy dialog and printed by ``autoglm privacy records``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.config import N_

if TYPE_CHECKING:
    from app.services.context import AppContext

RECORDS_FORMAT = "open-autoglm.processing-records"


@dataclass(frozen=True)
class ProcessingRecord:
    """One kind of data the app processes: what, why, on what legal basis, for how long,
    where it is kept and whether it leaves the machine. Texts are English, marked for
    translation where shown; ``{days}`` and the paths are filled in by ``fill``."""

    key: str
    data: str
    purpose: str
    legal_basis: str
    retention: str
    location: str
    leaves_machine: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


CONTRACT = N_("Contract: the service you use the app for (GDPR Art. 6(1)(b))")
LEGITIMATE = N_("Legitimate interest: keeping the app and your data secure (GDPR Art. 6(1)(f))")
NOWHERE = N_("No")

# The one list of what the app processes. A new kind of stored data adds a line here.
RECORDS: tuple[ProcessingRecord, ...] = (
    ProcessingRecord(
        "conversations",
        N_("Conversations: titles, your messages, the model's replies, system prompts and "
           "summaries"),
        N_("To show, search and continue your conversations with the model"),
        CONTRACT, "", N_("The encrypted database {database}"),
        N_("Only to the sync server your organisation set up, encrypted")),
    ProcessingRecord(
        "documents",
        N_("Documents: file paths, sizes, hashes, and the passages read from them"),
        N_("To answer your questions from your documents, citing them"),
        CONTRACT, N_("Until you remove them, or erase your data"),
        N_("The encrypted database {database}"), NOWHERE),
    ProcessingRecord(
        "settings",
        N_("Settings: your preferences, including your system prompt"),
        N_("To run the app the way you chose"),
        CONTRACT, N_("Until you change them, or erase your data"),
        N_("{settings}, and the encrypted database {database}"), NOWHERE),
    ProcessingRecord(
        "audit",
        N_("Audit log: who did what and when (your user name or an API key's id, actions, "
           "ids of records, counts); never the text of your messages"),
        N_("To prove what the app did with your data (accountability)"),
        N_("Legal obligation or legitimate interest: accountability (GDPR Art. 5(2))"),
        N_("As long as the database; erasure keeps it, as it holds no content"),
        N_("The encrypted database {database}"), NOWHERE),
    ProcessingRecord(
        "api_keys",
        N_("API keys of the local server: names, ids, creation times and a hash of each key"),
        N_("To let only the programs you allowed use the local server"),
        LEGITIMATE, N_("Until you revoke them"), "{api_keys}", NOWHERE),
    ProcessingRecord(
        "sync_outbox",
        N_("Changes waiting for the sync server: copies of changed conversations and "
           "messages, and tombstones (ids only) of erased ones"),
        N_("To synchronise your work when a server can be reached"),
        CONTRACT, N_("Until the server has accepted them"),
        N_("The encrypted database {database}"),
        N_("Only to the sync server your organisation set up, encrypted")),
    ProcessingRecord(
        "keys",
        N_("Keys: the database key, the audit log's keys and this installation's id"),
        N_("To encrypt your data at rest and sign the audit log"),
        LEGITIMATE, N_("As long as the data they protect"), "{keys}", NOWHERE),
    ProcessingRecord(
        "backups",
        N_("Copies of the database taken before an upgrade"),
        N_("To give your data back if an upgrade fails"),
        LEGITIMATE, N_("The newest three are kept; erasure removes them"),
        N_("{data} (files ending in .bak), encrypted"), NOWHERE),
    ProcessingRecord(
        "logs",
        N_("Application log: errors and events, never your messages or the replies"),
        N_("To find the cause of a problem"),
        LEGITIMATE, N_("Rotated: the oldest files are removed as new ones are written"),
        "{logs}", NOWHERE),
)
RETENTION_KEPT = N_("Until you delete them; no retention period is set")
RETENTION_DAYS = N_("Erased {days} days after their last change, or when you erase your data")


def processing_records(ctx: AppContext) -> list[ProcessingRecord]:
    """The records with the conversations' retention as it stands (texts untranslated)."""
    from app.services.retention import retention

    days = retention(ctx).days
    out = []
    for record in RECORDS:
        if record.key == "conversations":
            record = ProcessingRecord(**{**asdict(record),
                                         "retention": RETENTION_DAYS if days else RETENTION_KEPT})
        out.append(record)
    return out


def record_places(ctx: AppContext) -> dict[str, str]:
    """What the ``{…}`` names in the records' texts stand for on this machine."""
    from app.services.retention import retention

    return {
        "database": str(ctx.paths.database), "settings": str(ctx.paths.settings_file),
        "api_keys": str(ctx.api_keys.path), "logs": str(ctx.paths.logs),
        "data": str(ctx.paths.data), "keys": _where_keys(ctx),
        "days": str(retention(ctx).days),
    }


def fill(text: str, places: dict[str, str]) -> str:
    """A record's text (translated or not) with its ``{…}`` names filled in."""
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def records_document(ctx: AppContext) -> dict[str, Any]:
    """The processing records as one JSON document (``autoglm privacy records``)."""
    from app.services.retention import retention

    places = record_places(ctx)
    ret = retention(ctx)
    return {
        "format": RECORDS_FORMAT, "version": 1,
        "generated_at": datetime.now(UTC).isoformat(),
        "retention_days": ret.days, "retention_locked_by": ret.locked_by,
        "records": [{k: fill(v, places) for k, v in r.as_json().items()}
                    for r in processing_records(ctx)],
    }


def _where_keys(ctx: AppContext) -> str:
    try:
        return ctx.secrets.where().describe()
    except Exception:  # noqa: BLE001 - describing must never fail the records
        return "the system keyring"
