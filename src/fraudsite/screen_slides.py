"""Which slides a screen profile shows, in which order, with each slide's validity window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fraudsite.clock import chinese_until
from fraudsite.markup import shorten
from fraudsite.model import Case, Item, Notice, notice_end
from fraudsite.render import format_yuan
from fraudsite.screen_profiles import Profile, ScreenSettings
from fraudsite.site import Site

MAX_SIGNS = 3  # more than three warning signs cannot be read from across a hall
NOTICE_TEXT_CHARS = 90


@dataclass(frozen=True)
class Slide:
    """One item as a screen shows it: short texts, facts, and when it may be shown."""

    item: Item
    start: datetime  # not shown before
    end: datetime | None  # not shown from this moment; None: no end (cases)
    urgent: bool
    kind: str  # 紧急通知, 通知, 案例
    title: str  # screen_title if given
    facts: tuple[tuple[str, str], ...]  # (label, value)
    signs: tuple[str, ...]  # at most three warning signs
    text: str  # a notice's summary, shortened
    warning: str  # the fraud type's key warning

    @property
    def id(self) -> str:
        """Stable across builds: the item's page path."""
        return self.item.path

    @property
    def page_path(self) -> str:
        """Site-relative folder of the single-slide page."""
        return f"screen/items/{self.item.section}/{self.item.slug}/"

    def current(self, now: datetime) -> bool:
        """Inside its validity window at ``now``."""
        return self.start <= now and (self.end is None or now < self.end)


def is_candidate(item: Item, site: Site) -> bool:
    """Not withdrawn, not a draft (unless drafts are built)."""
    return not item.withdrawn and not (item.draft and not site.drafts)


def matches(item: Item, profile: Profile) -> bool:
    """Whether an item belongs on a profile's screen. An urgent notice belongs on every screen, one showing cases
    alone (``sections: [cases]``) too: a live scam wave is news for every hall."""
    if isinstance(item, Notice) and item.urgent:
        return True
    if item.section not in profile.sections:
        return False
    if isinstance(item, Case) and profile.types and item.type not in profile.types:
        return False
    # An item for no audience in particular is for everyone.
    return not profile.audiences or not item.audience or any(a in profile.audiences for a in item.audience)


def select_slides(site: Site, profile: Profile, settings: ScreenSettings) -> list[Slide]:
    """Urgent notices, then current notices, then the most recent cases; scheduled ones within the horizon too."""
    now, horizon = site.now, site.now + timedelta(days=settings.horizon_days)
    lifetime = site.config.notice_lifetime_days
    items = [i for i in site.items if is_candidate(i, site) and matches(i, profile) and i.date <= horizon]
    notices = [n for n in items if isinstance(n, Notice) and notice_end(n, lifetime) > now]
    notices.sort(key=lambda n: (not n.urgent, not n.pinned, -n.date.timestamp(), n.source))
    cases = [c for c in items if isinstance(c, Case)]
    recent = [c for c in cases if c.date <= now][: profile.cases]
    scheduled = [c for c in cases if c.date > now]
    slides = [make_slide(n, site, notice_end(n, lifetime)) for n in notices]
    return slides + [make_slide(c, site, None) for c in scheduled + recent]


def make_slide(item: Item, site: Site, end: datetime | None) -> Slide:
    """The texts and facts of one slide."""
    config = site.config
    audience = "、".join(config.audience_by_key(a).name for a in item.audience)
    facts: list[tuple[str, str]] = []
    signs: tuple[str, ...] = ()
    text = warning = ""
    if isinstance(item, Case):
        fraud_type = config.type_by_key(item.type)
        facts.append(("类型", fraud_type.name))
        if item.amount is not None:
            facts.append(("损失", format_yuan(item.amount)))
        signs, warning = item.signs[:MAX_SIGNS], fraud_type.warning
        kind = "案例"
    else:
        assert isinstance(item, Notice)
        # The issuer's deadline alone, as on the website: the lifetime only says how long the screens show it.
        if item.expires is not None:
            facts.append(("有效期至", chinese_until(item.expires)))
        text = shorten(item.summary, NOTICE_TEXT_CHARS)
        kind = "紧急通知" if item.urgent else "通知"
    if item.draft:  # only in a preview with drafts: an editor must tell it from what the screens show now
        kind = f"草稿 · {kind}"
    if audience:
        facts.append(("面向", audience))
    facts.append(("发布", item.issuer or config.office.name))
    urgent = isinstance(item, Notice) and item.urgent
    return Slide(item=item, start=item.date, end=end, urgent=urgent, kind=kind,
                 title=item.screen_title or item.title, facts=tuple(facts), signs=tuple(signs), text=text,
                 warning=warning)
