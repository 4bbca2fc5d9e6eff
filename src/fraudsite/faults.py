"""Deterministic fault injection, so tests can kill a build at a named point without sleeps.

``FRAUDSITE_FAULT=<point>`` ends the process at that point as a kill would (exit 137,
no clean-up). ``FRAUDSITE_FAULT=<point>:enospc`` raises a disk-full error there instead.
"""

from __future__ import annotations

import errno
import os


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
    os._exit(137)
