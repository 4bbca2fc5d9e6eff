"""Campus screens: a self-running slideshow per profile, single-slide pages, feed, ticker, playlist and zip."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import Markup

from fraudsite.clock import offset_changes
from fraudsite.derived import remember_each
from fraudsite.feeds import Feed, FeedEntry, ended_by, feed_page, last_change, last_left, media_type
from fraudsite.markup import shorten
from fraudsite.model import Case, notice_end
from fraudsite.pagememo import Digester
from fraudsite.qrcode import qr_svg
from fraudsite.render import Bundle, Data, Output, Page
from fraudsite.screen_profiles import Profile, ScreenSettings, load_screen_settings
from fraudsite.screen_slides import Slide, is_candidate, matches, select_slides
from fraudsite.site import Site
from fraudsite.stamp import code_stamp
from fraudsite.urls import site_url
from fraudsite.yamltext import strip_control

# Zip entries carry this time stamp so the same input gives the same bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
QR_TITLE = "扫码阅读全文"  # what a screen reader says of a slide's code


def change_moments(site: Site) -> list[datetime]:
    """Moments the screens change by the clock beyond the site's own: a scheduled item joins the data
    ``horizon_days`` before its start; the site's zone changes its offset."""
    horizon = timedelta(days=load_screen_settings(site.config).horizon_days)
    scheduled = [item.date - horizon for item in site.items if is_candidate(item, site)]
    # The clock the pages show runs at the zone's offset now (``tz_minutes``), which summer time changes.
    return scheduled + offset_changes(site.config.tz, site.now)


def plan(site: Site) -> list[Output]:
    """Every output of the screen channel."""
    settings = load_screen_settings(site.config)
    chosen = [(profile, select_slides(site, profile, settings)) for profile in settings.profiles]
    single = {slide.id: slide for _, slides in chosen for slide in slides}
    codes = slide_codes(site.config.base_url, [slide for _, slides in chosen for slide in slides])
    outputs: list[Output] = []
    templates = screen_templates_digest(site)  # read once for every profile's page version
    for profile, slides in chosen:
        outputs += plan_profile(site, settings, profile, slides, codes, templates)
    for slide in sorted(single.values(), key=lambda s: s.id):
        outputs.append(slide_page(site, settings, slide, codes))
    return outputs


def plan_profile(site: Site, settings: ScreenSettings, profile: Profile, slides: list[Slide],
                 codes: Mapping[str, str], templates: bytes) -> list[Output]:
    """A profile's slideshow page, its data file, feed, ticker, playlist and offline zip; ``templates``: the
    screen templates' digest (``screen_templates_digest``)."""
    context = page_context(site, settings, profile, slides, codes, data_src="data.json")
    # What a running screen shows besides its slides: when data.json carries another version, the page loads
    # itself again. From texts, not the files' stamps, so the same input gives the same bytes (--base-url giving the
    # configured address again too: the configuration keeps the one it replaced, which the page does not show).
    config = replace(site.config, configured_url="")
    version = hashlib.sha256(code_stamp().encode() + Digester().digest((config, settings, profile)) + templates)
    context["shell"] = version.hexdigest()[:16]
    title = profile.title or "校园大屏"
    current = [slide for slide in slides if slide.current(site.now)]
    page = Page(profile.path + "index.html", "screen/page.html", {**context, "title": title})
    return [
        page,
        Page(profile.path + "data.json", "screen/data.json", context),
        feed_page(screen_feed(site, settings, profile, current)),
        Data(profile.path + "ticker.txt", ticker_text(current, settings, site.config.title).encode("utf-8")),
        Data(profile.path + "playlist.json", playlist_json(site, profile, slides).encode("utf-8")),
        Bundle(profile.zip_path, partial(zip_page, page.path)),
    ]


def zip_page(path: str, files: Mapping[str, bytes | Path]) -> bytes:
    """The offline zip of a slideshow page (a function by name: a bundle made ahead is sent to the build process)."""
    return zip_package({"index.html": files[path]})


def screen_templates_digest(site: Site) -> bytes:
    """The text of the screen templates in use (the site's theme over the built-in one), as one digest."""
    from fraudsite.theme import default_theme_dir, theme_dirs

    templates: dict[str, Path] = {}
    for root in reversed(theme_dirs(site.site_dir) if site.site_dir else [default_theme_dir()]):  # the site's wins
        folder = root / "templates" / "screen"
        templates.update({path.name: path for path in folder.glob("*") if path.is_file()} if folder.is_dir() else {})
    digest = hashlib.sha256()
    for name in sorted(templates):
        digest.update(name.encode() + b"\0" + templates[name].read_bytes())
    return digest.digest()


def slide_page(site: Site, settings: ScreenSettings, slide: Slide, codes: Mapping[str, str]) -> Page:
    """One slide on its own page, for players that rotate URLs themselves; its window still applies. It shows the
    default profile's seconds; a profile's playlist gives its own in the address (``?seconds=20``)."""
    profile = next((p for p in settings.profiles if not p.name), Profile("", ""))
    context = page_context(site, settings, profile, [slide], codes, data_src="")
    return Page(slide.page_path + "index.html", "screen/page.html", {**context, "title": slide.title}, slide.item.source)


def page_context(site: Site, settings: ScreenSettings, profile: Profile, slides: list[Slide],
                 codes: Mapping[str, str], data_src: str) -> dict[str, Any]:
    """What the page and data templates need: slides with their QR codes (``slide_codes``), timing, escaping helpers."""
    offset = site.now.utcoffset()
    return {
        "site": site.config,
        "profile": profile,
        "slides": [(slide, Markup(codes[slide.item.path])) for slide in slides],
        "seconds": profile.seconds,
        "refresh": settings.refresh,
        "tz_minutes": int(offset.total_seconds() // 60) if offset else 0,
        "data_src": data_src,
        "shell": "",  # a slideshow's page: its version (``plan_profile``); a single slide's page checks no data
        "idle_kind": IDLE_KIND,
        "idle_text": IDLE_TEXT,
    }


def slide_codes(base_url: str, slides: list[Slide]) -> dict[str, str]:
    """The QR code (SVG) of each slide's item page, by its path: all of the build's at once, so the ones to make
    (10 ms each, kept between builds) are spread over the cores."""
    paths = sorted({slide.item.path for slide in slides})
    svgs = remember_each("screen-qr", [base_url + path for path in paths], QR_TITLE, partial(qr_svg, title=QR_TITLE),
                         str, stored_svg, minimum=20)
    return dict(zip(paths, svgs))


def stored_svg(entry: object, _url: str) -> str:
    """A QR code back from the derived store; anything but text is made again."""
    if not isinstance(entry, str) or not entry.startswith("<svg "):
        raise ValueError("not an SVG")
    return entry


def screen_feed(site: Site, settings: ScreenSettings, profile: Profile, current: list[Slide]) -> Feed:
    """RSS of what is current, urgent first, with short plain-text descriptions for signage tickers. With nothing
    current, the standing warning the idle slide shows, as ``ticker_text`` has it: a ticker is never left blank."""
    entries = tuple(feed_entry(slide, settings) for slide in current) or (standing_entry(site, profile),)
    name = f"校园大屏 · {profile.title}" if profile.name else "校园大屏"
    # Every notice of the profile is on it until its end: the last end that came is the last it left.
    notices = [item for item in site.notices if is_candidate(item, site) and matches(item, profile)]
    end = partial(notice_end, lifetime_days=site.config.notice_lifetime_days)
    left = last_left(notices, len(notices), ended_by(notices, site.now, end), end, last_change(entries, site.now))
    # A ticker reading it asks again at the screens' pace (its <ttl>): an expired notice leaves it as it leaves them.
    return Feed(profile.path + "feed.xml", f"{site.config.title} · {name}", "校园电子大屏和滚动字幕用：当前有效的通知与近期案例",
                profile.path, entries, last_change(entries, site.now, left), ttl=max(1, settings.refresh // 60))


def feed_entry(slide: Slide, settings: ScreenSettings) -> FeedEntry:
    """A feed item: the screen title and a short description; the cover as an enclosure."""
    item = slide.item
    enclosure = None
    if item.cover:
        enclosure = (item.cover, media_type(item.cover), item.cover_size)
    return FeedEntry(title=strip_control(slide.title), path=item.path, guid=item.id, published=item.date,
                     description=strip_control(short_text(slide, settings.summary_length)), enclosure=enclosure,
                     categories=(slide.kind,), updated=item.updated)


def standing_entry(site: Site, profile: Profile) -> FeedEntry:
    """The standing warning as a feed item, dated by the newest item published (on a site with none, a fixed
    day), so a ticker does not take it for news at every build, nor the feed's bytes change."""
    dates = [item.date for item in site.published if item.date <= site.now]
    published = max(dates) if dates else datetime(2021, 1, 1, tzinfo=site.config.tz)  # the campaign's first year
    return FeedEntry(title=IDLE_KIND, path=profile.path, guid=f"{profile.path}standing-warning",
                     published=published, description=IDLE_TEXT, categories=(IDLE_KIND,))


def short_text(slide: Slide, limit: int) -> str:
    """About ``limit`` characters of plain text: the summary, else the warning."""
    text = slide.item.summary or slide.warning or slide.title
    return shorten(" ".join(text.split()), limit)


IDLE_KIND = "无诈校园"
IDLE_TEXT = "接到可疑电话、短信，或被要求转账、垫资、共享屏幕，请立即挂断并拨打反诈预警专线 96110。"


def ticker_text(current: list[Slide], settings: ScreenSettings, title: str) -> str:
    """One line per current item for LED strips: kind, title, short text. With nothing current, the standing
    warning the idle slide shows (``title``: the site's): an unattended strip is never left blank."""
    lines = []
    for slide in current:
        text = " ".join(f"【{slide.kind}】{slide.title}：{short_text(slide, settings.summary_length)}".split())
        lines.append(strip_control(text).replace("\n", " "))
    return "".join(line + "\n" for line in lines or [f"【{IDLE_KIND}】{title}：{IDLE_TEXT}"])


def playlist_json(site: Site, profile: Profile, slides: list[Slide]) -> str:
    """The single-slide URLs with display seconds and validity windows, for players that rotate URLs."""
    base_url = site.config.base_url
    items = [{"id": slide.item.id, "title": slide.title,
              "url": site_url(base_url, slide.page_path) + f"?seconds={profile.seconds}",
              "seconds": profile.seconds, "urgent": slide.urgent, "start": slide.start.isoformat(),
              "end": slide.end.isoformat() if slide.end else None, "kind": "case" if isinstance(slide.item, Case)
              else "notice"} for slide in slides]
    data = {"profile": profile.name or "default", "title": profile.title or site.config.title,
            "page": site_url(base_url, profile.path), "items": items}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def zip_package(files: Mapping[str, bytes | Path]) -> bytes:
    """A deterministic zip: sorted entries, fixed time stamps and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            content = files[name]
            data = content.read_bytes() if isinstance(content, Path) else content
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data)
    return buffer.getvalue()
