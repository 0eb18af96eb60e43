"""SHA-256 of an open file, with progress reports and cancellation."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable

from app.errors import Cancelled

# Hashing reads 1 MiB at a time into one reused buffer: measured as fast as
# hashlib.file_digest, where 4 MiB and more fall out of the CPU cache and lose
# 5-10%. Progress is reported every 8 MiB (~5 ms), cancellation checked every MiB.
HASH_CHUNK = 1 << 20
PROGRESS_EVERY = 8 << 20

Progress = Callable[[int, int], None]


def hash_open_file(
    fd: int, size: int, progress: Progress | None = None, cancel: threading.Event | None = None
) -> str:
    """SHA-256 of an open file from its start, in large chunks into one reused buffer."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        except OSError:
            pass
    digest = hashlib.sha256()
    buf = bytearray(HASH_CHUNK)
    view = memoryview(buf)
    done = reported = 0
    with open(fd, "rb", buffering=0, closefd=False) as raw:
        raw.seek(0)
        if progress is not None:
            progress(0, size)
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            n = raw.readinto(view)
            if not n:
                break
            digest.update(view[:n])  # hashlib drops the GIL for large buffers
            done += n
            if progress is not None and done - reported >= PROGRESS_EVERY:
                reported = done
                progress(done, size)
    if progress is not None and reported != done:
        progress(done, size)
    return digest.hexdigest()
