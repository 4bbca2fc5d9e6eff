"""Campus screens in a real browser (Debian Chromium via Playwright): rotation, urgent takeover, time
enforcement under a controlled clock, clock-offset correction, the fit rule at three sizes, QR codes,
offline recovery, a clock-accelerated day, and the script parsed as ES5."""

from __future__ import annotations

import io
import json
import re
import zipfile
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from screenkit import (
    EXPIRING_ID,
    LONG_ID,
    LONG_NOTICE_ID,
    LONG_NOTICE_TITLE,
    LONG_TITLE,
    SCHEDULED_ID,
    SCREEN_NOW,
    make_screen_site,
    screen_now_ms,
)
from sitekit import build_site, write
from tools import format_axe, parse_es5, run_axe, serve_directory

BASE = "https://www.example.edu.cn/fzzl/"
URGENT_ID = "notices/2026-11-tuition-scam-urgent-alert/"
SLIDE_MS = 12_000
REFRESH_MS = 300_000
MINUTE = 60_000
SIZES = [(1920, 1080), (1080, 1920), (3840, 2160)]

# Counts live timers (set and not yet fired or cleared), installed before the page's own script runs.
COUNT_TIMERS = """(function () {
  var live = {}, st = window.setTimeout, ct = window.clearTimeout, si = window.setInterval, ci = window.clearInterval;
  window.setTimeout = function (f, ms) {
    var id = st(function () { delete live['t' + id]; f(); }, ms); live['t' + id] = 1; return id; };
  window.clearTimeout = function (id) { delete live['t' + id]; ct(id); };
  window.setInterval = function (f, ms) { var id = si(f, ms); live['i' + id] = 1; return id; };
  window.clearInterval = function (id) { delete live['i' + id]; ci(id); };
  window.liveTimers = function () { return Object.keys(live).length; };
})();"""

# The fit rule, for every rendered element that holds text inside the screen.
CHECK_FIT = """() => {
  var W = window.innerWidth, H = window.innerHeight, floor = 0.035 * Math.min(W, H), bad = [];
  var all = document.getElementById('screen').querySelectorAll('*');
  for (var i = 0; i < all.length; i++) {
    var el = all[i], text = false;
    for (var c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 && c.nodeValue.trim()) text = true;
    if (!text || el.getClientRects().length === 0) continue;
    var cs = getComputedStyle(el), r = el.getBoundingClientRect();
    var name = el.tagName.toLowerCase() + '.' + el.className + ' "' + el.textContent.trim().slice(0, 16) + '"';
    if (parseFloat(cs.fontSize) < floor - 0.01) bad.push(name + ': font ' + cs.fontSize + ' < ' + floor);
    if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5) bad.push(name + ': outside the viewport');
    if (cs.display !== 'inline' && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
      bad.push(name + ': content ' + el.scrollWidth + 'x' + el.scrollHeight + ' > box ' + el.clientWidth + 'x' + el.clientHeight);
    if (cs.textOverflow === 'ellipsis') bad.push(name + ': ellipsis');
    for (var a = el.parentElement; a; a = a.parentElement) {
      var acs = getComputedStyle(a);
      if (acs.overflowX === 'visible' && acs.overflowY === 'visible') continue;
      var ar = a.getBoundingClientRect();
      if (r.left < ar.left - 0.5 || r.top < ar.top - 0.5 || r.right > ar.right + 0.5 || r.bottom > ar.bottom + 0.5)
        bad.push(name + ': clipped by ' + a.tagName.toLowerCase() + '.' + a.className);
    }
  }
  return bad;
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The screen test site, built at SCREEN_NOW and served under /fzzl/."""
    root = tmp_path_factory.mktemp("screen-browser")
    site = make_screen_site(root)
    build_site(site, root / "out", now=SCREEN_NOW)
    with serve_directory(root / "out") as base:
        yield base


class DataServer:
    """Answers the page's data checks: the real file, a failure, a partial body or other text."""

    def __init__(self, body: bytes, skew_ms: int = 0):
        self.body = body
        self.mode = "ok"  # ok | fail | partial | empty
        self.skew_ms = skew_ms  # how far the server's clock is ahead of the device's
        self.requests = 0

    def __call__(self, route) -> None:
        self.requests += 1
        if self.mode == "fail":
            route.abort("internetdisconnected")
            return
        sent = int(parse_qs(urlsplit(route.request.url).query)["t"][0])  # the device clock at sending
        body = self.body[: len(self.body) // 2] if self.mode == "partial" else self.body
        if self.mode == "empty":  # valid JSON of the right shape, but nothing to show: no slide, no idle page
            body = json.dumps({**json.loads(self.body), "idle": "", "slides": []}).encode()
        route.fulfill(status=200, body=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                       "Date": formatdate((sent + self.skew_ms) / 1000, usegmt=True)})


def open_screen(new_page, served, path="screen/", size=(1920, 1080), clock_ms=None, data=None, **context):
    """A screen page; with clock_ms the page's clock is Playwright's, with data its data checks are answered."""
    page = new_page(viewport={"width": size[0], "height": size[1]}, **context)
    page.navigations = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and page.navigations.append(frame.url))
    if clock_ms is not None:
        page.clock.install(time=clock_ms / 1000)
    page.add_init_script(COUNT_TIMERS)
    if data is not None:
        page.route("**/data.json?*", data)
    page.goto(served + path)
    if data is not None:
        wait_for_checks(page, 1)
    return page


def wait_for_checks(page, count: int) -> None:
    """Wait (in real time) until the page has finished ``count`` data checks."""
    page.wait_for_function("n => FraudScreen.stats().checks >= n", arg=count, polling=20, timeout=10_000)


def advance(page, ms: int, data: DataServer | None = None) -> None:
    """Run the page's clock forward; each data check due on the way is answered before going on."""
    while ms > 0:
        step = min(ms, REFRESH_MS)
        checks = page.evaluate("FraudScreen.stats().checks")
        page.clock.run_for(step)
        if data is not None and step == REFRESH_MS:
            wait_for_checks(page, checks + 1)
        ms -= step


def shown_over(page, turns: int) -> list[str | None]:
    """The slide on show at each of the next ``turns`` slide periods."""
    shown = []
    for _ in range(turns):
        shown.append(page.evaluate("FraudScreen.current()"))
        page.clock.run_for(SLIDE_MS)
    return shown


def used_heap(devtools) -> int:
    """The page's JavaScript heap in bytes after a full garbage collection."""
    devtools.send("HeapProfiler.collectGarbage")
    return devtools.send("Runtime.getHeapUsage")["usedSize"]


def served_data(served) -> bytes:
    return (Path(served.root) / "screen/data.json").read_bytes()


def test_slides_rotate_and_an_urgent_notice_returns_every_other_slide(new_page, served):
    data = DataServer(served_data(served))
    page = open_screen(new_page, served, clock_ms=screen_now_ms(), data=data)
    shown = shown_over(page, 12)
    assert shown[0] == URGENT_ID, "the urgent notice is shown first"
    assert all(s == URGENT_ID for s in shown[0::2]), shown
    others = shown[1::2]
    assert URGENT_ID not in others and len(set(others)) == len(others) == 6, others
    page.evaluate("id => FraudScreen.show(id)", URGENT_ID)
    urgent_style = page.evaluate("[document.getElementById('screen').className, "
                                 "getComputedStyle(document.getElementById('screen-stage')).backgroundColor]")
    page.evaluate("id => FraudScreen.show(id)", others[0])
    normal_style = page.evaluate("getComputedStyle(document.getElementById('screen-stage')).backgroundColor")
    assert urgent_style == ["is-urgent", "rgb(179, 0, 0)"] and normal_style != urgent_style[1]
    for slide_id in (URGENT_ID, LONG_ID):
        page.evaluate("id => FraudScreen.show(id)", slide_id)
        violations = run_axe(page)
        assert not violations, format_axe(violations)
    assert page.js_errors == [] and len(page.navigations) == 1


def test_expiry_removes_and_start_adds_a_slide_without_reload(new_page, served):
    data = DataServer(served_data(served))
    page = open_screen(new_page, served, clock_ms=screen_now_ms(), data=data)
    before = shown_over(page, 24)  # 09:00:00 - 09:04:48
    assert EXPIRING_ID in before and SCHEDULED_ID not in before
    page.evaluate("id => FraudScreen.show(id)", EXPIRING_ID)  # on show at 09:04:48, expires 09:05
    page.clock.run_for(SLIDE_MS)
    assert page.evaluate("FraudScreen.current()") != EXPIRING_ID, "left within one slide period of expiry"
    advance(page, 5 * MINUTE, data)  # past 09:10, a data check on the way
    after = shown_over(page, 30)
    assert EXPIRING_ID not in after
    assert SCHEDULED_ID in after[:2], "a scheduled notice appears at its start, not when its turn comes"
    assert page.evaluate("FraudScreen.stats().checks") >= 2
    assert len(page.navigations) == 1 and page.js_errors == []


def test_clock_error_is_corrected_from_the_date_header(new_page, served):
    three_hours = 3 * 60 * MINUTE
    data = DataServer(served_data(served), skew_ms=three_hours)
    # The device boots three hours slow and in another time zone; the screen still shows Beijing time.
    page = open_screen(new_page, served, clock_ms=screen_now_ms() - three_hours, data=data,
                       timezone_id="America/New_York")
    offset = page.evaluate("FraudScreen.stats().offset")
    assert abs(offset - three_hours) < 2000
    assert re.search(r"11月28日 星期六 09:0[01]$", page.text_content("#screen-clock"))
    assert page.text_content("#screen-status") in ("更新于 09:00", "更新于 09:01")
    page.clock.run_for(6 * MINUTE)  # true time 09:06: the notice that expired at 09:05 is gone
    assert EXPIRING_ID not in shown_over(page, 24)


def test_every_slide_fits_at_three_sizes(new_page, served):
    failures = []
    for size in SIZES:
        page = open_screen(new_page, served, size=size)
        ids = page.evaluate("FraudScreen.ids()")
        assert LONG_ID in ids and LONG_NOTICE_ID in ids and len(LONG_TITLE) == len(LONG_NOTICE_TITLE) == 60
        for slide_id in [*ids, "idle"]:
            page.evaluate("id => FraudScreen.show(id)", slide_id)
            failures += [f"{size[0]}x{size[1]} {slide_id}: {problem}" for problem in page.evaluate(CHECK_FIT)]
            if slide_id == LONG_ID:
                signs = page.evaluate("document.querySelectorAll('#screen-stage .slide-signs li').length")
                assert 1 <= signs <= 3, "long lists are shortened to whole items, not dropped"
        assert page.js_errors == []
        page.close()
    assert not failures, "\n".join(failures)


def test_a_long_sign_is_cut_short_before_the_title_shrinks_or_the_warning_is_clipped(new_page, tmp_path):
    # One sign of 200 characters: the title went down to body size, and still the warning under the signs was cut.
    site, out = make_screen_site(tmp_path), tmp_path / "out"
    sign = "对方先以兼职刷单为名小额返利取得信任，再以任务未完成、账户被冻结、需要缴纳保证金解冻等各种理由，" * 4
    write(site, "content/cases/screen-test-long-sign.md", f"""
        ---
        id: screen-test-long-sign
        title: 刷单返利又一例
        slug: screen-test-long-sign
        date: 2026-11-27 09:00
        type: shuadan
        audience: [students]
        signs:
          - {sign}
        advice:
          - 凡是要求先垫付的兼职都是诈骗
        ---
        正文。
        """)
    build_site(site, out, now=SCREEN_NOW)
    with serve_directory(out) as base:
        for size in SIZES:
            page = open_screen(new_page, base, size=size)
            page.evaluate("id => FraudScreen.show(id)", "cases/screen-test-long-sign/")
            assert page.evaluate(CHECK_FIT) == [], size
            shown = page.evaluate("""() => ['.slide-title', '.slide-signs li', '.slide-warning'].map(s => {
                const el = document.querySelector('#screen-stage ' + s);
                return el && [el.textContent, parseFloat(getComputedStyle(el).fontSize)]; })""")
            floor = 0.035 * min(size)
            assert shown[0][0] == "刷单返利又一例" and shown[0][1] >= 1.3 * floor - 0.5, (size, shown)
            cut = shown[1][0].endswith("…") and sign.startswith(shown[1][0][:-1])
            assert cut if size == (1920, 1080) else cut or shown[1][0] == sign, (size, shown)  # portrait: room
            assert shown[2] is not None, "the warning stays"
            page.close()


def test_the_clock_stays_above_the_slide_when_a_long_title_wraps_the_top_bar(new_page, tmp_path):
    """On a portrait screen a college's full name wraps the top bar: the stage starts below it, clock included."""
    site = make_screen_site(tmp_path)
    config = site / "fraudsite.yaml"
    config.write_text(re.sub(r"^title: .*$", "title: 江苏财经职业技术学院 反诈防骗宣传专栏", config.read_text(encoding="utf-8"),
                             count=1, flags=re.MULTILINE), encoding="utf-8")
    build_site(site, tmp_path / "out", now=SCREEN_NOW)
    with serve_directory(tmp_path / "out") as base:
        page = open_screen(new_page, base, size=(1080, 1920))
        brand, clock, stage = page.evaluate("""() => [document.querySelector('#screen-top .brand').getBoundingClientRect(),
            document.getElementById('screen-clock').getBoundingClientRect(),
            document.getElementById('screen-stage').getBoundingClientRect()].map(r => [r.top, r.bottom])""")
        assert clock[0] >= brand[1] - 0.5, "the title wraps the top bar: the clock is on the line below it"
        assert page.text_content("#screen-clock") and clock[1] <= stage[0] + 0.5, (clock, stage)
        assert page.evaluate(CHECK_FIT) == [] and page.js_errors == []


def retitle(site: Path, out: Path, data: DataServer) -> str:
    """The site's title changed and built again, its data served: the new page's ``shell``."""
    config = site / "fraudsite.yaml"
    config.write_text(re.sub(r"^title: .*$", "title: 新的专栏名称", config.read_text(encoding="utf-8"), count=1,
                             flags=re.MULTILINE), encoding="utf-8")
    build_site(site, out, now=SCREEN_NOW)
    data.body = (out / "screen/data.json").read_bytes()
    return json.loads(data.body)["shell"]


def test_a_running_screen_loads_its_page_again_once_when_the_page_itself_changed(new_page, tmp_path):
    """A new title (or theme, or fraudsite) reaches an unattended screen; new data alone never reloads it."""
    site, out = make_screen_site(tmp_path), tmp_path / "out"
    build_site(site, out, now=SCREEN_NOW)
    with serve_directory(out) as base:
        data = DataServer((out / "screen/data.json").read_bytes())
        page = open_screen(new_page, base, clock_ms=screen_now_ms(), data=data)
        shell = retitle(site, out, data)
        page.clock.run_for(REFRESH_MS)  # the next data check brings the new version
        page.wait_for_url(f"**/screen/?shell={shell}", timeout=10_000)
        page.wait_for_function("document.querySelector('#screen-top .brand').textContent.indexOf('新的专栏名称') === 0",
                               polling=50, timeout=10_000)
        wait_for_checks(page, 1)
        page.clock.run_for(REFRESH_MS)
        wait_for_checks(page, 2)
        assert len(page.navigations) == 2 and page.js_errors == []


def test_a_screen_loads_its_new_page_only_once_that_page_answers_with_it(new_page, tmp_path):
    """At a deploy the new page may answer 503 for a while, or a cache in front of the player the old page: the
    screen ran off to the error page and stayed there, or kept the old page for good. Now it runs on as it is,
    asks again at each data check, and loads the page once the page is there."""
    site, out = make_screen_site(tmp_path), tmp_path / "out"
    build_site(site, out, now=SCREEN_NOW)
    old_page = (out / "screen/index.html").read_bytes()
    answers = [lambda route: route.fulfill(status=503, body="Service Unavailable"),
               lambda route: route.fulfill(status=200, body=old_page, headers={"Content-Type": "text/html"})]
    asked = []

    def new_page_route(route):
        asked.append(route.request.url)
        answers.pop(0)(route) if answers else route.continue_()

    with serve_directory(out) as base:
        data = DataServer((out / "screen/data.json").read_bytes())
        page = open_screen(new_page, base, clock_ms=screen_now_ms(), data=data)
        page.route("**/screen/?shell=*", new_page_route)
        shell = retitle(site, out, data)
        for checks in (2, 3):  # the 503, then the old page: the screen stays, showing its slides
            page.clock.run_for(REFRESH_MS)
            wait_for_checks(page, checks)
            page.wait_for_function("() => !FraudScreen.stats().reloading", polling=20, timeout=10_000)
            assert len(asked) == checks - 1 and len(page.navigations) == 1 and page.evaluate("FraudScreen.ids()")
        page.clock.run_for(REFRESH_MS)
        page.wait_for_url(f"**/screen/?shell={shell}", timeout=10_000)
        page.wait_for_function("document.querySelector('#screen-top .brand').textContent.indexOf('新的专栏名称') === 0",
                               polling=50, timeout=10_000)
        assert len(page.navigations) == 2 and page.js_errors == []


def test_qr_codes_decode_to_the_item_pages(new_page, served):
    page = open_screen(new_page, served)
    ids = page.evaluate("FraudScreen.ids()")
    decoded = {}
    for slide_id in ids:
        page.evaluate("id => FraudScreen.show(id)", slide_id)
        image = Image.open(io.BytesIO(page.locator("#screen-stage .slide-qr svg").screenshot()))
        decoded[slide_id] = [code.text for code in zxingcpp.read_barcodes(image)]
    assert decoded == {slide_id: [BASE + slide_id] for slide_id in ids}


def test_a_single_slide_page_runs_at_the_pace_its_playlist_gives(new_page, served):
    # A profile's playlist lists 20 s per page, while the page embedded 12 s: its progress bar filled and began
    # again part-way through. The playlist's address now carries the seconds, which the page takes.
    retirees = json.loads((Path(served.root) / "screen/p/retirees/playlist.json").read_text(encoding="utf-8"))
    url = retirees["items"][0]["url"]
    assert url.endswith("?seconds=20")
    widths = {}
    for address in (url, url.split("?")[0]):
        page = open_screen(new_page, served, path=address[len(BASE):], clock_ms=screen_now_ms())
        page.clock.run_for(9_000)
        widths[address] = page.evaluate("parseFloat(document.getElementById('screen-progress').style.width)")
        assert not page.js_errors
        assert page.text_content("#screen-status") == ""  # served, not the zip's 离线版; nor polling any data
    assert 40 <= widths[url] <= 50 and 70 <= widths[url.split("?")[0]] <= 80  # 9 of 20 s, 9 of the default 12 s


def test_offline_keeps_the_slides_and_recovers(new_page, served):
    original = served_data(served)
    data = DataServer(original)
    page = open_screen(new_page, served, clock_ms=screen_now_ms(), data=data)
    stats = page.evaluate("FraudScreen.stats()")
    for mode in ("fail", "partial", "empty", "fail"):
        data.mode = mode
        advance(page, REFRESH_MS, data)
        assert page.evaluate("FraudScreen.current()") is not None
        assert page.evaluate("document.querySelectorAll('#screen-stage .slide').length") == 1
    assert page.evaluate("FraudScreen.stats().swaps") == stats["swaps"], "nothing was swapped while offline"
    assert page.text_content("#screen-status") == "更新于 09:00"
    changed = json.loads(original)
    changed["slides"][0]["html"] = changed["slides"][0]["html"].replace("警惕冒充老师", "再次警惕冒充老师")
    data.body, data.mode = json.dumps(changed, ensure_ascii=False).encode("utf-8"), "ok"
    advance(page, REFRESH_MS, data)
    assert page.evaluate("FraudScreen.stats().swaps") == stats["swaps"] + 1
    assert page.text_content("#screen-status") == "更新于 09:25"
    page.evaluate("id => FraudScreen.show(id)", URGENT_ID)
    assert "再次警惕冒充老师" in page.text_content("#screen-stage")
    assert len(page.navigations) == 1 and page.js_errors == []


def test_a_screen_offline_since_an_earlier_day_shows_the_date_of_its_last_update(new_page, served):
    # "更新于 09:00" alone read, the next morning, as an update of an hour ago.
    data = DataServer(served_data(served))
    page = open_screen(new_page, served, clock_ms=screen_now_ms(), data=data)
    data.mode = "fail"
    page.clock.fast_forward(14 * 60 * MINUTE + 55 * MINUTE)  # 23:55: the same day in the site's zone
    page.clock.run_for(1000)
    assert page.text_content("#screen-status") == "更新于 09:00"
    page.clock.fast_forward(10 * MINUTE)
    page.clock.run_for(1000)
    assert page.text_content("#screen-status") == "更新于 11月28日 09:00"
    page.clock.fast_forward(40 * 24 * 60 * MINUTE)  # into 2027
    page.clock.run_for(1000)
    assert page.text_content("#screen-status") == "更新于 2026年11月28日 09:00"
    assert page.js_errors == []


def test_a_day_of_running_ends_with_dom_and_timers_at_baseline(new_page, served):
    original = served_data(served)
    changed = original.replace("警惕冒充老师".encode(), "再次警惕冒充老师".encode())
    data = DataServer(original)
    page = open_screen(new_page, served, clock_ms=screen_now_ms(), data=data)
    count = "[document.getElementsByTagName('*').length, liveTimers()]"
    page.evaluate("id => FraudScreen.show(id)", LONG_ID)
    baseline = page.evaluate(count)
    start = page.evaluate("FraudScreen.stats()")
    devtools = page.context.new_cdp_session(page)
    heap_before = used_heap(devtools)
    for turn in range(24 * 60 * MINUTE // REFRESH_MS):
        data.body = changed if turn % 2 == 0 else original
        advance(page, REFRESH_MS, data)
    data.body = original
    advance(page, REFRESH_MS, data)
    end = page.evaluate("FraudScreen.stats()")
    assert end["shows"] - start["shows"] >= 7000 and end["swaps"] - start["swaps"] >= 280
    page.evaluate("id => FraudScreen.show(id)", LONG_ID)
    assert page.evaluate(count) == baseline
    heap_after = used_heap(devtools)
    assert heap_after < heap_before * 1.25 + 256 * 1024, (heap_before, heap_after)
    assert len(page.navigations) == 1 and page.js_errors == []


def test_screen_script_is_es5_and_the_css_conservative(served):
    page = (Path(served.root) / "screen/index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    assert len(scripts) == 1 and "FraudScreen" in scripts[0]
    parse_es5(scripts[0], "screen.js")
    with pytest.raises(AssertionError):
        parse_es5("let x = () => 1;", "not-es5")  # the parser does reject ES2015


def test_the_zip_plays_offline_from_a_file(new_page, served, tmp_path):
    with zipfile.ZipFile(Path(served.root) / "screen/default.zip") as archive:
        archive.extractall(tmp_path)
    page = new_page(viewport={"width": 1920, "height": 1080})
    page.clock.install(time=screen_now_ms() / 1000)
    page.goto((tmp_path / "index.html").as_uri())
    assert page.evaluate("FraudScreen.current()") == URGENT_ID
    assert page.evaluate("FraudScreen.stats().checks") == 0
    assert page.text_content("#screen-status") == "离线版"  # not "更新于" the moment it was opened
    assert page.js_errors == [] and page.bad_responses == []
