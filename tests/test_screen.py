"""Campus screens without a browser: slide selection, playlist, feed, ticker, data file, zip, config checks."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from fraudsite.build import BuildOptions, load_site
from fraudsite.errors import BuildFailed
from fraudsite.render import script_json
from fraudsite.screen_profiles import load_screen_settings
from fraudsite.screen_slides import select_slides
from screenkit import EXPIRING_ID, LONG_ID, LONG_NOTICE_ID, SCHEDULED_ID, SCREEN_NOW, make_screen_site
from sitekit import at, build_site, tree, write

BASE = "https://www.example.edu.cn/fzzl/"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """The screen test site and its output, built once at SCREEN_NOW."""
    root = tmp_path_factory.mktemp("screen")
    site = make_screen_site(root)
    build_site(site, root / "out", now=SCREEN_NOW)
    return site, root / "out"


def slides_at(site_dir: Path, now: str, profile: str = ""):
    """The default (or named) profile's slides at a moment."""
    options = BuildOptions(site_dir=site_dir, out_dir=site_dir / "unused", config_path=site_dir / "fraudsite.yaml",
                           now=at(now))
    site, _ = load_site(options)
    settings = load_screen_settings(site.config)
    chosen = next(p for p in settings.profiles if p.name == profile)
    return site, chosen, select_slides(site, chosen, settings)


def test_urgent_first_then_notices_then_recent_cases(built):
    site, profile, slides = slides_at(built[0], SCREEN_NOW)
    kinds = [s.kind for s in slides]
    assert kinds[0] == "紧急通知"
    assert kinds == sorted(kinds, key=["紧急通知", "通知", "案例"].index)
    cases = [s.item for s in slides if s.kind == "案例"]
    assert len(cases) == profile.cases == 6
    assert cases == list(site.cases[:6])  # the most recent ones, newest first


def test_scheduled_notice_travels_with_its_window_and_far_future_does_not(built):
    site, _, slides = slides_at(built[0], SCREEN_NOW)
    by_id = {s.id: s for s in slides}
    scheduled = by_id[SCHEDULED_ID]
    assert scheduled.start == at("2026-11-28 09:10") and not scheduled.current(site.now)
    assert scheduled.current(at("2026-11-28 09:10"))
    assert by_id[EXPIRING_ID].end == at("2026-11-28 09:05")
    assert ("有效期至", "2026年11月28日 09:05") in by_id[EXPIRING_ID].facts
    assert ("有效期至", "2026年12月20日") in by_id[LONG_NOTICE_ID].facts, "expires: 2026-12-20 includes that day"
    assert not by_id[EXPIRING_ID].current(at("2026-11-28 09:05"))
    # The winter-break reminder starts in December, beyond the 7-day horizon.
    assert not any(s.item.slug == "2026-12-winter-break-reminder" for s in slides)
    _, _, later = slides_at(built[0], "2026-11-28 09:05")
    assert EXPIRING_ID not in {s.id for s in later}


def test_a_notice_without_expires_has_no_validity_date_on_its_slide_but_still_leaves_after_its_lifetime(tmp_path):
    # The lifetime is the site's rule for the screens, not a deadline the issuer set: the website shows none either.
    site = make_screen_site(tmp_path)
    path = site / "content/notices/screen-test-scheduled.md"
    path.write_text(path.read_text(encoding="utf-8").replace("expires: 2026-11-30\n", ""), "utf-8")
    loaded, _, slides = slides_at(site, SCREEN_NOW)
    scheduled = next(s for s in slides if s.id == SCHEDULED_ID)
    assert not [fact for fact in scheduled.facts if fact[0] == "有效期至"]
    assert scheduled.end == at("2026-11-28 09:10") + timedelta(days=loaded.config.notice_lifetime_days)


def test_profiles_filter_sections_types_and_audiences(built):
    _, canteen, slides = slides_at(built[0], SCREEN_NOW, "canteen")
    # Cases alone, for students; but the urgent notice first: a live scam wave is news for every hall
    assert slides[0].urgent and slides[1:] and all(s.kind == "案例" for s in slides[1:])
    assert all("students" in s.item.audience for s in slides[1:])
    _, retirees, slides = slides_at(built[0], SCREEN_NOW, "retirees")
    cases = [s.item for s in slides if s.kind == "案例"]
    assert cases and all(c.type in ("fake-police", "impersonation") for c in cases)
    assert slides[0].urgent, "an urgent notice reaches every profile, whatever its audiences"
    assert retirees.seconds == 20 and canteen.path == "screen/p/canteen/"


def test_slide_keeps_three_signs_and_uses_screen_title(built, tmp_path):
    _, _, slides = slides_at(built[0], SCREEN_NOW)
    long = next(s for s in slides if s.id == LONG_ID)
    assert len(long.signs) == 3 and long.warning
    assert ("损失", "123.46 万元") in long.facts
    site = make_screen_site(tmp_path)
    path = site / "content/notices/screen-test-scheduled.md"
    path.write_text(path.read_text(encoding="utf-8").replace("issuer:", "screen_title: 竞答十点开始\nissuer:"), "utf-8")
    _, _, slides = slides_at(site, SCREEN_NOW)
    assert next(s for s in slides if s.id == SCHEDULED_ID).title == "竞答十点开始"


def test_playlist_lists_single_slide_pages_with_seconds_and_windows(built):
    out = built[1]
    playlist = json.loads((out / "screen/playlist.json").read_text(encoding="utf-8"))
    assert playlist["page"] == BASE + "screen/"
    items = {i["id"]: i for i in playlist["items"]}
    expiring = items["screen-test-expiring"]
    assert expiring["url"] == BASE + "screen/items/notices/screen-test-expiring/?seconds=12"
    assert (expiring["start"], expiring["end"]) == ("2026-11-27T08:00:00+08:00", "2026-11-28T09:05:00+08:00")
    assert expiring["seconds"] == 12 and items["screen-test-long"]["end"] is None
    assert playlist["items"][0]["urgent"] is True
    for item in playlist["items"]:
        page = out / item["url"][len(BASE):].split("?")[0] / "index.html"
        assert page.is_file(), item["url"]
    retirees = json.loads((out / "screen/p/retirees/playlist.json").read_text(encoding="utf-8"))
    assert {i["seconds"] for i in retirees["items"]} == {20}


def test_feed_has_only_current_items_urgent_first_with_short_descriptions(built):
    feed = feedparser.parse((built[1] / "screen/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    ids = [e.id for e in feed.entries]
    assert ids[0] == "notice-0003"  # the urgent tuition alert
    assert "screen-test-scheduled" not in ids, "not started yet"
    assert "screen-test-expiring" in ids
    for entry in feed.entries:
        assert len(entry.description) <= 61 and "<" not in entry.description
        assert entry.link.startswith(BASE)
    assert feed.feed.updated_parsed is not None


def test_feed_encloses_a_cover_image(tmp_path):
    site = make_screen_site(tmp_path)
    (site / "content/cases/img").mkdir()
    (site / "content/cases/img/poster.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    path = site / "content/cases/screen-test-long.md"
    path.write_text(path.read_text(encoding="utf-8").replace("slug:", "cover: img/poster.png\nslug:"), "utf-8")
    build_site(site, tmp_path / "out", now=SCREEN_NOW)
    feed = feedparser.parse((tmp_path / "out/screen/feed.xml").read_bytes())
    long = next(e for e in feed.entries if e.id == "screen-test-long")
    assert long.enclosures[0]["href"] == BASE + "media/cases/img/poster.png"
    assert long.enclosures[0]["type"] == "image/png"
    assert long.enclosures[0]["length"] == "40"  # its bytes, as RSS wants (it said 0)
    # A new poster of another size: the next build, which reuses the unchanged case, gives its size.
    (site / "content/cases/img/poster.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 92)
    build_site(site, tmp_path / "out", now=SCREEN_NOW)
    feed = feedparser.parse((tmp_path / "out/screen/feed.xml").read_bytes())
    assert next(e for e in feed.entries if e.id == "screen-test-long").enclosures[0]["length"] == "100"


def test_ticker_has_one_line_per_current_item(built):
    lines = (built[1] / "screen/ticker.txt").read_text(encoding="utf-8").splitlines()
    feed = feedparser.parse((built[1] / "screen/feed.xml").read_bytes())
    assert len(lines) == len(feed.entries)
    assert feed.feed.ttl == "5"  # a ticker asks again at the screens' pace (refresh: 300 s)
    assert lines[0].startswith("【紧急通知】")
    assert all(line.strip() == line and line for line in lines)


def test_with_nothing_current_the_ticker_and_feed_show_the_idle_slides_standing_warning(tmp_path):
    # Each was empty: an LED strip, or a signage player's RSS ticker, left blank all day.
    site = make_screen_site(tmp_path)
    for case in (site / "content/cases").rglob("*.md"):  # cases stay on screens; notices expire
        case.unlink()
    build_site(site, tmp_path / "out", now="2031-06-01 09:00")
    [entry] = feedparser.parse((tmp_path / "out/screen/feed.xml").read_bytes()).entries
    assert entry.title == "无诈校园" and entry.summary.endswith("请立即挂断并拨打反诈预警专线 96110。")
    assert entry.link == "https://www.example.edu.cn/fzzl/screen/"
    assert " 2026 " in entry.published  # the newest item's date, not the build's moment (2031): no news each build
    [line] = (tmp_path / "out/screen/ticker.txt").read_text(encoding="utf-8").splitlines()
    assert line.startswith("【无诈校园】") and line.endswith("请立即挂断并拨打反诈预警专线 96110。")
    idle = json.loads((tmp_path / "out/screen/data.json").read_text(encoding="utf-8"))["idle"]
    assert line.split("：", 1)[1] in idle and "无诈校园" in idle


def test_a_draft_in_a_preview_with_drafts_is_marked_as_one_on_its_slide(tmp_path):
    site = make_screen_site(tmp_path)
    write(site, "content/cases/screen-test-draft.md", """
        ---
        id: screen-test-draft
        title: 草稿里的刷单案例
        date: 2026-11-28 08:00
        type: shuadan
        audience: [students]
        draft: true
        ---
        有学生被拉进“刷单返利”群，先小额返利，后被要求垫付大额任务款。
        """)
    build_site(site, tmp_path / "out", now=SCREEN_NOW, drafts=True)
    data = json.loads((tmp_path / "out/screen/data.json").read_text(encoding="utf-8"))
    slides = [re.match(r'<article class="slide ([^"]*)"><div class="slide-body"><p class="slide-kind">([^<]*)</p>'
                       r'<h1 class="slide-title">([^<]*)</h1>', slide["html"]).groups() for slide in data["slides"]]
    marked = [(title, kind) for classes, kind, title in slides if "slide-draft" in classes.split()]
    assert marked == [("草稿里的刷单案例", "草稿 · 案例")]
    assert all(not kind.startswith("草稿") for _, kind, title in slides if title != "草稿里的刷单案例")
    build_site(site, tmp_path / "published", now=SCREEN_NOW)  # without drafts the screens never show it
    assert "草稿里的刷单案例" not in (tmp_path / "published/screen/data.json").read_text(encoding="utf-8")


def test_data_file_is_the_embedded_data_and_safe_in_a_script(built):
    out = built[1]
    data = (out / "screen/data.json").read_text(encoding="utf-8")
    page = (out / "screen/index.html").read_text(encoding="utf-8")
    assert f'<script type="application/json" id="screen-data">{data}</script>' in page
    parsed = json.loads(data)
    assert "<" not in data and ">" not in data and "&" not in data
    assert [s["id"] for s in parsed["slides"]][:1] == ["notices/2026-11-tuition-scam-urgent-alert/"]
    assert parsed["tz"] == 480 and parsed["refresh"] == 300 and parsed["seconds"] == 12
    assert script_json("</script>&\u2028\u2029") == '"\\u003c/script\\u003e\\u0026\\u2028\\u2029"'


def test_page_is_small_and_self_contained(built):
    out = built[1]
    page = (out / "screen/index.html").read_bytes()
    assert len(page) < 300_000
    text = page.decode("utf-8")
    assert 'src="http' not in text and "href=\"http" not in text and "<link rel=\"stylesheet\"" not in text
    css = re.sub(r"/\*.*?\*/", "", text[text.index("<style>"): text.index("</style>")], flags=re.DOTALL)
    for banned in ("gap:", "inset", "min(", "max(", "clamp(", "var(--", "grid", "vw", "vh"):
        assert banned not in css, banned


def test_zip_is_a_deterministic_snapshot_of_the_page(built, tmp_path):
    out = built[1]
    first = (out / "screen/default.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["index.html"]
        assert archive.read("index.html") == (out / "screen/index.html").read_bytes()
        assert archive.getinfo("index.html").date_time == (2000, 1, 1, 0, 0, 0)
    assert (out / "screen/canteen.zip").is_file() and (out / "screen/retirees.zip").is_file()
    again = tmp_path / "again"
    build_site(built[0], again, now=SCREEN_NOW)
    assert {p: d for p, d in tree(again).items() if p.startswith("screen/")} == \
           {p: d for p, d in tree(out).items() if p.startswith("screen/")}


def test_every_single_slide_page_carries_one_slide_and_no_data_source(built):
    page = (built[1] / "screen/items/notices/screen-test-expiring/index.html").read_text(encoding="utf-8")
    assert 'data-src=""' in page
    data = json.loads(page.split('id="screen-data">')[1].split("</script>")[0])
    assert [s["id"] for s in data["slides"]] == [EXPIRING_ID]
    assert data["slides"][0]["end"] == int((at("2026-11-28 09:00") + timedelta(minutes=5)).timestamp() * 1000)


@pytest.mark.parametrize(("yaml", "field", "line", "code"), [
    ("screen:\n  secnds: 10\n", "screen.secnds", 2, "E111"),
    ("screen:\n  seconds: 1\n", "screen.seconds", 2, "E110"),
    ("screen:\n  profiles:\n    canteen:\n      types: [shuadan, nope]\n", "screen.profiles.canteen.types", 4, "E113"),
    ("screen:\n  profiles:\n    Big Hall:\n      title: 大厅\n", "screen.profiles.Big Hall", 3, "E112"),
    ("screen:\n  profiles:\n    hall:\n      sections: []\n", "screen.profiles.hall.sections", 4, "E110"),
])
def test_bad_screen_settings_name_the_line(tmp_path, yaml, field, line, code):
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", "title: 测试\nbase_url: https://www.example.edu.cn/fzzl/\n" + yaml)
    write(site, "content/cases/a.md", "---\ntitle: 案例\ndate: 2026-01-01\ntype: shuadan\naudience: students\n---\n正文\n")
    with pytest.raises(BuildFailed) as failure:
        build_site(site, tmp_path / "out", now=SCREEN_NOW)
    found = [p for p in failure.value.problems if p.code == code]
    assert found, [str(p) for p in failure.value.problems]
    assert (found[0].path, found[0].field, found[0].line) == ("fraudsite.yaml", field, line + 2)
    assert not (tmp_path / "out").exists()


def test_every_slide_code_is_made_in_one_batch_once_per_item(tmp_path, monkeypatch):
    # Codes take 10 ms each: asked for page by page, a cold build made them one after another, the same
    # item's again for every profile showing it. One batch of distinct pages is spread over the cores.
    from fraudsite.channels import screen

    asked = []

    def remember_each(kind, items, *args, **kwargs):
        asked.append((kind, list(items)))
        return real(kind, items, *args, **kwargs)

    real = screen.remember_each
    monkeypatch.setattr(screen, "remember_each", remember_each)
    site = make_screen_site(tmp_path)
    build_site(site, tmp_path / "out", now=SCREEN_NOW)
    (kind, urls), = asked
    profiles = load_screen_settings(slides_at(site, SCREEN_NOW)[0].config).profiles
    shown = {BASE + slide.item.path for profile in profiles for slide in slides_at(site, SCREEN_NOW, profile.name)[2]}
    assert kind == "screen-qr" and sorted(urls) == sorted(shown) and len(profiles) > 1


def test_base_url_given_as_configured_leaves_the_screens_page_as_it_was(tmp_path):
    # The shell's digest took in the configured address --base-url replaced: the same site gave other bytes, and
    # every running screen loaded its page again.
    site = make_screen_site(tmp_path)
    build_site(site, tmp_path / "a", now=SCREEN_NOW)
    build_site(site, tmp_path / "b", now=SCREEN_NOW, base_url="https://www.example.edu.cn/fzzl/")
    assert (tmp_path / "a/screen/data.json").read_bytes() == (tmp_path / "b/screen/data.json").read_bytes()
