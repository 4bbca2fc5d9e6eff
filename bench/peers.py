"""The same generated corpus as a Hugo project and as a Pelican project, with comparable output.

Both get: a page per item at ``cases/<slug>/`` and ``notices/<slug>/`` (signs and advice as body
sections), type (category) and tag pages, lists of 10 per page, RSS per type and per section, item
links checked by the tool itself (Hugo ``relref``, Pelican ``{filename}``), tables and quotes.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

BASE_URL = "https://www.example.edu.cn/fzzl/"
NOTICE_CATEGORY = "通知公告"
ITEM_LINK = re.compile(r"\]\(((?:\.\./)*[^()\s]*?\.md)\)")


@dataclass(frozen=True)
class Item:
    """One content file of the fraudsite corpus, read back for conversion."""

    path: str  # relative to content/, e.g. cases/2019/x.md
    meta: dict
    body: str

    @property
    def section(self) -> str:
        """``cases`` or ``notices``."""
        return self.path.split("/", 1)[0]

    @property
    def slug(self) -> str:
        """The URL segment fraudsite gives it: the file name."""
        return Path(self.path).stem


def read_items(site_dir: Path) -> list[Item]:
    """Every content file of a generated site, sorted by path."""
    items = []
    content = site_dir / "content"
    for path in sorted(content.rglob("*.md")):
        _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
        items.append(Item(path.relative_to(content).as_posix(), yaml.safe_load(head), body.lstrip("\n")))
    return items


def type_names(site_dir: Path) -> dict[str, str]:
    """Type key -> Chinese name, from the site's configuration."""
    config = yaml.safe_load((site_dir / "fraudsite.yaml").read_text(encoding="utf-8"))
    return {t["key"]: t["name"] for t in config["types"]}


def moment(value: object) -> datetime:
    """A front-matter date (``date`` or ``YYYY-MM-DD HH:MM`` text) as a naive datetime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M")


def full_body(item: Item, link: str) -> str:
    """The body with signs and advice as sections, item links rewritten by ``link`` (a format with {path})."""
    def rewrite(match: re.Match[str]) -> str:
        target = (Path(item.path).parent / match.group(1)).as_posix()
        parts: list[str] = []
        for part in target.split("/"):
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "](" + link.format(path="/".join(parts)) + ")"

    body = ITEM_LINK.sub(rewrite, item.body)
    for key, heading in (("signs", "识别要点"), ("advice", "防范提示")):
        if item.meta.get(key):
            body += f"\n\n## {heading}\n\n" + "\n".join(f"- {line}" for line in item.meta[key]) + "\n"
    return body


def category(item: Item, names: dict[str, str]) -> str:
    """The type's Chinese name for a case, the notice category otherwise."""
    return names[item.meta["type"]] if item.section == "cases" else NOTICE_CATEGORY


# --- Hugo -----------------------------------------------------------------------------------------

HUGO_CONFIG = f"""baseURL = "{BASE_URL}"
languageCode = "zh-cn"
defaultContentLanguage = "zh"
title = "示例职业技术学院 反诈防骗专栏"
hasCJKLanguage = true
enableRobotsTXT = true
disableKinds = []

[pagination]
pagerSize = 10

[taxonomies]
category = "categories"
tag = "tags"
audience = "audiences"

[permalinks.page]
cases = "/cases/:slug/"
notices = "/notices/:slug/"

[outputs]
home = ["html", "rss"]
section = ["html", "rss"]
taxonomy = ["html"]
term = ["html", "rss"]

[services.rss]
limit = 50
"""

HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} - {{ site.Title }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .RelPermalink }}">{{ end }}
</head><body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav>{{ range site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}
<a href="{{ "categories/" | relURL }}">诈骗类型</a> <a href="{{ "tags/" | relURL }}">标签</a></nav></header>
<main>{{ block "main" . }}{{ end }}</main>
<footer>{{ site.Title }}</footer>
</body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p>{{ .Date.Format "2006-01-02" }}
{{ range .GetTerms "categories" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}
{{ range .GetTerms "audiences" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
<p>{{ .Summary }}</p>
{{ .Content }}
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a> {{ end }}</p>
</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ if eq .Kind "taxonomy" }}<ul>{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>{{ end }}</ul>
{{ else }}{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = site.RegularPages }}{{ end }}
{{ $pager := .Paginate $pages }}
<ul>{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}<p>{{ .Summary }}</p></li>{{ end }}</ul>
{{ partial "pagination.html" . }}{{ end }}{{ end }}
""",
}


def hugo_front_matter(item: Item, names: dict[str, str]) -> str:
    """YAML front matter Hugo reads."""
    meta = {
        "title": item.meta["title"],
        "date": moment(item.meta["date"]).strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "slug": item.slug,
        "summary": item.meta.get("summary", ""),
        "categories": [category(item, names)],
        "tags": list(item.meta.get("tags", [])),
        "audiences": list(item.meta.get("audience", [])),
    }
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)


def write_hugo_project(site_dir: Path, target: Path) -> Path:
    """A Hugo project of the corpus in ``target`` (replaced)."""
    shutil.rmtree(target, ignore_errors=True)
    names = type_names(site_dir)
    (target / "layouts").mkdir(parents=True)
    cache = (target / ".hugo-cache").resolve()  # Hugo wants it absolute; inside the project so a cold build can drop it
    (target / "hugo.toml").write_text(f'cacheDir = "{cache}"\n' + HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (target / "layouts" / name).write_text(text, encoding="utf-8")
    for section, title in (("cases", "典型案例"), ("notices", "通知公告")):
        (target / "content" / section).mkdir(parents=True)
        (target / "content" / section / "_index.md").write_text(f"---\ntitle: {title}\n---\n", encoding="utf-8")
    for item in read_items(site_dir):
        path = target / "content" / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        body = full_body(item, '{{{{< relref "/{path}" >}}}}')
        path.write_text("---\n" + hugo_front_matter(item, names) + "---\n\n" + body, encoding="utf-8")
    return target


# --- Pelican --------------------------------------------------------------------------------------

PELICAN_CONFIG = f"""SITENAME = "示例职业技术学院 反诈防骗专栏"
SITEURL = "{BASE_URL.rstrip('/')}"
FEED_DOMAIN = SITEURL
PATH = "content"
ARTICLE_PATHS = ["cases", "notices"]
PAGE_PATHS = []
STATIC_PATHS = []
TIMEZONE = "Asia/Shanghai"
DEFAULT_LANG = "zh"
PATH_METADATA = r"(?P<section>cases|notices)/.*"
ARTICLE_URL = "{{section}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{section}}/{{slug}}/index.html"
DEFAULT_PAGINATION = 10
FEED_MAX_ITEMS = 50
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
FEED_ALL_RSS = "feed.xml"
CATEGORY_FEED_RSS = "types/{{slug}}/feed.xml"
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
"""


def pelican_metadata(item: Item, names: dict[str, str]) -> str:
    """Pelican's ``Key: value`` Markdown metadata block."""
    tags = list(item.meta.get("tags", [])) + list(item.meta.get("audience", []))
    return (f"Title: {item.meta['title']}\nDate: {moment(item.meta['date']):%Y-%m-%d %H:%M}\n"
            f"Category: {category(item, names)}\nTags: {', '.join(tags)}\nSlug: {item.slug}\n"
            f"Summary: {item.meta.get('summary', '')}\n")


def write_pelican_project(site_dir: Path, target: Path) -> Path:
    """A Pelican project of the corpus in ``target`` (replaced)."""
    shutil.rmtree(target, ignore_errors=True)
    names = type_names(site_dir)
    (target / "content").mkdir(parents=True)
    (target / "pelicanconf.py").write_text(PELICAN_CONFIG, encoding="utf-8")
    for item in read_items(site_dir):
        path = target / "content" / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pelican_metadata(item, names) + "\n" + full_body(item, "{{filename}}/{path}"), encoding="utf-8")
    return target


if __name__ == "__main__":
    write_hugo_project(Path(sys.argv[1]), Path(sys.argv[2]) / "hugo")
    write_pelican_project(Path(sys.argv[1]), Path(sys.argv[2]) / "pelican")
