"""A desktop without the system libraries Qt's X11 plugin needs: one readable line naming
the packages to install, instead of Qt's own abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.gui.earlyinit import check_qt_platform, missing_libraries


def test_missing_libraries_are_the_ones_the_system_loader_cannot_find(tmp_path: Path) -> None:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("needs a C compiler to build a library that links to an absent one")
    (tmp_path / "absent.c").write_text("int absent_fn(void) { return 1; }\n")
    (tmp_path / "user.c").write_text("int absent_fn(void);\nint user_fn(void) { return absent_fn(); }\n")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(tmp_path / "libautoglmabsent.so"),
                    str(tmp_path / "absent.c")], check=True)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(tmp_path / "libuser.so"), str(tmp_path / "user.c"),
                    f"-L{tmp_path}", "-lautoglmabsent"], check=True)
    (tmp_path / "libautoglmabsent.so").unlink()  # now the loader cannot find it
    assert missing_libraries(str(tmp_path / "libuser.so")) == ["libautoglmabsent.so"]
    assert missing_libraries(str(tmp_path / "no-such-file.so")) == []


def test_the_app_on_x11_names_the_packages_qt_lacks_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"}
    env.pop("WAYLAND_DISPLAY", None)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    problem = check_qt_platform()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    if problem is None:
        return  # this machine has every library Qt needs: nothing to say, and nothing is said
    out = subprocess.run([sys.executable, "-m", "app.gui"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "sudo apt install" in out.stderr
    assert "Aborted" not in out.stderr and "Traceback" not in out.stderr
    assert problem.message in out.stderr
