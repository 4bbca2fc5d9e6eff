"""Writing the output folder so that it always holds a complete site, the old or the new.

The new site is assembled in a sibling staging folder: unchanged files are hard links to
the current ones (same bytes, same modification time), changed files are written fresh.
The staging folder then replaces OUT in one step: on Linux ``renameat2(RENAME_EXCHANGE)``
swaps the two directories atomically; elsewhere, or on a file system without it, OUT is
renamed aside and the staging folder renamed into place (two renames, a gap of
microseconds; a build interrupted between them is repaired by the next one).

The site replaced is not deleted but kept beside OUT as ``.OUT.spare``, and the next build
stages into it: its unchanged files are already hard links to OUT's, so an edit costs a few
file operations instead of recreating (and later deleting) every folder and link of the site.
Whatever the spare holds, every file is checked against what this build wants: a file that is
not the very file OUT has is replaced, one no longer wanted is deleted. (The spare is walked as the
build begins, with OUT; only builds change it, and a walk is used only if no other build ran since.
A file found there that the walk did not list is removed before anything is written in its place:
it may be a link to one of OUT's.)
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from fraudsite.errors import OutputError, describe_os_error
from fraudsite.faults import checkpoint

FileStat = tuple[int, int, int]  # size, modification time (ns), inode
MARKER = ".fraudsite-output"
MARKER_TEXT = b"This folder is written by fraudsite; it is replaced on every build.\n"


@dataclass(frozen=True)
class WriteStats:
    """What a build did to OUT."""

    written: int
    unchanged: int
    removed: int
    # OUT's files afterwards with their stats, when the caller gave OUT's stats before (for its fingerprint)
    files: dict[str, FileStat] | None = field(default=None, compare=False, repr=False)
    pages_written: int = 0  # of ``written``, the HTML pages


def check_output_dir(out_dir: Path, site_dir: Path, force: bool) -> None:
    """Refuse to replace a folder fraudsite did not make, or one that holds the site itself."""
    from fraudsite.theme import theme_dirs

    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out) or (site / "content").resolve().is_relative_to(out):
        raise OutputError(f"输出目录 {out_dir} 包含网站源文件，不能作为输出目录；请换一个目录，例如 build")
    # Inside the content or a theme, a build would replace the editors' own files: no --force allows that.
    for source in [site / "content", *theme_dirs(site_dir)]:
        if out.is_relative_to(source.resolve()):
            raise OutputError(f"输出目录 {out_dir} 位于 {source} 之内，生成会替换其中的源文件；请换一个目录，例如 build")
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise OutputError(f"输出路径 {out_dir} 不是普通文件夹；请删除它或换一个输出目录")
    if out_dir.is_dir() and not (out_dir / MARKER).is_file() and any(out_dir.iterdir()) and not force:
        raise OutputError(f"输出目录 {out_dir} 不是 fraudsite 生成的，为免误删其中文件已停止；"
                          "确认可以整个替换时请加 --force")


class _Keep:
    """The content of a page left as OUT holds it (its inputs did not change)."""


KEEP = _Keep()


@dataclass(frozen=True)
class Written:
    """The content of a file its producer already wrote into a fresh staging folder (``write_fresh``)."""

    stat: FileStat
    sha256: str = ""  # of its bytes, where the producer was asked for it
    spared: bool = False  # also linked into the spare of the OUT being made (``seed_spare``)


Content = bytes | Path | _Keep | Written | Callable[[Mapping[str, bytes]], bytes]  # or made last, from the staged


def staging_of(out_dir: Path) -> Path:
    """The folder a build of OUT assembles the new site in."""
    return out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"


def stages_afresh(out_dir: Path) -> bool:
    """Whether a build of OUT would stage every file from nothing: no OUT to keep files of, no spare to reuse.

    Then producers (the render workers) may write their files into ``staging_of(out_dir)`` themselves: the
    kernel's share of writing thousands of files is spread over every core instead of the one that stages.
    """
    return not out_dir.exists() and not os.path.lexists(spare_of(out_dir))


def fresh_folders(out_dir: Path) -> tuple[Path, Path] | None:
    """Where producers write a build of OUT made from nothing (``stages_afresh``): its staging folder and the spare
    to seed; None if OUT has files to keep or compare."""
    return (staging_of(out_dir), spare_of(out_dir)) if stages_afresh(out_dir) else None


def write_fresh(root: Path, path: str, content: bytes, spare: Path | None = None) -> Written:
    """Write a file of a fresh staging folder, making its folders; what ``Stage.put`` then takes as written.

    With ``spare`` (OUT is made from nothing: see ``seed_spare``) the file is also linked there, by the same
    worker, rather than by the build process after the swap.
    """
    target = os.path.join(root, path)
    _make_folder(os.path.dirname(target))
    with open(target, "xb") as file:  # never into a file already there, which may be a hard link to OUT's
        file.write(content)
        file.flush()
        stat = os.fstat(file.fileno())
    spared = spare is not None and _link_spare(target, os.path.join(spare, path))
    return Written((stat.st_size, stat.st_mtime_ns, stat.st_ino), spared=spared)


def _link_spare(source: str, target: str) -> bool:
    try:
        _make_folder(os.path.dirname(target))
        os.link(source, target)
        return True
    except OSError:  # no hard links here: seed_spare tries again, and gives up the spare if it must
        return False


_MADE: set[str] = set()  # folders made for ``write_fresh`` by this process, this build (see ``write_site``)


def _make_folder(folder: str) -> None:
    """Make a folder of a fresh staging tree, once: ``os.makedirs`` would look up the parent and try ``mkdir``
    for every file (20,000 system calls of a cold build at 1,000 items, half of them for folders made already)."""
    if folder in _MADE:
        return
    try:
        os.mkdir(folder)  # most are a page's own folder, in one made already
    except FileExistsError:  # another worker made it
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
    _MADE.add(folder)


def write_site(files: Mapping[str, Content] | Iterable[tuple[str, Content]], out_dir: Path,
               known: dict[str, FileStat] | None = None, spare_files: dict[str, int] | None = None) -> WriteStats:
    """Make OUT hold exactly ``files``, replacing it in one step; touch nothing if nothing changed.

    Files stream into the staging folder as they are produced, so the whole site is never held in
    memory. Contents that are functions (zip bundles) are called last with the staged files.
    ``known`` is OUT's files as the caller just scanned them (``file_stats``); with it, the stats of
    the new OUT come back in ``WriteStats.files`` without another walk of OUT. ``spare_files``: the spare's
    files as walked with them (``walk_output``), so it is not walked again.
    """
    if recover_interrupted_swap(out_dir):
        known = spare_files = None  # OUT is not what was scanned
    current = {path: stat[2] for path, stat in known.items()} if known is not None else file_inodes(out_dir)
    staging = staging_of(out_dir)
    remove_tree(staging)
    fresh = stages_afresh(out_dir)  # then producers may seed the spare as they write (``write_fresh``)
    _MADE.clear()  # inherited by the workers: the folders of an earlier build here may be gone
    pairs = files.items() if isinstance(files, Mapping) else files
    try:
        stage = Stage(staging, reuse=spare_of(out_dir), out_dir=out_dir, current=current, known=known,
                      spare_files=spare_files)
        changed, count, deferred, pages = 0, 0, [], 0
        for path, content in chain(pairs, [(MARKER, MARKER_TEXT)]):  # streamed: never every page at once
            if callable(content):
                deferred.append((path, content))
                continue
            put = stage.put(path, content)
            changed += put
            pages += put and path.endswith(".html")
            count += 1
        stage.drop_unwanted()  # before the bundles, which pack what is staged
        for path, make in deferred:
            changed += stage.put(path, make(StagedFiles(staging)))
            count += 1
        removed = len(current.keys() - stage.wanted - {MARKER})
        if not changed and not removed and (out_dir / MARKER).is_file():
            os.rename(staging, spare_of(out_dir))
            return WriteStats(0, count - 1, 0, known)
        checkpoint("staging")
        made_afresh = not out_dir.exists()
        swap_in(staging, out_dir)
        if made_afresh:
            seed_spare(out_dir, stage.wanted - stage.spared, begun=bool(stage.spared))
    except OSError as error:
        _abandon(pairs, staging, out_dir, fresh)
        raise OutputError(f"写入输出目录失败（{describe_os_error(error)}）；原有网站保持不变。{_write_advice(error, out_dir)}") from None
    except BaseException:
        _abandon(pairs, staging, out_dir, fresh)
        raise
    return WriteStats(changed - (MARKER not in current), count - changed, removed, stage.files, pages)


def _abandon(pairs: Iterable, staging: Path, out_dir: Path, fresh: bool) -> None:
    """Undo a build that failed: its producers are stopped (they may write into both folders), its staging
    folder goes, and the spare its producers began, if any."""
    if hasattr(pairs, "close"):
        pairs.close()
    remove_tree(staging)
    if fresh:
        remove_tree(spare_of(out_dir))


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


class Stage:
    """The staging folder: fresh, or the spare of the last build with every file checked as it is put."""

    def __init__(self, root: Path, reuse: Path, out_dir: Path, current: dict[str, int],
                 known: dict[str, FileStat] | None = None, spare_files: dict[str, int] | None = None):
        self.root = root
        self.out_dir = out_dir
        self.current = current  # OUT's files -> inode: a staged file with the same inode needs nothing
        self.known = known  # OUT's files -> stats, if the caller has them: then ``files`` is kept
        self.files: dict[str, FileStat] | None = {} if known is not None else None
        self.leftover: dict[str, int] = {}  # the spare's files not yet claimed by this build
        if _real_folder(reuse):
            os.rename(reuse, root)
            self.leftover = spare_files if spare_files is not None else file_inodes(root)  # emptied as claimed
        else:
            if reuse.is_symlink() or reuse.exists():  # not a folder of ours: only the name goes, never its target
                reuse.unlink()
            root.mkdir(parents=True)
        self.made_dirs: set[Path] = {root}
        self.wanted: set[str] = set()
        self.spared: set[str] = set()  # written and linked into the spare by their producer

    def put(self, path: str, content: bytes | Path | _Keep) -> int:
        """Stage one file: OUT's own file (a hard link) if OUT has these bytes already. 1 if it changed."""
        self.wanted.add(path)
        if isinstance(content, Written):  # only into a fresh folder (``stages_afresh``): nothing to compare
            if self.files is not None:
                self.files[path] = content.stat
            if content.spared:
                self.spared.add(path)
            return 1
        had = self.leftover.pop(path, None)
        inode = self.current.get(path)
        if content is KEEP and had is not None and had == inode:  # most files of an edit build: nothing to do
            self._note(path, None)
            return 0
        target = self.root / path
        old = self.out_dir / path if inode is not None else None
        if content is KEEP or (old is not None and same_content(old, content)):
            if old is None:
                raise OSError(errno.ENOENT, "输出目录中缺少应保留的文件", path)
            if had is None or had != inode:  # not already the very file OUT has
                self._clear(target, had)
                link_or_copy(old, target)
                self._note(path, target)
            else:
                self._note(path, None)
            return 0
        self._clear(target, had)  # never write into a file that may be a hard link to OUT's
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_bytes(content)
        self._note(path, target)
        return 1

    def _note(self, path: str, staged: Path | None) -> None:
        """Keep a staged file's stats: OUT's as scanned if it is OUT's very file (``staged`` None), else fresh."""
        if self.files is not None:
            if staged is None:
                self.files[path] = self.known[path]  # type: ignore[index]
            else:
                stat = staged.stat()
                self.files[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)

    def _clear(self, target: Path, had: int | None) -> None:
        """Make room for a new file at ``target``: its folder exists, nothing is in the way."""
        if had is not None:
            target.unlink(missing_ok=True)  # missing: gone from the spare since it was walked
        elif self.leftover and _real_folder(target):  # the spare had a folder here
            shutil.rmtree(target)
            self.leftover = {p: i for p, i in self.leftover.items() if not (self.root / p).is_relative_to(target)}
        if target.parent not in self.made_dirs:
            for folder in reversed([target.parent, *target.parent.parents]):
                if folder.is_relative_to(self.root) and folder not in self.made_dirs:
                    relative = folder.relative_to(self.root).as_posix()
                    if self.leftover.pop(relative, None) is not None:  # the spare had a file here
                        folder.unlink(missing_ok=True)
                    folder.mkdir(exist_ok=True)
                    self.made_dirs.add(folder)
        if had is None:  # nothing should be here: a file the walk missed may be a link to OUT's, never written into
            target.unlink(missing_ok=True)

    def drop_unwanted(self) -> None:
        """Delete the spare's files this build did not put, then the folders that held only them."""
        folders: set[Path] = set()
        for path in self.leftover:
            target = self.root / path
            target.unlink(missing_ok=True)
            folders.update(folder for folder in target.parents if folder not in self.made_dirs
                           and folder != self.root and folder.is_relative_to(self.root))
        self.leftover = {}
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):  # the deepest first
            try:
                os.rmdir(folder)
            except OSError as error:  # still holds files this build wants (kept ones are not listed as made)
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise


def seed_spare(out_dir: Path, paths: Iterable[str], begun: bool = False) -> None:
    """After a build that made OUT from nothing, a spare of hard links to its files.

    Otherwise the first build after it would make them while the editor waits (2.4 s at 10,000 items);
    here they cost the same, once, in a build that writes every file anyway. Best effort: the next build
    checks every file of a spare, so one cut short is as good as none. ``begun``: the workers that wrote
    most files linked them already (``write_fresh``); ``paths`` are the rest.
    """
    spare = spare_of(out_dir)
    if not begun:
        remove_tree(spare)
        _MADE.clear()  # folders noted as made there are gone
    for path in paths:
        if not _link_spare(os.path.join(out_dir, path), os.path.join(spare, path)):
            remove_tree(spare)  # no hard links here, or no room: the next build stages from nothing, as it would have
            return


def _write_advice(error: OSError, out_dir: Path) -> str:
    """What to do about a failed write, by its cause."""
    spare = spare_of(out_dir)
    named = str(error.filename or "")
    aside = (f"{spare.name} 是上次生成留下的备用文件夹，可以直接删除；" if named.startswith(str(spare)) else "")
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"{aside}请检查这个文件或文件夹是否被设为只读、或属于别的用户，改好权限后再生成"
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"请清理磁盘空间（可先删掉 {spare.name} 文件夹）后再生成"
    if error.errno == errno.EROFS:
        return "请用 --output 把网站生成到可写的磁盘上"
    if error.errno == errno.EBUSY:
        return "请关闭正在使用这些文件的程序（如打开着网页文件的编辑器、同步网盘）后再生成"
    return f"{aside}请解决上述问题后再生成"


def spare_of(out_dir: Path) -> Path:
    """Where the site replaced by the last build waits to be staged into."""
    return out_dir.parent / f".{out_dir.name}.spare"


def scan_files(root: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Files below ``root`` by site-relative path, in no particular order (``scandir``: no stat unless asked)."""
    folders = [(str(root), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, prefix + entry.name + "/"))
            else:
                yield prefix + entry.name, entry


def file_inodes(root: Path) -> dict[str, int]:
    """Files below ``root`` with their inode numbers (free from ``scandir``)."""
    return {path: entry.inode() for path, entry in scan_files(root)}


def walk_output(out_dir: Path) -> tuple[dict[str, FileStat], dict[str, int] | None]:
    """OUT's files with their stats (``file_stats``), and its spare's with their inodes (None: none, or not read)."""
    spare = spare_of(out_dir)
    try:
        spare_files = file_inodes(spare) if _real_folder(spare) else None
    except OSError:  # walked again when staged into, where a failure is reported as the build's
        spare_files = None
    return file_stats(out_dir), spare_files


def _real_folder(path: Path) -> bool:
    """A folder, not a link to one (a spare that is a link is replaced, never entered)."""
    return path.is_dir() and not path.is_symlink()


def file_stats(root: Path) -> dict[str, FileStat]:
    """Files below ``root`` with their size, modification time and inode: what OUT's fingerprint is made of."""
    found = {}
    for path, entry in scan_files(root):
        try:
            stat = entry.stat()
        except OSError:  # gone meanwhile
            continue
        found[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return found


def existing_files(out_dir: Path) -> dict[str, Path]:
    """Files now in OUT, by site-relative path, marker excluded."""
    return {path: out_dir / path for path, _entry in scan_files(out_dir) if path != MARKER}


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
        os.rename(staging, spare_of(out_dir))  # now holds the old site: the next build stages into it
        return
    aside = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
    os.rename(out_dir, aside)
    checkpoint("swap")
    os.rename(staging, out_dir)
    remove_tree(spare_of(out_dir))  # renaming over a folder needs it gone (or empty) first
    os.rename(aside, spare_of(out_dir))


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


def recover_interrupted_swap(out_dir: Path) -> bool:
    """Put back an old site set aside by a fallback swap that was interrupted, and drop stale staging.

    True if OUT was put back (it is not what it was before).
    """
    parent = out_dir.parent
    if not parent.is_dir():
        return False
    restored = False
    for leftover in sorted(parent.glob(f".{out_dir.name}.old-*")):
        if not out_dir.exists():
            os.rename(leftover, out_dir)
            restored = True
        else:
            remove_tree(leftover)
    for leftover in parent.glob(f".{out_dir.name}.staging-*"):
        remove_tree(leftover)
    return restored


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
    remove_tree(spare_of(out_dir))
    return True
