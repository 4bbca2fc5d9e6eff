"""The website column: lists, item pages, types, audiences, tags, archive and feeds."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from html import escape
from itertools import groupby, islice

from fraudsite.collate import OTHER, initial, ordered, sort_keys
from fraudsite.derived import remember_each
from fraudsite.feeds import (
    Feed,
    FeedEntry,
    FeedLink,
    absolute_urls,
    ended_by,
    entry_blob,
    entry_from_blob,
    feed_page,
    last_change,
    last_left,
    media_type,
)
from fraudsite.model import SECTION_NAMES, Attachment, Case, Item, expiry, is_expired_notice, is_published, pack
from fraudsite.render import Data, Output, Page, format_size, outside_images
from fraudsite.site import Site
from fraudsite.urls import alias_file, index_file, page_title, paged, site_url, tag_slug
from fraudsite.views import ItemView, view_item
from fraudsite.yamltext import strip_control

SITEMAP = "sitemap.xml"  # its path (a build on two cores checks it before the sitemap is planned)


def plan(site: Site) -> list[Output]:
    """Every output of the website channel."""
    views = {id(item): view_item(item, site) for item in site.items}

    def view(items: Sequence[Item]) -> list[ItemView]:
        return [views[id(i)] for i in items]

    feeds = plan_feeds(site)
    links = [FeedLink(feed.path, feed.title) for feed in feeds]  # what the pages show of them
    outputs: list[Output] = [page("", "home.html", site, "首页", feeds=[links[0]],
                                  urgent=view([n for n in site.current_notices if n.urgent]),
                                  pinned=view([n for n in site.current_notices if n.pinned and not n.urgent]),
                                  current=view([n for n in site.current_notices if not n.pinned and not n.urgent]),
                                  latest=view(site.cases[: site.config.page_size]),
                                  types=type_counts(site), audiences=audience_counts(site))]
    site_feed = [links[0]]
    for section, section_feed in (("cases", links[1]), ("notices", links[2])):
        items = site.cases if section == "cases" else site.notices
        outputs += paginate(site, f"{section}/", SECTION_NAMES[section], view(items), [section_feed])
        outputs += [own_page(site, item, view, links) for item in items]
    outputs += [own_page(site, item, view, links) for item in site.withdrawn]
    outputs.append(page("types/", "types.html", site, "诈骗类型", site_feed, types=type_counts(site)))
    for fraud_type in site.config.types:
        type_feed = next(f for f in links if f.path == f"types/{fraud_type.key}/feed.xml")
        outputs += paginate(site, f"types/{fraud_type.key}/", fraud_type.name, view(site.cases_of_type(fraud_type.key)),
                            [type_feed], fraud_type=fraud_type)
    outputs.append(page("audiences/", "audiences.html", site, "受众", site_feed, audiences=audience_counts(site)))
    for audience in site.config.audiences:
        audience_feed = next(f for f in links if f.path == f"audiences/{audience.key}/feed.xml")
        outputs += paginate(site, f"audiences/{audience.key}/", f"面向{audience.name}",
                            view(site.for_audience(audience.key)), [audience_feed], audience=audience)
    keys = sort_keys(site.tags)
    tags = [(tag, tag_slug(tag), site.tags[tag]) for tag in ordered(keys)]
    listed = [(tag, f"tags/{slug}/", len(items)) for tag, slug, items in tags]
    outputs.append(page("tags/", "tags.html", site, "标签", site_feed, tags=listed, groups=tag_groups(listed, keys)))
    for tag, slug, items in tags:
        outputs += paginate(site, f"tags/{slug}/", f"标签：{tag}", view(items), site_feed, tag=tag)
    outputs.append(page("archive/", "archive.html", site, "归档", site_feed, years=archive_years(view(site.published))))
    outputs += [feed_page(feed) for feed in feeds]
    # What a feed is and every feed's address: the footer links here, not to the XML a browser shows as code.
    outputs.append(page("subscribe/", "subscribe.html", site, "订阅更新", site_feed, all_feeds=links))
    outputs += alias_pages(site)
    outputs.append(Page("404.html", "404.html", base_context(site, "页面不存在", "404.html", site_feed, noindex=True)))
    outputs.append(Data("robots.txt", robots(site).encode()))
    return outputs


def tag_groups(listed: list[tuple[str, str, int]], keys: dict[str, list[str]]
               ) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
    """The tag index's entries (in pinyin order, by their ``keys``) by the letter they are filed under, each with
    its anchor."""
    grouped = groupby(listed, key=lambda entry: initial(keys[entry[0]]))
    return [(letter, "tags-" + (letter if letter != OTHER else "other"), list(entries)) for letter, entries in grouped]


def base_context(site: Site, title: str, path: str, feeds: list[FeedLink], **extra) -> dict:
    """What every page template gets."""
    return {"site": site.config, "title": title, "path": path, "feeds": feeds, "description": extra.pop("description", ""),
            "noindex": extra.pop("noindex", False), **extra}


def page(path: str, template: str, site: Site, title: str, feeds: list[FeedLink] | None = None, shows: str = "",
         **extra) -> Page:
    """A website page at a directory URL (``shows``: the source of the item it is about)."""
    return Page(index_file(path), template, base_context(site, title, path, feeds or [], **extra), shows)


def paginate(site: Site, base: str, title: str, items: list[ItemView], feeds: list[FeedLink], **extra) -> list[Page]:
    """A list split into pages of ``page_size``: ``base`` then ``base/page/N/``."""
    pages = []
    for path, chunk, pager in paged(base, items, site.config.page_size):
        pages.append(page(path, "list.html", site, page_title(title, pager["number"]), feeds, items=chunk,
                          pager=pager, heading=title, **extra))
    return pages


def own_page(site: Site, item: Item, view, feeds: list[FeedLink]) -> Page:
    """The page showing one item on its own: its case or notice page, or its short 已撤下 page.

    ``feeds`` begin with the site's, the cases' and the notices' feed, as ``feed_lists`` orders them.
    """
    if item.withdrawn:
        return page(item.path, "withdrawn.html", site, item.title, feeds[:1], item.source, item=view([item])[0],
                    noindex=True)
    return item_page(site, view([item])[0], view, [feeds[0], feeds[1 if isinstance(item, Case) else 2]])


def own_pages(site: Site, items: Sequence[Item]) -> list[Page]:
    """The own pages of a few items, with only the views and feeds they show (the preview's quick update)."""
    feeds = feed_links(site, main_only=True)

    def view(chosen: Sequence[Item]) -> list[ItemView]:
        return [view_item(i, site) for i in chosen]

    # As in ``plan``: a page for each published item and each withdrawn one, none for drafts or future items.
    shown = [i for i in items if i.withdrawn or is_published(i, site.now, site.drafts, site.future)]
    return [own_page(site, item, view, feeds) for item in shown]


def item_page(site: Site, item: ItemView, view, feeds: list[FeedLink]) -> Page:
    """A case or notice page, with related items and previous/next links."""
    older, newer = site.neighbours(item.item)
    related = view(site.related_cases(item.item)) if isinstance(item.item, Case) else []
    template = "case.html" if item.is_case else "notice.html"
    return page(item.path, template, site, item.title, feeds, item.source, item=item, related=related,
                older=view([older])[0] if older else None, newer=view([newer])[0] if newer else None,
                description=item.summary, og_type="article")


def type_counts(site: Site) -> list[tuple]:
    """Each fraud type with its number of published cases."""
    return [(t, len(site.cases_of_type(t.key))) for t in site.config.types]


def audience_counts(site: Site) -> list[tuple]:
    """Each audience with its number of published cases and notices."""
    return [(a, len(site.for_audience(a.key))) for a in site.config.audiences]


def archive_years(items: list[ItemView]) -> list[tuple[int, list[ItemView]]]:
    """Items grouped by year, newest year first."""
    return [(year, list(group)) for year, group in groupby(items, key=lambda v: v.date.year)]


def entry(site: Site, item: ItemView) -> FeedEntry:
    """A website feed entry: summary as description, full body as content. A notice's attachments (a reply slip
    to fill in) follow the body as its page lists them, the first as the entry's enclosure."""
    categories = ((item.type.name,) if item.type else ()) + tuple(a.name for a in item.audiences)
    files = getattr(item.item, "attachments", ())
    body = outside_images(item.body_html, site.config.own_hosts)
    html = absolute_urls(body, site.config.base_url, item.path) + attachments_html(site, files)
    enclosure = (files[0].url_path, media_type(files[0].url_path),
                 files[0].size) if files else None
    return FeedEntry(title=strip_control(item.title), path=item.path, guid=item.id, published=item.date,
                     description=strip_control(item.summary), categories=categories,
                     packed_html=pack(strip_control(html)), enclosure=enclosure, updated=item.item.updated)


def attachments_html(site: Site, files: Sequence[Attachment]) -> str:
    """附件: each file linked by its full address, with its kind and size, as a notice's page lists them."""
    if not files:
        return ""
    items = "".join(f'<li><a href="{escape(site_url(site.config.base_url, file.url_path))}">{escape(file.name)}</a>'
                    f"（{escape(file.kind)}，{format_size(file.size)}）</li>" for file in files)
    return f"\n<h2>附件</h2>\n<ul>{items}</ul>"


def item_entry(item: Item, site: Site) -> FeedEntry:
    """An item's website feed entry."""
    return entry(site, view_item(item, site))


def plan_feeds(site: Site) -> list[Feed]:
    """Whole site, cases, notices, then one per fraud type and per audience; the first three in this order."""
    return make_feeds(site, feed_lists(site, main_only=False))


def feed_lists(site: Site, main_only: bool) -> list[tuple[str, str, str, str, Sequence[Item]]]:
    """Each feed's path, name, description, link and items (the newest of which it shows), in ``plan_feeds``'s
    order; ``main_only``: the whole site's, the cases' and the notices' feed, which every page links one or two of."""
    title = site.config.title
    lists = [("feed.xml", "", f"{title}：典型案例与通知公告", "", site.published),
             ("cases/feed.xml", "典型案例", "真实诈骗案例与识别要点、防范提示", "cases/", site.cases),
             ("notices/feed.xml", "通知公告", "反诈宣传活动的通知与公告", "notices/", site.notices)]
    if not main_only:
        lists += [(f"types/{t.key}/feed.xml", t.name, t.description or f"{t.name}类诈骗案例", f"types/{t.key}/",
                   site.cases_of_type(t.key)) for t in site.config.types]
        lists += [(f"audiences/{a.key}/feed.xml", f"面向{a.name}", f"与{a.name}相关的案例和通知", f"audiences/{a.key}/",
                   site.for_audience(a.key)) for a in site.config.audiences]
    return lists


def make_feeds(site: Site, lists: list[tuple[str, str, str, str, Sequence[Item]]]) -> list[Feed]:
    """Website feeds of the newest ``feed_size`` of each list's items.

    An item is in several feeds: its entry (its whole body, with absolute links) is made once, and kept in the
    derived store, which also gives it its page key, so no feed digests the bodies again.
    """
    size = site.config.feed_size
    # A notice past its expiry stays on the website, marked 已过期; a feed, read as what is new, leaves it out, as
    # the screens' and WeChat's feeds do: a new subscriber was handed last year's exam-season alert.
    lists = [(*about, list(islice((i for i in items if not is_expired_notice(i, site.now)), size)), items)
             for *about, items in lists]
    shown = list({id(item): item for *_, items, _all in lists for item in items}.values())
    # Made on every core when a cold build makes them all: the newest of each list (676 items at 1,000 or 10,000)
    # took 0.28 s of one; interleaved cold builds at 1,000 items went from 4.45 to 4.22 s (website alone 2.33 to 2.17).
    entries = remember_each("feed-entry", shown, site.config, partial(item_entry, site=site), entry_blob,
                            entry_from_blob, packed=True)
    made = {id(item): entry for item, entry in zip(shown, entries)}
    ended = ended_by(site.published, site.now, expiry)  # each list's are among these
    feeds = []
    for path, name, description, link, items, every in lists:
        chosen = tuple(made[id(item)] for item in items)
        left = last_left(every, size, ended, expiry, last_change(chosen, site.now))
        feeds.append(Feed(path, feed_title(site, name), description, link, chosen, last_change(chosen, site.now, left)))
    return feeds


def feed_links(site: Site, main_only: bool) -> list[FeedLink]:
    """How pages link the feeds ``feed_lists`` gives, without making their entries."""
    return [FeedLink(path, feed_title(site, name)) for path, name, *_ in feed_lists(site, main_only)]


def feed_title(site: Site, name: str) -> str:
    """A website feed's title: the site's, then the list's name (none for the whole site's)."""
    return f"{site.config.title} · {name}" if name else site.config.title


def alias_pages(site: Site) -> list[Page]:
    """Old paths that redirect to an item's current page."""
    pages = []
    for item in site.published + site.withdrawn:  # a scheduled item's old paths redirect once it is out
        for alias in item.aliases:
            pages.append(Page(alias_file(alias), "alias.html", {"target": item.path, "title": item.title}))
    return pages


NOT_FOR_SEARCH_ENGINES = ("screen/", "wechat/")  # pages for unattended screens and for the WeChat editor


def sitemap_page(outputs: list[Output], more: list[tuple[str, str]] | None = None) -> Page:
    """The sitemap of every channel's indexable pages (and ``more`` entries, of pages planned elsewhere); planned
    after all channels, since it lists theirs."""
    return Page(SITEMAP, "sitemap.xml", {"entries": sorted(sitemap_entries(outputs) + (more or []))})


def sitemap_entries(outputs: list[Output]) -> list[tuple[str, str]]:
    """Indexable HTML pages with their last modification date where known."""
    entries = []
    for output in outputs:
        if not isinstance(output, Page) or not output.path.endswith("index.html") or output.template == "alias.html":
            continue
        if output.path.startswith(NOT_FOR_SEARCH_ENGINES) or "path" not in output.context:
            continue
        if output.context.get("noindex"):
            continue
        item = output.context.get("item")
        entries.append((output.context["path"], item.modified.strftime("%Y-%m-%d") if item else ""))
    return sorted(entries)


def robots(site: Site) -> str:
    """Allow everything and point at the sitemap (its absolute URL percent-encoded, as every other one is)."""
    return f"User-agent: *\nAllow: /\nSitemap: {site_url(site.config.base_url, SITEMAP)}\n"
