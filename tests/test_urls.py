"""A file's path becomes a valid URL wherever the site writes one: RFC 3986 (percent-encoded) in XML and in what
machines fetch, and in a page's links only what a URL cannot hold encoded (Chinese kept, README "Tag slugs")."""

from __future__ import annotations

import json
import re

import pytest

from fraudsite.urls import ascii_url, base_href, site_url, uri_path, url_path
from sitekit import build_site, write

BASE = "https://www.example.edu.cn/fzzl/"
RFC_3986 = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")  # its characters, nothing else
COVER = "media/notices/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.png"  # 封面 图.png
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8cf"
                    "c00000030101009a6b8e2e0000000049454e44ae426082")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    """A site whose current notice has a cover, an image, an attachment and a tag with spaces and Chinese."""
    site = tmp_path_factory.mktemp("urls") / "site"
    write(site, "fraudsite.yaml", f"title: 测试专栏\nbase_url: {BASE}\n")
    write(site, "content/notices/n.md", """\
        ---
        id: notice-urls
        title: 关于防范校园贷的通知
        slug: 校园贷提醒
        date: 2026-03-10
        issuer: 保卫处
        tags: [校园贷]
        cover: images/封面 图.png
        attachments: [files/告知 书.pdf]
        ---

        请看截图：

        ![截图](images/聊天%20截图.png)
        """)
    for name in ("images/封面 图.png", "images/聊天 截图.png", "files/告知 书.pdf"):
        (site / "content/notices" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "content/notices" / name).write_bytes(PNG)
    (site / "content/cases").mkdir()
    build_site(site)
    return site / "build"


def test_path_helpers_encode_what_a_url_cannot_hold():
    assert url_path("media/封面 图.png") == "media/封面%20图.png"
    assert url_path("tags/校园贷/") == "tags/校园贷/"
    assert url_path('a%b#c?d"e') == "a%25b%23c%3Fd%22e"  # a file's name, not a query or a fragment
    assert uri_path("tags/校园贷/") == "tags/%E6%A0%A1%E5%9B%AD%E8%B4%B7/"
    assert site_url("https://例子.cn/反诈/", "a b/") == "https://%E4%BE%8B%E5%AD%90.cn/%E5%8F%8D%E8%AF%88/a%20b/"
    assert ascii_url(BASE + "media/封面%20图.png") == BASE + "media/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.png"


def test_robots_txt_points_at_the_sitemap_by_an_rfc_3986_url_under_a_chinese_sub_path():
    from types import SimpleNamespace

    from fraudsite.channels.web import robots

    site = SimpleNamespace(config=SimpleNamespace(base_url="https://www.example.edu.cn/反诈/"))
    assert robots(site).splitlines()[-1] == "Sitemap: https://www.example.edu.cn/%E5%8F%8D%E8%AF%88/sitemap.xml"


def test_sitemap_and_feeds_carry_only_rfc_3986_urls(out):
    sitemap = re.findall(r"<loc>(.*?)</loc>", (out / "sitemap.xml").read_text(encoding="utf-8"))
    assert f"{BASE}tags/%E6%A0%A1%E5%9B%AD%E8%B4%B7/" in sitemap
    feeds = [path for path in out.rglob("*.xml") if path.name == "feed.xml"]
    urls = sitemap + [url for path in feeds for url in re.findall(
        r'<link>(.*?)</link>|(?:url|href)="([^"]*)"', path.read_text(encoding="utf-8")) for url in url if url]
    assert [url for url in urls if not RFC_3986.fullmatch(url)] == []
    assert f'<enclosure url="{BASE}{COVER}"' in (out / "screen/feed.xml").read_text(encoding="utf-8")


def test_pages_link_media_with_spaces_encoded_and_share_the_cover_as_rfc_3986(out):
    page = (out / "notices/校园贷提醒/index.html").read_text(encoding="utf-8")
    assert f'<meta property="og:image" content="{BASE}{COVER}">' in page
    assert 'src="/fzzl/media/notices/images/封面%20图.png"' in page
    assert 'src="/fzzl/media/notices/images/聊天%20截图.png"' in page
    assert 'href="/fzzl/media/notices/files/告知%20书.pdf"' in page
    assert (out / "media/notices/images/封面 图.png").is_file() and (out / "media/notices/images/聊天 截图.png").is_file()
    spaced = [(path.name, value) for path in out.rglob("*.html")
              for value in re.findall(r'(?:href|src|content)="((?:https?://|/)[^"]*)"', path.read_text(encoding="utf-8"))
              if " " in value]
    assert spaced == []


def test_wechat_uploads_images_by_their_files_and_fetches_them_by_ascii_urls(out):
    (folder,) = [path.parent for path in out.glob("wechat/notices/*/article.json")]
    data = json.loads((folder / "article.json").read_text(encoding="utf-8"))
    uploads = {upload["file"]: upload for upload in data["uploads"]}
    assert uploads["media/notices/images/封面 图.png"]["url"] == BASE + COVER
    image = uploads["media/notices/images/聊天 截图.png"]
    assert image["url"] == BASE + "media/notices/images/%E8%81%8A%E5%A4%A9%20%E6%88%AA%E5%9B%BE.png"
    assert f'<img src="{image["placeholder"]}"' in data["article"]["content"]  # found, so replaced
    preview = (folder / "index.html").read_text(encoding="utf-8")
    assert f'src=\\"{image["url"]}\\"' in preview  # copied so, in the page's data (as JSON)
    assert f'<img src="/fzzl/{image["url"][len(BASE):]}"' in preview  # shown from this site


def test_screen_playlists_give_rfc_3986_urls(out):
    playlist = json.loads((out / "screen/playlist.json").read_text(encoding="utf-8"))
    urls = [playlist["page"]] + [item["url"] for item in playlist["items"]]
    assert urls[1] == f"{BASE}screen/items/notices/%E6%A0%A1%E5%9B%AD%E8%B4%B7%E6%8F%90%E9%86%92/?seconds=12"
    assert len(urls) == 2 and all(RFC_3986.fullmatch(url) for url in urls)


def test_a_space_in_the_sub_path_is_percent_encoded_in_every_link_of_a_page(tmp_path):
    # Feeds encoded it; pages wrote href="/反诈 专栏/static/style.css", and a body's links and pictures the same.
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", 'title: 测试专栏\nbase_url: "https://www.example.edu.cn/反诈 专栏/"\n')
    write(site, "content/cases/a.md", "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n"
                                      "见[另一篇](b.md)，截图：\n\n![截图](images/聊天.png)\n")
    write(site, "content/cases/b.md", "---\ntitle: 乙\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n正文\n")
    (site / "content/cases/images").mkdir()
    (site / "content/cases/images/聊天.png").write_bytes(PNG)
    build_site(site)
    page = (site / "build/cases/a/index.html").read_text(encoding="utf-8")
    assert 'href="/反诈%20专栏/static/style.css"' in page and 'href="/反诈%20专栏/cases/b/"' in page
    assert 'src="/反诈%20专栏/media/cases/images/聊天.png"' in page
    assert not re.findall(r'(?:href|src)="/反诈 ', page)
    assert base_href("/%E5%8F%8D%E8%AF%88/a b/") == "/%E5%8F%8D%E8%AF%88/a%20b/"  # copied from the address bar
    assert base_href("/50%/a%2/") == "/50%25/a%252/"  # a "%" that begins no escape is one to escape
