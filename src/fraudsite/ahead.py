"""Edit builds on two cores: the search index, WeChat and the statistics go to a forked process.

An edit build renders a handful of files, yet plans and keys all of every channel's outputs, on one core while
the other waits: a third of it for the channels besides the website (80 ms at 1,000 items). ``start`` forks a
process that plans those in ``CHANNELS``, checks their page keys against the last build's and makes what changed,
while the build process does the website and the screens (which it plans in 5 ms at 1,000 items, the forked
process in 18: so the two take about as long). Its outputs' paths come back as soon as they are planned, for the
build to check with the website's before it renders anything, as one process would (``Ahead.checked``). Then only
paths, keys and the few new files come back (``Prepared``; a bundle as the function that makes it), with what the
channels put in the derived store. The process assumes OUT is as the last build left it, with those page keys; the
build checks that under its lock and otherwise plans the channels itself (``Ahead.plan_here``). A cold build
renders on every core already: only a build that reuses most of the content cache, after a build whose page keys
were made under the same theme, code and configuration, forks this.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudsite.errors import BuildFailed
from fraudsite.parallel import Background, Message, forks, in_background
from fraudsite.site import Site

if TYPE_CHECKING:
    from fraudsite.derived import DerivedStore
    from fraudsite.output import Content
    from fraudsite.pagememo import PageMemo
    from fraudsite.render import Output

CHANNELS = ("search", "wechat", "stats")
MINIMUM_ITEMS = 200  # below this a site's edit build is quick anyway, and forking costs a few milliseconds
# From this many, not forked: the forked process copied most of the build process's heap as it planned, page by page,
# and an edit build's peak at 10,000 items was 525-603 MiB PSS; planned here, 382-395, and 0.1-0.5 s longer (of 3).
MAXIMUM_ITEMS = 5000


@dataclass(frozen=True)
class Prepared:
    """What the forked process made of its channels."""

    # Each output's path and content (a bundle's by a picklable function); None: OUT's file stays.
    files: list[tuple[str, bytes | Path | Callable[[Mapping[str, bytes]], bytes] | None]]
    keys: dict[str, str]  # the page memo's keys of these outputs
    kept: int  # HTML pages left as they were
    pages: int  # HTML pages
    outputs: int
    sitemap: list[tuple[str, str]]  # these channels' entries of the sitemap
    moments: list[datetime]  # when these channels' outputs change by the clock
    used: set[tuple[str, str]]  # derived-store entries these channels used
    fresh: dict[tuple[str, str], bytes]  # and those they put (made, or replaced under their name)


class Ahead:
    """The forked process's work, and what the build checks before it takes it."""

    def __init__(self, background: Background, planned: Message, stamp: str, memo: Path,
                 memo_file: tuple[int, int, int] | None):
        self.background = background
        self.planned = planned  # its outputs' paths, or the editor's mistake met planning them, sent at once
        self.at = 0  # where its outputs go among the build's, as one process plans them (the website's and the screens' count)
        self.stamp = stamp  # the theme and code stamp its page keys were made with
        self.memo = memo  # the last build's page keys it read
        self.memo_file = memo_file  # their file's stat when it was forked
        self.prepared: Prepared | None = None  # what it made, once taken (``stream``)

    def usable(self, stamp: str, trusted: bool) -> bool:
        """Whether its work holds for the build as it writes (under the build lock): OUT is as the last build
        left it, and neither the stamp nor the page keys changed since the fork (another build wrote them)."""
        return trusted and stamp == self.stamp and _stat(self.memo) == self.memo_file

    def checked(self, outputs: list[Output], site: Site) -> bool:
        """Wait for its outputs' paths and check them with ``outputs``' (``check_unique_paths``) in the order one
        process plans them, so a clash is reported as there, before anything is rendered; False if it died first.
        The editor's mistake it met planning (WeChat's settings, say) is raised, as planning here would."""
        from fraudsite.build import check_unique_paths
        from fraudsite.channels.web import SITEMAP

        sent, value = self.planned.receive()
        if not sent:
            return False
        failed, paths = value
        if failed:
            raise paths
        check_unique_paths([*(output.path for output in outputs[:self.at]), *paths, SITEMAP,
                            *(output.path for output in outputs[self.at:])], site)
        return True

    def plan_here(self, site: Site, outputs: list[Output], derived: DerivedStore) -> None:
        """Its work not wanted (see ``usable``) or lost: the process is stopped, and its channels and the sitemap
        are planned here, into ``outputs`` where one process plans them."""
        self.cancel()
        outputs[self.at:self.at] = planned_here(site, outputs, derived)

    def stream(self, outputs: list[Output], site: Site, site_dir: Path, memo: PageMemo, derived: DerivedStore
               ) -> Iterator[tuple[str, Content]]:
        """What follows this process's ``outputs`` in ``render_stream``'s way: the forked process's files (or, if
        it died, its channels planned and made here), then the sitemap of both, which ``outputs`` gets too. Its
        page keys, kept pages and derived-store entries count as this build's. Their paths were ``checked``."""
        from fraudsite.build import render_stream
        from fraudsite.channels.web import sitemap_page
        from fraudsite.output import KEEP

        try:
            self.prepared = prepared = self.background()
        except BuildFailed:  # the editor's mistake (a template's, say): reported as the build would report it
            raise
        except Exception:  # anything else (its result could not be sent, say): redone here, where it is reported
            prepared = None  # as the build reports it, should it fail again
        if prepared is None:  # the process died
            more = planned_here(site, outputs, derived)
            outputs += more
            yield from render_stream(more, site, site_dir, memo, keep_compiled=True)
            return
        memo.take(prepared.keys, prepared.kept)
        derived.take(prepared.used, prepared.fresh)
        yield from taken_files(prepared, KEEP)
        sitemap = sitemap_page(outputs, prepared.sitemap)
        outputs.append(sitemap)
        yield from render_stream([sitemap], site, site_dir, memo, keep_compiled=True)

    def cancel(self) -> None:
        self.background.cancel()
        self.planned.close()


def start(site: Site, site_dir: Path, cache_dir: Path, stamp: str) -> Ahead | None:
    """Fork the process for ``CHANNELS``; None where forking is not done (small sites, large ones, one core,
    threads), or where the last build's page keys were made under another theme, code or configuration: every page
    is made again then, which workers do faster, and all of it would be held to be sent back."""
    from fraudsite.build import channels, channels_besides
    from fraudsite.pagememo import MEMO, kept_stamp

    if (not forks(MINIMUM_ITEMS, len(site.items)) or len(site.items) >= MAXIMUM_ITEMS
            or kept_stamp(cache_dir) != stamp):
        return None
    # The modules both processes use (Jinja, rendering) imported before the fork, not after it in both: those of
    # this process's channels pull them in. The forked process imports its own channels' while this one plans.
    channels(channels_besides(CHANNELS))
    memo = cache_dir / MEMO
    memo_file = _stat(memo)  # before the fork
    planned = Message()
    work = partial(_prepare, site, site_dir, cache_dir, stamp, planned)
    background = in_background(work, MINIMUM_ITEMS, len(site.items), retry_here=False)
    planned.forked()
    return Ahead(background, planned, stamp, memo, memo_file)


def planned_here(site: Site, outputs: list[Output], derived: DerivedStore) -> list[Output]:
    """The outputs of ``CHANNELS``, planned in this process with the build's derived store, and the sitemap of them
    and ``outputs`` (planned without them and without a sitemap)."""
    from fraudsite.build import plan_channels
    from fraudsite.channels.web import sitemap_page
    from fraudsite.derived import using

    with using(derived, begin=False):
        more = plan_channels(site, CHANNELS)
        return [*more, sitemap_page([*outputs, *more])]


def _prepare(site: Site, site_dir: Path, cache_dir: Path, stamp: str, planned: Message) -> Prepared:
    """In the forked process: plan, key and make the channels' outputs, as ``build.write_planned`` would; their
    paths (or the editor's mistake met planning them) are ``planned`` as soon as known."""
    from fraudsite.build import channel_moments, page_count, plan_channels, render_stream
    from fraudsite.channels.web import sitemap_entries
    from fraudsite.derived import active_store
    from fraudsite.output import KEEP
    from fraudsite.pagememo import PageMemo

    store = active_store()
    if store:
        store.note_puts()
    try:
        outputs = plan_channels(site, CHANNELS)
    except BuildFailed as error:
        planned.send((True, error))
        raise
    planned.send((False, [output.path for output in outputs]))
    memo = PageMemo(cache_dir, stamp, trusted=True, digester=store.digester if store else None)
    files = [(path, None if content is KEEP else content) for path, content in
             render_stream(outputs, site, site_dir, memo, keep_compiled=True)]
    return Prepared(files, memo.current, memo.kept, page_count(outputs), len(outputs), sitemap_entries(outputs),
                    channel_moments(site, CHANNELS), set(store.used) if store else set(),
                    store.noted_puts() if store else {})


def taken_files(prepared: Prepared, keep: Any) -> Iterator[tuple[str, Any]]:
    """The forked process's files as ``render_stream`` yields them."""
    for path, content in prepared.files:
        yield path, keep if content is None else content


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
