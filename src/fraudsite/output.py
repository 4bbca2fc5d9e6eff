"""Writing the output folder so that it always holds a complete site, the old or the new.

The new site is assembled in a sibling staging folder: unchanged files are hard links to
the current ones (same bytes, same modification time), changed files are written fresh.
The staging folder then replaces OUT in one step: on Linux ``renameat2(RENAME_EXCHANGE)``
swaps the two directories atomically; elsewhere, or on a file system without it, OUT is
renamed aside and the staging folder renamed into place (two renames, a gap of
microseconds; a build interrupted between them is repaired by the next one).
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from fraudsite.errors import OutputError
from fraudsite.faults import checkpoint

MARKER = ".fraudsite-output"
MARKER_TEXT = b"This folder is written by fraudsite; it is replaced on every build.\n"


@dataclass(frozen=True)
class WriteStats:
    """What a build did to OUT."""

    written: int
    unchanged: int
    removed: int


def check_output_dir(out_dir: Path, site_dir: Path, force: bool) -> None:
    """Refuse to replace a folder fraudsite did not make, or one that holds the site itself."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out) or (site / "content").resolve().is_relative_to(out):
        raise OutputError(f"输出目录 {out_dir} 包含网站源文件，不能作为输出目录；请换一个目录，例如 build")
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise OutputError(f"输出路径 {out_dir} 不是普通文件夹；请删除它或换一个输出目录")
    if out_dir.is_dir() and not (out_dir / MARKER).is_file() and any(out_dir.iterdir()) and not force:
        raise OutputError(f"输出目录 {out_dir} 不是 fraudsite 生成的，为免误删其中文件已停止；"
                          "确认可以整个替换时请加 --force")


class _Keep:
    """The content of a page left as OUT holds it (its inputs did not change)."""


KEEP = _Keep()
Content = bytes | Path | _Keep | Callable[[Mapping[str, bytes]], bytes]  # bytes, a file to copy, kept, or made last


def write_site(files: Mapping[str, Content] | Iterable[tuple[str, Content]], out_dir: Path) -> WriteStats:
    """Make OUT hold exactly ``files``, replacing it in one step; touch nothing if nothing changed.

    Files stream into the staging folder as they are produced, so the whole site is never held in
    memory. Contents that are functions (zip bundles) are called last with the staged files.
    """
    recover_interrupted_swap(out_dir)
    old = existing_files(out_dir)
    if (out_dir / MARKER).is_file():
        old[MARKER] = out_dir / MARKER
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    remove_tree(staging)
    pairs = files.items() if isinstance(files, Mapping) else files
    try:
        staging.mkdir(parents=True)
        made_dirs: set[Path] = {staging}
        changed, count, deferred = 0, 0, []
        for path, content in [*pairs, (MARKER, MARKER_TEXT)]:
            if callable(content):
                deferred.append((path, content))
                continue
            changed += stage_file(staging, path, content, old.get(path), made_dirs)
            count += 1
        for path, make in deferred:
            changed += stage_file(staging, path, make(StagedFiles(staging)), old.get(path), made_dirs)
            count += 1
        removed = len(old.keys() - existing_files(staging).keys() - {MARKER})
        if not changed and not removed and (out_dir / MARKER).is_file():
            remove_tree(staging)
            return WriteStats(0, count - 1, 0)
        checkpoint("staging")
        swap_in(staging, out_dir)
    except OSError as error:
        remove_tree(staging)
        raise OutputError(f"写入输出目录失败（{describe_os_error(error)}）；原有网站保持不变") from None
    except BaseException:
        remove_tree(staging)
        raise
    return WriteStats(changed - (MARKER not in old), count - changed, removed)


class StagedFiles(Mapping[str, bytes]):
    """Read access to what has been staged so far, by site-relative path."""

    def __init__(self, root: Path):
        self.root = root

    def __getitem__(self, path: str) -> bytes:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            raise KeyError(path) from None

    def __iter__(self) -> Iterator[str]:
        return iter(existing_files(self.root))

    def __len__(self) -> int:
        return len(existing_files(self.root))


def stage_file(staging: Path, path: str, content: bytes | Path | _Keep, old: Path | None, made_dirs: set[Path]) -> int:
    """Put one file into the staging folder: a hard link if OUT has these bytes already. 1 if it changed."""
    target = staging / path
    if target.parent not in made_dirs:
        target.parent.mkdir(parents=True, exist_ok=True)
        made_dirs.add(target.parent)
    if content is KEEP:
        if old is None:
            raise OSError(errno.ENOENT, "输出目录中缺少应保留的文件", path)
        link_or_copy(old, target)
        return 0
    if old is not None and same_content(old, content):
        link_or_copy(old, target)
        return 0
    if isinstance(content, Path):
        shutil.copyfile(content, target)
    else:
        target.write_bytes(content)
    return 1


def existing_files(out_dir: Path) -> dict[str, Path]:
    """Files now in OUT, by site-relative path, marker excluded."""
    if not out_dir.is_dir():
        return {}
    found = {}
    for root, _dirs, names in os.walk(out_dir):
        for name in names:
            path = Path(root, name)
            relative = path.relative_to(out_dir).as_posix()
            if relative != MARKER:
                found[relative] = path
    return found


def same_content(existing: Path | None, content: bytes | Path) -> bool:
    """Whether the file in OUT already has exactly these bytes."""
    if existing is None:
        return False
    try:
        if isinstance(content, Path):
            if existing.stat().st_size != content.stat().st_size:
                return False
            content = content.read_bytes()
        elif existing.stat().st_size != len(content):
            return False
        return existing.read_bytes() == content
    except OSError:
        return False


def link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file so its bytes and modification time stay; copy where links fail."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace OUT with the staging folder in one step, then delete the old site."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if exchange(staging, out_dir):
        checkpoint("swap")
        remove_tree(staging)  # now holds the old site
        return
    aside = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    os.rename(out_dir, aside)
    checkpoint("swap")
    os.rename(staging, out_dir)
    remove_tree(aside)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories with Linux renameat2; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def recover_interrupted_swap(out_dir: Path) -> None:
    """Put back an old site set aside by a fallback swap that was interrupted, and drop stale staging."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for leftover in sorted(parent.glob(f".{out_dir.name}.old-*")):
        if not out_dir.exists():
            os.rename(leftover, out_dir)
        else:
            remove_tree(leftover)
    for leftover in parent.glob(f".{out_dir.name}.staging-*"):
        remove_tree(leftover)


def remove_tree(path: Path) -> None:
    """Delete a folder if it is there."""
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)


def remove_output(out_dir: Path) -> bool:
    """Delete OUT if fraudsite made it; False if there was nothing to delete."""
    if not out_dir.exists():
        return False
    if not (out_dir / MARKER).is_file():
        raise OutputError(f"{out_dir} 不是 fraudsite 生成的目录，未删除")
    shutil.rmtree(out_dir)
    return True


def describe_os_error(error: OSError) -> str:
    """A Chinese reason for a file-system failure."""
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限", errno.EROFS: "磁盘为只读",
               errno.EDQUOT: "超出磁盘配额", errno.EFBIG: "文件超出允许的大小"}
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return f"{reason}：{error.filename}" if error.filename else reason
