"""One build of a site at a time: a second build waits for the first, then runs."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

LOCK_FILE = "build.lock"  # in the cache folder


@contextmanager
def build_lock(cache_dir: Path, on_wait: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold an exclusive lock on ``cache_dir/LOCK_FILE`` while the body runs."""
    path = cache_dir / LOCK_FILE
    while True:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")
        if not _try_lock(handle):
            on_wait()
            _lock(handle)
        if _is_file_at(handle, path):
            break
        # ``fraudsite clean`` deleted the file while this waited: a lock on it guards nothing, so lock the new one.
        _unlock(handle)
        handle.close()
    try:
        yield
    finally:
        _unlock(handle)
        handle.close()


def _is_file_at(handle: BinaryIO, path: Path) -> bool:
    """Whether the open file ``handle`` is still the one at ``path``."""
    try:
        return os.fstat(handle.fileno()).st_ino == path.stat().st_ino
    except OSError:
        return False


def try_build_lock(cache_dir: Path) -> BinaryIO | None:
    """``build_lock``'s lock if no one holds it (held until the handle given back is closed), else None."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return try_lock(cache_dir / LOCK_FILE)


def try_lock(path: Path) -> BinaryIO | None:
    """An exclusive lock on ``path``, held until the handle given back is closed; None if someone holds it (or
    it cannot be opened: a read-only folder)."""
    try:
        handle = open(path, "a+b")
    except OSError:
        return None
    try:
        if _try_lock(handle):
            return handle
    except OSError:  # no locks on this file system: as if held
        pass
    handle.close()
    return None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _lock(handle) -> None:
        while not _try_lock(handle):
            import time

            time.sleep(0.2)

    def _unlock(handle) -> None:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass

else:
    import fcntl

    def _try_lock(handle) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _lock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


