"""Knowing, without building, that OUT already holds what a build would write.

After each build a record goes into the cache: a fingerprint of every input (the code, the
options, the configuration, every file under content/ and the themes, by size, modification
and change times and inode), the clock window in which the output stays the same (from the last
moment the site changed by the clock to the next), and a fingerprint of OUT itself. A build
whose inputs, window and OUT all match has nothing to do. Anything unreadable, from another
version or simply different means: build normally.

A stat says a file is unchanged only if the file had settled when it was read: one saved again within
its file system's clock tick (a second on some) keeps its times and perhaps its size. So a record made
while an input had just changed says nothing, and the content cache trusts a file's stat only if the
file had settled (``settled_before``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from fraudsite import __version__
from fraudsite.model import SECTION_NAMES
from fraudsite.output import FileStat, file_stats
from fraudsite.theme import theme_dirs

RECORD = "last-build.json"
SETTLED_NS = 2_000_000_000  # a file has settled once it last changed this long ago
CLOCK_FILE = "clock"  # in the cache folder, touched as a build begins: the file system's time


@dataclass(frozen=True)
class BuildRecord:
    """What the last successful build read and wrote."""

    inputs: str  # fingerprint of everything read
    out_dir: str
    out: str  # fingerprint of OUT as written
    valid_from: str | None  # ISO moments; None: unbounded
    valid_until: str | None
    items: int
    pages: int
    files: int
    warnings: list[str]

    def covers(self, now: datetime) -> bool:
        """Whether the clock is still inside the window this output was made for."""
        after_start = self.valid_from is None or datetime.fromisoformat(self.valid_from) <= now
        before_end = self.valid_until is None or now < datetime.fromisoformat(self.valid_until)
        return after_start and before_end


def fingerprint_inputs(site_dir: Path, config_path: Path, options: tuple) -> tuple[str, int]:
    """A digest of every input's path, size, modification and change times and inode, plus the code and options;
    and the latest time (file-system clock, ns) an input changed.

    The change time and inode too: a file rewritten and given back its old modification time (rsync -t, a
    restored backup) or replaced by another of the same size and time is still a change."""
    digest = hashlib.sha256(repr((__version__, options)).encode())
    latest = 0
    for root in [Path(__file__).parent, *input_roots(site_dir, config_path)]:
        for path, stat in walk_stats(root):
            digest.update(stat_line(path, stat))
            latest = max(latest, stat.st_mtime_ns, stat.st_ctime_ns)
    return digest.hexdigest(), latest


def input_roots(site_dir: Path, config_path: Path) -> list[Path]:
    """What an editor changes: the configuration, the content (with a section folder the site's owner linked to a
    shared drive, which a walk of content/ does not enter) and the themes."""
    content = site_dir / "content"
    linked = [content / section for section in SECTION_NAMES if (content / section).is_symlink()]
    return [config_path, content, *linked, *theme_dirs(site_dir)]


def settled_before(cache_dir: Path) -> int:
    """The moment (file-system time, ns) before which a file must last have changed to have settled now; 0
    (none has) if no file can be touched in ``cache_dir``."""
    now = file_system_now(cache_dir)
    return now - SETTLED_NS if now is not None else 0


def file_system_now(cache_dir: Path) -> int | None:
    """The time now by the clock of the file system ``cache_dir`` is on, as git reads its index file's (a
    network share's server may keep another time than this machine); None if no file can be touched there."""
    clock = cache_dir / CLOCK_FILE
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        clock.touch()  # an existing file is given the time now: the server's, on a network share
        return clock.stat().st_mtime_ns
    except OSError:
        return None


def stat_line(path: str, stat: os.stat_result) -> bytes:
    """What a file's stat adds to a fingerprint of inputs."""
    return "\0".join(map(str, (path, *stat_signature(stat)))).encode("utf-8", "surrogateescape") + b"\n"


def stat_signature(stat: os.stat_result) -> tuple[int, int, int, int]:
    """What a file's stat says of its bytes: size, modification and change times, inode. A rewrite changes its
    change time at least, a replacement its inode (the content cache trusts a file by it too)."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def fingerprint_output(out_dir: Path) -> str:
    """A digest of OUT's files: a hand edit or a deleted file makes it differ."""
    return fingerprint_files(file_stats(out_dir))


def fingerprint_files(files: Mapping[str, FileStat]) -> str:
    """The fingerprint of OUT from its files' stats (as ``output.file_stats`` gives them)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        size, mtime_ns, inode = files[path]
        digest.update(f"{path}\0{size}\0{mtime_ns}\0{inode}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def walk_stats(root: Path):
    """Every file below ``root`` (or ``root`` itself) with its stat, sorted by path; a link that leads nowhere
    with its own stat (the build reports it, so one added or removed must not look like no change)."""
    if root.is_file():
        yield str(root), root.stat()
        return
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            path = os.path.join(folder, name)
            try:
                found.append((path, os.stat(path)))
            except OSError:
                try:
                    found.append((path, os.lstat(path)))
                except OSError:  # gone meanwhile
                    continue
    yield from sorted(found, key=lambda pair: pair[0])


def read_record(cache_dir: Path) -> BuildRecord | None:
    """The last build's record, or None if missing or unreadable (never trusted blindly)."""
    try:
        data = json.loads((cache_dir / RECORD).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.pop("version", None) != __version__:
            return None
        return BuildRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_record(cache_dir: Path, record: BuildRecord) -> None:
    """Save the record atomically."""
    save_json(cache_dir / RECORD, {"version": __version__, **asdict(record)})


def save_json(path: Path, data: object) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a reader finds the old file or the new, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def forget(cache_dir: Path) -> None:
    """Drop the record (before a build that may change OUT)."""
    try:
        (cache_dir / RECORD).unlink()
    except FileNotFoundError:
        pass
