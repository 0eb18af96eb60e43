"""Cold start of the desktop app: a fresh process until its window is visible and takes
input, while the model goes on loading in the background.

Each run starts ``python -m app.gui`` in a new process with a new data folder and
reads two lines it prints when ``AUTOGLM_STARTUP_PROBE`` is set: STARTUP_READY
(window shown, event loop running) and MODEL_READY (model verified and loaded);
the app then quits. Prints a table and a final ``RESULT`` line. Target: < 1.5 s.

    python bench/startup.py [--runs 5]
    python bench/startup.py --command "/usr/bin/autoglm gui"   # an installed package

With ``--command`` the given program is started instead (the installed bundle, say); it
has no test keyring, so the throwaway store is locked with ``AUTOGLM_PASSPHRASE`` where
no keyring service runs.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(command: list[str] | None = None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, AUTOGLM_DATA_DIR=data, AUTOGLM_STARTUP_PROBE="exit")
        if command is None:
            # throwaway data: a folder keyring, never a real one (or a passphrase prompt)
            env.update(AUTOGLM_TEST_KEYRING_DIR=str(Path(data) / "keyring"),
                       PYTHON_KEYRING_BACKEND="tests.keyring_backends.FolderKeyring")
        else:
            env.setdefault("AUTOGLM_PASSPHRASE", "startup-bench-passphrase")
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
        start = time.perf_counter()
        proc = subprocess.Popen(command or [sys.executable, "-m", "app.gui"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        window = model = float("nan")
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.perf_counter() - start
            if line.startswith("STARTUP_READY"):
                window = now
            elif line.startswith("MODEL_READY"):
                model = now
        proc.wait(timeout=120)
        return window, model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--command", help="start this instead of `python -m app.gui` "
                        "(e.g. \"/usr/bin/autoglm gui\" for the installed package)")
    args = parser.parse_args()
    command = shlex.split(args.command) if args.command else None
    rows = [one_run(command) for _ in range(args.runs)]
    print(f"{'run':>3} {'window s':>9} {'model s':>8}")
    for i, (window, model) in enumerate(rows, 1):
        print(f"{i:>3} {window:>9.3f} {model:>8.3f}")
    windows = [w for w, _ in rows]
    models = [m for _, m in rows]
    print(f"median: window {statistics.median(windows):.3f} s, model {statistics.median(models):.3f} s; "
          f"first (coldest) window {windows[0]:.3f} s")
    print(f"RESULT startup_s={statistics.median(windows):.3f} model_ready_s={statistics.median(models):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
