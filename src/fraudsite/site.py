"""The site at one moment: configuration, items and "now", with the queries every channel needs."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from itertools import islice
from pathlib import Path

from fraudsite.config import Config
from fraudsite.model import Case, Item, Notice, is_current, is_published, notice_end
from fraudsite.urls import tag_slug


@dataclass(frozen=True)
class Site:
    """Immutable: everything the channels plan from. The clock enters only through ``now``."""

    config: Config
    items: tuple[Item, ...]  # every parsed item, newest first
    now: datetime
    drafts: bool = False
    future: bool = False
    site_dir: Path | None = None  # the site folder, whose theme/ overrides the built-in one (None: that one alone)

    @cached_property
    def published(self) -> tuple[Item, ...]:
        """Items readers may see, newest first."""
        return tuple(i for i in self.items if is_published(i, self.now, self.drafts, self.future))

    @cached_property
    def withdrawn(self) -> tuple[Item, ...]:
        """Items pulled from every list; each keeps a short 已撤下 page."""
        return tuple(i for i in self.items if i.withdrawn)

    @cached_property
    def cases(self) -> tuple[Case, ...]:
        """Published cases, newest first."""
        return tuple(i for i in self.published if isinstance(i, Case))

    @cached_property
    def notices(self) -> tuple[Notice, ...]:
        """Published notices, newest first."""
        return tuple(i for i in self.published if isinstance(i, Notice))

    @cached_property
    def current_notices(self) -> tuple[Notice, ...]:
        """Notices valid now: urgent first, then pinned, then newest."""
        return self.notices_current_at(self.now)

    def notices_current_at(self, moment: datetime) -> tuple[Notice, ...]:
        """Notices valid at a moment up to now, ordered as ``current_notices``."""
        current = [n for n in self.notices if is_current(n, moment, self.config.notice_lifetime_days)]
        return tuple(sorted(current, key=lambda n: (not n.urgent, not n.pinned)))

    def is_current(self, notice: Notice) -> bool:
        """Whether a notice is valid now."""
        return is_current(notice, self.now, self.config.notice_lifetime_days)

    @cached_property
    def _by_type(self) -> dict[str, tuple[Case, ...]]:
        grouped: dict[str, list[Case]] = {}
        for case in self.cases:
            grouped.setdefault(case.type, []).append(case)
        return {key: tuple(cases) for key, cases in grouped.items()}

    def day_of(self, item: Item) -> date:
        """An item's publication day in the site's time zone."""
        return item.date.astimezone(self.config.tz).date()

    @cached_property
    def by_day(self) -> tuple[list[date], list[Item]]:
        """Published items in order of their publication day in the site's time zone, and those days: a period's
        items are found by bisection (``report.period_row``), not by a pass over every item per week."""
        dated = sorted(((self.day_of(item), item) for item in self.published), key=lambda pair: pair[0])
        return [day for day, _ in dated], [item for _, item in dated]

    def cases_of_type(self, key: str) -> tuple[Case, ...]:
        """Published cases of one fraud type, newest first (grouped once: every case page asks)."""
        return self._by_type.get(key, ())

    def for_audience(self, key: str) -> tuple[Item, ...]:
        """Published items aimed at one audience, newest first (grouped once: each channel asks per audience)."""
        return self._by_audience.get(key, ())

    @cached_property
    def _by_audience(self) -> dict[str, tuple[Item, ...]]:
        grouped: dict[str, list[Item]] = {}
        for item in self.published:
            for key in dict.fromkeys(item.audience):  # an audience written twice lists the item once
                grouped.setdefault(key, []).append(item)
        return {key: tuple(items) for key, items in grouped.items()}

    @cached_property
    def tags(self) -> dict[str, tuple[Item, ...]]:
        """Published items by tag, sorted by name. Spellings that share a page (``APP`` and ``app``, ``兼职，刷单``
        and ``兼职刷单``: ``urls.tag_slug``) are one tag, named as most items spell it."""
        items: dict[str, dict[int, Item]] = {}
        spellings: dict[str, Counter[str]] = {}
        for item in self.published:
            for tag in item.tags:
                slug = tag_slug(tag)
                items.setdefault(slug, {})[id(item)] = item
                spellings.setdefault(slug, Counter())[tag] += 1
        named = {min(spellings[slug].items(), key=lambda pair: (-pair[1], pair[0]))[0]: slug for slug in items}
        return {name: tuple(items[named[name]].values()) for name in sorted(named)}

    def related_cases(self, case: Case, limit: int = 4) -> tuple[Case, ...]:
        """Other cases of the same type, newest first."""
        return tuple(islice((c for c in self.cases_of_type(case.type) if c is not case), limit))

    @cached_property
    def _positions(self) -> dict[int, int]:
        """Each published item's index within its section, by identity (equality would compare bodies)."""
        return {id(item): index for section in (self.cases, self.notices) for index, item in enumerate(section)}

    def neighbours(self, item: Item) -> tuple[Item | None, Item | None]:
        """The previous (older) and next (newer) item of the same section."""
        siblings = self.cases if isinstance(item, Case) else self.notices
        index = self._positions.get(id(item))
        if index is None:
            return None, None
        newer = siblings[index - 1] if index > 0 else None
        older = siblings[index + 1] if index + 1 < len(siblings) else None
        return older, newer

    def change_moments(self) -> list[datetime]:
        """Every moment the site changes by the clock alone: starts, updates, expiries and ends of life."""
        moments = []
        for item in self.items:
            if item.withdrawn or (item.draft and not self.drafts):
                continue
            if not self.future:
                moments.append(item.date)
            if item.updated is not None:  # one to come (W619) counts in the feeds and the sitemap once it has
                moments.append(item.updated)
            if isinstance(item, Notice):
                moments += [m for m in (notice_end(item, self.config.notice_lifetime_days), item.expires) if m]
        return sorted(set(moments))

    def next_change(self) -> datetime | None:
        """The next moment the output changes by the clock alone: a start, an expiry or an end of life."""
        return min((m for m in self.change_moments() if m > self.now), default=None)
