"""``fraudsite build``: read, check, plan every channel, render, then write OUT in one step."""

from __future__ import annotations

import gc
import hashlib
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fraudsite.config import Config, load_config
from fraudsite.errors import BuildFailed, Problem, problem, warning
from fraudsite.faults import checkpoint
from fraudsite.lock import build_lock
from fraudsite.output import MARKER, FileStat, WriteStats, check_output_dir, file_stats, walk_output
from fraudsite.pagememo import Digester, PageMemo
from fraudsite.site import Site
from fraudsite.uptodate import (
    BuildRecord,
    fingerprint_files,
    fingerprint_inputs,
    fingerprint_output,
    forget,
    read_record,
    settled_before,
    stat_line,
    walk_stats,
    write_record,
)

if TYPE_CHECKING:
    from fraudsite.ahead import Ahead
    from fraudsite.cache import ContentCache
    from fraudsite.derived import DerivedStore
    from fraudsite.model import Item
    from fraudsite.output import Content
    from fraudsite.parallel import Background
    from fraudsite.render import Output

# Rendering modules are imported where they are used: a build with nothing to do needs none of them.
CACHE_DIR = ".fraudsite-cache"
COMPILED_TEMPLATES = "templates"  # in CACHE_DIR


CHANNELS = ("web", "screen", "search", "wechat", "stats")  # modules of fraudsite.channels; a new channel goes here


def channels(names: Sequence[str] | None = None) -> tuple:
    """The output channels (those of ``CHANNELS`` in ``names``), each a module with ``plan(site)``."""
    import importlib

    return tuple(importlib.import_module(f"fraudsite.channels.{name}") for name in CHANNELS
                 if names is None or name in names)


def channels_besides(names: Sequence[str]) -> list[str]:
    """The names of the channels not in ``names``."""
    return [name for name in CHANNELS if name not in names]


@dataclass(frozen=True)
class BuildOptions:
    """What the command line decides for one build."""

    site_dir: Path
    out_dir: Path
    config_path: Path
    now: datetime | None = None  # None: the real clock, in the site's time zone
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    force: bool = False


@dataclass(frozen=True)
class BuildReport:
    """The summary line's numbers."""

    items: int
    pages: int
    stats: WriteStats
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    next_change: datetime | None = None
    rendered: int = 0  # pages rendered this time (the rest kept their unchanged files)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic cycle collection while a build loads and plans: what it makes then (the site, the outputs)
    lives until the build ends, so the collections that ran over it freed a few hundred objects, and took half a
    second of an edit build at 10,000 items (unpickling the finished items alone: 341 ms, or 113 without). Rendering
    leaves cycles behind: processes forked meanwhile collect as usual (``parallel._as_forked``), and so does work
    ``ordered_map`` does in this process (``parallel._collecting``)."""
    from fraudsite.parallel import PAUSES

    enabled, pause = gc.isenabled(), object()
    gc.disable()
    PAUSES.append(pause)
    try:
        yield
    finally:
        PAUSES.remove(pause)
        if enabled:
            gc.enable()


def load_site(options: BuildOptions, cache: ContentCache | None = None) -> tuple[Site, list[Problem]]:
    """Configuration and content as one immutable Site; raise BuildFailed on any error."""
    from fraudsite.content import load_content
    from fraudsite.deadlinks import links_to_unpublished
    from fraudsite.derived import active_store

    config = load_config(options.config_path, options.base_url)
    checkpoint("parse")
    now = build_time(options, config)
    content = load_content(options.site_dir, config, cache.bind(config) if cache else None,
                           None if options.future else now, options.out_dir)
    if content.errors:
        raise BuildFailed(list(content.problems))
    store = active_store()
    if cache and store:  # a reused item's page key as kept with it: ten thousand items are not digested again
        for item in content.items:
            if token := cache.known_digest(item):
                store.digester.learn(item, token)
    site = Site(config, content.items, now, options.drafts, options.future, options.site_dir)
    leaks = personal_data(options.site_dir, config, site.items, site.drafts, cache.digests if cache else None)
    warnings = [p for p in content.problems if p.severity == "warning"] + links_to_unpublished(options.site_dir, site)
    if leaks:
        raise BuildFailed(leaks + warnings)
    return site, warnings


def local_address(config: Config) -> list[Problem]:
    """W101 for a site built for this computer's own address (``fraudsite serve`` previews at one, and says so):
    its feeds, QR codes, sitemap and WeChat articles' pictures point at a computer no reader can reach."""
    host = urlsplit(config.base_url).hostname or ""
    if host != "localhost" and not host.endswith(".localhost") and not host.startswith("127.") and host not in (
            "::1", "0.0.0.0"):
        return []
    return [warning(config.path, 0, "W101", "base_url",
                    f"网站地址 {config.base_url} 是这台电脑自己的地址：订阅、二维码、网站地图和公众号文章里的图片都指向它，"
                    "别人打不开；正式发布请用网站的真实地址（fraudsite.yaml 的 base_url，或 --base-url）")]


def build_time(options: BuildOptions, config: Config) -> datetime:
    """The moment the site is built for, in the site's time zone: the options' or the clock's."""
    return (options.now or datetime.now(config.tz)).astimezone(config.tz)


def personal_data(site_dir: Path, config: Config, items: Sequence[Item], drafts: bool,
                  read: Mapping[str, str] | None = None) -> list[Problem]:
    """Findings of personal data in what ``items`` may publish (withdrawn items: their titles).

    Every build checks: a cached parse never skips this; only a clean scan of the very bytes this build read
    (``read``), with the same values and rules, is remembered. Scheduled items count too: screens carry them
    ahead of their start, hidden until then.
    """
    from fraudsite.privacy import privacy_rules, scan_items

    publishable = [i for i in items if not i.withdrawn and (drafts or not i.draft)]
    return scan_items(site_dir, publishable, privacy_rules(config), tuple(i for i in items if i.withdrawn), read=read)


def plan_outputs(site: Site, site_dir: Path) -> list[Output]:
    """Every channel's outputs with the sitemap of them, the theme's static files and the files content refers to."""
    from fraudsite.channels.web import sitemap_page

    outputs = plan_channels(site)
    outputs.append(sitemap_page(outputs))
    return outputs + plan_files(site, site_dir)


def plan_files(site: Site, site_dir: Path) -> list[Output]:
    """The theme's static files and the files content refers to, copied."""
    from fraudsite.render import Copy
    from fraudsite.theme import static_files

    outputs: list[Output] = [Copy(path, source) for path, source in static_files(site_dir).items()]
    used = {output for item in site.published for output in item.files}  # a withdrawn item's files go too
    outputs += [Copy(out, site_dir / source) for source, out in sorted(used)]
    return outputs


def plan_channels(site: Site, names: Sequence[str] | None = None) -> list[Output]:
    """The outputs of every channel (or those of ``names``), in the channels' order."""
    from fraudsite.render import Deferred

    outputs: list[Output] = []
    # A channel may hand back a plan it finishes later (search builds its index in the background): the
    # channels after it plan meanwhile. The outputs keep the channels' order.
    planned: list[list[Output] | Deferred] = []
    try:
        for channel in channels(names):
            planned.append(channel.plan(site))
        for part in planned:
            outputs += part.finish() if isinstance(part, Deferred) else part
    except BaseException:
        for part in planned:
            if isinstance(part, Deferred):
                part.cancel()
        raise
    return outputs


def check_unique_paths(paths: Iterable[str], site: Site | None = None) -> None:
    """Refuse two outputs at one path, or a file where another output needs a folder (an alias over a list page,
    or over the stylesheet), before anything is rendered; every clash at once. A clash of an alias of one of
    ``site``'s items is reported at that item's ``aliases`` line: the editor wrote it, and the path alone did not
    say where."""
    seen: dict[str, None] = {}
    clashes: list[tuple[str, str]] = []  # (path, the path it clashes with)
    for path in paths:
        if path in seen:
            clashes.append((path, path))
        seen[path] = None
    folders: set[str] = set()  # every folder an output lies in
    for path in seen:
        folder = path.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    if files := sorted(folders.intersection(seen)):
        inside = sorted(seen)
        clashes += [(next(path for path in inside if path.startswith(file + "/")), file) for file in files]
    if not clashes:
        return
    from fraudsite.urls import alias_file

    redirected = (*site.published, *site.withdrawn) if site else ()  # the items whose aliases get pages
    owners = {alias_file(alias): (item, alias) for item in redirected for alias in item.aliases}
    problems = []
    for clash in clashes:
        owned = next(((path, other) for path, other in (clash, clash[::-1]) if path in owners), None)
        if owned:
            item, alias = owners[owned[0]]
            problems.append(problem(item.source, item.line("aliases"), "E220", "aliases",
                                    f"旧网址“{alias}”与本站的 {owned[1]} 冲突，同一个位置只能有一个页面或文件；"
                                    "请删除或改正这一项"))
        else:
            problems.append(problem(clash[0], 0, "E220", "", "两个输出写到了同一个路径（可能是 aliases 与现有页面冲突）；"
                                                             "请修改其中一个的 slug 或 aliases"))
    raise BuildFailed(sorted(set(problems)))


def render_stream(outputs: list[Output], site: Site, site_dir: Path, memo: PageMemo | None = None,
                  write_into: tuple[Path, Path] | None = None, keep_compiled: bool = False
                  ) -> Iterator[tuple[str, Content]]:
    """Each output's path and bytes (or file to copy, or bundle to make last), pages and data files made on every
    core.

    With a ``memo``, a page or keyed data file whose inputs are as last time is not made, and a data file with
    the same bytes as last time is not compared with OUT's: OUT's file is kept. With ``write_into`` (a fresh
    staging folder and the spare to seed, see ``output.fresh_folders``: nothing to keep or compare) the workers
    write every page and data file there themselves. With ``keep_compiled`` (a build; a check writes nothing)
    the compiled templates are kept in the cache for the next build.
    """
    from fraudsite.output import KEEP
    from fraudsite.parallel import FORK_MINIMUM, forks, ordered_map
    from fraudsite.render import Bundle, Data, Page, load_templates, make_environment, make_output, write_output

    check_unique_paths((output.path for output in outputs), site)
    env = make_environment(site_dir, site.config, site_dir / CACHE_DIR / COMPILED_TEMPLATES if keep_compiled else None)
    kept = {output.path for output in outputs if memo and (
        memo.unchanged(output.path, output.template, output.context) if isinstance(output, Page)
        else isinstance(output, Data) and output.key is not None and memo.unchanged(output.path, "", output.key))}
    # Made in the workers, in order: pages, and data files made by a function (after an edit of fraudsite.yaml,
    # every WeChat article.json: a third of a second at 1,000 items when made here); into a fresh folder, all.
    to_make = [output for output in outputs if isinstance(output, (Page, Data)) and output.path not in kept
               and (write_into is not None or isinstance(output, Page) or callable(output.content))]
    if forks(FORK_MINIMUM, len(to_make)):
        load_templates(env)
    made = ordered_map(partial(make_output, env) if write_into is None else partial(write_output, env, write_into),
                       to_make)
    making = {output.path for output in to_make}
    try:
        for output in outputs:
            if isinstance(output, (Page, Data)) and output.path in kept:
                yield output.path, KEEP
            elif isinstance(output, (Page, Data)):
                content = next(made) if output.path in making else output.bytes()
                if isinstance(output, Data) and output.key is None and memo:  # noted for the next build
                    if write_into is not None:  # which compares it without reading OUT's file
                        memo.unchanged_digest(output.path, content.sha256)
                    elif memo.unchanged_bytes(output.path, content):
                        content = KEEP
                yield output.path, content
            elif isinstance(output, Bundle):
                yield output.path, output.make  # made after every page, since a bundle packs rendered pages
            else:
                yield output.path, output.source
    finally:
        made.close()  # a build that failed stops the workers here, before its folders are removed
    checkpoint("render")


def build(options: BuildOptions) -> BuildReport:
    """Build the site into OUT; with any error nothing is written and OUT stays as it was."""
    started = time.perf_counter()
    check_output_dir(options.out_dir, options.site_dir, options.force)
    cache_dir = options.site_dir / CACHE_DIR
    config = load_config(options.config_path, options.base_url)
    options = replace(options, now=build_time(options, config))
    inputs, latest = fingerprint_inputs(options.site_dir, options.config_path, option_key(options))
    unchanged = report_if_up_to_date(options, cache_dir, inputs)
    if unchanged:
        return replace(unchanged, seconds=time.perf_counter() - started)
    if latest >= settled_before(cache_dir):  # saved again within its clock tick, it would keep its stat: the
        inputs = ""  # record of this build cannot tell the next one that nothing changed
    from fraudsite.ahead import CHANNELS as AHEAD
    from fraudsite.ahead import start as start_ahead
    from fraudsite.cache import open_cache
    from fraudsite.collate import readings_ahead, sort_keys
    from fraudsite.derived import open_derived, using
    from fraudsite.output import stages_afresh
    from fraudsite.parallel import forks, in_background

    cache, derived = open_cache(cache_dir), open_derived(cache_dir)
    # OUT and its spare are walked by a forked process while this one loads and plans (0.85 s at 10,000 items);
    # the walk is used only if no other build recorded one meanwhile (checked under the build lock).
    # Only forked, and only from a record: a walk made here and now would be as slow and older.
    record = read_record(cache_dir)
    scan = (in_background(partial(walk_output, options.out_dir), 2000, record.files)
            if record and forks(2000, record.files) else None)
    saved = ahead = compiling = None
    try:
        compiling = compile_ahead(options.site_dir, config, cache_dir)
        with using(derived), readings_ahead(derived), collection_paused():
            site, warnings = load_site(options, cache)
            warnings += local_address(site.config)
            # The tags' pinyin keys, made by a forked process (pypinyin is large) if the store lacks them: before
            # the cache's save is forked rather than beside it, where the two were a cold build's peak of memory.
            sort_keys(site.tags)
            # Written out by a forked process while this one plans (half a second at 10,000 items).
            saved = in_background(partial(cache.save, derived.digester.known), 200, len(site.items), retry_here=False)
            edit = cache.made * 2 <= len(site.items)
            if not edit:  # what this build parsed (hundreds of MB at 10,000 items) goes;
                del cache  # an edit build's, read back, stays: freeing it took 133 ms at 10,000 items, for 40 MB
            gc.freeze()  # the loaded site lives to the end: the cycle collector need not scan it over and over
            here = channels_besides(AHEAD)
            if (edit and record and record.out_dir == str(options.out_dir.resolve()) and len(here) < len(CHANNELS)
                    and not stages_afresh(options.out_dir)):
                # A few files to make: two cores plan (``fraudsite.ahead``).
                ahead = start_ahead(site, options.site_dir, cache_dir, theme_and_code_stamp(site, options.site_dir))
            if ahead is None:
                if scan is not None and edit:  # done by now: taken before planning, its process's memory goes
                    scan()  # (a tenth of an edit build's peak at 10,000 items)
                outputs = plan_outputs(site, options.site_dir)
            else:  # the website's and the screens', and the files; not the sitemap: it lists the forked process's too
                outputs = plan_channels(site, here)
                ahead.at = len(outputs)
                outputs += plan_files(site, options.site_dir)
            gc.freeze()
        if compiling is not None:
            compiling.wait()  # done by now but on the smallest sites: before the pages, which load what it compiled
        return write_planned(options, cache_dir, inputs, site, warnings, outputs, derived, started,
                             (scan, record) if scan else None, ahead)
    finally:
        # Waited for already, unless the build failed: then left to finish for the next build, which asks only
        # whether it compiled any, unless stopped (Ctrl-C).
        if compiling is not None and isinstance(sys.exc_info()[1], Exception):
            compiling.wait()
        elif compiling is not None:
            compiling.cancel()
        if ahead is not None:
            ahead.cancel()  # ended already, unless the build failed
        if scan is not None:
            scan.cancel()  # not needed after all (the build failed): stopped
        if saved is not None:
            saved.wait()  # before the process ends, which would stop the save half-way
        gc.unfreeze()  # a process that builds again (the tests) gets a collectable heap back


def compile_ahead(site_dir: Path, config: Config, cache_dir: Path) -> Background | None:
    """The theme's templates compiled into the cache by a forked process while this one reads the content, if none
    of this code are there (a cold build, or one after an update): this process then loads them compiled (4 ms)
    instead of compiling them (120 ms) with the other core idle. None where they are there or nothing is forked."""
    from fraudsite.cache import machine_key
    from fraudsite.parallel import forks, in_background
    from fraudsite.render import compiled_any

    folder = cache_dir / COMPILED_TEMPLATES
    if not forks(2, 2) or compiled_any(folder):
        return None
    machine_key()  # made here if it must be: the forked process signs with this process's key
    try:
        return in_background(partial(_compile_templates, site_dir, config, folder), 2, 2, retry_here=False)
    except OSError:  # no process to be had: the build compiles them itself
        return None


def _compile_templates(site_dir: Path, config: Config, folder: Path) -> None:
    from fraudsite.render import load_templates, make_environment

    load_templates(make_environment(site_dir, config, folder))


def _say_waiting() -> None:
    # Else a second build of the site (a timer's, a colleague's) sat silent until the first ended.
    print("这个网站正在由另一个 fraudsite 生成，等它完成后接着写入……", file=sys.stderr, flush=True)


def write_planned(options: BuildOptions, cache_dir: Path, inputs: str, site: Site, warnings: list[Problem],
                  outputs: list[Output], derived: DerivedStore, started: float,
                  walked: tuple[Background, BuildRecord] | None = None, ahead: Ahead | None = None) -> BuildReport:
    """Render what is planned into OUT and record the build, under the site's build lock.

    ``walked``: a walk of OUT and its spare (``walk_output``) begun earlier, and the record the last build left then.
    ``ahead``: the channels ``outputs`` lack, being made in a forked process (``fraudsite.ahead``).
    """
    from fraudsite.ahead import CHANNELS as AHEAD
    from fraudsite.output import fresh_folders, recover_interrupted_swap, write_site

    with build_lock(cache_dir, on_wait=_say_waiting):
        save_last = ahead is not None  # after the forked process's entries are taken
        if not save_last:  # now: its entries are then read from the file, and the build's copies go
            derived.save()
        recovered = recover_interrupted_swap(options.out_dir)  # first: what is scanned, and whether OUT is new
        if walked is not None and not recovered and read_record(cache_dir) == walked[1]:
            scanned, spare_files = walked[0]()  # one walk of OUT: trusted or not, then what the swap kept
        else:  # another build wrote OUT since the walk began
            scanned, spare_files = file_stats(options.out_dir), None
        stamp, trusted = theme_and_code_stamp(site, options.site_dir), output_as_recorded(options, cache_dir, scanned)
        if ahead is not None and not ahead.usable(stamp, trusted):  # made for another OUT or other page keys:
            ahead.plan_here(site, outputs, derived)  # the channels are planned here after all
            ahead = None
        memo = PageMemo(cache_dir, stamp, trusted=trusted, digester=derived.digester)
        forget(cache_dir)
        # Its paths are checked with these before anything is rendered, as late as that, since it may still be
        # planning them. Lost before it planned them, its channels are planned here.
        if ahead is not None and not ahead.checked(outputs, site):
            ahead.plan_here(site, outputs, derived)
            ahead = None
        out = options.out_dir
        stream = render_stream(outputs, site, options.site_dir, memo, fresh_folders(out), keep_compiled=True)
        if ahead is not None:
            stream = one_after_another(stream, ahead.stream(outputs, site, options.site_dir, memo, derived))
        stats = write_site(stream, out, known=scanned, spare_files=spare_files)
        prepared = ahead.prepared if ahead else None
        if save_last:
            derived.save(last=True)
        memo.save()
        pages = page_count(outputs) + (prepared.pages if prepared else 0)
        last_change, next_change = (clock_window(site, channels_besides(AHEAD), prepared.moments)
                                    if prepared else clock_window(site))
        write_record(cache_dir, BuildRecord(
            inputs, str(options.out_dir.resolve()),
            fingerprint_files(stats.files) if stats.files is not None else fingerprint_output(options.out_dir),
            last_change.isoformat() if last_change else None, next_change.isoformat() if next_change else None,
            len(site.published), pages, len(outputs) + (prepared.outputs if prepared else 0),
            [asdict(w) for w in warnings]))
    checkpoint("record")
    return BuildReport(len(site.published), pages, stats, warnings, time.perf_counter() - started, next_change,
                       pages - memo.kept)


def one_after_another(*streams: Iterator[tuple[str, Content]]) -> Iterator[tuple[str, Content]]:
    """The streams' files in turn; closed (a build that failed), it closes each, which stops their workers."""
    try:
        for stream in streams:
            yield from stream
    finally:
        for stream in streams:
            close = getattr(stream, "close", None)
            if close:
                close()


def page_count(outputs: list[Output]) -> int:
    """How many of the outputs are HTML pages (what the summary lines count)."""
    return sum(1 for output in outputs if output.path.endswith(".html"))


def output_as_recorded(options: BuildOptions, cache_dir: Path, files: dict[str, FileStat]) -> bool:
    """Whether OUT (its ``files`` as just scanned) is exactly as the last build recorded it, so they can be kept."""
    record = read_record(cache_dir)
    return (record is not None and record.out_dir == str(options.out_dir.resolve())
            and fingerprint_files(files) == record.out)


def theme_and_code_stamp(site: Site, site_dir: Path) -> str:
    """What every page depends on besides its own values: the code, the templates, the configuration."""
    from fraudsite.stamp import code_stamp
    from fraudsite.theme import theme_dirs

    # code_stamp hashes the package's code and the libraries' versions; the themes go by file stamps, as
    # fingerprint_inputs takes them (a template given back its old modification time is still a change).
    digest = hashlib.sha256(Digester().digest(site.config) + code_stamp().encode())
    for root in theme_dirs(site_dir):
        for path, stat in walk_stats(root):
            digest.update(stat_line(path, stat))
    return digest.hexdigest()


def option_key(options: BuildOptions) -> tuple:
    """The options that change what a build writes (the clock is handled by the window)."""
    return (str(options.site_dir.resolve()), str(options.out_dir.resolve()), options.drafts, options.future,
            options.base_url)


def report_if_up_to_date(options: BuildOptions, cache_dir: Path, inputs: str) -> BuildReport | None:
    """The last build's report, if OUT is exactly what this build would write; else None."""
    record = read_record(cache_dir)
    now = options.now
    if (record is None or now is None or record.inputs != inputs or not record.covers(now)
            or record.out_dir != str(options.out_dir.resolve()) or not (options.out_dir / MARKER).is_file()
            or fingerprint_output(options.out_dir) != record.out):
        return None
    warnings = [Problem(**w) for w in record.warnings]  # type: ignore[arg-type]
    next_change = datetime.fromisoformat(record.valid_until) if record.valid_until else None
    return BuildReport(record.items, record.pages, WriteStats(0, record.files, 0), warnings, 0.0, next_change)


def clock_window(site: Site, names: Sequence[str] | None = None, more: Sequence[datetime] = ()
                 ) -> tuple[datetime | None, datetime | None]:
    """The last and next moments the output changes by the clock, across every channel (or those of ``names``,
    with ``more`` moments)."""
    moments = site.change_moments() + channel_moments(site, names) + list(more)
    last = max((m for m in moments if m <= site.now), default=None)
    following = min((m for m in moments if m > site.now), default=None)
    return last, following


def channel_moments(site: Site, names: Sequence[str] | None = None) -> list[datetime]:
    """The moments the channels' outputs (those of ``names``) change by the clock beyond the site's own."""
    return [moment for channel in channels(names) if hasattr(channel, "change_moments")
            for moment in channel.change_moments(site)]
