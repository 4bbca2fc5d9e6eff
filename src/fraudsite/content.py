"""Read ``content/``: every file parsed and checked, every problem collected, bodies rendered."""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudsite.clock import BadWhen, parse_when
from fraudsite.collate import names_coming
from fraudsite.config import Config
from fraudsite.defang import defang_text
from fraudsite.errors import Problem, describe_os_error, did_you_mean, key_hint, problem, warning
from fraudsite.frontmatter import SourceFile, decode_source, split_front_matter
from fraudsite.litter import is_litter, named_as_copy
from fraudsite.markup import (
    MORE,
    UNLOADED,
    LinkContext,
    NearestPage,
    OwnHost,
    RenderedBody,
    asset_output_path,
    line_in_body,
    missing_file_advice,
    opening_text,
    shorten,
)
from fraudsite.model import Attachment, Case, Item, Notice
from fraudsite.pictures import FINE, file_trouble, read_picture, refusal
from fraudsite.uptodate import stat_signature
from fraudsite.urls import alias_file, index_file, is_slug, slug_character
from fraudsite.yamltext import plain_scalar, quoted, strip_control

if TYPE_CHECKING:
    from fraudsite.cache import ContentCache, Unsplit

SECTIONS = ("cases", "notices")
COMMON_KEYS = {"title", "date", "slug", "id", "updated", "draft", "withdrawn", "aliases", "audience", "tags",
               "summary", "cover", "cover_alt", "issuer", "screen_title", "scam_urls", "wechat", "privacy_allow"}
CASE_KEYS = COMMON_KEYS | {"type", "amount", "signs", "advice"}
NOTICE_KEYS = COMMON_KEYS | {"expires", "priority", "pinned", "attachments"}
WECHAT_KEYS = ("title", "digest", "author")
_ATTACHMENT_KINDS = {".pdf": "PDF", ".doc": "Word", ".docx": "Word", ".xls": "Excel", ".xlsx": "Excel",
                     ".ppt": "PowerPoint", ".pptx": "PowerPoint", ".zip": "ZIP", ".jpg": "图片", ".jpeg": "图片",
                     ".png": "图片", ".txt": "文本", ".odt": "文档", ".wps": "WPS"}


@dataclass(frozen=True)
class Content:
    """All items of the site, including drafts, future and withdrawn ones."""

    items: tuple[Item, ...]
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a build."""
        return [p for p in self.problems if p.severity == "error"]


def load_content(site_dir: Path, config: Config, cache: ContentCache | None = None,
                 scheduled_after: datetime | None = None, out_dir: Path | None = None) -> Content:
    """Read, check and render every content file; collect every problem instead of stopping.

    With a ``cache``, unchanged files are not parsed, checked or rendered again (see ``parse_sources``).
    ``scheduled_after``: the build's moment, unless it publishes scheduled items too (for ``moved_pages``).
    ``out_dir``: the folder the build replaces, whose item pages tell what the cache cannot (``vanished_pages``).
    """
    problems: list[Problem] = []
    sources = read_sources(site_dir, problems, cache)
    content = parse_sources(sources, config, site_dir, problems, cache)
    if cache is None:
        return content
    earlier = last_published(cache, scheduled_after)
    moved = moved_pages(content.items, earlier)
    if not content.errors:  # a file that fails to load is not gone
        moved += removed_pages(content.items, earlier)
        if out_dir is not None:
            moved += vanished_pages(out_dir, content.items, {done.item.path for done in cache.finished.values()})
    return replace(content, problems=tuple(sorted(content.problems + tuple(moved)))) if moved else content


def last_published(cache: ContentCache, scheduled_after: datetime | None) -> dict[str, Item]:
    """The last build's items by id that had a public page and are not this build's (as they were): those of
    the cache not used this build; one scheduled after ``scheduled_after``, then as now, had none."""
    return {done.item.id: done.item for key, done in cache.finished.items()
            if "item:" + key not in cache.used and not done.item.draft and not done.item.withdrawn
            and (scheduled_after is None or done.item.date <= scheduled_after)}


def moved_pages(items: tuple[Item, ...], earlier: dict[str, Item]) -> list[Problem]:
    """Warnings for pages whose address changed since the last build (a file or its slug renamed): addresses
    shared, printed in QR codes or saved by readers break unless the old one redirects (``aliases``).

    ``earlier``: the last build's published items (``last_published``), known from the cache only; so it is said
    in the build right after the change (and in the preview), not again.
    """
    found = []
    for item in items:
        old = earlier.get(item.id)
        if (old is None or item.draft or item.withdrawn or old.path == item.path
                or old.path.rstrip("/") in {alias.rstrip("/") for alias in item.aliases}):
            continue
        found.append(warning(item.source, item.line("slug"), "W206", "aliases",
                             f"网址从 {old.path} 改成了 {item.path}（改了文件名或 slug）；已分享出去的旧网址会打不开，"
                             f"请在头部写上 aliases: [{old.path}]（已有 aliases 一行就写在那一行），旧网址就会转到新页面"))
    return found


def removed_pages(items: tuple[Item, ...], earlier: dict[str, Item]) -> list[Problem]:
    """Warnings for published items whose file is gone since the last build: their page went with it, where
    ``withdrawn: true`` would have kept a page that says so. Said once, as ``moved_pages`` is."""
    ids, paths = {item.id for item in items}, {item.path for item in items}
    return [warning(old.source, 0, "W207", "",
                    f"这个文件已删除，它的网页 {old.path} 也随之删除，已分享出去的网址和二维码会打不开。"
                    f"如果是改名或移动了文件，请在新文件的头部写上 aliases: [{old.path}]（已有 aliases 一行就写在那一行）；"
                    "如果是要撤下这一篇，请恢复文件并把头部的 withdrawn 写成 withdrawn: true（网页会显示“已撤下”）")
            for old in earlier.values() if old.id not in ids and old.path not in paths]


def vanished_pages(out_dir: Path, items: tuple[Item, ...], known: set[str]) -> list[Problem]:
    """``moved_pages`` and ``removed_pages`` for the item pages in OUT of which the cache knows nothing (``known``:
    the paths of its items): it was deleted, made by another version or for another configuration, or is
    another computer's. A page whose title an item with a new page has is taken to have moved to it.
    """
    kept = {item.path for item in items} | known | {  # a redirect page's folder: cases/old/ (index.html)
        alias_file(alias).removesuffix("index.html") for item in items for alias in item.aliases}
    gone = {}
    for section in SECTIONS:
        try:
            names = sorted(os.listdir(out_dir / section))
        except OSError:  # no OUT yet, or not a folder
            continue
        for name in names:
            page = out_dir / section / name / "index.html"
            if name != "page" and f"{section}/{name}/" not in kept and page.is_file():
                title, draft = _page_title(page)
                if not draft:  # a draft's page, shown by a preview: no address anyone was given
                    gone[f"{section}/{name}/"] = title
    if not gone:
        return []
    new = {}
    for item in items:
        if not item.draft and not item.withdrawn and not (out_dir / item.path).is_dir():
            new.setdefault((item.section, item.title), []).append(item)
    found = []
    for path, title in gone.items():
        alike = new.get((path.split("/")[0], title), []) if title else []
        if len(alike) == 1:
            item = alike[0]
            found.append(warning(item.source, item.line("slug"), "W206", "aliases",
                                 f"网址从 {path} 改成了 {item.path}（上次构建的网页标题相同，大概是改了文件名或 slug）；"
                                 f"已分享出去的旧网址会打不开，请在头部写上 aliases: [{path}]（已有 aliases 一行就写在那一行），旧网址就会转到新页面"))
        else:
            found.append(warning(f"content/{path.split('/')[0]}", 0, "W207", "",
                                 f"上次构建的网页 {path}" + (f"（《{title}》）" if title else "")
                                 + "这次没有了：它的文件已删除或改了网址，已分享出去的网址和二维码会打不开。"
                                 f"如果是改名或移动了文件，请在新文件的头部写上 aliases: [{path}]（已有 aliases 一行就写在那一行）；"
                                 "如果是要撤下这一篇，请恢复文件并把头部的 withdrawn 写成 withdrawn: true（网页会显示“已撤下”）"))
    return found


_OG_TITLE = re.compile(r'<meta property="og:title" content="([^"]*)"')
_DRAFT_KICKER = re.compile(r'<p class="kicker">[^\n]*class="badge draft"')


def _page_title(page: Path) -> tuple[str, bool]:
    """The title an item page was built with (its ``og:title``, "" if it cannot be read), and whether the page
    was a draft's (the theme's 草稿 badge by its kind)."""
    try:
        with page.open("rb") as file:
            head = file.read(32768).decode("utf-8", "replace")
    except OSError:
        return "", False
    found = _OG_TITLE.search(head)
    return html.unescape(found.group(1)) if found else "", bool(_DRAFT_KICKER.search(head))


def reload_content(site_dir: Path, config: Config, relatives: list[str], item_paths: dict[str, str],
                   cache: ContentCache | None = None) -> Content:
    """Read, check and render only ``relatives`` (``content/<section>/….md``), linking against ``item_paths``.

    The preview's quick update: the steps of ``load_content`` for files of a site whose page paths are known.
    """
    problems: list[Problem] = []
    roots = (site_dir.resolve(), *content_roots(site_dir))
    sources = [(relative.split("/")[1], source) for relative in relatives
               if (source := read_source(site_dir / relative, relative, roots, problems, cache)) is not None]
    return parse_sources(sources, config, site_dir, problems, cache, item_paths)


def parse_sources(sources: list[tuple[str, SourceFile | Unsplit]], config: Config, site_dir: Path,
                  problems: list[Problem], cache: ContentCache | None, known_paths: dict[str, str] | None = None) -> Content:
    """Check, link and render read files into items; ``known_paths``: page paths of the site's other items.

    With a ``cache``, the item a build finished from the same bytes is reused while the files it uses and
    what its body looked up are as they were (``cache.Finished``): same inputs, same item and problems.
    """
    from fraudsite.cache import Finished, Unsplit, lookups_hold

    asset_exists = AssetCheck(site_dir)
    reused = {source.path: done for _, source in sources
              if cache and (done := cache.finished_item(source.path)) and _files_hold(done.files, asset_exists)}
    item_paths = {**(known_paths or {}), **{path: done.item.path for path, done in reused.items()}}
    own: dict[str, list[Problem]] = {}  # the problems of each file checked this build
    split: dict[str, SourceFile] = {}  # and its split source
    parsed = []

    def check(section: str, source: SourceFile | Unsplit) -> None:
        found = own.setdefault(source.path, [])
        if isinstance(source, Unsplit):  # its finished item cannot be used after all
            raw = source.raw if source.raw is not None else read_file(source.file, source.path, found)
            if raw is None:
                return
            source, trouble = cache.read_source(source.path, raw)  # type: ignore[union-attr,assignment]
            found += [trouble] if trouble else []
            if not isinstance(source, SourceFile):
                return
        split[source.path] = source
        item = parse_item(section, source, config, site_dir, found)
        if item:
            parsed.append(item)
            item_paths[item.source] = item.path

    for section, source in sources:
        if source.path not in reused:
            check(section, source)
    # A file that could not be read, split or checked has its own error: a link to it is not one to a missing file.
    for path in [source.path for _, source in sources] + [p.path for p in problems if p.severity == "error"]:
        item_paths.setdefault(path, UNLOADED)
    site = site_links(config, asset_exists, item_paths)
    for section, source in sources:  # a finished body whose links lead elsewhere now is made again
        done = reused.get(source.path)
        if done and done.lookups and not lookups_hold(done.lookups, site):
            del reused[source.path]
            check(section, source)
    contexts = {item.source: replace(site, source=item.source, body=split[item.source].body,
                                     body_line=split[item.source].body_line, scam_urls=item.scam_urls)
                for item in parsed if not item.withdrawn}
    # Every tag that may be shown: their sort keys are read by another process meanwhile, on a first build.
    names_coming(tag for item in chain(parsed, (done.item for done in reused.values())) for tag in item.tags)
    bodies = render_bodies(list(contexts.values()), cache)
    items = [done.item for done in reused.values()]
    for item in parsed:
        body, lookups = bodies.get(item.source, (None, {}))
        items.append(finished := finish_item(item, split[item.source], body, own[item.source]))
        if cache:
            cache.keep_finished(item.source, Finished(finished, tuple(own[item.source]), _files_of(finished), lookups))
    for found in own.values():
        problems += found
    for done in reused.values():
        problems += done.problems
    problems += check_identities(items)
    return Content(tuple(sorted(items, key=sort_key)), tuple(sorted(problems)))


def _files_of(item: Item) -> tuple[tuple[str, int, tuple[int, ...]], ...]:
    """The files an item uses, each with the size it shows (an attachment's or the cover's, as read when checked)
    and its stat signature (the cover shows its width and height too; either may have been made unreadable); else
    -1 and (): as the item was made with them, not read again, so a file changed during the build is seen next time
    (a photo turned in a viewer changes its EXIF rotation, not its size)."""
    shown = {a.source: (a.size, a.stamp) for a in getattr(item, "attachments", ())}
    if item.cover:
        shown.update((source, (item.cover_size, item.cover_stamp)) for source, output in item.files
                     if output == item.cover)
    return tuple((source, *shown.get(source, (-1, ()))) for source, _ in item.files)


def _files_hold(files: tuple[tuple[str, int, tuple[int, ...]], ...], asset_exists: AssetCheck) -> bool:
    """Whether the files a finished item used are all still there, inside content/, as it shows them."""
    for source, size, stamp in files:
        if not asset_exists(source):
            return False
        if size < 0 and not stamp:  # a body's picture: its size is a lookup of the body's (``lookups_hold``)
            continue
        try:
            stat = (asset_exists.site_dir / source).stat()
        except OSError:
            return False
        if size >= 0 and stat.st_size != size or stamp and stat_signature(stat) != stamp:
            return False
    return True


def render_bodies(contexts: list[LinkContext], cache: ContentCache | None) -> dict[str, tuple[RenderedBody, dict]]:
    """Every body rendered once, with what it looked up: cached ones reused, the rest spread over the cores."""
    from fraudsite.cache import render_recorded
    from fraudsite.parallel import ordered_map

    bodies = {c.source: found for c in contexts if cache and (found := cache.lookup(c)) is not None}
    missing = [c for c in contexts if c.source not in bodies]
    for context, (body, lookups) in zip(missing, ordered_map(render_recorded, missing, minimum=100)):
        bodies[context.source] = body, lookups
        if cache:
            cache.store(context, body, lookups)
    return bodies


def sort_key(item: Item) -> tuple:
    """Newest first; ties broken by source path so order never depends on the file system."""
    return (-item.date.timestamp(), item.source)


def read_sources(site_dir: Path, problems: list[Problem],
                 cache: ContentCache | None = None) -> list[tuple[str, SourceFile | Unsplit]]:
    """Find every ``.md`` file under ``content/cases`` and ``content/notices`` and split it (or, with a cache,
    leave it ``Unsplit`` if its finished item is kept)."""
    found = []
    roots = (site_dir.resolve(), *content_roots(site_dir))
    folders: dict[str, bool] = {}
    misnamed: list[tuple[str, str]] = []
    for section in SECTIONS:
        for relative, entry in markdown_files(site_dir, f"content/{section}", misnamed, problems):
            source = read_source(entry.path, relative, roots, problems, cache, folders, entry)
            if source is not None:
                found.append((section, source))
    problems += [warning(relative, 0, "W017", "", f"这个文件不会发布：内容文件的扩展名必须是小写的 .md；请改名为 {name}"
                                                  + ("（记事本保存时会在后面加上 .txt，另存为时请把“保存类型”选为“所有文件”）"
                                                     if relative.lower().endswith(".txt") else ""))
                 for relative, name in misnamed]
    problems += stray_files(site_dir)
    return found


# Folder names an editor may have meant as a section: a renamed ``Cases``, a Chinese name.
_SECTION_NAMED = {"case": "cases", "cases": "cases", "案例": "cases", "典型案例": "cases",
                  "notice": "notices", "notices": "notices", "通知": "notices", "通知公告": "notices", "公告": "notices"}


def stray_files(site_dir: Path) -> list[Problem]:
    """Markdown files in ``content/`` outside both sections, which are never published: warnings, or an error
    where a section's folder is missing and looks renamed (``Cases``), or both are missing (another folder than
    the site's?): a build would delete every page of that section."""
    content = site_dir / "content"
    missing = [section for section in SECTIONS if not (content / section).is_dir()]
    try:
        entries = sorted(os.scandir(content), key=lambda entry: entry.name)
    except OSError:
        entries = []
    if len(missing) == len(SECTIONS) and not any(entry.is_dir() for entry in entries):
        return [problem("content", 0, "E017", "", "找不到 content/cases 和 content/notices 文件夹；请确认网站目录选对了"
                        "（应是有 fraudsite.yaml 和 content 文件夹的那个），或用 fraudsite init 新建网站")]
    found = []
    for entry in entries:
        if entry.name.startswith(".") or entry.name in SECTIONS or is_litter((entry.name,)):
            continue
        if (unnamed := name_not_utf8("content", entry)) is not None:
            found.append(unnamed)
            continue
        meant = _SECTION_NAMED.get(entry.name.casefold())
        if meant and meant not in missing and os.path.samefile(entry.path, content / meant):
            continue  # Cases is cases where the file system ignores case (Windows, macOS): it is read as that
        hint = f"；是否想把文件夹命名为 content/{meant}{'（全部小写）' if entry.name.isascii() else ''}？" if meant else ""
        if entry.is_dir(follow_symlinks=False) and (count := len(markdown_files(site_dir, f"content/{entry.name}"))):
            report = problem if meant in missing or len(missing) == len(SECTIONS) else warning
            found.append(report(f"content/{entry.name}", 0, "E017" if report is problem else "W018", "",
                                f"这个文件夹里的 {count} 个 .md 文件不会发布：{_WHERE_CONTENT_GOES}{hint}"))
        elif entry.is_file() and entry.name.lower().endswith(".md"):
            found.append(warning(f"content/{entry.name}", 0, "W018", "", f"这个文件不会发布：{_WHERE_CONTENT_GOES}"))
    return found


_WHERE_CONTENT_GOES = "案例要放在 content/cases/ 里，通知要放在 content/notices/ 里（其中可以再分子文件夹）"


_MARKDOWN_LIKE = (".markdown", ".mdown", ".mkd", ".mkdn", ".md.txt")


def _misnamed(entry: os.DirEntry) -> str | None:
    """The name a file that looks meant as content (``a.MD``, ``a.markdown``, ``a.md.txt``, a ``.txt`` that
    starts with front matter) should have, or None."""
    lower = entry.name.lower()
    stem = next((entry.name[: -len(end)] for end in (*_MARKDOWN_LIKE, ".md") if lower.endswith(end)), None)
    if stem is None and lower.endswith(".txt"):
        try:
            with open(entry.path, "rb") as stream:
                if stream.read(8).removeprefix(b"\xef\xbb\xbf").startswith((b"---\n", b"---\r\n")):
                    stem = entry.name[:-4]
        except OSError:
            pass
    return f"{stem}.md" if stem else None


def markdown_files(site_dir: Path, folder: str, misnamed: list[tuple[str, str]] | None = None,
                   problems: list[Problem] | None = None) -> list[tuple[str, os.DirEntry]]:
    """Every ``*.md`` below ``site_dir/folder`` by site-relative path, as ``sorted(folder.rglob("*.md"))`` lists
    them (linked folders are not entered; hidden files and folders, and what tools leave beside a file: ``litter``,
    are left out), with its directory entry: whether it is a link or a file is then known from the listing, not
    asked of the disk twice per file.
    ``misnamed`` gets the files that look meant as content but are not named so, with the name they need;
    ``problems`` the folders that cannot be listed (the folder itself missing, too) and linked folders: what
    is in them would silently go unpublished, its pages deleted."""
    found, folders = [], [(site_dir / folder, folder)]
    while folders:
        path, relative = folders.pop()
        try:
            entries = list(os.scandir(path))
        except FileNotFoundError:  # a section without a folder has no items (``stray_files`` looks for why)
            continue
        except OSError as error:
            if problems is not None:
                reason = "没有读取权限" if isinstance(error, PermissionError) else "它不是可以读取的文件夹"
                problems.append(problem(relative, 0, "E017", "", f"无法读取文件夹 {relative}/（{reason}）；"
                                        "其中的内容不能发布，请检查这个文件夹的权限"))
            continue
        for entry in entries:
            # Hidden (macOS's ._a.md, a .git folder) or what a tool keeps beside an open file (Word's and WPS's lock
            # file ~$a.md, emacs's .#a.md), which is no content and came and went as the file was opened and closed.
            if entry.name.startswith(".") or is_litter((entry.name,)):
                continue
            if (unnamed := name_not_utf8(relative, entry)) is not None:
                if problems is not None:
                    problems.append(unnamed)
                continue  # not entered either: no path below it can be read as text
            if entry.name.endswith(".md"):  # a folder so named too: read_source skips it, as any non-file
                found.append((f"{relative}/{entry.name}", entry))
            elif misnamed is not None and entry.is_file() and (name := _misnamed(entry)):
                misnamed.append((f"{relative}/{entry.name}", name))
            if not entry.is_symlink() and entry.is_dir():  # in this order: a link's target is never asked
                folders.append((Path(entry.path), f"{relative}/{entry.name}"))
            elif problems is not None and entry.is_symlink() and os.path.isdir(entry.path):
                problems.append(warning(f"{relative}/{entry.name}", 0, "W019", "", "这是指向别处的文件夹链接，其中的文件"
                                        "不会发布；请把文件夹本身放进 content 目录"))
    return sorted(found, key=lambda pair: pair[0].split("/"))


def name_not_utf8(relative: str, entry: os.DirEntry) -> Problem | None:
    """E018 for a ``.md`` file or a folder (in the folder ``relative``) whose name is not UTF-8, as a zip made on
    Chinese Windows leaves its names (GBK) unpacked on Linux: no page, link or message could name it. None for a
    name that is UTF-8, or another file's (a picture so named is only a link that finds no file); a file named as
    content but misnamed (``_misnamed``) is one too."""
    try:
        entry.name.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    folder = entry.is_dir()
    if not folder and not entry.name.endswith(".md") and not (entry.is_file() and _misnamed(entry)):
        return None  # (a misnamed one, a.MD, would be named by W017, which cannot show it either)
    raw = os.fsencode(entry.name)
    try:
        guess = f"（按 GBK 读是“{raw.decode('gbk')}”）"
    except UnicodeDecodeError:
        guess = ""
    what, whose = ("文件夹", "其中的内容") if folder else ("文件", "这篇")
    return problem(f"{relative}/{raw.decode('utf-8', 'backslashreplace')}", 0, "E018", "",
                   f"{what}名不是 UTF-8 编码{guess}，多半是解压了在 Windows 上打包的 zip；{whose}无法读取，请把这个{what}"
                   "改名（重新输入名字），或用 unzip -O GBK 重新解压")


def read_source(path: str | Path, relative: str, roots: tuple[Path, ...], problems: list[Problem],
                cache: ContentCache | None = None,
                folders: dict[str, bool] | None = None, entry: os.DirEntry | None = None) -> SourceFile | Unsplit | None:
    """Read and split one content file (or leave it ``Unsplit``, see ``read_sources``); None (with a problem,
    unless it is no file) if that fails. ``entry``: its directory entry, if it was listed.

    With the path as text and ``os.path``, not ``pathlib``: a Path made and read per file took half the time
    of reading ten thousand files."""
    linked = entry.is_symlink() if entry is not None else None
    if not _inside(path, roots, folders, linked):
        problems.append(problem(relative, 0, "E013", "", "这是指向网站目录以外的符号链接；请把文件本身放进 content 目录"))
        return None
    try:
        is_file = entry.is_file() if entry is not None else os.path.isfile(path)
    except OSError:  # a loop of links
        is_file = False
    if not is_file:
        if (linked or (linked is None and os.path.islink(path))) and not os.path.exists(path):
            problems.append(problem(relative, 0, "E016", "", "这个符号链接指向的文件不存在（或链接绕成了圈）；请修复或删除这个链接"))
        return None  # else a folder named *.md (or a link to one): not content
    stat = None
    if cache is not None:
        try:
            stat = entry.stat() if entry is not None else os.stat(path)
        except OSError:
            pass  # reading it says what is wrong
        else:
            if unread := cache.unread(relative, os.fspath(path), stat):
                return unread
    raw = read_file(path, relative, problems)
    if raw is None:
        return None
    source, trouble = cache.read_source(relative, raw, defer=True, stat=stat) if cache else split_source(relative, raw)
    if trouble is not None:
        problems.append(trouble)
    return source


def read_file(path: str | Path, relative: str, problems: list[Problem]) -> bytes | None:
    """A content file's bytes, or None with a problem saying why it cannot be read."""
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError as error:
        problems.append(problem(relative, 0, "E014", "", f"无法读取文件（{describe_os_error(error, with_file=False)}）；"
                                "请检查文件权限"))
        return None


def split_source(relative: str, raw: bytes) -> tuple[SourceFile | None, Problem | None]:
    """Decode one file's bytes and split off its front matter (what the cache stores)."""
    text, trouble = decode_source(relative, raw)
    if trouble is not None:
        return None, trouble
    return split_front_matter(relative, text or "")


def content_roots(site_dir: Path) -> tuple[Path, ...]:
    """The folders content's files may lie in, resolved: ``content/`` and its sections where they really are. The
    site's owner may have made any of them a link to a shared drive: the files inside are what it points to. A link
    among the files that leads out of them is another matter (E013): it would publish a file from elsewhere."""
    content = site_dir / "content"
    roots = []
    # A section folder that is no link lies in content/ as resolved: only a linked one is resolved too (asked for
    # every cover and attachment a build reads, resolving all three took 100 µs a call)
    for folder in (content, *(content / section for section in SECTIONS if (content / section).is_symlink())):
        try:
            roots.append(folder.resolve())
        except (OSError, RuntimeError):  # links that lead to each other in a loop (Python 3.11): nothing is read there
            continue
    return tuple(dict.fromkeys(roots))


def _inside(path: str | Path, roots: tuple[Path, ...], folders: dict[str, bool] | None = None,
            linked: bool | None = None) -> bool:
    """Whether a file, followed through symbolic links, is inside one of ``roots``.

    With ``folders`` (whether each folder, resolved, is inside a root: kept by the caller for one build), only
    a linked file is resolved itself, otherwise its folder once: a site has ten thousand files but few folders.
    ``linked``: whether the file is a symbolic link, if known.
    """
    try:
        if (folders is None or os.path.basename(path) in ("", ".", "..")
                or (os.path.islink(path) if linked is None else linked)):
            return _below(Path(path).resolve(), roots)
        folder = os.path.dirname(path)
        inside = folders.get(folder)
        if inside is None:
            inside = folders[folder] = _below(Path(folder).resolve(), roots)
        return inside
    except OSError:
        return False
    except RuntimeError:  # links that lead to each other in a loop (Python 3.11): nothing is read through them
        return True


def _below(path: Path, roots: tuple[Path, ...]) -> bool:
    """Whether a resolved path is one of ``roots`` or inside one."""
    return any(path.is_relative_to(root) for root in roots)


class _Fields:
    """Typed access to one file's front matter, recording a Problem for each bad value."""

    def __init__(self, source: SourceFile, config: Config, problems: list[Problem]):
        self.source, self.config, self.problems = source, config, problems
        self.data: dict[str, Any] = source.meta.data
        self.ok = True

    def line(self, key: str) -> int:
        return self.source.meta.line_of(key, 2)

    def fail(self, key: str, code: str, message: str, line: int | None = None) -> None:
        self.ok = False
        self.problems.append(problem(self.source.path, line or self.line(key), code, key, message))

    def warn(self, key: str, code: str, message: str, line: int | None = None) -> None:
        self.problems.append(warning(self.source.path, line or self.line(key), code, key, message))

    def text(self, key: str, required: bool = False) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "E201", self.missing(key))
            return ""
        if isinstance(value, (list, dict)):
            self.fail(key, "E202", "应为一段文字，而不是列表或多项设置")
            return ""
        if isinstance(value, bool):
            self.fail(key, "E202", "应为一段文字；若本意是文字，请加引号")
            return ""
        text = strip_control(str(value)).strip()
        if required and not text:
            self.fail(key, "E201", "不能为空；请填写")
        return text

    def missing(self, key: str) -> str:
        """Why a required key has no value: not written, left empty, or its text taken for a comment."""
        if key not in self.data:
            return "缺少必填字段；请补上"
        if key in self.source.meta.commented:
            return (f"值是空的：“#”及其后的文字被 YAML 当作注释；如果 # 是内容的一部分，请给整个值加英文双引号，"
                    f"例如 {key}: \"#……\"")
        return "不能为空；请填写"

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if value is None:
            return False
        if type(value) is not bool:
            meant = _YES_NO.get(str(value).strip().lower())
            self.fail(key, "E203", "应为 true 或 false" + (f"；“{value}”请写成 {key}: {meant}" if meant else ""))
            return False
        return value

    def when(self, key: str, required: bool = False, end_of_day: bool = False) -> datetime | None:
        if self.data.get(key) is None:
            if required:
                self.fail(key, "E201", "缺少必填字段；请写发布日期，格式 YYYY-MM-DD 或 YYYY-MM-DD HH:MM", line=2)
            return None
        try:
            return parse_when(self.data[key], self.config.tz, end_of_day)
        except BadWhen as error:
            self.fail(key, "E204", str(error))
            return None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list) and None in value:  # "- #刷单": YAML reads a comment, and the item is empty
            index = value.index(None)
            self.fail(key, "E205", f"列表的第 {index + 1} 项是空的；以 # 开头的文字会被当作注释，请给这一项加英文引号，"
                                   "例如 - \"#刷单\"；不需要这一项就删掉这一行", line=self.source.meta.line_of(f"{key}.{index}", 0))
            return ()
        if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
            self.fail(key, "E205", "应为文字列表，每项一行，以“- ”开头")
            return ()
        return tuple(strip_control(str(v)).strip() for v in value if strip_control(str(v)).strip())

    def keys(self, key: str, valid: dict[str, str], code: str, what: str) -> tuple[str, ...]:
        """A list of configured keys (``valid``: key to name), each unknown one an error."""
        values = self.texts(key)
        for index, value in enumerate(values):
            if value not in valid:
                line = self.source.meta.line_of(f"{key}.{index}", self.line(key))
                parts = [part.strip() for part in _LIST_SEPARATOR.split(value) if part.strip()]
                together = len(parts) > 1 and all(part in valid for part in parts)
                wide = next((char for char in value if char in _WIDE_SEPARATORS), "")
                if together and wide:  # [students，parents]: in brackets, but one item
                    self.fail(key, code, f"“{value}”里用了中文的“{wide}”，几个{what}被当成了一个；请改用英文逗号：{key}: "
                                         f"[{', '.join(parts)}]", line=line)
                elif together:  # audience: students, parents
                    self.fail(key, code, f"“{value}”是几个{what}写在了一起；请写在方括号里：{key}: [{', '.join(parts)}]",
                              line=line)
                else:
                    self.fail(key, code, f"未知的{what}“{value}”；{key_hint(value, valid, what)}", line=line)
        return values


# Yes and no as editors write them; YAML here takes only true and false (PyYAML's "no" would be False unasked).
_YES_NO = {**dict.fromkeys(("是", "对", "真", "yes", "y", "on", "1", "√"), "true"),
           **dict.fromkeys(("否", "不", "不是", "假", "no", "n", "off", "0", "×"), "false")}

# Front-matter keys as an editor may write them in Chinese, from the guide's own words for each.
_KEY_NAMES = {
    "标题": "title", "题目": "title", "日期": "date", "发布日期": "date", "发布时间": "date", "时间": "date",
    "类型": "type", "诈骗类型": "type", "受众": "audience", "面向": "audience", "对象": "audience",
    "摘要": "summary", "简介": "summary", "金额": "amount", "损失": "amount", "涉案金额": "amount", "损失金额": "amount",
    "标签": "tags", "发布单位": "issuer", "发布部门": "issuer", "单位": "issuer", "失效时间": "expires",
    "截止时间": "expires", "有效期": "expires", "过期时间": "expires", "封面": "cover", "附件": "attachments",
    "草稿": "draft", "置顶": "pinned", "优先级": "priority", "识别要点": "signs",
    "防范提示": "advice", "防范建议": "advice", "更新日期": "updated", "更新时间": "updated", "撤下": "withdrawn",
}


def parse_item(section: str, source: SourceFile, config: Config, site_dir: Path, problems: list[Problem]) -> Item | None:
    """Check one file's front matter and build its Case or Notice (body not yet rendered)."""
    fields = _Fields(source, config, problems)
    allowed = CASE_KEYS if section == "cases" else NOTICE_KEYS
    for key in fields.data:
        if key in allowed:
            continue
        if key in CASE_KEYS | NOTICE_KEYS:  # the other section's: a case's type, a notice's pinned
            other = "案例（content/cases）" if section == "notices" else "通知（content/notices）"
            fields.fail(key, "E206", f"这个字段只用于{other}；请删掉这一行，或把文件放到对应的文件夹")
        elif _KEY_NAMES.get(key) in allowed:
            fields.fail(key, "E206", f"字段名要用英文：请把“{key}”改为 {_KEY_NAMES[key]}，冒号和后面的内容不变")
        else:
            fields.fail(key, "E206", f"未知的字段；{did_you_mean(key, sorted(allowed))}")
    warn_cut_by_comment(source, problems)
    unquote_chinese(fields)
    common = _common_fields(section, source, fields, config, site_dir)
    if section == "cases":
        specific = _case_fields(fields, config)
    else:
        specific = _notice_fields(fields, common, site_dir)
    if not fields.ok or common["date"] is None:
        return None
    if common["updated"] is not None and common["updated"].date() < common["date"].date():  # a bare date: its day
        fields.warn("updated", "W205", "更新日期早于发布日期；请检查 updated 与 date（没有更新就删掉 updated）")
    if not common["draft"] and not common["withdrawn"]:
        check_body_written(source.path, source.body, source.body_line, problems,
                           has_attachments=bool(specific.get("attachments")))
    kind = Case if section == "cases" else Notice
    return kind(**common, **specific)


# Keys whose text readers see: there " #" is likelier meant as text than as a comment (``fraudsite new``
# puts its comments after the other keys, and after empty values).
_PROSE_KEYS = {"title", "summary", "issuer", "screen_title", "tags", "signs", "advice", "wechat"}


# Chinese quotes, opening to closing: WPS and Word turn "…" into “…” as it is typed, and YAML takes them for text.
_CHINESE_QUOTES = {"“": "”", "‘": "’"}


def chinese_quoted(value: Any) -> str | None:
    """The text inside the Chinese quotes that wrap the whole of ``value`` (“2026-11-01 08:30”), or None."""
    if not isinstance(value, str) or len(value) < 2 or _CHINESE_QUOTES.get(value[0]) != value[-1]:
        return None
    inner = value[1:-1]
    return None if value[0] in inner or value[-1] in inner or not inner.strip() else inner


def unquote_chinese(fields: _Fields) -> None:
    """Refuse a value wrapped in Chinese quotes where no reader sees it (a date, a key, a path), and read it without
    them: its own check said “2026-11-01 08:30”不是有效日期, quotes and all. Titles and the like may mean them."""
    unquoted = {}
    for key, value in fields.data.items():
        if key in _PROSE_KEYS or key == "cover_alt" or isinstance(value, dict):
            continue
        items = value if isinstance(value, list) else [value]
        if not (wrapped := [index for index, item in enumerate(items) if chinese_quoted(item) is not None]):
            continue
        # As written in English quotes, or in none where those would make a number or true text (amount: “3500”).
        plain = [item if (inner := chinese_quoted(item)) is None else plain_scalar(inner) for item in items]
        shown = [quoted(item) if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in plain]
        first = items[wrapped[0]][0]
        fix = "请改用英文引号 \"…\"" if any(isinstance(item, str) for item in plain) else "请删掉这对引号"
        written = f"[{', '.join(shown)}]" if isinstance(value, list) else shown[0]
        fields.fail(key, "E003", f"值两边是中文引号{first} {_CHINESE_QUOTES[first]}，YAML 不把它们当作引号；{fix}，"
                                 f"写成 {key}: {written}",
                    line=fields.source.meta.line_of(f"{key}.{wrapped[0]}", 0) if isinstance(value, list) else None)
        unquoted[key] = plain if isinstance(value, list) else plain[0]
    if unquoted:
        fields.data = {**fields.data, **unquoted}


def warn_cut_by_comment(source: SourceFile, problems: list[Problem]) -> None:
    """Warn of a text cut short at " #", which YAML takes for the start of a comment."""
    for path, line in source.meta.commented.items():
        key, value = path.split(".")[0], _value_at(source.meta.data, path)
        if key in _PROSE_KEYS and isinstance(value, str):
            name = "-" if path[-1].isdigit() else path.split(".")[-1] + ":"  # a list item, or a key
            if value[:1] in _CHINESE_QUOTES and _CHINESE_QUOTES[value[0]] not in value:  # “测试 #刷单”: its closing quote went
                problems.append(warning(source.path, line, "W009", key, f"值两边是中文引号{value[0]} {_CHINESE_QUOTES[value[0]]}"
                                        "，YAML 不把它们当作引号：“#”及其后的文字被当作注释删掉了，这一项现在只有"
                                        f"“{value}”；请改用英文引号，例如 {name} {quoted(value[1:] + ' #……')}"))
                continue
            example = f"{name} {quoted(value + ' #……')}"
            problems.append(warning(source.path, line, "W009", key, f"“#”及其后的文字被 YAML 当作注释删掉了，这一项现在只有"
                                    f"“{value}”；如果 # 是内容的一部分，请给整个值加英文引号，例如 {example}；"
                                    "如果是说明，请移到单独一行"))


def _value_at(data: Any, path: str) -> Any:
    """The value at a ``key.N.key`` path of parsed front matter, or None."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def check_body_written(path: str, body: str, body_line: int, problems: list[Problem],
                       has_attachments: bool = False, draft: bool = False) -> None:
    """Refuse a body (of the file ``path``, starting at ``body_line``) still holding ``fraudsite new``'s placeholder
    text; warn of one holding nothing a reader sees (a notice of attachments alone shows them). A ``draft``'s
    (checked as published: ``check --drafts``) is not told to become one."""
    from fraudsite.newitem import PLACEHOLDERS

    otherwise = "" if draft else "，或先设为 draft: true"
    for placeholder in PLACEHOLDERS:
        if placeholder in body:
            problems.append(problem(path, line_in_body(body, body_line, placeholder), "E221",
                                    "正文", f"还留着新建时的提示文字“{placeholder}”；请换成正文{otherwise}"))
    if has_attachments:
        return
    text = _COMMENTS.sub("", body)
    if not text.strip():
        problems.append(warning(path, body_line, "W203", "正文",
                                f"正文是空的，读者打开这一篇只能看到标题；请补上正文{otherwise}"))
    elif all(_HEADING_OR_RULE.fullmatch(line) for line in text.splitlines() if line.strip()):
        problems.append(warning(path, body_line, "W203", "正文",
                                f"正文只有小标题，没有内容；请在小标题下写上正文{otherwise}"))


_COMMENTS = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING_OR_RULE = re.compile(r" {0,3}(?:#{1,6}(?:[ \t].*)?|(?:[-*_][ \t]*){3,})[ \t]*")  # ATX heading, thematic break


def _common_fields(section: str, source: SourceFile, fields: _Fields, config: Config, site_dir: Path) -> dict:
    slug = fields.text("slug") or slug_from_filename(source.path)
    if fields.data.get("slug") is not None:
        _check_slug(fields, slug)
    identity = fields.text("id")
    if not identity:
        # The path is what feeds use without an id: written as the id, a published item's entry stays the same.
        fields.warn("id", "W201", f"缺少 id；订阅源用它识别同一篇内容，请补上一行 id: {source.path}（订阅源现在用的就是它，"
                                  "已发布的这一篇不会在订阅里重复出现）")
        identity = source.path
    files: list[tuple[str, str]] = []
    cover = fields.text("cover")
    cover_path = _asset(fields, "cover", cover, site_dir, files) if cover else ""
    cover_stat = (site_dir / files[-1][0]).stat() if cover_path else None
    cover_width, cover_height, trouble = read_picture(site_dir / files[-1][0]) if cover_path else (0, 0, FINE)
    if refused := refusal(trouble):
        fields.fail("cover", refused[0], f"封面图片“{cover}”{refused[1]}")
    cover_alt = fields.text("cover_alt")
    if cover_path and not cover_alt:  # as W612 for a picture in the body: a cover often carries the message
        fields.warn("cover", "W209", "封面图片缺少文字说明，读屏软件无法告诉视障读者图中内容；"
                                     "请在 cover_alt: 后面写上图片内容说明（没有这一行就加上），例如 cover_alt: 诈骗分子发来的“退款”短信截图")
    wechat = fields.data.get("wechat")
    wechat_pairs: tuple[tuple[str, str], ...] = ()
    if wechat is not None:
        if not isinstance(wechat, dict) or any(k not in WECHAT_KEYS for k in wechat):
            fields.fail("wechat", "E207", "应为一组设置，只能含 title、digest、author")
        elif bad := [k for k, v in wechat.items() if v is not None and type(v) not in (str, int)]:  # not true
            fields.fail("wechat", "E207", f"wechat 的 {bad[0]} 应为一段文字；值是 true、false 等又想当文字时，加英文引号",
                        line=fields.source.meta.line_of(f"wechat.{bad[0]}", fields.line("wechat")))
        else:  # as every other text of the front matter: no control character, no spaces at the ends
            wechat_pairs = tuple((k, text) for k, v in sorted(wechat.items())
                                 if v is not None and (text := strip_control(str(v)).strip()))
    return {
        "section": section,
        "source": source.path,
        "id": identity,
        "slug": slug,
        "title": fields.text("title", required=True),
        "date": fields.when("date", required=True),
        "updated": fields.when("updated"),
        "draft": fields.flag("draft"),
        "withdrawn": fields.flag("withdrawn"),
        "aliases": tuple(_alias(fields, a, config.base_path) for a in fields.texts("aliases")),
        "audience": fields.keys("audience", config.audience_names, "E208", "受众"),
        "tags": _tags(fields),
        "summary": shorten(fields.text("summary")),
        "cover": cover_path,
        "cover_size": cover_stat.st_size if cover_stat else 0,
        "cover_stamp": stat_signature(cover_stat) if cover_stat else (),
        "cover_alt": cover_alt,
        "cover_width": cover_width,
        "cover_height": cover_height,
        "issuer": fields.text("issuer", required=(section == "notices")) or config.office.name,
        "screen_title": fields.text("screen_title"),
        "scam_urls": fields.texts("scam_urls"),
        "wechat": wechat_pairs,
        "privacy_allow": fields.texts("privacy_allow"),
        # A key left empty (``summary:``, as ``fraudsite new`` writes it) is not the editor's text: its value comes
        # from elsewhere (the body's opening, the office), and later checks take a key listed here as written.
        "line_of": tuple(sorted((key, line) for key, line in source.meta.lines.items()
                                if "." in key or _written(source.meta.data.get(key)))),
        "files": tuple(files),
    }


def _written(value: Any) -> bool:
    """Whether a front-matter value holds anything: not left empty, nor an empty string."""
    return value is not None and not (isinstance(value, str) and not value.strip())


MOST_LIKELY_AMOUNT = 10_000_000_000  # yuan: a loss above this is a typo (extra zeros), not a case


def _tags(fields: _Fields) -> tuple[str, ...]:
    """The tags, each once, with a warning for one that holds several (``tags: 兼职，刷单`` is one tag, not two)."""
    tags = tuple(dict.fromkeys(fields.texts("tags")))  # written twice, it would be listed twice on the page
    for index, tag in enumerate(tags):
        if _TAG_SEPARATOR.search(tag):
            parts = [part.strip() for part in _TAG_SEPARATOR.split(tag) if part.strip()]
            fields.warn("tags", "W204", f"“{tag}”会成为一个标签；多个标签请写成 tags: [{', '.join(parts)}]",
                        line=fields.source.meta.line_of(f"tags.{index}", fields.line("tags")))
    return tags


_TAG_SEPARATOR = re.compile(r"[，、；;,]")
_WIDE_SEPARATORS = "，、；"  # a Chinese input method's comma, enumeration comma and semicolon
_LIST_SEPARATOR = re.compile(r"[，、；;,\s]+")


def _attachment_entries(fields: _Fields) -> list[tuple[str, str]]:
    """``attachments`` as (name shown, path): each a path (its file name shown), or ``家长回执: files/reply.pdf``
    to show readers a name of its own (a file named in English, say)."""
    value = fields.data.get("attachments")
    if not isinstance(value, list) or not any(isinstance(entry, dict) for entry in value):
        return [("", name) for name in fields.texts("attachments")]
    entries = []
    for index, entry in enumerate(value):
        pairs = list(entry.items()) if isinstance(entry, dict) else [("", entry)]
        texts = [strip_control(part).strip() if isinstance(part, str) else "" for pair in pairs for part in pair]
        if len(pairs) != 1 or not texts[1] or (isinstance(entry, dict) and not texts[0]):
            fields.fail("attachments", "E205", "附件每项一行，写成“- 文件路径”，或“- 显示的名称: 文件路径”"
                                               "（如 - 家长回执: files/reply.pdf）", line=fields.source.meta.line_of(
                                                   f"attachments.{index}", fields.line("attachments")))
            continue
        entries.append((texts[0], texts[1]))
    return entries


def _case_fields(fields: _Fields, config: Config) -> dict:
    types = config.type_names
    type_key = fields.text("type", required=True)
    if type_key and type_key not in types:
        fields.fail("type", "E209", f"未知的诈骗类型“{type_key}”；{key_hint(type_key, types, '诈骗类型')}")
    if "audience" not in fields.data:
        fields.fail("audience", "E201", "缺少必填字段；请写受众，例如 audience: [students]", line=2)
    elif fields.data["audience"] is None:
        fields.fail("audience", "E201", fields.missing("audience"))
    elif fields.data.get("audience") in ([], ""):
        fields.fail("audience", "E201", "不能为空；请写至少一个受众，例如 audience: [students]")
    amount = fields.data.get("amount")
    if isinstance(amount, str) and (number := _wide_number(amount.strip())) is not None:
        amount = number  # ３５００, as a Chinese input method types digits: taken as dates take them
    if amount is not None and (type(amount) is not int or amount < 0):
        meant = _amount_meant(amount) if isinstance(amount, str) else None
        fix = f"，例如 amount: {meant}" if meant is not None else ""
        shown = amount if isinstance(amount, str) else json.dumps(amount, ensure_ascii=False)  # true, not True
        fields.fail("amount", "E210", f"“{shown}”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号{fix}")
        amount = None
    elif amount is not None and amount > MOST_LIKELY_AMOUNT:
        fields.fail("amount", "E210", f"{amount} 元超过 100 亿元，不像一起案件的损失；请检查是否多写了几个零")
        amount = None
    return {"type": type_key, "amount": amount, "signs": _plain_points(fields, "signs"),
            "advice": _plain_points(fields, "advice")}


def _plain_points(fields: _Fields, key: str) -> tuple[str, ...]:
    """Signs or advice, with a warning for a point that is shown other than meant: Markdown (shown as written,
    these are plain text in every channel), or two points run into one by YAML (``- a`` with ``   - b`` one space
    deeper under it reads "a - b"; ``-a`` without its space is text)."""
    points = fields.texts(key)
    name = "识别要点" if key == "signs" else "防范提示"
    for index, point in enumerate(points):
        line = fields.source.meta.line_of(f"{key}.{index}", fields.line(key))
        if mark := _MARKDOWN_MARK.search(point):
            marks = mark.group(1) or mark.group()[:1]
            fields.warn(key, "W208", f"{name}按纯文字显示，“{marks}”会原样出现在网页、公众号和大屏上；请去掉", line=line)
        bullet = _BULLET.match(point)
        again = bullet and _BULLET_AGAIN.search(point, bullet.end())
        if _RUN_TOGETHER.search(point) or again:
            mark = bullet.group(bullet.lastindex or 0) if again else "-"
            fields.warn(key, "W208", f"“{point}”像是几条写成了一条：每条单独一行，以“- ”开头（减号后有空格），"
                                     f"各行的“- ”上下对齐；若本来就是一条，请去掉其中的“{mark}”", line=line)
        elif bullet:
            fields.warn(key, "W208", f"“{point}”以“{bullet.group(bullet.lastindex or 0)}”开头，它会原样出现在网页、公众号和大屏上：{name}"
                                     "每条单独一行，以“- ”开头（减号后有空格），不用另加项目符号或编号", line=line)
    return points


# A pair of marks around text, as emphasis takes them (not the stars of a masked 138****5678), code, a link.
_MARKDOWN_MARK = re.compile(r"(?<![*_~=0-9A-Za-z])(\*\*?|__?|~~|==)(?=[^\s*_~=])[^\n]*?(?<=[^\s*_~=])\1(?![*_~=])"
                            r"|`[^`\n]+`|!?\[[^\]]*\]\([^)]*\)")
_RUN_TOGETHER = re.compile(r"(?:^|\s)-(?=[ \t]?[^\s\d-])")  # "-不要垫钱", "先返利 - 再垫付"; not "-5" or "--"
# A bullet or number pasted from Word, WPS or a web page: YAML takes "• a" as text, and lines of them as one point
_BULLET = re.compile(r"(?:^|(?<=\s))([•·●○■□◆◇▪►▶➢✓✔√☆★※－—–]|[①-⑳]|\d{1,2}[.、．)）]|[（(]\d{1,2}[)）])(?=\s|[^\s\d.,，、%])"
                     r"|^([*+])(?=\s)")  # "* a" as Markdown writes a list; not the ** of bold text
_BULLET_AGAIN = re.compile(r"\s(?:[•●○■□◆◇▪►▶➢✓✔√☆★※－—–]|[①-⑳]|\d{1,2}[、．)）]|\d{1,2}\.(?=\s)|[（(]\d{1,2}[)）])")


_AMOUNT_WRITTEN = re.compile(r"(?:约|共计?|合计|损失|人民币|[¥￥])*(?P<number>\d+(?:\.\d+)?)(?P<unit>[万千百]?)(?:元|块)?")
_AMOUNT_UNITS = {"": 1, "百": 100, "千": 1000, "万": 10000}


def _wide_number(text: str) -> int | None:
    """A whole number written in full-width digits (３５００), without a leading zero, or None. (A date's digits
    are any a regular expression's ``\\d`` takes: ``clock.parse_when``.)"""
    if text.isdecimal() and not text.isascii() and (len(text) == 1 or int(text[0]) != 0):
        return int(text)
    return None


def _amount_meant(text: str) -> int | None:
    """The whole yuan an amount written as people write it means: "12,000元", "１２０００" (full-width), "1.2万",
    "012000"; None when it is not clear (a fraction of a yuan, a range, words)."""
    found = _AMOUNT_WRITTEN.fullmatch(re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", text)))
    if not found:
        return None
    value = Decimal(found["number"]) * _AMOUNT_UNITS[found["unit"]]
    return int(value) if value == value.to_integral_value() else None


def _notice_fields(fields: _Fields, common: dict, site_dir: Path) -> dict:
    expires = fields.when("expires", end_of_day=True)
    priority = fields.text("priority") or "normal"
    if priority not in ("normal", "urgent"):
        meant = "urgent" if priority in ("紧急", "急", "加急", "重要", "high") else (
            "normal" if priority in ("普通", "一般", "正常", "常规") else "")
        fields.fail("priority", "E211", f"“{priority}”无效；应为 normal（普通）或 urgent（紧急）"
                                        + (f"，这里请写 priority: {meant}" if meant else ""))
    # Empty counts as missing (``fraudsite new notice`` writes "expires:" blank); an invalid value is E204's already.
    if priority == "urgent" and fields.data.get("expires") is None:
        fields.fail("expires" if "expires" in fields.data else "priority", "E212",
                    "紧急通知必须写 expires（失效时间，如 expires: 2026-12-31），以免一直占据首位")
    if expires is not None and common["date"] is not None and expires <= common["date"]:
        fields.fail("expires", "E213", "失效时间早于或等于发布时间；请检查 expires 与 date")
    files: list[tuple[str, str]] = []
    attachments = []
    for index, (title, name) in enumerate(_attachment_entries(fields)):
        output = _asset(fields, "attachments", name, site_dir, files, index)
        if output:
            source = files[-1][0]
            suffix = Path(name).suffix.lower()
            stat = (site_dir / source).stat()
            attachments.append(Attachment(source, title or Path(name).name, output, _ATTACHMENT_KINDS.get(suffix, "文件"),
                                          stat.st_size, stat_signature(stat)))
            if refused := refusal(file_trouble(site_dir / source), picture=False):
                fields.fail("attachments", refused[0], f"附件“{name}”{refused[1]}",
                            line=fields.source.meta.line_of(f"attachments.{index}", fields.line("attachments")))
    common["files"] = common["files"] + tuple(files)
    return {"expires": expires, "priority": priority, "pinned": fields.flag("pinned"), "attachments": tuple(attachments)}


def slug_from_filename(path: str) -> str:
    """The slug of a file without one in its front matter: its name, NFKC-normalised and lower case."""
    stem = Path(path).stem
    text = unicodedata.normalize("NFKC", stem).lower()
    text = re.sub(r"[\s_.]+", "-", text)
    text = "".join(filter(slug_character, text))
    return re.sub(r"-{2,}", "-", text).strip("-") or "item"


def _check_slug(fields: _Fields, slug: str) -> None:
    if "/" in slug or "\\" in slug or ".." in slug:
        fields.fail("slug", "E214", "不能含 /、\\ 或 ..，否则页面会写到输出目录以外；请只用小写字母、数字和连字符")
    elif slug.startswith("-") and is_slug(slug.lstrip("-")):
        fields.fail("slug", "E215", f"“{slug}”以连字符开头；请去掉开头的“-”")
    elif not is_slug(slug):
        fields.fail("slug", "E215", f"“{slug}”含不允许的字符；请只用小写字母、数字、连字符（或汉字）")


def _alias(fields: _Fields, alias: str, base_path: str) -> str:
    path = alias.strip().lstrip("/")
    segments = path.rstrip("/").split("/")
    if base_path != "/" and path.startswith(base_path.lstrip("/")):  # copied from the browser's address bar
        fields.fail("aliases", "E216", f"“{alias}”带上了网站所在的路径 {base_path}；只写其后的部分，"
                                       f"例如 {path.removeprefix(base_path.lstrip('/')) or 'cases/old-name/'}")
    # "./", "a//b" or ".." would name another page (the home page, say) or leave the output folder.
    if "\\" in path or any(s in ("", ".", "..") for s in segments) or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", path):
        fields.fail("aliases", "E216", f"“{alias}”不是网站内的相对路径；请写旧页面的路径，例如 cases/old-name/")
    if path.endswith((".xml", ".json", ".txt", ".zip")):
        fields.fail("aliases", "E216", f"“{alias}”不能是订阅源或数据文件；请写旧页面的路径，例如 cases/old-name/")
    return path


def _asset(fields: _Fields, key: str, name: str, site_dir: Path, files: list, index: int | None = None) -> str:
    line = fields.source.meta.line_of(f"{key}.{index}" if index is not None else key, fields.line(key))
    if "\\" in name or name.startswith("/") or re.match(r"[a-zA-Z]:", name) or "://" in name:
        fields.fail(key, "E217", f"“{name}”应为相对于本文件的路径，用 / 分隔，例如 images/cover.jpg", line=line)
        return ""
    base = Path(fields.source.path).parent
    source = posixpath.normpath((base / name).as_posix())
    if not source.startswith("content/") or not _inside(site_dir / source, content_roots(site_dir)):
        fields.fail(key, "E303", f"“{name}”指向了 content 目录以外；请把文件放进 content 目录", line=line)
        return ""
    title, colon, after = name.partition("：")
    if key == "attachments" and colon and (site_dir / posixpath.normpath((base / after.strip()).as_posix())).is_file():
        fields.fail(key, "E205", f"名称和路径之间用了中文冒号“：”；请改为英文冒号加一个空格："
                                 f"- {title.strip()}: {after.strip()}", line=line)
        return ""
    if not (site_dir / source).is_file():
        advice = missing_file_advice(fields.source.path, AssetCheck(site_dir).case_variant(source),
                                     f"请把它放到 {posixpath.dirname(source)}/ 下，或改正路径")  # where it is looked for
        fields.fail(key, "E304", f"找不到文件“{name}”；{advice}", line=line)
        return ""
    output = asset_output_path(source)
    files.append((source, output))
    return output


def _copies_last(item: Item) -> tuple[bool, str]:
    """The order items claim a path or id in: a file named as a copy after the rest, so the error it clashes with
    names the copy, not the item published with it (a space or "-" sorts before "."; "甲 - 副本.md" came first)."""
    return named_as_copy(item.source.rpartition("/")[2], numbered=True), item.source


def _has_slug_field(item: Item) -> bool:
    return any(key == "slug" for key, _ in item.line_of)


def check_identities(items: list[Item]) -> list[Problem]:
    """Every page path and id must be unique, also when letter case is ignored."""
    problems = []
    seen: dict[str, Item] = {}
    items = sorted(items, key=_copies_last)
    for item in items:
        key = item.path.lower()
        if key in seen:
            other = seen[key]
            same_case = other.path == item.path
            reason = "网址（slug）相同" if same_case else "网址（slug）只有大小写不同，在 Windows 上会互相覆盖"
            # Blame the file whose written ``slug:`` made the clash, not the one whose name was there before it.
            if _has_slug_field(other) and not _has_slug_field(item):
                item, other = other, item
            problems.append(problem(item.source, item.line("slug"), "E218", "slug",
                                    f"与 {other.source} 的{reason}；请为其中一篇设置不同的 slug"))
        else:
            seen[key] = item
    ids: dict[str, Item] = {}
    for item in items:
        if item.id in ids:
            problems.append(problem(item.source, item.line("id"), "E219", "id",
                                    f"与 {ids[item.id].source} 的 id 相同，多半是复制了那个文件；每篇内容的 id 必须唯一，"
                                    f"请给这一篇换一个，例如 id: {item.section[:-1]}-{item.slug}"))
        ids.setdefault(item.id, item)
    # An old path may not be a page's own path or another item's old path: one file would overwrite the other.
    pages = {index_file(item.path).lower(): item for item in items}  # in any case, as E218: Windows is blind to it
    redirects: dict[str, Item] = {}
    for item in items:
        for alias in item.aliases:
            path = alias_file(alias).lower()
            owner = pages.get(path) or redirects.get(path)
            if owner is not None:
                whose = "本篇自己" if owner is item else f" {owner.source} "
                problems.append(problem(item.source, item.line("aliases"), "E220", "aliases",
                                        f"旧网址“{alias}”与{whose}的{'网址' if path in pages else '旧网址'}相同；"
                                        "请删除或改正这一项"))
            redirects.setdefault(path, item)
    return problems


def site_links(config: Config, asset_exists: AssetCheck, item_paths: dict[str, str]) -> LinkContext:
    """What rendering a body needs to know about the rest of the site (its own fields are filled in per body):
    what a finished body's lookups are checked against again, too."""
    return LinkContext("", "", 1, config.base_path, item_paths, asset_exists, (), config.trusted_html,
                       OwnHost(config.own_hosts), asset_exists.case_variant,
                       NearestPage(item_paths), asset_exists.picture, asset_exists.picture_stamp)


@dataclass(frozen=True)
class AssetCheck:
    """Whether a referenced file exists (a class, not a closure, so a rendering can travel between processes)."""

    site_dir: Path

    def __call__(self, relative: str) -> bool:
        path = self.site_dir / relative
        # A symbolic link inside content/ must not bring in a file from elsewhere on the disk.
        return path.is_file() and _inside(path, self.content)

    def case_variant(self, relative: str) -> str:
        """The site-relative path of a file that ``relative`` names but for letter case, "" for none."""
        folder, spelt = self.site_dir, []
        for part in relative.split("/"):
            try:
                names = sorted(os.listdir(folder))  # sorted: the same answer wherever two spellings exist
            except OSError:
                return ""
            name = next((name for name in names if name.lower() == part.lower()), None)
            if name is None:
                return ""
            folder, spelt = folder / name, [*spelt, name]
        variant = "/".join(spelt)
        return variant if variant != relative and self(variant) else ""

    def picture(self, relative: str) -> list[int]:
        """A picture's [width, height] as shown ([0, 0] if not read as one) and what keeps browsers from showing it
        (``pictures.Picture``), then the stat signature of the file they were read from (``picture_stamp``), which
        is what a cached body's reading is checked by."""
        stamp = self.picture_stamp(relative)
        return [*read_picture(self.site_dir / relative), *stamp] if stamp else []

    def picture_stamp(self, relative: str) -> list[int]:
        """A file's stat signature ([] if it is gone): a picture replaced is measured again, also one put in place
        with the old one's size and modification time (cp -p, rsync -t, an archive unpacked), by its inode."""
        try:
            stat = (self.site_dir / relative).stat()
        except OSError:
            return []
        return list(stat_signature(stat))

    @cached_property
    def content(self) -> tuple[Path, ...]:
        """The content folders, resolved once (asked about every file an unchanged item uses): ``content_roots``."""
        return content_roots(self.site_dir)


def finish_item(item: Item, source: SourceFile, body: RenderedBody | None, problems: list[Problem]) -> Item:
    """Attach the rendered body and derive the summary: ``summary``, else the teaser, else the opening text."""
    if body is None:  # withdrawn: only its short 已撤下 page remains
        return item
    problems += body.problems
    summary = item.summary or shorten(opening_text(body.teaser_html if MORE in source.body else body.html))
    files = tuple(dict.fromkeys(item.files + tuple(body.assets)))
    item = replace(item, body_packed=body.packed, web_packed=body.trusted_packed, summary=summary, files=files,
                   links=tuple(dict.fromkeys(body.links)))
    return defang_fields(item) if item.scam_urls else item


def defang_fields(item: Item) -> Item:
    """Listed scam addresses are defanged in every plain-text field too."""
    urls = item.scam_urls
    changes: dict = {"title": defang_text(item.title, urls), "summary": defang_text(item.summary, urls),
                     "screen_title": defang_text(item.screen_title, urls)}
    if isinstance(item, Case):
        changes["signs"] = tuple(defang_text(s, urls) for s in item.signs)
        changes["advice"] = tuple(defang_text(a, urls) for a in item.advice)
    return replace(item, **changes)
