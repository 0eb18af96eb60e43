"""Small real filesystems for tests that fill a disk or make it read-only: a tmpfs of a
given size mounted in the test's own folder, remounted, and unmounted again."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _mount(args: list[str]) -> bool:
    """mount(8) with ``args``; False where it is refused (it needs root or CAP_SYS_ADMIN)."""
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def mount_tmpfs(mount_point: Path, size: str) -> bool:
    """A tmpfs of ``size`` (as mount takes it: ``4m``) on ``mount_point``; False if refused."""
    return _mount(["-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)])


def remount(mount_point: Path, options: str) -> bool:
    """Mount ``mount_point`` again with ``options`` (``ro``, ``rw``, ``size=64m``)."""
    return _mount(["-o", f"remount,{options}", str(mount_point)])


def unmount(mount_point: Path) -> None:
    """Detach the filesystem now, even if a file on it is still open."""
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)
