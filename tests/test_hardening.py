"""Hostile content never becomes code, hostile input never hurts, and failures lose nothing."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudsite.errors import BuildFailed, FraudsiteError
from fraudsite.uptodate import fingerprint_inputs
from sitekit import FIXTURE_NOW, build_site, copy_fixture, tree, write

CONFIG = "title: 测试专栏\nbase_url: https://www.example.edu.cn/fzzl/\n"
HEADER = "---\ntitle: {title}\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n{extra}---\n"


def make_site(tmp_path: Path, body: str = "正文。", title: str = "案例", extra: str = "", name: str = "a.md") -> Path:
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", CONFIG)
    (site / "content/cases").mkdir(parents=True, exist_ok=True)
    (site / "content/cases" / name).write_text(HEADER.format(title=title, extra=extra) + body, encoding="utf-8")
    return site


class ActiveContent(HTMLParser):
    """Collects anything in HTML that could run: script elements, event attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        if tag in ("iframe", "object", "embed", "form") and not self.is_theme_element(tag, attrs):
            self.found.append(tag)
        if tag == "script" and dict(attrs).get("src") and not self.is_theme_element(tag, attrs):
            self.found.append("script[src]")
        for name, value in attrs:
            if name.startswith("on") and not (name == "onclick" and value == "window.print()"):
                self.found.append(f"{tag}[{name}]")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.replace("\x00", "").strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.found.append(f"{tag}[{name}={value}]")

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        # The theme's inline scripts are code we wrote; an injected one would be the payload itself.
        if self.in_script and data.strip().startswith(("alert", "<script")):
            self.found.append("injected script")

    @staticmethod
    def is_theme_element(tag, attrs):
        """The theme's own scripts are files under static/; its only form is the search box."""
        attributes = dict(attrs)
        return tag == "script" and attributes.get("src", "").startswith("/fzzl/static/") \
            or tag == "form" and attributes.get("role") == "search"


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def assert_inert(out: Path) -> None:
    """Every output, parsed with a real parser, carries nothing runnable that came from content."""
    for path, data in tree(out).items():
        if path.endswith(".html"):
            text = data.decode()
            found = active_content(text)
            # A theme script is allowed only if it is not inline content: inline scripts must not mention the payload.
            assert not found, f"{path}: {found}"
        elif path.endswith(".xml"):
            parsed = feedparser.parse(data) if "feed" in path else None
            if parsed is not None:
                assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
                for entry in parsed.entries:
                    for content in entry.get("content", []):
                        assert not active_content(content.value), f"{path}: {entry.title}"
        elif path.endswith(".json"):
            json.loads(data)  # standalone data files: content stays text inside valid JSON
        elif path.endswith(".zip"):
            with zipfile.ZipFile(out / path) as archive:
                for name in archive.namelist():
                    if name.endswith(".html"):
                        html = archive.read(name).decode()
                        assert "<script>alert" not in html and "onerror=" not in html, f"{path}!{name}"


PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=https://x.example/a.png onerror="alert(1)">',
    '<a href="javascript:alert(1)">点我</a>',
    '<a href="JaVaScRiPt:alert(1)">点我</a>',
    "[点我](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<form action="https://evil.example"><input name=q></form>',
    '<div style="position:fixed;top:0">遮挡</div>',
    "<svg><script>alert(1)</script></svg>",
    '<math><mtext><table><mglyph><style><img src=https://x.example/a.png onerror=alert(1)>',
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_raw_html_in_markdown_never_runs(tmp_path, payload):
    site = make_site(tmp_path, body=f"第一段。\n\n{payload}\n\n最后一段。")
    build_site(site)
    assert_inert(site / "build")
    assert "第一段" in (site / "build/cases/a/index.html").read_text()


def test_trusted_html_is_kept_on_the_website_only(tmp_path):
    site = make_site(tmp_path, body='<div class="embed" style="color:red">学院自己的 HTML</div>')
    (site / "fraudsite.yaml").write_text(CONFIG + "trusted_html: true\n", encoding="utf-8")
    build_site(site)
    assert '<div class="embed" style="color:red">' in (site / "build/cases/a/index.html").read_text()
    feed = (site / "build/feed.xml").read_text()
    assert "学院自己的 HTML" in feed and "style=" not in feed


def test_front_matter_values_are_escaped_everywhere(tmp_path):
    title = '"<script>alert(1)</script></title>&amp; ]]> \\u2028 😀"'
    site = make_site(tmp_path, title=title, extra='summary: "<img src=x onerror=alert(1)>"\ntags: ["<b>x</b>"]\n')
    build_site(site)
    assert_inert(site / "build")
    page = (site / "build/cases/a/index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;/title&gt;&amp;amp; ]]&gt;" in page


def test_scam_urls_are_defanged_and_never_links_in_any_channel(tmp_path):
    body = ("骗子发来网址 http://pay-refund.example/login ，又发来 [退款入口](https://pay-refund.example/x)。\n\n"
            "其域名 pay-refund.example 已被封。\n\n```\ncurl http://pay-refund.example/api\n```\n\n"
            "<div>原样 http://pay-refund.example/raw 结束</div>\n\n"  # code and raw HTML too, which sit outside the tree
            "另一页链接https://pay-refund.example/other打开\n\n"  # right after Chinese, no space
            # its subdomains, and a host written with the dot a host may end in (the same host to a browser)
            "下载页 http://www.pay-refund.example/app ，[再一个](http://pay-refund.example./x)、"
            "[分站](https://m.pay-refund.example/)。\n\n"
            "![钓鱼页截图](https://pay-refund.example/shot.png)")  # a picture on the host: loaded, or a link, once
    site = make_site(tmp_path, body=body, title="假网址 http://pay-refund.example/login 骗局",
                     extra="scam_urls: [http://pay-refund.example/login]\nsigns: [不要访问 pay-refund.example]\n")
    build_site(site)
    for path, data in tree(site / "build").items():
        text = data.decode(errors="ignore")
        assert "pay-refund.example" not in text and "https://pay-refund" not in text, path
    page = (site / "build/cases/a/index.html").read_text()
    assert "hxxp://pay-refund[.]example/login" in page and "pay-refund[.]example 已被封" in page
    assert "curl hxxp://pay-refund[.]example/api" in page and "原样 hxxp://pay-refund[.]example/raw" in page
    assert 'href="https://pay-refund' not in page and "<span>退款入口</span>" in page
    assert "另一页链接hxxps://pay-refund[.]example/other打开" in page
    assert "下载页 hxxp://www[.]pay-refund[.]example/app" in page
    assert "<span>再一个</span>" in page and "<span>分站</span>" in page and "pay-refund." not in page
    assert "<span>钓鱼页截图（hxxps://pay-refund[.]example/shot.png）</span>" in page


HOSTILE = [
    ("huge file", None, "[E012]"),
    ("deep lists", "\n".join("    " * i + "- 项" for i in range(600)), "[E015]"),
    ("deep quotes", ">" * 5000 + " 引用", "[E015]"),
    ("front matter scalar", "---\n只是一句话\n---\n", "[E004]"),
    ("billion laughs", "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n---\n", "[E005]"),
    ("year 9999", HEADER.format(title="甲", extra="").replace("2026-01-01", "9999-01-01"), "[E204]"),
    ("before 1970", HEADER.format(title="甲", extra="").replace("2026-01-01", "1969-12-31"), "[E204]"),
    ("gbk", "---\ntitle: 刷单返利诈骗\n---\n", "[E010]"),
    ("slug with backslash", HEADER.format(title="甲", extra="slug: 'a\\\\b'\n"), "[E214]"),
    ("cover outside content", HEADER.format(title="甲", extra="cover: ../../etc/passwd\n"), "[E303]"),
    ("absolute cover", HEADER.format(title="甲", extra="cover: /etc/passwd\n"), "[E217]"),
    ("image with backslashes", HEADER.format(title="甲", extra="") + "![图](images\\a.png)\n", "[E302]"),
    ("image outside content", HEADER.format(title="甲", extra="") + "![图](../../../etc/passwd)\n", "[E303]"),
]


@pytest.mark.parametrize("name,source,expected", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_gets_a_clear_message_naming_the_file(tmp_path, name, source, expected):
    site = make_site(tmp_path)
    path = site / "content/cases/bad.md"
    if name == "huge file":
        path.write_bytes(HEADER.format(title="甲", extra="").encode() + "刷单".encode() * (10 * 1024 * 1024 // 6))
    elif name == "gbk":
        path.write_bytes(source.encode("gbk"))
    elif source.startswith("---"):
        path.write_text(source, encoding="utf-8")
    else:
        path.write_text(HEADER.format(title="甲", extra="") + source, encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    messages = [str(p) for p in failure.value.problems]
    assert any(m.startswith("content/cases/bad.md") and expected in m for m in messages), messages
    assert not (site / "build").exists()


def test_symlink_pointing_outside_the_site_is_refused(tmp_path):
    site = make_site(tmp_path)
    secret = tmp_path / "secret.md"
    secret.write_text(HEADER.format(title="机密", extra=""), encoding="utf-8")
    (site / "content/cases/link.md").symlink_to(secret)
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert any("content/cases/link.md" in str(p) and "[E013]" in str(p) for p in failure.value.problems)


def test_a_link_to_nothing_or_a_loop_of_links_is_named_not_an_internal_error(tmp_path):
    site = make_site(tmp_path)
    (site / "content/cases/gone.md").symlink_to(site / "content/cases/deleted.md")
    (site / "content/cases/loop-a.md").symlink_to(site / "content/cases/loop-b.md")
    (site / "content/cases/loop-b.md").symlink_to(site / "content/cases/loop-a.md")
    (site / "content/cases/folder").mkdir()
    (site / "content/cases/folder.md").symlink_to(site / "content/cases/folder", target_is_directory=True)  # no file
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert sorted((p.path, p.code) for p in failure.value.problems if p.severity == "error") == [
        ("content/cases/gone.md", "E016"), ("content/cases/loop-a.md", "E016"), ("content/cases/loop-b.md", "E016")]


def test_a_link_to_nothing_added_after_a_build_is_not_taken_for_no_change(tmp_path):
    site = make_site(tmp_path)
    build_site(site)
    (site / "content/cases/gone.md").symlink_to(site / "content/cases/deleted.md")
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert [p.code for p in failure.value.problems if p.severity == "error"] == ["E016"]


def site_with_linked_folder(tmp_path: Path) -> Path:
    """A site whose content/cases/linked is a link to a folder outside it holding secret.md."""
    site = make_site(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(HEADER.format(title="机密文件", extra=""), encoding="utf-8")
    (site / "content/cases/linked").symlink_to(outside, target_is_directory=True)
    return site


def test_a_linked_folder_pointing_outside_the_site_is_refused(tmp_path):
    site = site_with_linked_folder(tmp_path)
    try:
        build_site(site)
    except BuildFailed as failure:  # found through the link: refused by name
        assert any("content/cases/linked/secret.md" in str(p) and "[E013]" in str(p) for p in failure.value.problems)
    else:  # or never found: either way nothing from outside is published
        assert "机密文件" not in "".join(p.read_text(errors="replace") for p in (site / "build").rglob("*.html"))


def test_a_linked_folder_is_named_as_not_published(tmp_path):
    site = site_with_linked_folder(tmp_path)
    (tmp_path / "outside/secret.md").unlink()  # nothing to refuse: only the link is left to explain
    report = build_site(site)
    assert [(w.path, w.code) for w in report.warnings if w.code == "W019"] == [("content/cases/linked", "W019")]


@pytest.mark.parametrize("linked", ["content", "content/cases"])
def test_a_content_folder_the_owner_linked_to_a_shared_drive_is_read_but_links_out_of_it_are_not(tmp_path, linked):
    site = make_site(tmp_path, body="![截图](img/shot.png)\n", extra="cover: img/shot.png\ncover_alt: 截图\n")
    write(site, "content/notices/n.md", "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\n---\n正文。\n")
    (site / "content/cases/img").mkdir()
    (site / "content/cases/img/shot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    shared = tmp_path / "share" / linked
    shared.parent.mkdir(parents=True)
    (site / linked).rename(shared)  # mv content /share/content && ln -s /share/content content
    (site / linked).symlink_to(shared, target_is_directory=True)
    report = build_site(site)
    assert report.items == 2 and not [w for w in report.warnings if w.code in ("W019", "E013")]
    assert (site / "build/media/cases/img/shot.png").is_file()
    # An edit in it is an edit of the site: a walk of content/ does not enter a linked section folder, and the
    # next build found nothing changed (渲染 0).
    before = fingerprint_inputs(site, site / "fraudsite.yaml", ())[0]
    [case] = [path for path in (shared if linked.endswith("cases") else shared / "cases").glob("*.md")]
    case.write_text(case.read_text(encoding="utf-8") + "\n补充的一段。\n", encoding="utf-8")
    assert fingerprint_inputs(site, site / "fraudsite.yaml", ())[0] != before
    build_site(site)
    assert "补充的一段" in (site / "build/cases" / case.stem / "index.html").read_text(encoding="utf-8")
    secret = tmp_path / "secret.md"  # a link among the files, out of the folder the site's owner linked: refused
    secret.write_text(HEADER.format(title="机密", extra=""), encoding="utf-8")
    (shared / ("link.md" if linked.endswith("cases") else "cases/link.md")).symlink_to(secret)
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert [(p.path, p.code) for p in failure.value.problems if p.severity == "error"] == [
        ("content/cases/link.md", "E013")]


def test_a_renamed_or_missing_section_folder_stops_the_build_instead_of_deleting_its_pages(tmp_path):
    site = make_site(tmp_path)
    build_site(site)
    before = tree(site / "build")
    (site / "content/cases").rename(site / "content/Cases")
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    (found,) = [p for p in failure.value.problems if p.severity == "error"]
    assert (found.path, found.code) == ("content/Cases", "E017") and "content/cases（全部小写）" in found.message
    (site / "content/Cases").rename(tmp_path / "elsewhere")
    with pytest.raises(BuildFailed) as failure:  # no section at all: most likely not the site's folder
        build_site(site)
    assert [(p.path, p.code) for p in failure.value.problems if p.severity == "error"] == [("content", "E017")]
    assert tree(site / "build") == before


def test_an_unreadable_folder_stops_the_build(tmp_path, monkeypatch):
    site = make_site(tmp_path)
    (site / "content/cases/2025").mkdir()
    build_site(site)
    listing = os.scandir

    def refused(path):  # as for a folder without read permission (root, who runs the tests, reads them all)
        if str(path).endswith("2025"):
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", refused)
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    (found,) = [p for p in failure.value.problems if p.severity == "error"]
    assert (found.path, found.code) == ("content/cases/2025", "E017") and "没有读取权限" in found.message


def test_markdown_outside_both_sections_is_named_as_not_published(tmp_path):
    site = make_site(tmp_path)
    write(site, "content/readme.md", "说明")
    write(site, "content/drafts/b.md", HEADER.format(title="乙", extra=""))
    report = build_site(site)
    assert sorted((w.path, w.code) for w in report.warnings if w.code == "W018") == [
        ("content/drafts", "W018"), ("content/readme.md", "W018")]
    assert report.items == 1


def test_a_file_read_through_a_linked_folder_is_refused_with_the_folder_cache(tmp_path):
    from fraudsite.content import content_roots, read_source

    # rglob does not enter linked folders, so read_source is asked directly, as for a file found another way.
    site = site_with_linked_folder(tmp_path)
    problems, folders, roots = [], {}, (site.resolve(), *content_roots(site))
    inside = read_source(site / "content/cases/a.md", "content/cases/a.md", roots, problems, folders=folders)
    assert inside is not None and not problems
    linked = read_source(site / "content/cases/linked/secret.md", "content/cases/linked/secret.md", roots, problems,
                         folders=folders)
    assert linked is None and [p.code for p in problems] == ["E013"]
    assert str(site / "content/cases/linked") in folders  # resolved once, through the link


def test_file_names_with_spaces_chinese_and_upper_case_get_usable_slugs(tmp_path):
    site = make_site(tmp_path, name="My Case 刷单 2026.md")
    build_site(site)
    assert (site / "build/cases/my-case-刷单-2026/index.html").is_file()


def test_read_only_output_gives_a_clear_message_and_keeps_the_site(tmp_path):
    if os.geteuid() == 0:
        # root ignores permissions; a read-only bind is not available, so use the size limit instead
        return test_file_size_limit_gives_a_clear_message(tmp_path)
    site = make_site(tmp_path)
    build_site(site)
    before = tree(site / "build")
    site.chmod(0o555)
    try:
        write_fail = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                                    capture_output=True, text=True)
    finally:
        site.chmod(0o755)
    assert write_fail.returncode == 1 and "Traceback" not in write_fail.stderr
    assert tree(site / "build") == before


def test_file_size_limit_gives_a_clear_message(tmp_path):
    site = make_site(tmp_path)
    build_site(site)
    before = tree(site / "build")
    write(site, "content/cases/b.md", HEADER.format(title="乙", extra="") + "长" * 20000)

    def limit():  # RLIMIT_FSIZE: any write past 8 KB fails with EFBIG, like a full quota
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    result = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                            capture_output=True, text=True, preexec_fn=limit)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "原有网站保持不变" in result.stderr and "Traceback" not in result.stderr
    assert tree(site / "build") == before


def test_two_builds_at_once_never_mix(tmp_path):
    site = copy_fixture(tmp_path)
    errors: list[Exception] = []

    def run():
        try:
            build_site(site)
        except FraudsiteError as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    reference = tmp_path / "reference"
    build_site(site, reference)
    assert tree(site / "build") == tree(reference)
    assert {p.name for p in site.glob(".build.*")} <= {".build.spare"}  # no staging folder left behind


text_piece = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(PAYLOADS + ["]]>", "&", "\u2028", "\x00", "\x07", "---", "<!--more-->", "[^1]", "> 引用",
                                "- 列表", "| a | b |\n|---|---|\n| 1 | 2 |", "```\ncode\n```", "# 标题",
                                "[链接](other.md)", "![图](x.png)", "http://evil.example", "😀", "刷单返利"]),
)
yaml_value = st.one_of(st.integers(-5, 10**12), st.booleans(), st.none(), text_piece,
                       st.lists(text_piece, max_size=3), st.sampled_from(["2026-01-01", "2026-02-30", "no", "1.10"]))


@settings(max_examples=60, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.lists(text_piece, max_size=8).map("\n\n".join),
       fields=st.dictionaries(st.sampled_from(["title", "summary", "tags", "signs", "advice", "amount", "slug",
                                               "scam_urls", "screen_title", "date", "id"]), yaml_value, max_size=5))
def test_fuzzed_content_either_fails_cleanly_or_builds_inert_output(tmp_path_factory, body, fields):
    import json

    site = tmp_path_factory.mktemp("fuzz") / "site"
    write(site, "fraudsite.yaml", CONFIG)
    meta = {"title": "案例", "date": "2026-01-01", "type": "shuadan", "audience": ["students"], **fields}
    header = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items())
    (site / "content/cases").mkdir(parents=True)
    (site / "content/cases/fuzz.md").write_bytes(f"---\n{header}\n---\n{body}".encode("utf-8", "surrogatepass"))
    try:
        build_site(site)
    except BuildFailed as failure:
        assert failure.problems and all(p.path.startswith(("content/", "fraudsite.yaml")) for p in failure.problems)
        assert not (site / "build").exists()
        return
    assert_inert(site / "build")


def test_content_files_are_listed_as_rglob_lists_them(tmp_path):
    from fraudsite.content import markdown_files

    cases = tmp_path / "content/cases"
    (cases / "a/b").mkdir(parents=True)
    (cases / "x.md").mkdir()  # a folder so named: listed (then skipped as no file), and entered
    (cases / ".hidden").mkdir()
    for name in ("a.md", "a-b.md", "a/z.md", "a/b/c.md", ".md", "B.md", "x.md/in.md", "note.MD", "t.mdx", "._a.md",
                 ".hidden/h.md"):
        (cases / name).write_text("x", encoding="utf-8")
    os.symlink("editor@host.4242:1700000000", cases / ".#a.md")  # Emacs's lock of a.md while it is being edited
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.md").write_text("x", encoding="utf-8")
    os.symlink(outside, cases / "linked")  # a linked folder is not entered
    os.symlink(outside / "o.md", cases / "l.md")
    os.symlink(cases / "missing", cases / "dangling.md")
    # As rglob lists them, less what is hidden (editors' lock files, macOS's resource forks, hidden folders).
    expected = [p.relative_to(tmp_path).as_posix() for p in sorted(cases.rglob("*.md"))
                if not any(part.startswith(".") for part in p.relative_to(cases).parts)]
    assert [relative for relative, _ in markdown_files(tmp_path, "content/cases")] == expected
    assert "content/cases/x.md/in.md" in expected and "content/cases/linked/o.md" not in expected
    assert "content/cases/dangling.md" in expected and not [path for path in expected if "/." in path]


def test_tags_that_share_a_page_are_one_tag_named_as_most_items_spell_it(tmp_path):
    """``APP`` and ``app`` (or ``兼职，刷单`` and ``兼职刷单``) once wrote two pages to one path and failed the build."""
    site = make_site(tmp_path, extra="tags: [反诈APP, 兼职，刷单]\n")
    write(site, "content/cases/b.md", HEADER.format(title="乙", extra="tags: [反诈app, 兼职刷单]\n"))
    write(site, "content/cases/c.md", HEADER.format(title="丙", extra="tags: [反诈app]\n"))
    build_site(site)
    index = (site / "build/tags/index.html").read_text()
    assert "反诈app <span class=\"count\">3</span>" in index and "反诈APP" not in index
    assert index.count('href="/fzzl/tags/兼职刷单/"') == 1
    listed = (site / "build/tags/反诈app/index.html").read_text()
    assert all(title in listed for title in ("案例", "乙", "丙"))


def test_a_file_too_large_is_told_its_size_rounded_up_never_the_limit_it_is_over():
    # "约 2 MB" for a 2.6 MB file read as within "2 MB 以内"
    from fraudsite.frontmatter import MAX_FILE_BYTES, decode_source

    for size, shown in ((MAX_FILE_BYTES + 10, "2.1 MB"), (int(2.6 * 1024 * 1024), "2.6 MB"), (5 * 1024 * 1024, "5 MB")):
        _, found = decode_source("content/cases/a.md", b"x" * size)
        assert found.code == "E012" and f"文件过大（{shown}）" in found.message
