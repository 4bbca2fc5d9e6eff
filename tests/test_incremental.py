"""Incremental builds: after any edit the output equals a cold build, and only files whose bytes change are written.

A "cold" build copies the site's sources into a fresh folder (no output, no cache) and builds there.
The incremental build reuses OUT and the parse/render cache in ``.fraudsite-cache/``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsite import uptodate
from fraudsite.cache import CACHE_FILE, ITEMS_FILE, dump_entries
from fraudsite.errors import BuildFailed
from fraudsite.model import unpack
from fraudsite.pagememo import MEMO
from fraudsite.uptodate import RECORD, fingerprint_output, read_record
from sitekit import SAMPLE, add_drill_notice, build_site, copy_fixture, fork_as_on_two_cores, stamps, tree, write

NOW = "2026-11-28 09:00"
CACHE = ".fraudsite-cache/" + CACHE_FILE


def sample_site(tmp_path: Path) -> Path:
    """A private copy of the repository's sample site (content and configuration)."""
    site = tmp_path / "site"
    shutil.copytree(SAMPLE / "content", site / "content")
    shutil.copy(SAMPLE / "fraudsite.yaml", site / "fraudsite.yaml")
    return site


def cold_build(site: Path, scratch: Path, now: str = NOW, **options) -> dict[str, bytes]:
    """Build a copy of the site's sources from nothing; return the output tree."""
    if scratch.exists():
        shutil.rmtree(scratch)
    copy = scratch / "site"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("build", ".fraudsite-cache"))
    build_site(copy, scratch / "out", now=now, **options)
    assert not (site / "build").is_relative_to(scratch)
    return tree(scratch / "out")


class Editor:
    """Applies edits to a site and checks each incremental build against cold builds before and after."""

    def __init__(self, site: Path, scratch: Path):
        self.site, self.scratch, self.now = site, scratch, NOW
        self.out = site / "build"
        build_site(site, now=self.now)
        self.cold = cold_build(site, scratch / "first", self.now)
        assert tree(self.out) == self.cold

    def check(self, step: str) -> set[str]:
        """Build incrementally; assert it equals a cold build and wrote exactly the files whose bytes differ."""
        before = stamps(self.out)
        build_site(self.site, now=self.now)
        # The fingerprint recorded from what the build kept and wrote is OUT's as a fresh walk sees it,
        # else the next build would not trust OUT and would render every page again.
        assert read_record(self.site / ".fraudsite-cache").out == fingerprint_output(self.out), step
        after_cold = cold_build(self.site, self.scratch / step, self.now)
        after = tree(self.out)
        assert after == after_cold, f"{step}: incremental output differs from a cold build: " + ", ".join(
            sorted(p for p in set(after) | set(after_cold) if after.get(p) != after_cold.get(p)))
        # The summary's counts and the clock window it records (which the next build trusts) are a cold build's.
        mine, cold = (read_record(site / ".fraudsite-cache") for site in (self.site, self.scratch / step / "site"))
        assert (mine.valid_from, mine.valid_until, mine.items, mine.pages, mine.files) == (
            cold.valid_from, cold.valid_until, cold.items, cold.pages, cold.files), step
        written = {path for path, stamp in stamps(self.out).items() if before.get(path) != stamp}
        differ = {path for path, data in after_cold.items() if self.cold.get(path) != data}
        assert written == differ, f"{step}: wrote {sorted(written ^ differ)} wrongly"
        self.cold = after_cold
        return written

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace text in a site file (it must be there)."""
        path = self.site / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def sample_cold(tmp_path_factory) -> dict[str, bytes]:
    """The sample site's cold build at NOW, made once for the tests that only compare with it."""
    scratch = tmp_path_factory.mktemp("sample-cold")
    return cold_build(sample_site(scratch), scratch / "cold")


REAL_NOW = uptodate.file_system_now


@pytest.fixture(autouse=True)
def settled(monkeypatch):
    """Every file saved before a build has settled by then, as when an editor saves and builds seconds later
    (in a test, a build follows a save within milliseconds). Tests of what is not yet settled say so."""
    later(monkeypatch)


def later(monkeypatch, seconds: float = 3600) -> None:
    """Builds read as if ``seconds`` later by the file system's clock: files saved before have settled."""
    monkeypatch.setattr(uptodate, "file_system_now", lambda folder: REAL_NOW(folder) + int(seconds * 1e9))


SHUADAN = "content/cases/2024-03-shuadan-part-time-job.md"
TWO_CARDS = "content/cases/2024-06-two-cards-rent-bank-card.md"  # links to SHUADAN in its body


@pytest.mark.parametrize("cores", ["one", "two"])
def test_every_kind_of_edit_matches_a_cold_build_and_writes_only_what_differs(tmp_path, monkeypatch, cores):
    # On two cores an edit build hands the search, WeChat and statistics channels to a forked process
    # (``fraudsite.ahead``); small sites too, here: the output and what is written must not change.
    taken = two_cores(monkeypatch) if cores == "two" else []
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")

    editor.edit(SHUADAN, "三天内被骗8600元", "三天内被骗八千六百元")
    assert "cases/2024-03-shuadan-part-time-job/index.html" in editor.check("body-and-summary")
    if cores == "two":  # made in the forked process: the case's WeChat article, with the others' files kept
        assert "wechat/cases/2024-03-shuadan-part-time-job/index.html" in {path for path, data in taken[-1].files if data}
        assert len(taken[-1].files) > 20 and None in {data for _, data in taken[-1].files}

    editor.edit(SHUADAN, "title: 轻信", "title: 切勿轻信")
    editor.check("title")

    # A slug change moves the page and must re-render the other case whose body links to it.
    editor.edit(SHUADAN, "id: case-0001\n", "id: case-0001\nslug: shuadan-rizhi-jianzhi\n")
    written = editor.check("slug")
    assert "cases/shuadan-rizhi-jianzhi/index.html" in written
    assert "/fzzl/cases/shuadan-rizhi-jianzhi/" in (editor.out / "cases/2024-06-two-cards-rent-bank-card/index.html").read_text()
    assert not (editor.out / "cases/2024-03-shuadan-part-time-job").exists()

    # Renaming a file that has an explicit slug keeps its URL; the linking file is updated to the new name.
    (editor.site / SHUADAN).rename(editor.site / "content/cases/shuadan-renamed.md")
    editor.edit(TWO_CARDS, "(2024-03-shuadan-part-time-job.md)", "(shuadan-renamed.md)")
    editor.check("rename")

    (editor.site / "content/notices/2026-10-retirees-forum.md").unlink()
    editor.check("delete")
    assert not (editor.out / "notices/2026-10-retirees-forum").exists()

    add_drill_notice(editor.site)
    editor.check("add")

    # An attachment replaced by a larger file: the notice's bytes are the same, the size it shows is not.
    slip = editor.site / "content/notices/files/parent-letter-reply-slip.pdf"
    slip.write_bytes(slip.read_bytes() + b"%" * 40_000)
    assert "notices/2026-09-letter-to-parents/index.html" in editor.check("attachment-size")

    # A site theme over the built-in one: a template and a static file.
    template = (SAMPLE / "theme/templates/case.html").read_text(encoding="utf-8")
    write(editor.site, "theme/templates/case.html", template.replace("典型案例", "本校案例", 1))
    editor.check("theme-template")
    write(editor.site, "theme/static/style.css", (SAMPLE / "theme/static/style.css").read_text() + "\n.x { color: red; }\n")
    assert "static/style.css" in editor.check("theme-static")
    shutil.rmtree(editor.site / "theme")
    editor.check("theme-removed")

    editor.edit("fraudsite.yaml", "title: 示例职业技术学院", "title: 示例职业学院")  # every page shows it
    editor.check("config")
    # Settings a body is rendered under: its cached rendering is not reused across them.
    editor.edit("fraudsite.yaml", "base_url: https://www.example.edu.cn/fzzl/\n",
                "base_url: https://www.example.edu.cn/fzzl/\ntrusted_html: true\n")
    editor.check("trusted-html")
    editor.edit("fraudsite.yaml", "base_url: https://www.example.edu.cn/fzzl/", "base_url: https://www.example.edu.cn/anquan/")
    editor.check("sub-path")
    # Content edits; not those of the theme or the configuration, after which every page is made again.
    assert len(taken) == (7 if cores == "two" else 0), len(taken)


def two_cores(monkeypatch) -> list:
    """Edit builds hand channels to a forked process (``fraudsite.ahead``), small site or not; the list gets
    what each such process made, as the build takes it."""
    from fraudsite import ahead

    fork_as_on_two_cores(monkeypatch)
    taken: list = []
    files = ahead.taken_files
    monkeypatch.setattr(ahead, "taken_files", lambda prepared, keep: taken.append(prepared) or files(prepared, keep))
    return taken


def test_on_two_cores_a_large_site_plans_every_channel_in_the_build_process(tmp_path, monkeypatch):
    # The forked process copied most of the build process's heap as it planned: at 10,000 items an edit build's
    # peak was 525-603 MiB PSS, against 382-395 planned in one process.
    from fraudsite import ahead

    taken = two_cores(monkeypatch)
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    monkeypatch.setattr(ahead, "MAXIMUM_ITEMS", len(list((editor.site / "content").rglob("*.md"))))
    editor.edit(SHUADAN, "三天内被骗8600元", "三天内被骗八千六百元")
    assert "wechat/cases/2024-03-shuadan-part-time-job/index.html" in editor.check("large")
    assert taken == []
    monkeypatch.setattr(ahead, "MAXIMUM_ITEMS", ahead.MAXIMUM_ITEMS + 1)
    editor.edit(SHUADAN, "八千六百元", "8600元")
    editor.check("below-maximum")
    assert len(taken) == 1


def test_on_two_cores_an_output_changed_by_hand_is_made_again_here(tmp_path, monkeypatch):
    # The forked process keeps files on the word of the last build's page keys; with OUT changed since, the
    # build plans those channels itself, and what it writes is a cold build's.
    taken = two_cores(monkeypatch)
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    article = editor.out / "wechat/cases/2024-06-two-cards-rent-bank-card/index.html"
    article.write_text("changed by hand", encoding="utf-8")
    editor.edit(SHUADAN, "三天内被骗8600元", "三天内被骗八千六百元")
    editor.cold = {**editor.cold, article.relative_to(editor.out).as_posix(): b"changed by hand"}
    assert article.relative_to(editor.out).as_posix() in editor.check("hand-edit")
    assert taken == []
    editor.edit(SHUADAN, "八千六百元", "8600元")
    editor.check("edit-after")
    assert len(taken) == 1


def test_on_two_cores_page_keys_written_meanwhile_by_another_build_make_the_channels_planned_here(tmp_path,
                                                                                                  monkeypatch):
    from fraudsite import ahead
    from fraudsite.pagememo import MEMO
    from fraudsite.uptodate import save_json

    taken = two_cores(monkeypatch)
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    start = ahead.start

    def and_another_build(site, site_dir, cache_dir, stamp):  # its page keys land after the fork
        started = start(site, site_dir, cache_dir, stamp)
        memo = cache_dir / MEMO
        save_json(memo, json.loads(memo.read_text(encoding="utf-8")))
        return started

    monkeypatch.setattr(ahead, "start", and_another_build)
    editor.edit(SHUADAN, "三天内被骗8600元", "三天内被骗八千六百元")
    editor.check("keys-rewritten")
    assert taken == []


def test_the_forked_process_plans_the_last_channels_as_one_process_orders_them():
    # The build process plans the others and puts the forked process's outputs after them (``Ahead.at``): the
    # order one process plans every channel in, in which a clash of two outputs' paths is reported.
    from fraudsite import ahead, build

    assert build.CHANNELS[-len(ahead.CHANNELS):] == ahead.CHANNELS


def stored_entries(site: Path) -> dict[tuple[str, str], bytes]:
    """Every entry of a site's derived store, as the next build reads them."""
    from fraudsite.derived import open_derived

    store = open_derived(site / ".fraudsite-cache")
    return {name: store.get_blob(*name) for name in list(store._loaded())}


def test_on_two_cores_the_store_keeps_what_the_forked_process_made_as_one_process_would(tmp_path, monkeypatch):
    # The search index's state is stored under one name, each build's replacing the last. Replaced in the forked
    # process, it was lost: the next build found the old state, and every edit build after one that made the
    # index afresh (an item published, say) made it afresh again (0.4 s more at 1,000 items).
    from fraudsite import ahead

    taken = two_cores(monkeypatch)
    stores = {}
    for way, maximum in (("forked", ahead.MAXIMUM_ITEMS), ("here", 0)):
        monkeypatch.setattr(ahead, "MAXIMUM_ITEMS", maximum)
        site = sample_site(tmp_path / way)
        build_site(site, now=NOW)
        for old, new in (("三天内被骗8600元", "三天内被骗八千六百元"), ("八千六百元", "8600 元")):
            path = site / SHUADAN
            path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
            build_site(site, now=NOW)
        stores[way] = stored_entries(site)
    assert len(taken) == 2
    assert stores["forked"].keys() == stores["here"].keys()
    assert [name for name in sorted(stores["here"]) if stores["forked"][name] != stores["here"][name]] == []


def test_on_two_cores_a_forked_process_that_dies_leaves_its_channels_to_the_build(tmp_path, monkeypatch):
    from fraudsite import ahead

    taken = two_cores(monkeypatch)
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    monkeypatch.setattr(ahead, "_prepare", lambda *args: os._exit(3))  # killed by the system, say
    editor.edit(SHUADAN, "三天内被骗8600元", "三天内被骗八千六百元")
    assert "wechat/cases/2024-03-shuadan-part-time-job/index.html" in editor.check("died")
    assert taken == []


def test_on_two_cores_a_channel_made_ahead_that_changes_by_the_clock_bounds_the_next_build(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from fraudsite.channels import wechat

    taken = two_cores(monkeypatch)
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    soon = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
    monkeypatch.setattr(wechat, "change_moments", lambda site: [soon], raising=False)
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("8600元", "8,600元"), encoding="utf-8")
    assert build_site(site, now=NOW).next_change == soon and len(taken) == 1
    assert read_record(site / ".fraudsite-cache").valid_until == soon.isoformat()


def test_on_two_cores_a_template_mistake_met_in_the_forked_process_is_reported_and_changes_nothing(tmp_path,
                                                                                                monkeypatch):
    taken = two_cores(monkeypatch)
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    before = stamps(site / "build")
    article = (SAMPLE / "theme/templates/wechat/article.html").read_text(encoding="utf-8")
    write(site, "theme/templates/wechat/article.html", article.replace("{{", "{{ no_such_name.x ~ ", 1))
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("8600元", "8,600元"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failed:
        build_site(site, now=NOW)
    assert [(p.path, p.code) for p in failed.value.problems] == [("theme/templates/wechat/article.html", "E402")]
    assert stamps(site / "build") == before and taken == []
    assert not [p.name for p in site.glob("*build*") if p.name != "build"]  # no staging folder left


@pytest.mark.parametrize("mishap", [None, "output changed by hand", "forked process died"])
def test_on_two_cores_the_next_build_has_no_more_to_do_than_after_one(tmp_path, monkeypatch, mishap):
    # What the forked process derived (a WeChat article) and the page keys it made are kept as if made here; so
    # are those made here when its work could not be taken (planned with the derived store, which is saved).
    from fraudsite import ahead
    from fraudsite.channels import wechat

    after = {}
    for cores in ("one", "two"):
        later(monkeypatch)
        taken = two_cores(monkeypatch)
        monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1" if cores == "two" else "100000")
        site = sample_site(tmp_path / cores)
        build_site(site, now=NOW)
        if mishap == "output changed by hand":
            (site / "build/wechat/index.html").write_text("changed by hand", encoding="utf-8")
        if mishap == "forked process died":
            monkeypatch.setattr(ahead, "_prepare", lambda *args: os._exit(3))
        path = site / SHUADAN
        path.write_text(path.read_text(encoding="utf-8").replace("8600元", "8,600元"), encoding="utf-8")
        build_site(site, now=NOW)
        assert len(taken) == (cores == "two" and mishap is None)
        monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "100000")  # now here, on one core, where it can be counted
        made: list[str] = []
        make = wechat.make_article
        monkeypatch.setattr(wechat, "make_article", lambda item, make=make, made=made, **kw: made.append(item.source)
                            or make(item, **kw))
        other = site / TWO_CARDS
        other.write_text(other.read_text(encoding="utf-8").replace("title: ", "title: 又一起：", 1), encoding="utf-8")
        after[cores] = build_site(site, now=NOW).rendered, made
        monkeypatch.undo()
    assert after["one"] == after["two"] and after["one"][1] == [TWO_CARDS]


def test_an_edit_of_the_configuration_renders_no_markdown_again(tmp_path, monkeypatch):
    # Bodies depend on the configuration only through their keys: an office phone or a title changed in
    # fraudsite.yaml re-rendered every body (a second at 1,000 items, as much as a cold build's Markdown).
    from fraudsite import cache

    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    rendered = []
    render = cache.render_body
    monkeypatch.setattr(cache, "render_body", lambda *args: rendered.append(args[0].source) or render(*args))
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("0517-83550110", "0517-83550119"), encoding="utf-8")
    build_site(site, now=NOW)
    assert rendered == [] and "0517-83550119" in (site / "build/index.html").read_text(encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8") + "trusted_html: true\n", encoding="utf-8")
    build_site(site, now=NOW)
    assert SHUADAN in rendered  # rendered under other settings: made again


def test_moving_now_past_a_start_and_an_expiry_matches_a_cold_build(tmp_path):
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    written: set[str] = set()
    for step in range(6):  # each next moment the site changes by the clock alone: expiries and starts
        moment = build_site(editor.site, now=editor.now).next_change
        if moment is None or moment.year > 2026:
            break
        editor.now = f"{moment:%Y-%m-%d %H:%M}"
        changed = editor.check(f"clock-{step}")
        assert changed, f"nothing changed at {editor.now}"
        written |= changed
    assert "notices/2026-12-winter-break-reminder/index.html" in written  # a scheduled start
    assert "notices/2026-11-knowledge-test/index.html" in written  # an expiry: now marked 已过期


def test_an_update_still_to_come_is_a_moment_the_output_changes_by_the_clock(tmp_path):
    # The feeds and the sitemap are dated by it once it has come: a build just before it must not cover it.
    site = copy_fixture(tmp_path)
    case = site / "content/cases/part-time.md"
    case.write_text(case.read_text(encoding="utf-8").replace("date: 2026-03-02 10:30", "date: 2026-03-02 10:30\n"
                                                              "updated: 2026-12-01"), encoding="utf-8")
    report = build_site(site, now="2026-11-30 23:00")  # no other moment comes until the update's
    assert report.next_change is not None and f"{report.next_change:%Y-%m-%d %H:%M}" == "2026-12-01 00:00"
    build_site(site, now="2026-12-01 00:00")
    assert tree(site / "build") == cold_build(site, tmp_path / "cold", now="2026-12-01 00:00")


def test_summer_time_beginning_is_a_moment_the_screens_change_by_the_clock(tmp_path):
    # The screens' clock runs at the offset data.json gives: a build after the switch wrote nothing, and they
    # showed the winter hour all summer.
    site = copy_fixture(tmp_path)
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "timezone: Europe/Berlin\n", encoding="utf-8")
    report = build_site(site, now="2026-03-28 12:00")  # no other moment comes before the next day's noon
    assert report.next_change is not None and report.next_change.isoformat() == "2026-03-29T03:00:00+02:00"
    assert '"tz": 60,' in (site / "build/screen/data.json").read_text(encoding="utf-8")
    build_site(site, now="2026-03-29 12:00")
    assert '"tz": 120,' in (site / "build/screen/data.json").read_text(encoding="utf-8")
    assert tree(site / "build") == cold_build(site, tmp_path / "cold", now="2026-03-29 12:00")


def test_a_second_build_with_nothing_changed_touches_no_file(tmp_path):
    site = sample_site(tmp_path)
    build_site(site)
    before, cache_before = stamps(site / "build"), (site / CACHE).stat().st_mtime_ns
    report = build_site(site)
    assert report.stats.written == 0 and report.stats.removed == 0
    assert stamps(site / "build") == before
    assert (site / CACHE).stat().st_mtime_ns == cache_before  # the cache is not rewritten either


def test_output_is_identical_with_and_without_the_cache(tmp_path, sample_cold):
    site, cold = sample_site(tmp_path), sample_cold
    build_site(site, tmp_path / "first", now=NOW)  # fills the cache
    assert (site / CACHE).is_file()
    build_site(site, tmp_path / "warm", now=NOW)  # every file from the cache
    assert tree(tmp_path / "warm") == cold == tree(tmp_path / "first")


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(), lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=8)


@settings(max_examples=80, deadline=None)
@given(entries=st.dictionaries(st.sampled_from(["bodies", "sources"]), st.dictionaries(st.text(), _JSON, max_size=4)))
def test_the_cache_file_written_entry_by_entry_is_the_json_of_them_all(entries):
    written = io.BytesIO()
    dump_entries(entries, written)  # type: ignore[arg-type]
    assert written.getvalue() == json.dumps(entries, ensure_ascii=False, sort_keys=True).encode("utf-8")


@pytest.mark.parametrize("name", [CACHE_FILE, ITEMS_FILE])
@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "other-version", "empty"])
def test_a_damaged_or_foreign_cache_is_rebuilt_never_trusted(tmp_path, damage, name, sample_cold):
    site, cold = sample_site(tmp_path), sample_cold
    build_site(site, tmp_path / "first", now=NOW)
    cache = site / ".fraudsite-cache" / name
    data = cache.read_bytes()
    # A plausible lie: a cached body (or an item's title) says something the source does not.
    poisoned = data.replace("小额红包返利".encode(), "小额红包返现".encode()).replace("轻信".encode(), "相信".encode())
    assert poisoned != data
    damaged = {
        "truncated": data[: len(data) // 2],
        "flipped": poisoned,
        "garbage": b"\x00\xff not json",
        "other-version": data.replace(b'"stamp": "', b'"stamp": "0.0.1+', 1),
        "empty": b"",
    }[damage]
    cache.write_bytes(damaged)
    build_site(site, tmp_path / "out", now=NOW)
    assert tree(tmp_path / "out") == cold
    assert cache.read_bytes() != damaged  # replaced by a good cache
    build_site(site, tmp_path / "again", now=NOW)
    assert tree(tmp_path / "again") == cold


@pytest.mark.parametrize("name", [MEMO, RECORD])
@pytest.mark.parametrize("text", ["[]", "null", '"x"', "{}", "{\"version\": 1}"])
def test_a_page_memo_or_build_record_of_the_wrong_shape_is_ignored_not_a_crash(tmp_path, name, text):
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    (site / ".fraudsite-cache" / name).write_text(text, encoding="utf-8")  # valid JSON, not what was written
    fresh = sample_site(tmp_path / "fresh")
    for path in (site / SHUADAN, fresh / SHUADAN):
        path.write_text(path.read_text(encoding="utf-8").replace("小额红包返利", "小额返利"), encoding="utf-8")
    build_site(site, now=NOW)  # an edit build: the memo and the record are both read
    build_site(fresh, now=NOW)
    assert tree(site / "build") == tree(fresh / "build")


def test_an_unchanged_file_is_not_checked_again_yet_its_problems_are_still_reported(tmp_path, monkeypatch):
    import fraudsite.content

    site = sample_site(tmp_path)
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("id: case-0001\n", ""), encoding="utf-8")
    first = build_site(site, now=NOW)
    assert [w.code for w in first.warnings if w.path == SHUADAN] == ["W201"]  # no id
    # the id to add is the path feeds use without one: a published item's feed entry stays the same
    assert f"请补上一行 id: {SHUADAN}（" in next(w.message for w in first.warnings if w.code == "W201")
    checked = []
    parse_item = fraudsite.content.parse_item
    monkeypatch.setattr(fraudsite.content, "parse_item", lambda *a: checked.append(a[1].path) or parse_item(*a))
    edited = site / TWO_CARDS
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    second = build_site(site, now=NOW)
    assert checked == [TWO_CARDS]  # the finished items of the others were reused
    assert second.warnings == first.warnings


def test_front_matter_read_back_from_the_cache_still_warns_of_text_cut_at_a_hash(tmp_path, monkeypatch):
    # After an edit of fraudsite.yaml every item is checked again, from its front matter as the cache kept it
    # (not parsed again): that must still know which values lost a "#刷单" to YAML's comments, and where.
    import fraudsite.frontmatter

    site = sample_site(tmp_path)
    path = site / SHUADAN
    path.write_text(re.sub(r"\ntitle: (.*)\n", r"\ntitle: \1 #刷单\n", path.read_text(encoding="utf-8"), count=1),
                    encoding="utf-8")
    first = build_site(site, now=NOW)
    cut = [(w.line, w.field) for w in first.warnings if w.path == SHUADAN and w.code == "W009"]
    assert len(cut) == 1 and cut[0][1] == "title"
    split = []
    monkeypatch.setattr(fraudsite.frontmatter, "split_front_matter", lambda *a: split.append(a[0]))
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("0517-83550110", "0517-83550119"), encoding="utf-8")
    second = build_site(site, now=NOW)
    assert split == []  # every front matter came from the cache
    assert [(w.line, w.field) for w in second.warnings if w.path == SHUADAN and w.code == "W009"] == cut


def test_an_edit_of_the_newest_case_renders_only_the_pages_that_show_it(tmp_path):
    # Every page links the site's feed and its section's, which hold the newest items whole. Pages held the
    # feeds themselves, so a typo fixed in the newest case rendered every page of the site again.
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    case = site / "content/cases/2026-11-shuadan-like-task-freshmen.md"
    case.write_text(case.read_text(encoding="utf-8").replace("不透露、不转账", "不透露、不转账、不点链接"), encoding="utf-8")
    report = build_site(site, now=NOW)
    assert "不点链接" in (site / "build/feed.xml").read_text(encoding="utf-8")
    # Its own page, its WeChat preview and checklist, and the lists and neighbours showing its title (18 of
    # 160); not the 109 that link a feed it is in.
    assert report.rendered < report.pages / 4


def reading(monkeypatch) -> list[str]:
    """The content files the next builds read (site-relative)."""
    import fraudsite.content

    read, read_file = [], fraudsite.content.read_file
    monkeypatch.setattr(fraudsite.content, "read_file",
                        lambda path, relative, problems: read.append(relative) or read_file(path, relative, problems))
    return read


def test_a_file_whose_stat_is_as_the_last_build_read_it_is_not_read_again(tmp_path, monkeypatch):
    # Reading and hashing every file took 0.4 s of an edit at 10,000 items; a stat per file is what git pays.
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    read = reading(monkeypatch)
    edited = site / TWO_CARDS
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    build_site(site, now=NOW)
    assert read == [TWO_CARDS]
    assert "补充一句" in (site / "build/cases/2024-06-two-cards-rent-bank-card/index.html").read_text(encoding="utf-8")


def test_a_file_rewritten_to_its_old_size_and_modification_time_is_read_again(tmp_path, monkeypatch):
    site = sample_site(tmp_path)
    template = (SAMPLE / "theme/templates/case.html").read_text(encoding="utf-8")
    write(site, "theme/templates/case.html", template)
    build_site(site, now=NOW)  # stats trusted (settled): only the change time tells the rewrite

    def rewrite(path: Path, old: str, new: str) -> None:  # as rsync -t or a restored backup leaves it
        stat = path.stat()
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        deadline = time.monotonic() + 5
        while True:  # on a file system whose clock ticks by the second, until the change time shows it
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            if path.stat().st_ctime_ns != stat.st_ctime_ns:
                break
            if time.monotonic() > deadline:
                pytest.fail("the file system never changed the file's change time")
            time.sleep(0.05)
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)

    rewrite(site / SHUADAN, "8600元", "8700元")
    build_site(site, now=NOW)
    html = (site / "build/cases/2024-03-shuadan-part-time-job/index.html").read_text(encoding="utf-8")
    assert "8700元" in html and "8600元" not in html
    rewrite(site / "theme/templates/case.html", "典型案例", "本校案例")
    build_site(site, now=NOW)
    assert "本校案例" in (site / "build/cases/2024-06-two-cards-rent-bank-card/index.html").read_text(encoding="utf-8")


def test_a_file_read_soon_after_it_was_saved_is_read_again_next_time(tmp_path, monkeypatch):
    # Saved again within the file system's clock tick, a file keeps its times and size: only a stat of a file
    # that last changed well before the reading began is trusted. Its change time counts, not its modification
    # time alone, which a restored file (rsync -t, an unpacked archive) has from long ago.
    site = sample_site(tmp_path)
    time.sleep(0.3)
    path = site / SHUADAN
    modified = path.stat().st_mtime_ns
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    os.utime(path, ns=(modified, modified))
    saved = path.stat().st_ctime_ns
    assert all(max(p.stat().st_mtime_ns, p.stat().st_ctime_ns) < saved for p in (site / "content").rglob("*")
               if p != path)
    # Both builds begin reading just as that save settles by the file system's clock; the other files had.
    monkeypatch.setattr(uptodate, "file_system_now", lambda folder: saved + uptodate.SETTLED_NS)
    build_site(site, now=NOW)
    read = reading(monkeypatch)
    edited = site / TWO_CARDS
    edited.write_text(edited.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    build_site(site, now=NOW)
    assert sorted(read) == sorted([SHUADAN, TWO_CARDS])


def test_a_build_begun_just_after_a_save_does_not_let_the_next_one_do_nothing(tmp_path, monkeypatch):
    # Its record would say every input is as it read them; one saved again within its clock tick would be too.
    site = sample_site(tmp_path)
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    saved = path.stat().st_ctime_ns
    monkeypatch.setattr(uptodate, "file_system_now", lambda folder: saved + uptodate.SETTLED_NS // 2)
    build_site(site, now=NOW)
    later(monkeypatch)
    read = reading(monkeypatch)
    build_site(site, now=NOW)  # nothing changed since; still the files are read, the fresh one at least
    assert SHUADAN in read
    read.clear()
    build_site(site, now=NOW)  # that build began long after the save: this one has nothing to do
    assert read == []


def test_a_reused_item_comes_with_the_page_key_a_fresh_digest_gives_it(tmp_path):
    from fraudsite.cache import open_cache
    from fraudsite.config import load_config
    from fraudsite.content import load_content
    from fraudsite.pagememo import Digester

    site = sample_site(tmp_path)
    build_site(site, now=NOW)  # works out the items' keys (privacy scan) and keeps them with the items
    config = load_config(site / "fraudsite.yaml")
    cache = open_cache(site / ".fraudsite-cache")
    items = load_content(site, config, cache.bind(config)).items
    kept = {item.source: cache.known_digest(item) for item in items}
    assert sum(bool(token) for token in kept.values()) >= 20
    fresh = Digester()
    fresh.digest(list(items))
    assert all(token == fresh.known(item) for item in items if (token := kept[item.source]))


def test_an_attachment_that_changes_while_a_build_runs_is_seen_by_the_next_build(tmp_path, monkeypatch):
    import fraudsite.content

    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    notice = site / "content/notices/2026-09-letter-to-parents.md"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n请按时交回回执。\n", encoding="utf-8")
    slip = site / "content/notices/files/parent-letter-reply-slip.pdf"
    render_bodies = fraudsite.content.render_bodies

    def copied_meanwhile(*args, **kwargs):  # after the notice was checked, before its item is kept
        slip.write_bytes(slip.read_bytes() + b"%" * 40_000)
        return render_bodies(*args, **kwargs)

    monkeypatch.setattr(fraudsite.content, "render_bodies", copied_meanwhile)
    build_site(site, now=NOW)
    monkeypatch.undo()
    build_site(site, now=NOW)
    assert tree(site / "build") == cold_build(site, tmp_path / "cold")


def test_a_file_an_unchanged_item_names_is_checked_again(tmp_path):
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    (site / "content/notices/files/parent-letter-reply-slip.pdf").unlink()
    with pytest.raises(BuildFailed) as failure:
        build_site(site, now=NOW)
    assert [(p.path, p.code) for p in failure.value.problems if p.severity == "error"] == [
        ("content/notices/2026-09-letter-to-parents.md", "E304")]


def test_the_signing_key_is_made_once_kept_private_and_outside_the_site(tmp_path, monkeypatch):
    from fraudsite import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    cache.machine_key.cache_clear()
    try:
        key = cache.machine_key()
        kept = tmp_path / "user-cache/fraudsite/cache-key"
        assert len(key) == 32 and kept.read_bytes() == key and kept.stat().st_mode & 0o077 == 0
        cache.machine_key.cache_clear()
        assert cache.machine_key() == key  # read back, not made again
        (tmp_path / "a-file").write_text("")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))  # cannot be kept: this process's own
        cache.machine_key.cache_clear()
        assert len(cache.machine_key()) == 32 and cache.machine_key() != key
    finally:
        cache.machine_key.cache_clear()


def test_the_code_stamp_reads_the_versions_importlib_metadata_gives():
    from importlib import metadata

    from fraudsite.stamp import library_versions

    names = ("markdown", "nh3", "pyyaml", "segno", "jinja2", "markupsafe", "pytest", "hypothesis")
    assert library_versions(names) == {name: metadata.version(name) for name in names}


def test_an_older_copy_first_on_the_path_is_the_version_stamped(tmp_path, monkeypatch):
    from importlib import metadata

    from fraudsite.stamp import library_versions

    legacy = tmp_path / "Markdown-0.0.1-py3.11.egg-info"  # an old develop install, found before the wheel
    legacy.mkdir()
    (legacy / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: Markdown\nVersion: 0.0.1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert library_versions(("markdown",)) == {"markdown": metadata.version("markdown")} == {"markdown": "0.0.1"}


class _Planted:
    """A pickle that runs code when loaded: it would create ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_an_items_file_not_signed_here_is_never_unpickled(tmp_path, sample_cold):
    import hashlib
    import hmac
    import json
    import pickle

    site = sample_site(tmp_path)
    build_site(site, tmp_path / "first", now=NOW)
    items = site / ".fraudsite-cache" / ITEMS_FILE
    header = json.loads(items.read_bytes().partition(b"\n")[0])
    marker = tmp_path / "ran"
    body = pickle.dumps({"x": _Planted(marker)})
    for key in (b"another machine's key".ljust(32), None):  # signed elsewhere; a bare checksum, as before
        mark = hmac.new(key, body, hashlib.sha256).hexdigest() if key else hashlib.sha256(body).hexdigest()
        items.write_bytes(json.dumps({**header, "signature": mark}).encode() + b"\n" + body)
        out = tmp_path / f"out-{mark[:8]}"  # a new output folder: a build, not "up to date"
        build_site(site, out, now=NOW)
        assert not marker.exists()
        assert tree(out) == sample_cold


def test_a_compiled_template_not_signed_here_is_compiled_again(tmp_path, monkeypatch):
    import hashlib
    import hmac
    import json

    import jinja2

    site = sample_site(tmp_path)
    build_site(site, tmp_path / "first", now=NOW)
    compiled = []
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda *a, **k: compiled.append(a[2]) or compile_template(*a, **k))
    build_site(site, tmp_path / "second", now=NOW)  # every page rendered: every template from the cache
    assert compiled == []
    for path in (site / ".fraudsite-cache/templates").glob("*.cache"):  # each re-signed with another machine's key
        head, _, body = path.read_bytes().partition(b"\n")
        header = {**json.loads(head), "signature": hmac.new(b"k" * 32, body, hashlib.sha256).hexdigest()}
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    build_site(site, tmp_path / "third", now=NOW)
    assert "case.html" in compiled
    assert tree(tmp_path / "third") == tree(tmp_path / "first")


def test_a_cached_file_is_still_scanned_for_personal_data(tmp_path):
    site = sample_site(tmp_path)
    write(site, "content/cases/leak-draft.md", """\
        ---
        id: case-leak
        title: 草稿中的案例
        date: 2026-11-01
        type: shuadan
        audience: [students]
        draft: true
        ---

        受害人手机号 13912345678，请勿外传。
        """)
    build_site(site, now=NOW)  # the draft is not published, so not scanned; its parse and body are now cached
    cached = re.findall(r'\{"b": "([^"]*)"\}', (site / CACHE).read_text(encoding="utf-8"))  # packed bodies
    assert any("13912345678" in unpack(base64.b64decode(body)) for body in cached)
    with pytest.raises(BuildFailed) as failure:
        build_site(site, now=NOW, drafts=True)  # same bytes, served from the cache: the scan must still run
    assert any(p.path == "content/cases/leak-draft.md" and p.code.startswith("E6") for p in failure.value.problems)


def test_the_cached_front_matter_and_bodies_are_read_only_when_one_is_wanted(tmp_path, monkeypatch):
    # The first edit after a cold build read the whole cache file, every item's front matter and body (a third of a
    # gigabyte at 10,000 items), to use none: the items file lists the entries, and the file is read for a wanted one.
    from fraudsite import cache

    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    mine = editor.site / CACHE
    read: list[bool] = []
    load = cache._load_entries
    monkeypatch.setattr(cache, "_load_entries", lambda path: read.append(path == mine) or load(path))
    editor.edit(SHUADAN, "三天内被骗8600元。", "三天内被骗8600元，事后才报警。")
    editor.check("body")
    assert True not in read
    shutil.rmtree(editor.site / ".fraudsite-cache")  # cold again: the cache file holds every item's entries
    build_site(editor.site, now=NOW)
    read.clear()
    # TWO_CARDS links to SHUADAN, whose page moves: its finished item is made again, from its cached front matter.
    editor.edit(SHUADAN, "\ntitle: ", "\nslug: shuadan-2024\ntitle: ")
    editor.check("moved")
    assert True in read


def test_a_cache_kept_in_memory_holds_only_the_current_version_of_each_file(tmp_path):
    from fraudsite.cache import open_cache
    from fraudsite.config import load_config
    from fraudsite.content import load_content

    site = sample_site(tmp_path)
    config = load_config(site / "fraudsite.yaml")
    cache = open_cache(None)  # as `fraudsite serve` keeps it between rebuilds
    load_content(site, config, cache.bind(config))
    counts = len(cache.sources), len(cache.bodies), len(cache.finished)
    path = site / SHUADAN
    for number in range(5):
        path.write_text(path.read_text(encoding="utf-8") + f"\n第 {number} 次修改。\n", encoding="utf-8")
        content = load_content(site, config, cache.bind(config))
    # this build's entries plus, until the next rebuild, the one version they replaced: never one per save
    assert len(cache.sources) <= counts[0] + 1 and len(cache.bodies) <= counts[1] + 1
    assert len(cache.finished) <= counts[2] + 1
    assert "第 4 次修改。" in next(i for i in content.items if i.source == SHUADAN).body_html


def test_an_edit_build_loads_no_module_only_other_work_needs(tmp_path):
    # Each took milliseconds of every edit build: entry points scanned for a Markdown extension named by a
    # string (importlib.metadata), email.utils for RSS dates, multiprocessing with no workers to fork, csv
    # for a report nobody asked for, segno with every QR code kept, pypinyin with every tag's key kept.
    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    case.write_text(case.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    probe = ("import sys; from fraudsite.cli import main; code = main(sys.argv[1:]); "
             "print(code, sorted(m for m in ('importlib.metadata', 'email.utils', 'multiprocessing', 'csv', 'segno', 'pypinyin') "
             "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe, "build", str(site), "--now", NOW, "-q"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.split("\n")[-2] == "0 []"
    assert any("补充一句" in page.read_text(encoding="utf-8") for page in (site / "build/cases").glob("*/index.html"))


def test_a_missing_images_hint_follows_the_files_beside_it_though_the_body_is_unchanged(tmp_path):
    """The hint names a file spelt in another letter case: one added or renamed since changes it, also in the cache
    `fraudsite serve` keeps between rebuilds (a failed build saves none)."""
    from fraudsite.cache import open_cache
    from fraudsite.config import load_config
    from fraudsite.content import load_content

    site = sample_site(tmp_path)
    config = load_config(site / "fraudsite.yaml")
    cache = open_cache(None)
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8") + "\n![聊天](images/chat.png)\n", encoding="utf-8")

    def advice() -> list[str]:
        problems = load_content(site, config, cache.bind(config)).problems
        return [p.message.split("；")[1].split("？")[0] for p in problems if p.code == "E304"]

    assert advice() == ["请把文件放到 content/cases/images/ 下，或改正路径"]
    images = site / "content/cases/images"
    images.mkdir()
    (images / "Chat.PNG").write_bytes(b"\x89PNG")
    assert advice() == ["是否想写 images/Chat.PNG"]
    (images / "Chat.PNG").rename(images / "CHAT.png")
    assert advice() == ["是否想写 images/CHAT.png"]
    (images / "CHAT.png").rename(images / "chat.png")
    assert advice() == []


def test_a_level_one_heading_shows_every_heading_a_level_lower_as_a_cold_build_does(tmp_path):
    editor = Editor(sample_site(tmp_path), tmp_path / "cold")
    editor.edit(SHUADAN, "\n## 案情经过\n", "\n# 案情经过\n")
    written = editor.check("level-one-heading")
    assert {"cases/2024-03-shuadan-part-time-job/index.html", "wechat/cases/2024-03-shuadan-part-time-job/index.html",
            "feed.xml"} <= written
    page = (editor.out / "cases/2024-03-shuadan-part-time-job/index.html").read_text(encoding="utf-8")
    assert '<h2 id="案情经过">' in page and '<h3 id="作案手法">' in page and page.count("<h1") == 1
    editor.edit(SHUADAN, "\n# 案情经过\n", "\n## 案情经过\n")
    editor.check("level-two-again")


@pytest.mark.parametrize("cores", ["one", "two", "two, the forked process dies"])
def test_an_alias_over_another_channels_page_is_reported_before_a_website_template_mistake(tmp_path, monkeypatch,
                                                                                          cores):
    # On two cores the WeChat channel is planned in a forked process; its paths are checked with the website's
    # before any website page is rendered, as on one core: the clashes are reported, not the template's mistake,
    # both of them, on one core as on two.
    from fraudsite import ahead

    taken = two_cores(monkeypatch)
    if cores == "one":
        monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "100000")
    if cores.endswith("dies"):  # before it planned: its channels are planned here, and checked all the same
        monkeypatch.setattr(ahead, "_prepare", lambda *args: os._exit(3))
    site = with_a_mistake_met_by_aliases(sample_site(tmp_path))
    write(site, "theme/static/old/index.html", "<p>旧页面</p>")
    build_site(site, now=NOW)
    before = stamps(site / "build")
    give_aliases(site, TWO_CARDS, "static/old/", "wechat/cases/2024-03-shuadan-part-time-job/")
    with pytest.raises(BuildFailed) as failed:
        build_site(site, now=NOW)
    line = (site / TWO_CARDS).read_text(encoding="utf-8").split("\n").index(
        "aliases: [static/old/, wechat/cases/2024-03-shuadan-part-time-job/]") + 1
    assert [(p.path, p.line, p.code, p.message) for p in failed.value.problems] == [
        (TWO_CARDS, line, "E220", "旧网址“static/old/”与本站的 static/old/index.html 冲突，同一个位置只能有一个页面或文件；"
         "请删除或改正这一项"),
        (TWO_CARDS, line, "E220", "旧网址“wechat/cases/2024-03-shuadan-part-time-job/”与本站的 "
         "wechat/cases/2024-03-shuadan-part-time-job/index.html 冲突，同一个位置只能有一个页面或文件；请删除或改正这一项")]
    assert stamps(site / "build") == before and taken == []
    assert not list(site.glob(".build.staging*"))  # nothing staged, or nothing left of it


@pytest.mark.parametrize("cores", ["one", "two"])
def test_a_mistake_met_planning_another_channel_is_reported_before_a_website_template_mistake(tmp_path, monkeypatch,
                                                                                            cores):
    from fraudsite.channels import wechat
    from fraudsite.errors import problem

    taken = two_cores(monkeypatch)
    if cores == "one":
        monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "100000")
    site = with_a_mistake_met_by_aliases(sample_site(tmp_path))
    build_site(site, now=NOW)
    before = stamps(site / "build")
    mistake = problem("fraudsite.yaml", 40, "E301", "wechat", "公众号设置有误")  # met planning, in the forked process
    monkeypatch.setattr(wechat, "read_settings", lambda config: (None, [mistake]))
    give_aliases(site, TWO_CARDS, "cases/old-two-cards/")
    with pytest.raises(BuildFailed) as failed:
        build_site(site, now=NOW)
    assert failed.value.problems == [mistake]
    assert stamps(site / "build") == before and taken == []


def with_a_mistake_met_by_aliases(site: Path) -> Path:
    """The site with a website template that fails for a case with aliases: a mistake only an edit meets, the theme
    being as the last build's (whose page keys a forked process trusts)."""
    case = (SAMPLE / "theme/templates/case.html").read_text(encoding="utf-8")
    write(site, "theme/templates/case.html", case.replace("<h1>", "<h1>{% if item.aliases %}{{ no_such.x }}{% endif %}"))
    return site


def give_aliases(site: Path, relative: str, *aliases: str) -> None:
    """Give an item these old paths (it has none)."""
    path = site / relative
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntitle: ", f"\naliases: [{', '.join(aliases)}]\ntitle: ", 1), encoding="utf-8")


def test_a_body_kept_for_one_base_url_is_reused_under_another_and_warns_as_that_host_would(tmp_path, monkeypatch):
    """The host decides only whether an image's website is the site's own (W306): a lookup, as the links are. Under
    another base URL (--base-url, the preview's address) fraudsite.yaml's host is still the site's own. A finished
    item kept for another host kept that host's warnings."""
    from fraudsite import cache

    site = sample_site(tmp_path)
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8") + "\n![测试站的图](https://test.example.edu.cn/images/c.png)\n"
                    "\n![本站的图](https://www.example.edu.cn/images/e.png)\n", encoding="utf-8")
    other = site / "content/cases/2024-11-fake-refund-customer-service.md"
    other.write_text(other.read_text(encoding="utf-8") + "\n![别处的图](https://img.example.org/d.png)\n",
                     encoding="utf-8")

    def images(report) -> list[str]:
        return sorted(p.message.split("”")[0].split("“")[1] for p in report.warnings if p.code == "W306")

    test_site = "https://test.example.edu.cn/fzzl/"
    assert images(build_site(site, now=NOW, base_url=test_site)) == ["https://img.example.org/d.png"]
    rendered: list[str] = []
    render = cache.render_recorded
    monkeypatch.setattr(cache, "render_recorded", lambda context: rendered.append(context.source) or render(context))
    config = site / "fraudsite.yaml"  # and no finished item is kept for another configuration: every body is wanted
    config.write_text(config.read_text(encoding="utf-8").replace("title: ", "title: 新 ", 1), encoding="utf-8")
    report = build_site(site, tmp_path / "live", now=NOW)
    assert images(report) == ["https://img.example.org/d.png", "https://test.example.edu.cn/images/c.png"]
    assert rendered == [SHUADAN]  # only the body whose answer changed; the rest come from the cache


def test_front_matter_and_bodies_set_aside_stay_in_the_cache_when_it_is_written_again(tmp_path):
    # A preview lets them go once saved (``set_aside``); a later save that writes the cache again (the one when the
    # preview stops, after an edit made a new entry) still writes them, read back from the file.
    from fraudsite.cache import _load_entries, open_cache
    from fraudsite.config import load_config
    from fraudsite.content import load_content

    site = sample_site(tmp_path)
    config = load_config(site / "fraudsite.yaml")
    kept = open_cache(site / ".fraudsite-cache")
    load_content(site, config, kept.bind(config))
    assert kept.save()
    kept.set_aside()
    assert (kept.sources, kept.bodies) == ({}, {}) and kept.unread_entries and all(kept.unread_entries)
    aside = kept.unread_entries
    kept.dirty = True
    assert kept.save()
    assert _load_entries(kept.path) is not None
    assert tuple(frozenset(entries) for entries in _load_entries(kept.path)) == aside


def test_a_build_under_another_base_url_finishes_no_item_again(tmp_path, monkeypatch):
    # The preview builds under its own address: its first build reuses what `fraudsite build` finished.
    from fraudsite.cache import ContentCache

    site = sample_site(tmp_path)
    build_site(site, now=NOW)
    finished: list[str] = []
    keep = ContentCache.keep_finished
    monkeypatch.setattr(ContentCache, "keep_finished",
                        lambda cache, relative, done: finished.append(relative) or keep(cache, relative, done))
    build_site(site, tmp_path / "preview", now=NOW, base_url="http://127.0.0.1:8000/fzzl/")
    assert finished == []
    assert "127.0.0.1:8000" in (tmp_path / "preview/feed.xml").read_text(encoding="utf-8")


def test_a_pictures_width_and_height_follow_the_file_and_a_photos_rotation(tmp_path):
    # With its size in the page a phone keeps the picture's room while it loads: the text does not jump down.
    from PIL import Image

    site = sample_site(tmp_path)
    images = site / "content/cases/images"
    images.mkdir()
    Image.new("RGB", (640, 360), "white").save(images / "chat.png")
    photo = Image.new("RGB", (400, 300), "white")  # stored lying down, shown upright (EXIF orientation 6)
    exif = photo.getexif()
    exif[0x0112] = 6
    photo.save(images / "photo.jpg", exif=exif)
    (images / "notice.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8") + "\n![聊天截图](images/chat.png)\n\n![照片](images/photo.jpg)\n\n"
                    "![图标](images/notice.svg)\n\n<img src=\"images/chat.png\" alt=\"原样\" width=\"100\">\n",
                    encoding="utf-8")
    editor = Editor(site, tmp_path / "cold")
    page = editor.out / "cases/2024-03-shuadan-part-time-job/index.html"

    def pictures() -> list[str]:
        return [tag.replace('loading="lazy" decoding="async" ', "")
                for tag in re.findall(r"<img [^>]*>", page.read_text(encoding="utf-8"))]

    assert pictures() == [
        '<img alt="聊天截图" height="360" src="/fzzl/media/cases/images/chat.png" width="640">',
        '<img alt="照片" height="400" src="/fzzl/media/cases/images/photo.jpg" width="300">',
        '<img alt="图标" src="/fzzl/media/cases/images/notice.svg">',  # no size Pillow can read
        '<img src="/fzzl/media/cases/images/chat.png" alt="原样" width="100">']  # raw HTML keeps what it says
    time.sleep(0.01)
    Image.new("RGB", (800, 1200), "white").save(images / "chat.png")  # replaced: the body is not edited
    assert "cases/2024-03-shuadan-part-time-job/index.html" in editor.check("picture-replaced")
    assert pictures()[0] == '<img alt="聊天截图" height="1200" src="/fzzl/media/cases/images/chat.png" width="800">'


@pytest.mark.parametrize("where", ["body", "cover"])
def test_a_picture_put_in_place_with_the_old_ones_size_and_time_is_measured_again(tmp_path, where):
    # cp -p, rsync -t or an archive unpacked: another picture of the same length and modification time. Checked by
    # those two alone, the cached body or cover kept the old picture's width and height.
    from PIL import Image

    site = sample_site(tmp_path)
    images = site / "content/cases/images"
    images.mkdir()
    Image.new("RGB", (40, 5), "white").save(images / "shot.bmp")  # rows of 120 bytes, as 20 × 10 has in 2 × 60
    path = site / SHUADAN
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n![截图](images/shot.bmp)\n" if where == "body" else
                    text.replace("\ntitle:", "\ncover: images/shot.bmp\ncover_alt: 截图\ntitle:", 1), encoding="utf-8")
    editor = Editor(site, tmp_path / "cold")
    page = editor.out / "cases/2024-03-shuadan-part-time-job/index.html"
    assert re.search(r'width="40"[^>]*height="5"|height="5"[^>]*width="40"', page.read_text(encoding="utf-8"))
    other, old = tmp_path / "other.bmp", (images / "shot.bmp").stat()
    Image.new("RGB", (20, 10), "white").save(other)
    assert other.stat().st_size == old.st_size
    os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(other, images / "shot.bmp")
    editor.check(f"{where}-picture-swapped")  # as a cold build: the new picture's size
    assert re.search(r'width="20"[^>]*height="10"|height="10"[^>]*width="20"', page.read_text(encoding="utf-8"))


def test_a_cover_turned_in_a_photo_viewer_is_measured_again_though_its_size_is_the_same(tmp_path):
    # Turning a photo changes its EXIF rotation, not its length: a cached item, checked by its cover's size alone,
    # kept the old width and height.
    from PIL import Image

    site = sample_site(tmp_path)
    images = site / "content/cases/images"
    images.mkdir()
    photo = Image.new("RGB", (400, 300), "white")
    exif = photo.getexif()
    exif[0x0112] = 1
    photo.save(images / "cover.jpg", exif=exif)
    length = (images / "cover.jpg").stat().st_size
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("\ntitle:", "\ncover: images/cover.jpg\ncover_alt: 照片\ntitle:", 1),
                    encoding="utf-8")
    editor = Editor(site, tmp_path / "cold")
    page = editor.out / "cases/2024-03-shuadan-part-time-job/index.html"
    assert 'width="400" height="300"' in page.read_text(encoding="utf-8")
    time.sleep(0.01)
    exif[0x0112] = 6
    photo.save(images / "cover.jpg", exif=exif)
    assert (images / "cover.jpg").stat().st_size == length
    editor.check("cover-turned")  # as a cold build: the page gives the upright photo's size
    assert 'width="300" height="400"' in page.read_text(encoding="utf-8")
