"""The stamp of this code and the libraries that make cached values: any change to either empties the caches.

On its own, with nothing heavy imported: the search index's builder, a new interpreter, checks it first.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from fraudsite import __version__


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """The fraudsite version, the libraries' that make cached values, and a hash of its code: any change to
    parsing or rendering empties the cache.

    The whole package is hashed rather than a list of modules, so a new helper that rendering starts to
    use (such as defanging) can never be forgotten; a development checkout pays with a cold cache per edit.
    """
    here = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode("utf-8"))
    libraries = ("markdown", "nh3", "pyyaml", "segno", "jinja2", "markupsafe", "pypinyin", "zstandard")
    for library, version in library_versions(libraries).items():
        digest.update(f"{library} {version}\n".encode())
    for path in sorted(here.rglob("*.py")):
        if not path.name.startswith("."):  # an editor's lock (emacs's .#cache.py, a dangling link): not code
            digest.update(path.relative_to(here).as_posix().encode("utf-8") + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def library_versions(names: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of these distributions, the first on ``sys.path`` as ``importlib.metadata.version``
    finds them, read from the names of their ``.dist-info`` folders: importing importlib.metadata alone took
    25 ms of every build. A name first found otherwise (an ``.egg-info``) or not at all is asked of
    importlib.metadata after all."""
    wanted = {_normal(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in listing:
            stem, dot, kind = folder.rpartition(".")
            if dot and kind in ("dist-info", "egg-info"):
                name, _, version = stem.partition("-")
                found.setdefault(wanted.get(_normal(name), ""), version if kind == "dist-info" else "")
    found.pop("", None)
    missing = [name for name in names if not found.get(name)]
    if missing:
        from importlib import metadata

        found.update((name, metadata.version(name)) for name in missing)
    return {name: found[name] for name in names}


def _normal(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()
