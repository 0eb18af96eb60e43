"""The audit log: an untouched log verifies; an edited field, a record deleted in the
middle, two records reordered and a cut-off tail are each reported by `autoglm audit
verify` with the first bad sequence number; an export checks out with its public key."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import main
from app.services.audit import AuditTrail, record, verify_export
from app.services.context import AppContext, open_context

N_RECORDS = 24
FIELDS = ("time", "actor", "action", "object", "outcome", "details", "mac")


@pytest.fixture
def ctx(isolate: Path) -> Iterator[AppContext]:
    context = open_context(isolate)
    for i in range(1, N_RECORDS + 1):
        record(context, "model.load" if i % 3 else "api.request", f"model:{i:064x}",
               "ok" if i % 5 else "refused", {"n": i, "tokens": i * 7})
    yield context
    context.audit.close()


def sql(trail: AuditTrail, *statements: str) -> None:
    """What someone holding the database key could do: drop the triggers, then change rows."""
    with trail.store().engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        for table in ("audit_records", "audit_checkpoints"):
            for event in ("update", "delete"):
                raw.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
        for statement in statements:
            raw.execute(statement)
        raw.commit()


def verify_cli(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_untouched_log_verifies(ctx: AppContext, capsys: pytest.CaptureFixture[str]) -> None:
    code, said = verify_cli(capsys)
    assert code == 0, said
    assert f"intact: {N_RECORDS} records" in said
    assert [e.seq for e in ctx.audit.list(limit=3)] == [24, 23, 22]


def test_the_database_refuses_to_update_or_delete_records(ctx: AppContext) -> None:
    from sqlalchemy.exc import DBAPIError

    for statement in ("UPDATE audit_records SET outcome = 'ok' WHERE seq = 5",
                      "DELETE FROM audit_records WHERE seq = 5"):
        with pytest.raises(DBAPIError, match="append-only"), \
                ctx.audit.store().engine.begin() as conn:
            conn.exec_driver_sql(statement)
    assert ctx.audit.verify().ok


def _changed(field: str, seq: int) -> str:
    return {
        "time": "'2020-01-01 00:00:00.000000'",
        "actor": "'os:mallory'",
        "action": "'settings.change'",
        "object": "'model:forged'",
        "outcome": "'forged'",
        "details": f"'{{\"n\": {seq}, \"tokens\": 0}}'",
        "mac": "'" + "ab" * 32 + "'",
    }[field]


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(1, N_RECORDS), field=st.sampled_from(FIELDS))
def test_editing_any_field_of_any_record_is_found_at_that_record(
    ctx: AppContext, seq: int, field: str
) -> None:
    with ctx.audit.store().engine.connect() as conn:
        original = conn.exec_driver_sql(
            f"SELECT quote({field}) FROM audit_records WHERE seq = {seq}").scalar()
    sql(ctx.audit, f"UPDATE audit_records SET {field} = {_changed(field, seq)} WHERE seq = {seq}")
    try:
        verdict = ctx.audit.verify()
        assert verdict.first_bad == seq, (field, verdict)
        assert "changed" in verdict.reason
    finally:
        sql(ctx.audit, f"UPDATE audit_records SET {field} = {original} WHERE seq = {seq}")
    assert ctx.audit.verify().ok  # put back as it was, it holds again


def test_an_edited_record_fails_the_command(ctx: AppContext,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    sql(ctx.audit, "UPDATE audit_records SET outcome = 'ok' WHERE seq = 10")
    code, said = verify_cli(capsys)
    assert code == 72
    assert "fails at record 10: record 10 does not match its MAC: a field of it was changed" in said


def test_a_record_deleted_in_the_middle_is_named(ctx: AppContext,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    sql(ctx.audit, "DELETE FROM audit_records WHERE seq = 7")
    code, said = verify_cli(capsys)
    assert code == 72
    assert "fails at record 7: record 7 is missing (deleted)" in said


def test_a_deletion_hidden_by_renumbering_is_found(ctx: AppContext) -> None:
    sql(ctx.audit, "DELETE FROM audit_records WHERE seq = 7",
        "UPDATE audit_records SET seq = seq - 1 WHERE seq > 7")
    verdict = ctx.audit.verify()
    assert verdict.first_bad == 7


@pytest.mark.parametrize(("a", "b"), [(5, 9), (12, 13)])
def test_two_reordered_records_are_found_at_the_first(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], a: int, b: int
) -> None:
    sql(ctx.audit, f"UPDATE audit_records SET seq = -1 WHERE seq = {a}",
        f"UPDATE audit_records SET seq = {a} WHERE seq = {b}",
        f"UPDATE audit_records SET seq = {b} WHERE seq = -1")
    code, said = verify_cli(capsys)
    assert code == 72
    assert f"fails at record {a}: record {a} was written as record {b}: records were reordered" in said


def test_a_cut_off_tail_is_found_only_against_an_exported_checkpoint(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kept = tmp_path / "kept-elsewhere.json"
    assert main(["audit", "checkpoint", "-o", str(kept)]) == 0
    assert json.loads(kept.read_text())["checkpoint"]["seq"] == N_RECORDS
    record(ctx, "settings.change", "setting:theme")  # the log goes on after it
    # Whoever cuts the tail also removes the checkpoints kept in the database.
    sql(ctx.audit, "DELETE FROM audit_records WHERE seq > 20", "DELETE FROM audit_checkpoints")
    assert verify_cli(capsys)[0] == 0  # a shorter chain is still a valid chain
    code, said = verify_cli(capsys, "--checkpoint", str(kept))
    assert code == 72
    assert ("fails at record 21: the log ends at record 20, but a checkpoint signed at") in said
    assert "records 21 to 24 were removed (the tail was truncated)" in said


def test_a_forged_checkpoint_file_is_refused(ctx: AppContext, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "checkpoint.json"
    assert main(["audit", "checkpoint", "-o", str(kept)]) == 0
    doc = json.loads(kept.read_text())
    doc["checkpoint"]["seq"] = 99  # claim more records than there were
    kept.write_text(json.dumps(doc))
    code, said = verify_cli(capsys, "--checkpoint", str(kept))
    assert code == 71
    assert "is not signed by this installation's audit key" in said


def test_checkpoints_are_signed_every_n_records_and_at_shutdown(
    isolate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import audit

    monkeypatch.setattr(audit, "CHECKPOINT_EVERY", 10)
    context = open_context(isolate)
    for i in range(25):
        record(context, "api.request", f"route:/v1/models#{i}")
    context.audit.close()  # what happens at exit
    from app.store import audit as audit_store

    with context.audit.store().session(write=False) as session:
        assert [p.seq for p in audit_store.checkpoints(session)] == [10, 20, 25]
    assert context.audit.verify().ok
    context.audit.close()


def test_an_export_checks_out_with_its_public_key_alone(ctx: AppContext, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "-o", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines[0]["type"] == "header" and lines[0]["public_key"]
    assert [x["seq"] for x in lines if x["type"] == "record"] == list(range(1, N_RECORDS + 1))
    assert verify_export(out).ok
    assert verify_cli(capsys, "--export", str(out))[0] == 0
    # Anyone editing the exported file is caught without the audit key.
    lines[9]["outcome"] = "ok" if lines[9]["outcome"] != "ok" else "refused"
    out.write_text("".join(json.dumps(x) + "\n" for x in lines))
    verdict = verify_export(out)
    assert not verdict.ok and verdict.first_bad == 1
    assert "rewritten" in verdict.reason
    # The export is also a checkpoint file: the log it was taken from is checked against it.
    assert verify_cli(capsys, "--checkpoint", str(tmp_path / "audit.jsonl"))[0] == 0


def test_list_filters_by_action_and_says_json(ctx: AppContext,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "list", "--action", "api", "--limit", "100", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [x["seq"] for x in listed] == [24, 21, 18, 15, 12, 9, 6, 3]
    assert {x["action"] for x in listed} == {"api.request"}
    assert main(["audit", "list", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""


def test_without_a_key_store_nothing_is_recorded_and_the_user_goes_on(
    isolate: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # no keyring, no passphrase: `isolate` puts it back
    context = open_context(isolate)
    assert record(context, "model.load", "model:x.gguf") is None
    assert "audit records cannot be written here" in caplog.text
    assert not context.paths.database.exists()  # nothing opened (or created) in clear for it
    code, said = verify_cli(capsys)
    assert code == 73 and "The audit log's keys cannot be read" in said


def test_the_command_in_its_own_process_exits_non_zero_with_the_first_bad_record(
    ctx: AppContext, isolate: Path
) -> None:
    import subprocess
    import sys

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app", "audit", "verify"], text=True,
                              capture_output=True, timeout=120, env=os.environ.copy())

    intact = verify()
    assert intact.returncode == 0, intact.stderr
    assert f"intact: {N_RECORDS} records" in intact.stdout
    sql(ctx.audit, "DELETE FROM audit_records WHERE seq = 12")
    broken = verify()
    assert broken.returncode == 72
    assert "autoglm: error: the audit log fails at record 12: record 12 is missing" in broken.stderr


def test_a_log_whose_keys_were_lost_is_not_taken_for_forged(
    ctx: AppContext, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from app.security.secrets import AUDIT_KEY

    ctx.secrets.delete(AUDIT_KEY)  # the keyring was reset
    again = open_context(ctx.paths.data)
    assert record(again, "model.load", "model:x.gguf") is None  # the user goes on
    assert "has records, and its keys are not in" in caplog.text
    code, said = verify_cli(capsys)
    assert code == 73
    assert "Restore the keyring from a backup" in said
    assert again.secrets.get_bytes(AUDIT_KEY) is None  # no new key made over the old records
    again.audit.close()
