"""Deterministic fault injection, so tests can kill a build at a named point without sleeps.

``FRAUDSITE_FAULT=<point>`` ends the process at that point as a kill would (exit 137,
no clean-up). ``FRAUDSITE_FAULT=<point>:enospc`` raises a disk-full error there instead.
``FRAUDSITE_FAULT=<point>:pause=<file>`` makes the file there, the first time, and waits until the
test deletes it: what the test does meanwhile happens in the middle of the build.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

_PAUSED: set[str] = set()


def checkpoint(point: str) -> None:
    """Do nothing, unless a test asked for a failure at ``point``."""
    wanted = os.environ.get("FRAUDSITE_FAULT")
    if not wanted:
        return
    name, _, how = wanted.partition(":")
    if name != point:
        return
    if how == "enospc":
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    if how.startswith("pause="):
        if point not in _PAUSED:
            _PAUSED.add(point)
            marker = Path(how.removeprefix("pause="))
            marker.touch()
            while marker.exists():
                time.sleep(0.02)
        return
    os._exit(137)
