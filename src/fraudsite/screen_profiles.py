"""The ``screen:`` section of fraudsite.yaml: slideshow settings and named screen profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from fraudsite.config import Config
from fraudsite.errors import BuildFailed, Problem, did_you_mean, problem

_PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
SECTIONS = ("notices", "cases")
# (key, lowest, highest): integer settings valid at the top level and, except the first three, per profile.
_NUMBERS = {
    "refresh": (10, 3600),  # seconds between checks of the data file
    "horizon_days": (0, 60),  # scheduled items this many days ahead travel in the data, hidden until start
    "summary_length": (20, 500),  # length of a feed description or ticker line's text
    "seconds": (4, 600),  # seconds per slide
    "cases": (0, 50),  # most recent cases shown
}
_PROFILE_KEYS = ("title", "sections", "types", "audiences", "seconds", "cases")


@dataclass(frozen=True)
class Profile:
    """One screen's selection: which sections, fraud types and audiences, how many cases, how fast."""

    name: str  # "" for the default profile at /screen/
    title: str  # shown in the corner beside the column's name
    sections: tuple[str, ...] = SECTIONS
    types: tuple[str, ...] = ()  # fraud type keys; empty means every type
    audiences: tuple[str, ...] = ()  # audience keys; empty means everyone
    seconds: int = 12
    cases: int = 6

    @property
    def path(self) -> str:
        """Site-relative folder: ``screen/`` or ``screen/p/<name>/``."""
        return f"screen/p/{self.name}/" if self.name else "screen/"

    @property
    def zip_path(self) -> str:
        """The offline package: ``screen/default.zip`` or ``screen/<name>.zip``."""
        return f"screen/{self.name or 'default'}.zip"


@dataclass(frozen=True)
class ScreenSettings:
    """The whole ``screen:`` section, checked."""

    refresh: int = 60
    horizon_days: int = 7
    summary_length: int = 60
    profiles: tuple[Profile, ...] = (Profile("", ""),)  # the default profile first


def load_screen_settings(config: Config) -> ScreenSettings:
    """Check ``config.screen``; raise BuildFailed naming fraudsite.yaml lines."""
    problems: list[Problem] = []
    settings = parse_screen_settings(config, problems)
    if problems:
        raise BuildFailed(problems)
    return settings


def parse_screen_settings(config: Config, problems: list[Problem]) -> ScreenSettings:
    """The settings, appending a Problem for every bad key."""
    data: dict[str, Any] = config.screen or {}
    lines = getattr(config, "section_lines", {}) or {}

    def bad(key: str, message: str, code: str = "E110") -> None:
        problems.append(problem(config.path, lines.get(key, lines.get("screen", 0)), code, key, message))

    for key in data:
        if key not in (*_NUMBERS, "profiles"):
            bad(f"screen.{key}", f"未知的大屏设置；{did_you_mean(key, [*_NUMBERS, 'profiles'])}", "E111")
    numbers = {key: _number(data, key, f"screen.{key}", bad) for key in _NUMBERS if key in data}
    numbers = {key: value for key, value in numbers.items() if value is not None}
    default = Profile("", "", seconds=numbers.pop("seconds", 12), cases=numbers.pop("cases", 6))
    profiles = [default]
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        bad("screen.profiles", "应为“名称: 设置”形式，例如 canteen: {title: 食堂大屏, sections: [cases]}")
        raw_profiles = {}
    for name in sorted(raw_profiles):
        profile = _parse_profile(name, raw_profiles[name], default, config, bad)
        if profile is not None:
            profiles.append(profile)
    return ScreenSettings(profiles=tuple(profiles), **numbers)


def _number(data: dict, key: str, where: str, bad) -> int | None:
    low, high = _NUMBERS[key]
    value = data[key]
    if type(value) is not int or not low <= value <= high:
        bad(where, f"应为 {low} 到 {high} 之间的整数")
        return None
    return value


def _parse_profile(name: str, data: Any, default: Profile, config: Config, bad) -> Profile | None:
    where = f"screen.profiles.{name}"
    if not _PROFILE_NAME.match(str(name)) or name == "default":
        bad(where, "大屏名称应为小写英文字母、数字和连字符（default 已被默认大屏使用），例如 canteen", "E112")
        return None
    if not isinstance(data, dict):
        bad(where, "应为一组设置，例如 {title: 食堂大屏, sections: [cases]}")
        return None
    for key in data:
        if key not in _PROFILE_KEYS:
            bad(f"{where}.{key}", f"未知的大屏设置；{did_you_mean(key, list(_PROFILE_KEYS))}", "E111")
    values: dict[str, Any] = {"name": name, "title": name}
    if "title" in data:
        if not isinstance(data["title"], str) or not data["title"].strip():
            bad(f"{where}.title", "应为非空文字，例如 食堂大屏")
        else:
            values["title"] = data["title"].strip()
    choices = {"sections": list(SECTIONS), "types": [t.key for t in config.types],
               "audiences": [a.key for a in config.audiences]}
    for key, allowed in choices.items():
        if key in data:
            values[key] = _keys(data[key], allowed, f"{where}.{key}", bad)
    for key in ("seconds", "cases"):
        if key in data:
            number = _number(data, key, f"{where}.{key}", bad)
            if number is not None:
                values[key] = number
    if values.get("sections") == ():
        if data.get("sections") == []:
            bad(f"{where}.sections", "至少选择一个栏目：notices、cases")
        values.pop("sections")
    return replace(default, **values)


def _keys(value: Any, allowed: list[str], where: str, bad) -> tuple[str, ...]:
    """A list of known keys (one string accepted)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        bad(where, "应为列表，可选：" + "、".join(allowed))
        return ()
    unknown = [i for i in items if i not in allowed]
    for key in unknown:
        bad(where, f"未知的键“{key}”；{did_you_mean(key, allowed)}", "E113")
    return tuple(i for i in items if i in allowed)
