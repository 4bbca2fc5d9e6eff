"""RSS 2.0 feeds: the rules readers and validators rely on, checked on the fixture site."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from zoneinfo import ZoneInfo

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsite.clock import rfc822
from fraudsite.feeds import absolute_urls
from sitekit import build_site, copy_fixture, write

NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/"}
BASE = "https://www.example.edu.cn/fzzl/"


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("feeds")
    out = root / "out"
    build_site(copy_fixture(root), out)
    return out


def all_feeds(out):
    return sorted(p for p in out.rglob("feed.xml") if not p.relative_to(out).as_posix().startswith(("screen/", "wechat/")))


def test_every_web_feed_exists(out):
    names = {p.relative_to(out).as_posix() for p in all_feeds(out)}
    assert {"feed.xml", "cases/feed.xml", "notices/feed.xml", "types/shuadan/feed.xml",
            "types/fake-service/feed.xml", "audiences/students/feed.xml", "audiences/parents/feed.xml"} <= names


def test_pages_lead_to_a_page_that_explains_subscribing_and_gives_every_feeds_address(out):
    # A reader tapping 订阅 got the raw XML, which a browser shows as code with an English note.
    subscribe = (out / "subscribe/index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<li id="([^"]+)"><strong>[^<]+</strong><br><code>([^<]+)</code></li>', subscribe)
    assert sorted(url for _, url in listed) == sorted(BASE + p.relative_to(out).as_posix() for p in all_feeds(out))
    anchors = {anchor for anchor, _ in listed}
    for page in (out / "index.html", out / "cases/fake-refund/index.html", out / "types/shuadan/index.html"):
        footer = re.search(r'<p class="subscribe">(.*?)</p>', page.read_text(encoding="utf-8")).group(1)
        links = re.findall(r'href="([^"]+)"', footer)
        assert links and all(link.startswith("/fzzl/subscribe/#") and link.split("#")[1] in anchors for link in links)
    assert "feed.xml" not in re.search(r'<p class="subscribe">(.*?)</p>', (out / "index.html").read_text()).group(1)


def test_feeds_follow_the_rss_rules(out):
    for path in all_feeds(out):
        relative = path.relative_to(out).as_posix()
        raw = path.read_bytes()
        assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", raw), f"{relative}: control character"
        channel = ET.fromstring(raw).find("channel")
        assert channel.findtext("title") and channel.findtext("link", "").startswith(BASE)
        assert channel.findtext("description").strip(), f"{relative}: empty description"
        assert channel.findtext("language") == "zh-CN"
        assert channel.find("atom:link", NS).get("href") == BASE + relative
        assert channel.find("atom:link", NS).get("rel") == "self"
        items = channel.findall("item")
        assert len(items) <= 3  # feed_size of the fixture
        dates = []
        for item in items:
            assert item.findtext("title")
            assert item.findtext("link").startswith(BASE)
            assert item.find("guid").get("isPermaLink") == "false"
            published = item.findtext("pubDate")
            assert published.endswith("+0800"), published
            dates.append(parsedate_to_datetime(published))
            assert "<" not in item.findtext("description"), "description must be plain text"
            content = item.findtext("content:encoded", default="", namespaces=NS)
            for url in re.findall(r'(?:href|src)="([^"]*)"', content):
                assert url.startswith(("https://", "http://", "mailto:", "tel:", "#")), f"{relative}: relative URL {url}"
        assert dates == sorted(dates, reverse=True)
        if items:
            assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == max(dates)
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, f"{relative}: {parsed.get('bozo_exception')}"


def test_a_line_separator_pasted_into_a_title_is_a_space_in_every_feed(tmp_path):
    # Pasted from Word or a web page, U+2028 is a line break to YAML but none in the editor's window: the build
    # failed on the line after it, "missing its colon". Written as an escape, it broke the feed title's line.
    site = copy_fixture(tmp_path)
    case = site / "content/cases/part-time.md"
    case.write_text(case.read_text(encoding="utf-8").replace("title: 点赞兼职先返后骗", "title: 点赞兼职\u2028先返后骗\u0085！")
                    .replace("tags: [兼职, 刷单]", 'tags: [兼职, 刷单]\nsummary: "先返\\u2029后骗"'), encoding="utf-8")
    build_site(site, tmp_path / "out")
    titles = [entry.findtext("title") for feed in (tmp_path / "out").rglob("feed.xml")
              for entry in ET.parse(feed).getroot().iter("item") if "点赞兼职" in (entry.findtext("title") or "")]
    assert titles and set(titles) == {"点赞兼职 先返后骗 ！"}
    summaries = {entry.findtext("description") for entry in ET.parse(tmp_path / "out/feed.xml").getroot().iter("item")}
    assert "先返 后骗" in summaries


def test_an_item_updated_since_it_was_published_dates_the_feeds_it_is_in(tmp_path):
    # lastBuildDate went by publication alone: an edit of the newest case ("updated") left it as it was, and a
    # reader that goes by it kept the old text.
    site = copy_fixture(tmp_path)
    case = site / "content/cases/part-time.md"
    case.write_text(case.read_text(encoding="utf-8").replace("date: 2026-03-02 10:30", "date: 2026-03-02 10:30\n"
                                                              "updated: 2026-03-10 16:00"), encoding="utf-8")
    build_site(site, tmp_path / "out")
    updated = datetime(2026, 3, 10, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for relative in ("feed.xml", "cases/feed.xml", "wechat/feed.xml"):
        channel = ET.parse(tmp_path / "out" / relative).getroot().find("channel")
        assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == updated, relative
        published = [parsedate_to_datetime(item.findtext("pubDate")) for item in channel.findall("item")]
        assert max(published) < updated  # each entry still dated by its publication


def last_builds(out) -> dict[str, datetime]:
    """Every feed's lastBuildDate, by its path."""
    return {p.relative_to(out).as_posix(): parsedate_to_datetime(ET.parse(p).getroot().findtext("channel/lastBuildDate"))
            for p in out.rglob("feed.xml")}


def test_a_feed_an_item_left_is_dated_by_that_moment_never_back_to_an_older_entry(tmp_path):
    # The urgent notice expires at 2026-04-01 00:00: the feeds it left went back to their newest entry left, older.
    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "before", now="2026-03-31 23:59")
    build_site(site, tmp_path / "after", now="2026-04-01 00:00")
    before, after = last_builds(tmp_path / "before"), last_builds(tmp_path / "after")
    expiry = datetime(2026, 4, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    left = [path for path in after if "谨防假冒学费" in (tmp_path / "before" / path).read_text(encoding="utf-8")
            and "谨防假冒学费" not in (tmp_path / "after" / path).read_text(encoding="utf-8")]
    assert {"notices/feed.xml", "screen/feed.xml", "wechat/feed.xml"} <= set(left)
    assert all(after[path] == expiry for path in left), {path: after[path] for path in left}
    assert all(after[path] >= before[path] for path in after)


def test_an_update_still_to_come_dates_neither_feeds_nor_sitemap_until_it_has(tmp_path):
    # W619's mistyped year: lastBuildDate and lastmod were in the future. Once it comes, both say it.
    site = copy_fixture(tmp_path)
    case = site / "content/cases/part-time.md"
    case.write_text(case.read_text(encoding="utf-8").replace("date: 2026-03-02 10:30", "date: 2026-03-02 10:30\n"
                                                              "updated: 2026-12-01"), encoding="utf-8")
    out = tmp_path / "out"
    build_site(site, out)
    updated = datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert max(last_builds(out).values()) < datetime(2026, 3, 15, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert "2026-12-01" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    build_site(site, out, now="2026-12-01 00:00")
    assert last_builds(out)["cases/feed.xml"] == updated
    assert "<lastmod>2026-12-01</lastmod>" in (out / "sitemap.xml").read_text(encoding="utf-8")


def test_a_control_character_escaped_in_the_configuration_reaches_no_feed(tmp_path):
    # YAML's "\x0b" in a double-quoted title or type name went into every feed's channel title, which then
    # no reader could parse.
    site = copy_fixture(tmp_path)
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: 测试学院反诈专栏", 'title: "测试学院\\x0b反诈专栏"')
                      .replace("name: 刷单返利", 'name: "刷单\\x1f返利"'), encoding="utf-8")
    assert '"测试学院\\x0b反诈专栏"' in config.read_text(encoding="utf-8")
    build_site(site, tmp_path / "out")
    feeds = sorted((tmp_path / "out").rglob("feed.xml"))
    assert len(feeds) > 5
    for feed in feeds:
        channel = ET.parse(feed).getroot().find("channel")  # well-formed: parses
        assert "测试学院反诈专栏" in channel.findtext("title") or "刷单返利" in channel.findtext("title"), feed


def test_item_content_is_full_html_with_absolute_urls(out):
    channel = ET.parse(out / "cases/feed.xml").getroot().find("channel")
    item = next(i for i in channel.findall("item") if i.findtext("guid") == "case-1")
    content = item.findtext("content:encoded", namespaces=NS)
    assert f'src="{BASE}media/cases/images/warning.svg"' in content
    assert f'href="{BASE}cases/fake-refund/"' in content
    assert item.findtext("description") == "学生小李在社交平台看到点赞兼职，前几单拿到返利后被要求垫付。另见客服诈骗案例。"
    # A footnote's links lead to its place on the item's page, not to a place in the feed
    refund = next(i for i in channel.findall("item") if i.findtext("link") == f"{BASE}cases/fake-refund/")
    footnoted = refund.findtext("content:encoded", namespaces=NS)
    assert f'href="{BASE}cases/fake-refund/#fn:1"' in footnoted and 'href="#' not in footnoted


def test_a_notices_attachments_follow_its_content_and_the_first_is_the_enclosure(out):
    # A letter to parents asked them to fill in the reply slip attached, which no feed reader could reach.
    channel = ET.parse(out / "notices/feed.xml").getroot().find("channel")
    letter = next(i for i in channel.findall("item") if i.findtext("link") == f"{BASE}notices/letter/")
    content = letter.findtext("content:encoded", namespaces=NS)
    assert content.endswith(f'<h2>附件</h2>\n<ul><li><a href="{BASE}media/notices/files/reply-slip.pdf">reply-slip.pdf</a>'
                            "（PDF，1 KB）</li></ul>")
    enclosure = letter.find("enclosure").attrib
    size = (out / "media/notices/files/reply-slip.pdf").stat().st_size
    assert enclosure == {"url": f"{BASE}media/notices/files/reply-slip.pdf", "type": "application/pdf", "length": str(size)}


def test_only_links_are_made_absolute_not_html_shown_as_text():
    html = '<p><code>&lt;a href="#top"&gt; &lt;img src="/x.png"&gt;</code> <a href="#fn:1">1</a><img src="/y.png" alt=""></p>'
    assert absolute_urls(html, "https://e.example.cn/fzzl/", "cases/x/") == (
        '<p><code>&lt;a href="#top"&gt; &lt;img src="/x.png"&gt;</code> <a href="https://e.example.cn/fzzl/cases/x/#fn:1">1</a>'
        '<img src="https://e.example.cn/y.png" alt=""></p>')


def test_addresses_in_a_feeds_html_are_rfc_3986_as_every_other_address_of_the_feed():
    # A reader's parser may refuse, or mangle, a Chinese page address, a picture's name with a space, or a base
    # with a space; <link>, the enclosure and the sitemap were encoded, the links in the body were not.
    html = ('<p><a href="/其他 路径/cases/中文/">案例</a> <a href="#小节">小节</a> <a href="#fn:1">1</a> '
            '<a href="/其他 路径/search/?q=a&amp;b=%E5%88%B7">搜</a><img src="/其他 路径/media/聊天%20截图.png" alt=""></p>')
    base = "http://127.0.0.1:8080/%E5%85%B6%E4%BB%96%20%E8%B7%AF%E5%BE%84/"  # /其他 路径/
    assert absolute_urls(html, "http://127.0.0.1:8080/其他 路径/", "cases/测试/") == (
        f'<p><a href="{base}cases/%E4%B8%AD%E6%96%87/">案例</a> '
        f'<a href="{base}cases/%E6%B5%8B%E8%AF%95/#%E5%B0%8F%E8%8A%82">小节</a> '
        f'<a href="{base}cases/%E6%B5%8B%E8%AF%95/#fn:1">1</a> '
        f'<a href="{base}search/?q=a&amp;b=%E5%88%B7">搜</a>'
        f'<img src="{base}media/%E8%81%8A%E5%A4%A9%20%E6%88%AA%E5%9B%BE.png" alt=""></p>')


def test_an_enclosures_type_is_the_same_on_every_machine():
    # It came from the building machine's own list (/etc/mime.types): a minimal container wrote
    # application/octet-stream for a .docx that another machine called a Word document, for the same input.
    script = ("import mimetypes; mimetypes.knownfiles[:] = []; mimetypes.init(); mimetypes.types_map.clear(); "
              "from fraudsite.feeds import media_type; "
              "print(media_type('a/回执.DOCX'), media_type('b.rar'), media_type('c.pdf'), media_type('封面.JPG'), "
              "media_type('d.unknown'), media_type('dir.v1/readme'))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.split() == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.rar",
        "application/pdf", "image/jpeg", "application/octet-stream", "application/octet-stream"]


def test_a_notice_past_its_expiry_leaves_the_feeds_but_not_the_website(out):
    # As the screens' and WeChat's feeds do: a new subscriber was handed an exam-season alert a year old.
    assert '<span class="badge expired">已过期</span>' in (out / "notices/expired/index.html").read_text()
    assert [p.relative_to(out).as_posix() for p in out.rglob("feed.xml") if "考试季防骗提醒" in p.read_text()] == []
    assert "致家长的一封信" in (out / "notices/feed.xml").read_text()  # a notice without an expiry past stays


def test_withdrawn_draft_and_future_items_are_in_no_feed(out):
    text = "".join(p.read_text() for p in all_feeds(out))
    for title in ("已撤下的案例", "草稿案例", "寒假防骗提醒"):
        assert title not in text


def test_guid_survives_edits_of_title_text_and_slug(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    first = feedparser.parse((site / "build/cases/feed.xml").read_bytes())
    source = (site / "content/cases/part-time.md").read_text()
    write(site, "content/cases/part-time.md", source.replace("title: 点赞兼职先返后骗", "title: 改过的标题\nslug: renamed")
          .replace("学生小李", "某学生"))
    build_site(site)
    second = feedparser.parse((site / "build/cases/feed.xml").read_bytes())
    before = {e.id: e.link for e in first.entries}
    after = {e.id: e.link for e in second.entries}
    assert before.keys() == after.keys()
    assert after["case-1"] == BASE + "cases/renamed/" != before["case-1"]


def test_hostile_titles_stay_text_and_the_feed_stays_valid(tmp_path):
    site = copy_fixture(tmp_path)
    write(site, "content/cases/evil.md", """\
        ---
        id: "evil]]>&<x>"
        title: "<script>alert(1)</script></title>&\\"quotes\\" ]]> 😀\\x07"
        date: 2026-03-10
        type: shuadan
        audience: [students]
        summary: "a < b && c ]]> d"
        wechat:
          title: "短]]>&<标题"  # within WeChat's limits: the WeChat feed carries ready articles only
        ---
        正文 <script>alert(2)</script> ]]> &amp;控制字符
        """)
    build_site(site)
    raw = (site / "build/feed.xml").read_bytes()
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.get("bozo_exception")
    for feed in ("build/feed.xml", "build/wechat/feed.xml"):  # the WeChat feed holds the article as it is made
        assert b"\x0b" not in (site / feed).read_bytes() and "控制字符" in (site / feed).read_text(encoding="utf-8")
    assert not feedparser.parse((site / "build/wechat/feed.xml").read_bytes()).bozo
    entry = next(e for e in parsed.entries if e.id == "evil]]>&<x>")
    assert entry.title.startswith("<script>alert(1)</script></title>&\"quotes\" ]]> 😀")
    assert "<script" not in entry.content[0].value
    page = (site / "build/cases/evil/index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page


def test_a_feed_entry_kept_in_the_store_comes_back_equal(tmp_path):
    from fraudsite.build import BuildOptions, load_site
    from fraudsite.channels.web import plan_feeds
    from fraudsite.feeds import entry_blob, entry_from_blob
    from sitekit import at

    site_dir = copy_fixture(tmp_path)
    options = BuildOptions(site_dir=site_dir, out_dir=site_dir / "build", config_path=site_dir / "fraudsite.yaml",
                           now=at("2026-11-28 09:00"))
    site = load_site(options)[0]
    entries = {entry for feed in plan_feeds(site) for entry in feed.entries}
    assert len(entries) >= 4 and any(e.categories for e in entries) and any("<" in e.content_html for e in entries)
    items = {item.path: item for item in site.items}
    for entry in entries:
        back = entry_from_blob(entry_blob(entry), items[entry.path])
        assert back == entry and back.published.tzname() == entry.published.tzname() == "CST"  # the zone, not +08:00


def test_planning_the_feeds_from_the_store_reads_no_entry_s_html(tmp_path, monkeypatch):
    # Every build plans every feed, though an edit seldom changes one: reading back every entry's whole
    # body took 30 ms of an edit at 1,000 items.
    from fraudsite import feeds
    from fraudsite.build import CACHE_DIR, BuildOptions, load_site
    from fraudsite.channels.web import plan_feeds
    from fraudsite.derived import open_derived, using
    from sitekit import at

    site_dir = copy_fixture(tmp_path)
    build_site(site_dir, now="2026-11-28 09:00")
    options = BuildOptions(site_dir=site_dir, out_dir=site_dir / "build", config_path=site_dir / "fraudsite.yaml",
                           now=at("2026-11-28 09:00"))
    site = load_site(options)[0]
    unpacked = []
    unpack = feeds.unpack
    monkeypatch.setattr(feeds, "unpack", lambda packed: unpacked.append(packed) or unpack(packed))
    store = open_derived(site_dir / CACHE_DIR)
    with using(store):
        planned = plan_feeds(site)
    assert any(kind == "feed-entry" for kind, _ in store.used) and not store.dirty  # read back, none made
    assert unpacked == []
    entry = planned[0].entries[0]
    assert entry.content_html.startswith("<") and unpacked  # read when rendered


ZONES = st.one_of(st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("America/St_Johns"), UTC]),
                  st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))))


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.none() | ZONES))
def test_feed_dates_are_written_as_the_standard_library_writes_rfc_822(moment):
    assert rfc822(moment) == format_datetime(moment)
