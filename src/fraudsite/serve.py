"""``fraudsite serve``: build into a preview folder, serve it, rebuild on every save, reload the browsers.

Each site's preview folder is kept in the user's cache from one preview to the next, with the page keys it was
written with, so a preview starts by rendering only what changed since the last; a second preview of the same site
at the same time works in a temporary folder.

Threads and their jobs, in the MkDocs manner:
- watchdog's observer thread calls ``note_change``, which only records the path and sets a flag (the observer
  starts after the first build, which may then fork workers; saves made during it are noted from a comparison
  of the inputs' stats);
- one build loop waits for the flag, takes every change noted so far and rebuilds once; saves arriving
  during a rebuild set the flag again and are folded into the next rebuild, so a burst costs at most two;
- request threads serve the output and long-poll the epoch, which the loop bumps after each rebuild.
The output is streamed by ``build.render_stream`` into ``output.write_site``: a fresh staging folder swapped
in atomically, so a request never sees a half-built site. A failed rebuild keeps the last good site and lays an error overlay over it.
When a save only edits existing items, their own pages are first rendered from the last good Site with those
items re-read and shown (Hugo's way); the full rebuild that always follows corrects every list, feed and channel.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from zoneinfo import ZoneInfo

from fraudsite import __version__
from fraudsite.build import (
    CACHE_DIR,
    COMPILED_TEMPLATES,
    BuildOptions,
    build_time,
    clock_window,
    collection_paused,
    load_site,
    page_count,
    personal_data,
    plan_outputs,
    render_stream,
    theme_and_code_stamp,
)
from fraudsite.cache import ContentCache, open_cache, user_cache_dir
from fraudsite.clock import chinese_datetime
from fraudsite.collate import readings_ahead
from fraudsite.config import load_config
from fraudsite.derived import open_derived, using
from fraudsite.errors import BuildFailed, FraudsiteError, Problem, describe_os_error
from fraudsite.litter import EDITOR_LITTER, is_litter
from fraudsite.lock import build_lock, try_build_lock, try_lock
from fraudsite.model import SECTION_NAMES, Case, Item, Notice, is_published
from fraudsite.output import (
    MARKER,
    FileStat,
    WriteStats,
    file_stats,
    fresh_folders,
    recover_interrupted_swap,
    write_site,
)
from fraudsite.pagememo import PageMemo
from fraudsite.parallel import release_free_memory, rounds_of
from fraudsite.render import Output, Page
from fraudsite.serve_http import PreviewServer, PreviewState
from fraudsite.site import Site
from fraudsite.uptodate import (
    fingerprint_files,
    input_roots,
    save_json,
    settled_before,
    stat_signature,
    walk_stats,
)

if TYPE_CHECKING:
    from jinja2 import Environment

# seconds a failed rebuild waits for the rest of a save before it is shown (a success is shown at once), and a
# deletion for a new file of its name (a save that renames the old file away first)
SAVE_GRACE = 0.3
BURST_PAUSE = 0.15  # seconds without a save that end a burst of saves (one still going on when a rebuild ends)
BURST_LONGEST = 2.0  # seconds the rebuild after a burst waits for it to pause, at most
MAX_CLOCK_WAIT = 3600.0  # re-check the clock at least hourly, so a notice starting at 08:00 appears on its own
# Chunks a worker renders in the first build before the workers are forked afresh (``parallel.rounds_of``; a
# build's: ``parallel.ROUND``). At 10,000 items the preview's peak was 394 MiB PSS, not 443, at a fork for every
# 1,280 pages (10 chunks); with Zstandard's library and contexts in each process 397-401, and 391 at one for
# every 1,024 (8).
PREVIEW_ROUND = 8
SET_ASIDE_MINIMUM = 200  # items from which a rebuild that parsed the site afresh saves its cache and lets go of it
EVENT_KINDS = {"created": "新建", "modified": "修改", "deleted": "删除", "moved": "移动或改名"}


@dataclass(frozen=True)
class RebuildResult:
    """What one rebuild did, for the terminal line and the preview state."""

    ok: bool
    seconds: float
    stats: WriteStats | None = None
    pages: int = 0
    pages_written: int = 0
    problems: tuple[Problem, ...] = ()
    failure: str = ""
    next_change: datetime | None = None
    drafts: frozenset[str] = frozenset()  # output pages showing a draft: they get the 草稿 banner
    notes: dict[str, tuple[Problem, ...]] = field(default_factory=dict)  # page -> warnings of the item it shows
    warnings: int = 0  # of the whole site, on success
    loose: tuple[Problem, ...] = ()  # warnings no page shows (a file outside the sections, an unpublished item)
    scheduled: tuple[str, ...] = ()  # what the terminal says of each item dated later, which the preview leaves out


@dataclass(frozen=True)
class EarlyUpdate:
    """The pages shown before the full rebuild, for the terminal line."""

    pages: int
    seconds: float


class Preview:
    """The build loop and the file watcher around one output folder."""

    def __init__(self, options: BuildOptions, host: str, port: int, out_dir: Path, record: Path | None = None):
        self.options = options
        self.record = record  # where the keys of a preview folder kept for the next preview are noted (``keep``)
        self.address = (host, port)
        self.out_dir = out_dir
        self.state = PreviewState(out_dir)
        self.cache: ContentCache = open_cache(options.site_dir / CACHE_DIR)
        self.derived = open_derived(options.site_dir / CACHE_DIR)  # WeChat articles, search documents (``save_derived``)
        self.wake = threading.Event()
        self.pending: dict[str, str] = {}  # changed path -> kind, since the last rebuild
        self.last_event = 0.0  # when the last change was noted (time.monotonic)
        self.pending_lock = threading.Lock()
        self.stopping = False
        self.next_change: datetime | None = None
        self.quiet = False  # print only failed rebuilds
        self.tz: tzinfo = ZoneInfo("Asia/Shanghai")  # the site's, once its configuration is read: the lines' times
        # The last good build's page memo: stamp, keys. From the last preview if it kept this folder as it left it.
        self.page_keys: tuple[str, dict[str, str]] = ("", {})
        self.site: Site | None = None  # the last rebuild's Site if it succeeded: the quick update starts from it
        self.environment: tuple[str, Environment | None] = ("", None)  # the quick update's Jinja environment
        self.observer = None  # watchdog's Observer, set by run_server
        self.handler = None
        self.watches: dict[str, object] = {}  # "content" / "theme" -> its recursive watch
        # Source -> the item last checked, whether it was published then, and its editorial warnings: an item left
        # as it was (the cache gives the same object back) is not checked again.
        self.checked: dict[str, tuple[Item, bool, list[Problem]]] = {}
        self.announced = ""  # the sub-path of the address printed last
        self.told: set[Problem] = set()  # the warnings no page shows, as last printed
        self.told_scheduled: tuple[str, ...] = ()  # the items dated later, as last printed
        self.files: dict[str, FileStat] | None = None  # the folder's files as this preview last wrote them
        if record is not None:
            self.page_keys, self.files = kept_keys(record, out_dir)

    # ------------------------------------------------------------------ watching

    def note_change(self, kind: str, path: str) -> None:
        """watchdog's callback (and the first build's catch-up): remember what changed and raise the flag; never build
        here."""
        if kind not in EVENT_KINDS or not self.is_watched(Path(path)):
            return
        shown = self.shown(Path(path))
        with self.pending_lock:
            self.pending[shown] = combined(self.pending.get(shown), kind)
            self.last_event = time.monotonic()
        self.wake.set()

    def is_watched(self, path: Path) -> bool:
        """Content, the site theme and the configuration, as the build reads them: not the output, the cache,
        editors' temporary files nor a version-control folder (``litter.is_litter``). (Other hidden files are: an
        item may use an image in ``.assets/``.)"""
        from fraudsite.content import content_roots

        site = self.options.site_dir.resolve()
        absolute = real_path(path)
        if absolute == self.options.config_path.resolve():
            return True
        if EDITOR_LITTER.fullmatch(path.name):  # by the name it was saved under, should it link elsewhere
            return False
        for folder in (*content_roots(self.options.site_dir), site / "theme"):  # content/ may link to a shared drive
            if absolute.is_relative_to(folder):
                return not is_litter(absolute.relative_to(folder).parts)
        return False

    def shown(self, path: Path) -> str:
        """A path as the editor knows it: relative to the site folder (content/… also where content/ or a section
        folder is a link); a
        name that is not UTF-8 in the escapes E018 names it by (``\\xb0\\xb8.md``), not the terminal's question marks."""
        absolute, shown = real_path(path), str(path)
        content = self.options.site_dir / "content"
        for folder, named in (*((content / section, f"content/{section}/") for section in SECTION_NAMES),
                              (content, "content/"), (self.options.site_dir, "")):  # the innermost first
            if absolute.is_relative_to(where := folder.resolve()):
                shown = named + absolute.relative_to(where).as_posix()
                break
        return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")

    def put_back(self, changes: dict[str, str]) -> None:
        """Return changes whose rebuild was superseded, so the next rebuild's line still names them."""
        with self.pending_lock:
            for name, kind in changes.items():
                self.pending[name] = combined(kind, self.pending[name]) if name in self.pending else kind

    def fold_in(self, changes: dict[str, str]) -> dict[str, str]:
        """``changes`` with every change noted since they were taken; the rebuild that follows reads them all."""
        folded = dict(changes)
        for name, kind in self.take_changes().items():
            folded[name] = combined(folded.get(name), kind)
        return folded

    def take_changes(self) -> dict[str, str]:
        """Every change noted since the last rebuild; lowers the flag."""
        with self.pending_lock:
            changes, self.pending = self.pending, {}
            self.wake.clear()
        return changes

    # ------------------------------------------------------------------ building

    def options_for_now(self) -> BuildOptions:
        """Build options with the base URL pointing at this server, keeping the configured sub-path.

        Served to the whole network, the absolute addresses (WeChat articles, feeds) use this machine's address
        there, so a phone previewing an article loads its images too."""
        config = load_config(self.options.config_path, self.options.base_url)
        self.tz = config.tz
        with self.state.changed:  # the address printed at the start has the sub-path even if that build fails
            self.state.base_path = config.base_path
        host, port = self.address
        return replace(self.options, out_dir=self.out_dir, base_url=f"http://{shown_host(host)}:{port}{config.base_path}")

    def rebuild(self) -> RebuildResult:
        """One build with the real pipeline; every failure becomes a result, never an exception."""
        started = time.perf_counter()
        # One Site in memory at a time; and after a failed rebuild the disk may be ahead of the last good Site
        # (a broken template, say): no quick update starts from a Site until a rebuild succeeds again.
        self.site = None
        gc.unfreeze()  # the last site may be collected now (see below)
        try:
            options = self.options_for_now()
            with using(self.derived), readings_ahead(self.derived), collection_paused():
                site, warnings = load_site(options, self.cache)
                afresh = self.cache.made * 2 > len(site.items)  # the first build, or one after an edit of fraudsite.yaml
                # Saved here, not in a forked process as a build saves it: the fork copied most of this process
                # as both went on (a child of 210 MB beside the planning workers at 10,000 items, the preview's
                # peak), and on two cores the planning workers take both anyway.
                if afresh and len(site.items) >= SET_ASIDE_MINIMUM and self.cache.save(self.derived.digester.known):
                    self.cache.set_aside()
                outputs = plan_outputs(site, options.site_dir)
                notes = self.notes_of(site, warnings)
            self.derived.prune()
            # Parsed afresh, or as many new entries as items: a first build, one under a new address (the WeChat
            # articles and feeds name it), or many edits since the last save.
            if afresh or self.derived.unsaved() > len(site.items):
                self.save_derived(options.site_dir / CACHE_DIR)
            # Pages whose inputs are as in the last good rebuild keep their file: the folder is this preview's alone
            # (locked), and was found as the last preview left it (``kept_keys``).
            stamp = theme_and_code_stamp(site, options.site_dir)
            memo = PageMemo(None, stamp, trusted=self.page_keys[0] == stamp and (self.out_dir / MARKER).is_file(),
                            previous=self.page_keys[1], digester=self.derived.digester)
            # A folder made from nothing (the first preview of a site) has its files written by the workers, as
            # a cold build's: the pages do not pass through this process, which holds the site meanwhile.
            out = self.out_dir
            if recover_interrupted_swap(out):  # first: whether OUT is made from nothing, and what it holds
                self.files = None
            stream = render_stream(outputs, site, options.site_dir, memo, fresh_folders(out), keep_compiled=True)
            known = self.files if self.files is not None else file_stats(out)
            stats = write_site(stream, out, known=known)
        except BuildFailed as failure:  # found before anything was written: the folder is as it was
            return RebuildResult(False, time.perf_counter() - started, problems=tuple(failure.problems))
        except Exception as failure:  # perhaps while writing: the folder is rendered afresh next time
            self.page_keys, self.files = ("", {}), None
            message = (str(failure) if isinstance(failure, FraudsiteError)
                       else f"内部错误：{type(failure).__name__}: {failure}（请报告此问题）")
            return RebuildResult(False, time.perf_counter() - started, failure=message)
        finally:
            self.derived.let_go()
        self.page_keys, self.site = (stamp, memo.current), site
        self.files = stats.files
        # The good site stays until the next rebuild: out of the cycle collector's way, whose full passes over
        # it (most of a second at 10,000 items) would otherwise land in the middle of quick updates.
        gc.freeze()
        with self.state.changed:
            self.state.base_path = site.config.base_path
        result = RebuildResult(True, time.perf_counter() - started, stats, page_count(outputs), stats.pages_written,
                               warnings=sum(len(found) for found in notes.values()), loose=loose_notes(outputs, notes),
                               next_change=clock_window(site)[1], drafts=draft_pages(site, outputs),
                               notes=page_notes(outputs, notes), scheduled=scheduled_lines(site))
        self.warm_up(site)
        return result

    def save_derived(self, cache_dir: Path) -> None:
        """Save the derived store now, its entries then read from the file as a build reads them, unless a build
        holds the lock (then it is saved when the preview stops).

        After a build that made about as many entries as there are items (the first, under the preview's own
        address), as the content cache's entries are let go (``set_aside``): the pages are then made on every core
        from a smaller heap, and the preview holds less between rebuilds. At 10,000 items, with the rest of that
        work (the benchmark's figures): 529 MiB PSS at the peak before, 466 after; about 450 MiB held between
        rebuilds before, about 290 after.
        """
        held = try_build_lock(cache_dir)
        if held is not None:
            with held:
                self.derived.save()

    def notes_of(self, site: Site, warnings: list[Problem]) -> dict[str, list[Problem]]:
        """Every warning by source: the build's, and the editorial checks of single items (``check.item_notes``;
        those comparing items are left to ``fraudsite check``), made again only for items that changed or were
        published or unpublished since (by the clock)."""
        from fraudsite.check import item_notes

        published = {id(item) for item in site.published}  # what the WeChat checks look at changes with the clock
        fresh = [item for item in site.items if not self.checked_as(item, id(item) in published)]
        found: dict[str, list[Problem]] = {item.source: [] for item in fresh}
        for note in item_notes(self.options.site_dir, site, fresh):
            found.setdefault(note.path, []).append(note)
        self.checked = {item.source: (item, id(item) in published, found[item.source]) if item.source in found
                        else self.checked[item.source] for item in site.items}
        notes: dict[str, list[Problem]] = {}
        for note in warnings + [note for *_, kept in self.checked.values() for note in kept]:
            notes.setdefault(note.path, []).append(note)
        return notes

    def checked_as(self, item: Item, published: bool) -> bool:
        """Whether this very item (the cache gives an unchanged file's back) was checked in this state; an equal
        one made again (after an edit of fraudsite.yaml, whose settings the checks use) was not."""
        kept = self.checked.get(item.source)
        return kept is not None and kept[0] is item and kept[1] == published

    def keep(self) -> None:
        """Note the folder's files and page keys for the next preview, which then renders only what changed since
        (a preview starts in 0.5 s instead of 5 to 7 s at 1,000 items). Only once nothing writes into it any more.
        The fingerprint is of the files as this preview last wrote them: a file changed since, by anyone or by a
        rebuild cut short after its files were swapped in, makes the next preview's check fail (``kept_keys``)."""
        if self.record is None or self.files is None:
            return
        try:
            save_json(self.record, {"version": __version__, "out": fingerprint_files(self.files),
                                    "stamp": self.page_keys[0], "pages": self.page_keys[1]})
        except OSError:  # no record: the next preview renders every page, as it would have
            pass

    def warm_up(self, site: Site) -> None:
        """Compile what a quick update renders while nothing waits, rather than on the next save (100 ms at 10,000 items).

        Once per theme, code and configuration: the environment is kept while they stay as rendered.
        """
        if self.environment[0] == self.page_keys[0]:
            return
        samples = [next((i for i in site.published if isinstance(i, kind)), None) for kind in (Case, Notice)]
        try:
            self.render_own_pages(site, [item for item in samples if item is not None])  # the bytes are not needed
        except Exception:  # a broken theme shows in the next rebuild's report, not here
            pass

    # ------------------------------------------------------------------ the quick update

    def show_early(self, changes: dict[str, str]) -> EarlyUpdate | None:
        """Render and show the own pages of edited items before the full rebuild; None when that is not safe."""
        started = time.perf_counter()
        site = self.site
        if site is None or not changes or not all(is_item_edit(name, kind) for name, kind in changes.items()):
            return None
        try:
            edited = site_with_edits(site, self.options, sorted(changes), self.cache)
            if edited is None:
                return None
            rendered = self.render_own_pages(edited, [i for i in edited.items if i.source in changes])
        except Exception:  # whatever went wrong, the full rebuild that follows reports it
            return None
        shown = sum(self.show_page(path, data) for path, data in rendered)
        if shown:
            self.state.publish()  # browsers reload now; the full rebuild publishes again if more changed
        return EarlyUpdate(shown, time.perf_counter() - started)

    def render_own_pages(self, site: Site, items: list[Item]) -> list[tuple[str, bytes]]:
        """The items' own pages (``web.own_pages``), rendered with the kept environment."""
        from fraudsite.channels.web import own_pages
        from fraudsite.render import render_page

        environment = self.page_environment(site)
        return [(page.path, render_page(environment, page)) for page in own_pages(site, items)]

    def page_environment(self, site: Site) -> Environment:
        """The Jinja environment for quick updates, kept while the theme, code and configuration are as rendered last.

        Compiling the templates costs more than rendering a page, and the stamp is the last good rebuild's:
        no quick update runs while a theme or configuration change waits, or after a failed rebuild.
        """
        from fraudsite.render import make_environment

        stamp, environment = self.environment
        if environment is None or stamp != self.page_keys[0]:
            environment = make_environment(self.options.site_dir, site.config,
                                           self.options.site_dir / CACHE_DIR / COMPILED_TEMPLATES)
            self.environment = (self.page_keys[0], environment)
        return environment

    def show_page(self, path: str, data: bytes) -> bool:
        """Replace one page of the served output atomically, and note it for the full rebuild's bookkeeping."""
        target = self.out_dir / path
        temporary = target.with_name(f".{target.name}.early-{os.getpid()}")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)  # a new file, never writing into one the output's hard links share
            stat = target.stat()
        except OSError:
            temporary.unlink(missing_ok=True)
            self.files = None  # not known what the folder holds now
            return False
        self.page_keys[1].pop(path, None)  # the full rebuild may not keep it as "unchanged" by the last rebuild's key
        if self.files is not None:
            self.files[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        return True

    def publish(self, result: RebuildResult) -> None:
        """Show the result to browsers: bump the epoch when pages or the error state changed."""
        state = self.state
        if result.ok:
            assert result.stats is not None
            if (not state.has_site or state.problems or state.failure or result.stats.written
                    or result.stats.removed or result.drafts != state.drafts or result.notes != state.notes):
                state.publish(has_site=True, problems=(), failure="", drafts=result.drafts, notes=result.notes)
        elif (result.problems, result.failure) != (state.problems, state.failure):
            state.publish(problems=result.problems, failure=result.failure)

    def run_once(self, changes: dict[str, str]) -> None:
        """Show edited pages early where safe, then rebuild, publish and print one line; a superseded failure is not shown."""
        self.watch_folders()
        if "deleted" in changes.values() and self.wake.wait(SAVE_GRACE):
            # A save that first renames the old file away (vim's backupcopy=no, JetBrains' safe write): the new file
            # follows at once, and the page must not vanish, nor W207 say its links broke, in between.
            changes = self.fold_in(changes)
        early = self.show_early(changes)
        if self.wake.is_set():  # the rest of the save came meanwhile (a file written in two steps): one rebuild for all
            changes = self.fold_in(changes)
            early = self.show_early(changes) or early
        result = self.rebuild()
        if not result.ok and self.wake.wait(SAVE_GRACE):
            self.put_back(changes)  # a file was still being saved: the next rebuild, already due, tells the truth
            return
        self.publish(result)
        if result.ok:
            self.next_change = result.next_change
        elif self.clock_due():
            # The moment came with the site broken: said once. Kept, the moment past would retry every half second
            # until the fix; the next save rebuilds, and the site rebuilt then says its next moment.
            self.next_change = None
        if not (self.quiet and result.ok):
            print(rebuild_line(changes, result, early, self.state.has_site, now=datetime.now(self.tz)), flush=True)
        if result.ok and set(result.loose) != self.told:  # said once, again (the whole list) when they change
            self.told = set(result.loose)
            for note in result.loose:
                print(f"  {note}", flush=True)
        if result.ok and result.scheduled != self.told_scheduled:  # the same: said once, again when they change
            self.told_scheduled = result.scheduled
            for line in result.scheduled:
                print(f"  {line}", flush=True)
        if self.announced and self.state.base_path != self.announced:  # base_url's sub-path was edited
            self.announced = self.state.base_path
            print(f"配置中网址的子路径改了。{self.addresses_line()}", flush=True)
        release_free_memory()  # what the rebuild freed, once it is shown: 100 MB at 10,000 items

    def watch_folders(self) -> None:
        """Watch content/ and theme/ recursively, also when they appear (or come back) after the start."""
        if self.observer is None:
            return
        content = self.options.site_dir / "content"
        linked = [f"content/{section}" for section in SECTION_NAMES if (content / section).is_symlink()]
        for top in ("content", "theme", *linked):  # a linked section folder: one that watching content/ does not enter
            folder = self.options.site_dir / top
            if folder.is_dir() and top not in self.watches:
                self.watches[top] = self.observer.schedule(self.handler, str(folder), recursive=True)
            elif not folder.is_dir() and top in self.watches:
                try:
                    self.observer.unschedule(self.watches.pop(top))
                except (KeyError, OSError):
                    pass

    def url(self, host: str | None = None) -> str:
        """The address to open in a browser (on ``host``, by default the one served on)."""
        served, port = self.address
        return f"http://{host or ('127.0.0.1' if served in ALL_ADDRESSES else served)}:{port}{self.state.base_path}"

    def addresses_line(self) -> str:
        """What the terminal says at the start: where to open the preview, and from where."""
        host = self.address[0]
        if host in ALL_ADDRESSES and shown_host(host) != "127.0.0.1":
            return (f"预览地址：{self.url()}（本机）；同一网络中的手机或电脑请打开 {self.url(shown_host(host))}"
                    "（按 Ctrl-C 停止）")
        where = "只在本机可以打开；" if host in ("127.0.0.1", "localhost", *ALL_ADDRESSES) else ""
        return f"预览地址：{self.url()}（{where}按 Ctrl-C 停止）"

    def loop(self) -> None:
        """The build loop: wait for the flag (or the clock), rebuild once for everything noted."""
        while not self.stopping:
            woke = self.wake.wait(self.clock_wait())
            if self.stopping:
                return
            changes = self.take_changes()
            if woke or changes or self.clock_due():
                self.run_once(changes or {"到了预定时间（有内容开始或过期）": "clock"})
                if self.wake.is_set():  # saves came while it rebuilt: the rest of the burst costs one rebuild
                    self.wait_for_pause()

    def wait_for_pause(self) -> None:
        """Wait until no change has come for ``BURST_PAUSE`` seconds (``BURST_LONGEST`` at most); no wait if the
        last one came that long ago already.

        The first save of a burst is rebuilt at once; a rebuild quicker than the burst would otherwise rebuild
        again for each save that came while it ran.
        """
        deadline = time.monotonic() + BURST_LONGEST
        while not self.stopping:
            now = time.monotonic()
            left = min(self.last_event + BURST_PAUSE, deadline) - now
            if left <= 0:
                return
            time.sleep(left)

    def clock_wait(self) -> float | None:
        """Seconds until the site changes by the clock alone; None when ``--now`` fixes the clock."""
        if self.options.now is not None or self.next_change is None:
            return None if self.options.now is not None else MAX_CLOCK_WAIT
        seconds = (self.next_change - datetime.now(self.next_change.tzinfo)).total_seconds()
        return min(max(seconds, 0.5), MAX_CLOCK_WAIT)

    def clock_due(self) -> bool:
        """Whether the next clock change has come."""
        return (self.options.now is None and self.next_change is not None
                and datetime.now(self.next_change.tzinfo) >= self.next_change)


def is_item_edit(name: str, kind: str) -> bool:
    """A modified (or safe-saved) content file: not the configuration or the theme, nor a new or deleted file."""
    return kind == "modified" and name.startswith(("content/cases/", "content/notices/")) and name.endswith(".md")


def site_with_edits(site: Site, options: BuildOptions, names: list[str], cache: ContentCache) -> Site | None:
    """The Site with these files re-read, as the full load would make them; None on any problem or moved item."""
    from fraudsite.content import reload_content, sort_key

    wanted = set(names)
    old = {item.source: item for item in site.items if item.source in wanted}
    if len(old) != len(wanted):
        return None
    content = reload_content(options.site_dir, site.config, names, {i.source: i.path for i in site.items}, cache)
    if content.problems or len(content.items) != len(names):
        return None
    new = {item.source: item for item in content.items}
    items = tuple(new.get(item.source, item) for item in site.items)
    if any(sort_key(new[name]) != sort_key(old[name]) for name in new):  # a new date moves the item in every list
        items = tuple(sorted(items, key=sort_key))
    edited = replace(site, items=items, now=build_time(options, site.config))
    if any(place(old[name], site) != place(item, edited) for name, item in new.items()):
        return None
    if personal_data(options.site_dir, site.config, content.items, site.drafts):
        return None
    return edited


def place(item: Item, site: Site) -> tuple:
    """What an edit must leave alone for a quick update: page path, id, aliases, draft, withdrawn and published state."""
    published = is_published(item, site.now, site.drafts, site.future)
    return item.path, item.id, item.aliases, item.draft, item.withdrawn, published


def combined(earlier: str | None, later: str) -> str:
    """One kind for two events on a path: a file created and then written is still new; one deleted and made
    again was edited (emacs's first save renames the file to its backup, ``a.md~``, and writes a new one)."""
    if earlier == "created" and later == "modified":
        return "created"
    return "modified" if earlier == "deleted" and later == "created" else later


def real_path(path: Path) -> Path:
    """A path with its folder's symbolic links resolved, also for a file that was just deleted."""
    return path.parent.resolve() / path.name


ALL_ADDRESSES = ("", "0.0.0.0")


def shown_host(host: str) -> str:
    """The address others reach a server on ``host`` by: for every interface, this machine's on its network
    (the one its default route leaves by; no packet is sent), else 127.0.0.1."""
    if host not in ALL_ADDRESSES:
        return host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"


def draft_pages(site: Site, outputs: list[Output]) -> frozenset[str]:
    """Output paths of pages that show one draft item: its web, WeChat and screen pages."""
    drafts = {item.source for item in site.items if item.draft}
    return frozenset(o.path for o in outputs if isinstance(o, Page) and o.shows in drafts)


def scheduled_lines(site: Site) -> tuple[str, ...]:
    """Each item dated later, which a preview without --future leaves out as the site does: its page was a 404
    with no word why, and an item whose date was moved on vanished as if deleted."""
    if site.future:
        return ()
    later = sorted((item.date, item.source) for item in site.items if not is_published(item, site.now, site.drafts)
                   and is_published(item, site.now, site.drafts, future=True))
    return tuple(f"{source}：定于 {chinese_datetime(moment)} 发布，预览中暂不显示（要先看效果，请用 fraudsite serve --future）"
                 for moment, source in later)


def loose_notes(outputs: list[Output], notes: dict[str, list[Problem]]) -> tuple[Problem, ...]:
    """The warnings of files no page is about: said in the terminal instead."""
    shown = {o.shows for o in outputs if isinstance(o, Page)}
    return tuple(note for path, found in sorted(notes.items()) if path not in shown for note in found)


def page_notes(outputs: list[Output], notes: dict[str, list[Problem]]) -> dict[str, tuple[Problem, ...]]:
    """The warnings of the item each page shows, by page path (pages without any left out)."""
    return {o.path: tuple(notes[o.shows]) for o in outputs if isinstance(o, Page) and o.shows in notes}


def rebuild_line(changes: dict[str, str], result: RebuildResult, early: EarlyUpdate | None = None,
                 shown_before: bool = True, *, now: datetime) -> str:
    """One terminal line: when (``now``, in the site's time zone, not the machine's), what changed, how long,
    what was written and how many warnings (or the first error)."""
    names = sorted(changes)
    what = "、".join(name if changes[name] == "clock" else f"{name}（{EVENT_KINDS.get(changes[name], '变化')}）"
                    for name in names[:3])
    if len(names) > 3:
        what += f" 等 {len(names)} 个文件"
    head = f"[{now:%H:%M:%S}] {what or '首次生成'}："
    if result.ok and result.stats is not None:
        stats = result.stats
        shown = f"（已先行更新 {early.pages} 个页面，耗时 {early.seconds:.2f} 秒）" if early and early.pages else ""
        where = ("见浏览器中各篇页面顶部" if not result.loose else "不在页面上的列在终端里" if result.warnings == len(result.loose)
                 else "见浏览器中各篇页面顶部，不在页面上的列在终端里")
        warned = f"有 {result.warnings} 个警告，{where}（fraudsite check 列出全部检查）。" if result.warnings else ""
        return (f"{head}用时 {result.seconds:.2f} 秒，写入 {stats.written} 个文件（其中页面 {result.pages_written} 个）、"
                f"删除 {stats.removed} 个，共 {result.pages} 个页面{shown}。{warned}")
    errors = [p for p in result.problems if p.severity == "error"] or list(result.problems)
    first = str(errors[0]) if errors else result.failure
    more = f"（共 {len(errors)} 个错误，浏览器中有完整说明）" if len(errors) > 1 else ""
    kept = "继续显示上次成功的版本" if shown_before else "改正后会自动生成"
    return f"{head}生成失败，{kept}。{first}{more}"


def run_server(options: BuildOptions, host: str, port: int, quiet: bool = False) -> int:
    """Serve until Ctrl-C; the preview folder is kept for the next preview (a temporary one is deleted).
    ``quiet``: failed rebuilds only."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    if not options.site_dir.is_dir():
        raise FraudsiteError(f"网站目录 {options.site_dir} 不存在；请先进入网站文件夹，或在命令后写上它的路径")
    kept = kept_folder(options.site_dir)
    preview_dir, lock = kept or (temporary_folder(), None)
    preview = Preview(options, host, port, preview_dir / "site", preview_dir / KEPT_RECORD if kept else None)
    preview.quiet = quiet
    try:
        server = PreviewServer((host, port), preview.state)
    except OSError as error:
        if lock is None:
            discard(preview_dir)
        else:
            preview.keep()  # as found: the retry on another port starts from it too
            lock.close()
        if isinstance(error, socket.gaierror) or error.errno == errno.EADDRNOTAVAIL:  # the host, not the port
            raise FraudsiteError(f"无法在 {host}:{port} 上启动预览（本机没有这个地址）；请检查 --host，通常不用写，"
                                 "或写 --host 0.0.0.0 让同一网络的手机也能打开") from None
        raise FraudsiteError(f"无法在 {host}:{port} 上启动预览（{describe_os_error(error)}）；请加 --port 换一个端口，"
                             "例如 --port 8001") from None
    preview.address = (host, server.server_address[1])
    if hasattr(os, "register_at_fork"):  # a worker the first build forks holds neither, should this process be killed
        os.register_at_fork(after_in_child=lambda: _let_go(server, lock))

    class Watcher(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.is_directory and event.event_type == "modified":
                return
            if event.event_type != "moved":
                preview.note_change(event.event_type, str(event.src_path))
            elif Path(str(event.src_path)).suffix == Path(str(event.dest_path)).suffix:  # a real rename
                preview.note_change("deleted", str(event.src_path))
                preview.note_change("created", str(event.dest_path))
            else:  # an editor's safe save (a temporary file renamed over the real one), or a file renamed away
                preview.note_change("modified", str(event.dest_path))
                if Path(str(event.src_path)).suffix:  # fraudsite.yaml -> fraudsite.yaml.bak: gone (temporaries
                    preview.note_change("deleted", str(event.src_path))  # such as sed's have no suffix)

    def watch() -> None:  # made only after the first build: watchdog's observer runs a thread from the start
        observer = Observer()
        preview.observer, preview.handler = observer, Watcher()
        for folder in sorted({options.site_dir.resolve(), options.config_path.resolve().parent}):
            observer.schedule(preview.handler, str(folder), recursive=False)  # the configuration; content/, theme/ appearing
        preview.watch_folders()
        observer.start()

    builder = threading.Thread(target=preview.loop, name="fraudsite-build", daemon=True)
    serving = threading.Thread(target=server.serve_forever, name="fraudsite-http", daemon=True)
    # Ended like Ctrl-C: by ``kill``, and by closing the terminal window (SIGHUP), which otherwise ended it
    # without keeping its folder; but not if started to outlive the terminal (``nohup``).
    stops = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {stop: signal.signal(stop, _interrupt) for stop in stops if signal.getsignal(stop) != signal.SIG_IGN}
    try:
        # The first build runs before any other thread: only then may it fork workers on every core (a process
        # with threads does not fork, see ``parallel.forks``), which from nothing takes half the time. What is
        # saved meanwhile is found by comparing the inputs' stats before it with those once the watcher runs.
        before, settled = input_stats(options), settled_before(options.site_dir / CACHE_DIR)
        with rounds_of(PREVIEW_ROUND):  # its workers drift from the heap this process holds meanwhile
            preview.run_once({})
        watch()
        for kind, path in changed_inputs(before, input_stats(options), settled):
            preview.note_change(kind, path)
        discard_left_behind()
        serving.start()
        builder.start()
        print(preview.addresses_line(), flush=True)
        preview.announced = preview.state.base_path
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        preview.stopping = True
        preview.wake.set()
        preview.state.stop()
        if preview.observer is not None:
            preview.observer.stop()
        server.shutdown() if serving.is_alive() else None
        server.server_close()
        if preview.observer is not None and preview.observer.is_alive():
            preview.observer.join(timeout=5)
        builder.join(timeout=30) if builder.is_alive() else None
        preview.cache.save()
        with build_lock(options.site_dir / CACHE_DIR):  # a build may be saving the same store: one at a time
            preview.derived.save(last=True)
        if lock is None:
            discard(preview_dir)
        else:
            if not builder.is_alive():  # else still writing into the folder (the process ends with it)
                preview.keep()
            lock.close()
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    try:
        print("预览已停止。", flush=True)
    except OSError:  # the terminal is gone (closed)
        pass
    return 0


KEPT_RECORD = "preview.json"  # beside the kept site: its files' fingerprint and page keys as the last preview left them
SITE_NOTE = "site-folder.txt"  # beside it: the site folder it previews
TEMPORARY_PREFIX = "fraudsite-serve-"


def kept_previews() -> Path:
    """Where previews are kept between previews: in this user's cache, outside the site folder (which may be
    synced or copied, and a site of 10,000 items previews to a gigabyte)."""
    return user_cache_dir() / "previews"


def kept_preview_dir(site_dir: Path) -> Path:
    """The folder one site's preview is kept in, named by its path."""
    return kept_previews() / hashlib.sha256(str(site_dir.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def kept_folder(site_dir: Path) -> tuple[Path, BinaryIO] | None:
    """The site's kept preview folder with its lock held; None if another preview of the site uses it (this one
    then works in a temporary folder) or it cannot be written."""
    folder = kept_preview_dir(site_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SITE_NOTE).write_text(f"{site_dir.resolve()}\n", encoding="utf-8")  # whose it is
        lock = try_lock(folder / "serve.lock")
    except OSError:
        return None
    return (folder, lock) if lock is not None else None


def forget_kept_preview(site_dir: Path) -> bool | None:
    """Delete the site's kept preview (``fraudsite clean``): True if deleted, False if there was none, None if a
    running preview holds it."""
    folder = kept_preview_dir(site_dir)
    if not folder.is_dir():
        return False
    lock = try_lock(folder / "serve.lock")
    if lock is None:
        return None
    try:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.close()
    return True


def kept_keys(record: Path, out_dir: Path) -> tuple[tuple[str, dict[str, str]], dict[str, FileStat]]:
    """The page memo (stamp, keys) a preview noted when it ended (``Preview.keep``) if its folder is still as it
    left it, and the folder's files. The record is used up (deleted): this preview now changes the folder."""
    files = file_stats(out_dir)
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        record.unlink()
        if data["version"] == __version__ and data["out"] == fingerprint_files(files):
            return (str(data["stamp"]), {str(path): str(key) for path, key in data["pages"].items()}), files
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return ("", {}), files


def temporary_folder() -> Path:
    """A new temporary folder for the preview's site, named with this process's id (see ``discard_left_behind``)."""
    return Path(tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-"))


def discard_left_behind() -> None:
    """Delete, in the background, what earlier previews left behind: at 10,000 items each holds a gigabyte.

    The temporary folders of previews whose process is gone (killed, say; not on Windows, where a process cannot
    be asked after this way), and the kept previews of site folders that are gone (moved or deleted)."""
    left = []
    for folder in [] if sys.platform == "win32" else Path(tempfile.gettempdir()).glob(TEMPORARY_PREFIX + "*-*"):
        owner = folder.name[len(TEMPORARY_PREFIX):].split("-", 1)[0]
        if owner.isdigit() and len(owner) < 10 and _own_folder(folder) and not _running(int(owner)):
            left.append(folder)
    previews = kept_previews()
    for folder in previews.iterdir() if previews.is_dir() else []:
        try:
            site = Path(folder.joinpath(SITE_NOTE).read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if site.is_absolute() and not site.exists() and (lock := try_lock(folder / "serve.lock")) is not None:
            lock.close()  # no preview of it runs (its site is gone: none can start either)
            left.append(folder)
    if left:  # a thread: what the preview does not finish, the next one does
        threading.Thread(target=lambda: [shutil.rmtree(f, ignore_errors=True) for f in left], daemon=True).start()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # someone else's process, or no way to ask: keep its folder
        return True
    return True


def _own_folder(folder: Path) -> bool:
    try:
        return folder.is_dir() and not folder.is_symlink() and folder.stat().st_uid == os.getuid()
    except (OSError, AttributeError):  # AttributeError: no user ids here
        return False


def discard(folder: Path) -> None:
    """Delete a preview's temporary folder without waiting for it: a process of its own does it.

    Deleting the preview's site took 9 s at 10,000 items (100,000 files and links), all of it after Ctrl-C. The
    deleting process is detached from the terminal, so a second Ctrl-C does not stop it half-way."""
    if not (folder.name.startswith(TEMPORARY_PREFIX)  # never anything else, whatever a caller passes
            and folder.parent.resolve() == Path(tempfile.gettempdir()).resolve()):
        raise ValueError(f"not a preview's temporary folder: {folder}")
    detached = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}
                if sys.platform == "win32" else {"start_new_session": True})
    try:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)",
                          str(folder)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, **detached)  # type: ignore[call-overload]
    except OSError:  # no process to be had: deleted here
        shutil.rmtree(folder, ignore_errors=True)


def input_stats(options: BuildOptions) -> dict[str, tuple[int, int, int, int]]:
    """Every input file (as ``fingerprint_inputs`` takes them) by absolute path, with what its stat says of it."""
    found = {}
    for root in input_roots(options.site_dir.resolve(), options.config_path.resolve()):
        try:
            found.update((path, stat_signature(stat)) for path, stat in walk_stats(root))
        except OSError:  # renamed away while walked: the watcher, running by the second walk, sees it
            continue
    return found


def changed_inputs(before: dict[str, tuple], after: dict[str, tuple], settled: int) -> list[tuple[str, str]]:
    """The inputs created, modified and deleted between two ``input_stats``, as watchdog would name them.

    On a file system that keeps whole seconds (FAT: two), a file saved again within its clock tick keeps its
    stat: one whose times were not ``settled`` (file-system ns, see ``uptodate.settled_before``) at the first
    is counted as modified there."""
    def unsure(stat: tuple) -> bool:
        return stat[1] % 1_000_000_000 == 0 and max(stat[1:3]) >= settled

    return ([("created", path) for path in after.keys() - before.keys()]
            + [("modified", path) for path in after.keys() & before.keys()
               if after[path] != before[path] or unsure(before[path])]
            + [("deleted", path) for path in before.keys() - after.keys()])


def _let_go(server: PreviewServer, lock: BinaryIO | None) -> None:
    """In a forked worker: close the preview's port and its folder's lock (the parent keeps both)."""
    for held in (server.socket, lock):
        try:
            if held is not None:
                held.close()
        except OSError:
            pass


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt
