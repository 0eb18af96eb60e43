"""Measures the audit log: appending records (one transaction each, as the app writes them,
and in batches) and verifying the whole chain of 100,000 records in the encrypted store.

Run: ``python bench/audit.py [--records N]``. Prints a table and ends with
``RESULT key=value …``: ``append_ms`` per record in a transaction of its own (the commit
waits for the disk), ``batch_records_s`` records per second appended in batches,
``verify_s`` seconds to verify every record and checkpoint, ``verify_records_s``,
``export_s`` seconds to export them all as JSON lines.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BATCH = 5000
SINGLE = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="autoglm-audit-bench-") as tmp:
        data = Path(tmp)
        os.environ["AUTOGLM_DATA_DIR"] = str(data)
        os.environ["AUTOGLM_POLICY_FILE"] = str(data / "no-policy.json")
        # Keys go to a passphrase-locked file in the temporary folder, never the user's keyring.
        os.environ["AUTOGLM_PASSPHRASE"] = "bench-passphrase"
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())
        from app.services.context import open_context

        ctx = open_context(data)
        trail = ctx.audit
        trail.record("bench.start")  # opens (creates, encrypts) the store and makes the keys

        t0 = time.perf_counter()
        for i in range(SINGLE):
            trail.record("api.request", f"route:/v1/chat/completions#{i}", "ok",
                         {"status": 200, "prompt_tokens": 31, "completion_tokens": i})
        single_s = time.perf_counter() - t0

        store = trail.store()
        t0 = time.perf_counter()
        done = SINGLE + 1
        while done < args.records:
            n = min(BATCH, args.records - done)
            with store.session() as session:
                for i in range(n):
                    trail.record_in(session, "prompt", f"message:{done + i:08d}", "ok",
                                    {"conversation": "c0ffee00", "tokens": i % 500})
            done += n
        batch_s = time.perf_counter() - t0 + 1e-9

        t0 = time.perf_counter()
        verdict = trail.verify()
        verify_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = io.StringIO()
        exported = trail.export(out)
        export_s = time.perf_counter() - t0
        size = os.path.getsize(ctx.paths.database)
        trail.close()

    appended = done - SINGLE - 1
    print(f"Audit log: {verdict.records} records, {verdict.checkpoints} checkpoints, "
          f"database {size / 2**20:.1f} MiB\n")
    print(f"{'step':<34} {'records':>9} {'seconds':>9} {'per record':>12}")
    print(f"{'append, one transaction each':<34} {SINGLE:>9} {single_s:>9.2f} "
          f"{single_s / SINGLE * 1000:>9.2f} ms")
    print(f"{'append, batches of 5,000':<34} {appended:>9} {batch_s:>9.2f} "
          f"{batch_s / max(1, appended) * 1e6:>9.1f} us")
    print(f"{'verify chain and checkpoints':<34} {verdict.records:>9} {verify_s:>9.2f} "
          f"{verify_s / verdict.records * 1e6:>9.1f} us")
    print(f"{'export as JSON lines':<34} {exported:>9} {export_s:>9.2f} "
          f"{export_s / exported * 1e6:>9.1f} us")
    print(f"\nverdict: {'intact' if verdict.ok else verdict.reason}; target: verify < 5 s")
    print(f"RESULT records={verdict.records} ok={int(verdict.ok)} "
          f"append_ms={single_s / SINGLE * 1000:.2f} "
          f"batch_records_s={appended / batch_s:.0f} verify_s={verify_s:.2f} "
          f"verify_records_s={verdict.records / verify_s:.0f} export_s={export_s:.2f}")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
