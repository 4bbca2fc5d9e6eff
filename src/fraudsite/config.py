"""The site configuration, ``fraudsite.yaml``: every key checked, with a default where sensible."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fraudsite.errors import BuildFailed, Problem, describe_os_error, did_you_mean, problem
from fraudsite.urls import host_key
from fraudsite.yamltext import Located, YamlProblem, colon_slip, read_yaml


@dataclass(frozen=True)
class FraudType:
    """A fraud type (诈骗类型) that cases are sorted into."""

    key: str  # ASCII, used in URLs: /types/<key>/
    name: str  # Chinese name shown to readers
    description: str = ""  # one line under the name
    warning: str = ""  # the single warning that matters most


@dataclass(frozen=True)
class Audience:
    """A group of readers (受众) the campaign targets separately."""

    key: str
    name: str


@dataclass(frozen=True)
class Office:
    """The campaign office: default issuer, contact line, its phone is never a privacy finding."""

    name: str = "保卫处（无诈校园创建办公室）"
    phone: str = ""
    email: str = ""


DEFAULT_TYPES = (
    FraudType("shuadan", "刷单返利", "以兼职刷单、点赞返利为诱饵，先小额返利再诱导大额垫付。", "凡是要求先垫付资金的刷单兼职都是诈骗。"),
    FraudType("gambling", "网络赌博", "诱导参与境外赌博网站或 App，先让你赢再让你输光。", "网络赌博违法，所谓“稳赚平台”都是骗局。"),
    FraudType("exam-answers", "购买试题答案", "声称能提供考试真题或答案，收钱后失联。", "考试答案不可能提前买到，买答案既违纪又被骗。"),
    FraudType("ghostwriting", "代写代发论文", "以代写、代发论文为名收取费用，交付造假或卷款消失。", "代写代发论文是学术不端，付款后往往钱稿两空。"),
    FraudType("two-cards", "出租出借两卡", "收购、租借学生的手机卡和银行卡，用于转移诈骗资金。", "出租出借手机卡、银行卡违法，会被追究刑事责任。"),
    FraudType("tuition", "学费诈骗", "开学季冒充学校或老师，发送假缴费通知或二维码。", "学费只通过学校官方渠道缴纳，不向个人账户转账。"),
    FraudType("fake-service", "冒充客服", "冒充电商、快递客服，以退款、理赔为名骗取转账。", "正规客服不会让你下载会议软件或转账“解冻”。"),
    FraudType("fake-police", "冒充公检法", "冒充公安、检察院、法院，以涉案为名要求转入“安全账户”。", "公检法机关没有“安全账户”，不会电话办案要求转账。"),
    FraudType("loan", "网络贷款", "以无抵押、低利息贷款为名，收取手续费、保证金。", "放款前要求交任何费用的贷款都是诈骗。"),
    FraudType("game-trade", "网络游戏交易", "以买卖游戏账号、装备为名，引到虚假平台付款。", "游戏交易只走官方平台，不私下转账。"),
    FraudType("impersonation", "冒充熟人领导", "冒充亲友、老师或领导，以急事为由借钱。", "凡是网上借钱，先打电话或当面核实身份。"),
    FraudType("fake-shop", "虚假购物", "低价商品引流到私下交易，付款后不发货。", "远低于市价的商品要警惕，拒绝私下转账交易。"),
)

DEFAULT_AUDIENCES = (
    Audience("freshmen", "新生"),
    Audience("students", "在校生"),
    Audience("staff", "教职工"),
    Audience("retirees", "离退休人员"),
    Audience("parents", "家长"),
)


@dataclass(frozen=True)
class Config:
    """Everything ``fraudsite.yaml`` sets; channel sections are read by their channels."""

    title: str
    base_url: str  # absolute, ends with "/", may carry a sub-path
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    office: Office = field(default_factory=Office)
    types: tuple[FraudType, ...] = DEFAULT_TYPES
    audiences: tuple[Audience, ...] = DEFAULT_AUDIENCES
    page_size: int = 10
    feed_size: int = 50
    notice_lifetime_days: int = 30
    trusted_html: bool = False  # website only: keep raw HTML as written
    screen: dict[str, Any] = field(default_factory=dict)
    wechat: dict[str, Any] = field(default_factory=dict)
    privacy: dict[str, Any] = field(default_factory=dict)
    search: dict[str, Any] = field(default_factory=dict)
    path: str = "fraudsite.yaml"  # where it was read from, for messages
    # fraudsite.yaml's base_url where another one serves the site (--base-url, the preview's address): its host
    # is still the site's own.
    configured_url: str = ""
    # Lines of the keys inside channel sections ("wechat.author" -> 12), so channels can name the line.
    section_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        """The site's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def own_hosts(self) -> tuple[str, ...]:
        """The hosts the site is served from: the base URL's, and fraudsite.yaml's where another serves it."""
        return tuple(sorted({host_key(urlsplit(url).netloc) for url in (self.base_url, self.configured_url) if url}))

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, such as ``/fzzl/``."""
        return urlsplit(self.base_url).path

    @cached_property  # asked once per item: built once (a frozen dataclass keeps it in its __dict__, not its fields)
    def type_names(self) -> dict[str, str]:
        """Each fraud type's key with its name, in the configured order: what an editor may write, and means."""
        return {t.key: t.name for t in self.types}

    @cached_property
    def audience_names(self) -> dict[str, str]:
        """Each audience's key with its name, in the configured order."""
        return {a.key: a.name for a in self.audiences}

    def type_by_key(self, key: str) -> FraudType:
        """Look up a fraud type; the key has been validated."""
        return self._types_by_key[key]

    def audience_by_key(self, key: str) -> Audience:
        """Look up an audience; the key has been validated."""
        return self._audiences_by_key[key]

    @cached_property  # asked for every item's type and audiences in every channel: a pass per ask took 50 ms at 10,000
    def _types_by_key(self) -> dict[str, FraudType]:
        return {t.key: t for t in self.types}

    @cached_property
    def _audiences_by_key(self) -> dict[str, Audience]:
        return {a.key: a for a in self.audiences}


_KEYS = {f for f in Config.__dataclass_fields__ if f not in ("path", "section_lines", "configured_url")}  # those are ours
_REQUIRED = ("title", "base_url")
_ASCII_KEY = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*\Z")  # BCP 47 as pages use it: zh-CN, zh-Hans, en
# The last segment of a page's address as a browser shows it (…/fzzl/index.html), not a folder's.
_PAGE_NAME = re.compile(r"/[^/]+\.(?:s?html?|php|aspx?|jsp)\Z", re.IGNORECASE)


def require_site(path: Path) -> None:
    """E101 unless the configuration file ``path`` is there: the site folder is not, or is not a site's."""
    if path.is_file():
        return
    if not path.parent.is_dir():  # fraudsite build nosuchdir
        raise BuildFailed([problem(path.name, 0, "E101", "", f"找不到网站文件夹 {path.parent.resolve()}；请检查命令里写的路径，"
                                   "或进入网站文件夹（有 fraudsite.yaml 和 content 的那个）再运行")])
    raise BuildFailed([problem(path.name, 0, "E101", "", f"在 {path.parent.resolve()} 中找不到配置文件；请进入网站文件夹（有 "
                               "fraudsite.yaml 和 content 的那个）再运行，或在命令后写上它的路径；新建网站用 fraudsite init")])


def load_config(path: Path, base_url: str | None = None) -> Config:
    """Read and check ``fraudsite.yaml``; raise BuildFailed listing every problem."""
    shown = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        require_site(path)
        raise
    except OSError as error:
        raise BuildFailed([problem(shown, 0, "E101", "", f"无法读取配置文件（{describe_os_error(error)}）")]) from None
    try:
        text = raw.decode("utf-8-sig")
        located = read_yaml(text)
    except UnicodeDecodeError:
        raise BuildFailed([problem(shown, 0, "E010", "", "配置文件不是 UTF-8 编码；请以 UTF-8 重新保存")]) from None
    except YamlProblem as error:
        raise BuildFailed([problem(shown, error.line, error.code, "", error.message)]) from None
    if not isinstance(located.data, (dict, type(None))) and (slip := colon_slip(text)):  # as in front matter
        raise BuildFailed([problem(shown, slip[0], "E003", "", slip[1])])
    problems: list[Problem] = []
    config = parse_config(located, shown, problems)
    if config is not None and base_url:
        if not _normalise_base_url(base_url):
            raise BuildFailed([problem("--base-url", 0, "E108", "", f"“{base_url}”不是网站的完整网址；应以 http:// 或 "
                                       "https:// 开头，不带 ? 或 # 之后的部分，例如 https://www.example.edu.cn/fzzl/")])
        config = replace(config, base_url=_normalise_base_url(base_url), configured_url=config.base_url)
    if problems:
        raise BuildFailed(problems)
    assert config is not None
    return config


def parse_config(located: Located, shown: str, problems: list[Problem]) -> Config | None:
    """Turn parsed YAML into a Config, appending a Problem for each bad key."""
    data = located.data if located.data is not None else {}
    if not isinstance(data, dict):
        problems.append(problem(shown, 1, "E102", "", "配置应为“键: 值”形式"))
        return None

    def bad(key: str, message: str, code: str = "E103") -> None:
        problems.append(problem(shown, located.line_of(key, 1), code, key, message))

    for key in data:
        if key not in _KEYS:
            bad(key, f"未知的配置项；{did_you_mean(key, sorted(_KEYS))}", "E104")
    missing = {key for key in _REQUIRED if data.get(key) in (None, "")}  # base_url: 0 is a wrong value, not none
    for key in sorted(missing, key=list(_REQUIRED).index):
        bad(key, "缺少必填配置项；请填写", "E105")
    values: dict[str, Any] = {"path": shown}
    for key in ("title", "language", "timezone"):
        if key in data and key not in missing:  # one problem, said once
            if not isinstance(data[key], str) or not data[key].strip():
                bad(key, "应为非空文字")
            else:
                values[key] = data[key].strip()
    if "base_url" not in missing:
        # Not text (8080, true, [https://…]): the same message, else no Config and no problem to say why.
        url = _normalise_base_url(data["base_url"]) if isinstance(data["base_url"], str) else ""
        if not url:
            bad("base_url", _base_url_advice(data["base_url"]))
        else:
            values["base_url"] = url
    if "language" in values and not _LANGUAGE_TAG.match(values["language"]):  # written as <html lang="…">
        bad("language", f"“{values.pop('language')}”不是语言代码；应为字母、数字和连字符组成的代码，简体中文写 zh-CN")
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            bad("timezone", "未知的时区；例如 Asia/Shanghai")
            del values["timezone"]
    for key in ("page_size", "feed_size", "notice_lifetime_days"):
        if key in data:
            if type(data[key]) is not int or not 1 <= data[key] <= 10_000:
                bad(key, "应为 1 到 10000 之间的整数")
            else:
                values[key] = data[key]
    if "trusted_html" in data:
        if type(data["trusted_html"]) is not bool:
            bad("trusted_html", "应为 true 或 false")
        else:
            values["trusted_html"] = data["trusted_html"]
    for key in ("screen", "wechat", "privacy", "search"):
        if key in data:
            if not isinstance(data[key], dict):
                bad(key, "应为“键: 值”形式的一组设置")
            else:
                values[key] = data[key]
                values.setdefault("section_lines", {}).update(
                    {name: line for name, line in located.lines.items() if name == key or name.startswith(key + ".")})
    if isinstance(data.get("search"), dict):  # no channel reads a setting there yet: one would pass unheard
        for key in data["search"]:
            bad(f"search.{key}", "未知的配置项；search 下目前没有可写的设置，请删去这一行", "E104")
    if "office" in data:
        values["office"] = _parse_office(data["office"], bad)
    if "types" in data:
        values["types"] = _parse_named_list(data["types"], "types", ("key", "name", "description", "warning"), located, shown, problems, FraudType)
    if "audiences" in data:
        values["audiences"] = _parse_named_list(data["audiences"], "audiences", ("key", "name"), located, shown, problems, Audience)
    if "title" not in values or "base_url" not in values:
        return None
    return Config(**values)


def _normalise_base_url(url: str) -> str:
    """The site's address ending in "/", or "" if it is not one: every page's address is this plus a path, so
    a query or a fragment (``…/fzzl/?from=qr``), or a page's name pasted from the browser (``…/fzzl/index.html``),
    would end up in the middle of each."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or "?" in url or "#" in url or "@" in parts.netloc:
        return ""  # a user name and password (user:pw@host) would be published in every address
    if _PAGE_NAME.search(parts.path):
        return ""
    try:
        port = parts.port
    except ValueError:  # not a number, or beyond 65535
        return ""
    if port == 0:
        return ""
    # As browsers and crawlers write it (the host in lower case, no default port), so every feed's self link,
    # the sitemap and robots.txt name the address readers see: WWW.Example.edu.cn:443 was written as it was. A
    # Chinese host (反诈.学校.cn) in its ASCII form (xn--…), which every reader and QR scanner takes: percent-encoded,
    # as the rest of an address is, it was no host name at all to most.
    try:
        host = parts.hostname if parts.hostname.isascii() else parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:  # an empty or over-long label
        return ""
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, {"http": 80, "https": 443}[parts.scheme]) else f"{host}:{port}"
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{netloc}{path}"


def _base_url_advice(url: Any) -> str:
    """What to do about a base_url that ``_normalise_base_url`` refuses."""
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts and "@" in parts.netloc:
        return "网址里不能带用户名和密码（@ 及其前面的部分），否则每个页面的地址里都会有它们；请删去，例如 https://www.example.edu.cn/fzzl/"
    page = _PAGE_NAME.search(parts.path) if parts else None
    if page and (folder := _normalise_base_url(urlunsplit(parts._replace(path=parts.path[:page.start() + 1])))):
        return (f"应为专栏所在的文件夹，而不是其中一个网页：末尾的“{page.group()[1:]}”会出现在每个页面的地址中间；"
                f"请删去它，写成 {folder}")
    return "应为网站的完整网址，不带 ? 或 # 之后的部分，例如 https://www.example.edu.cn/fzzl/"


def _parse_office(data: Any, bad) -> Office:
    if not isinstance(data, dict):
        bad("office", "应包含 name、phone、email")
        return Office()
    values = {}
    for key, value in data.items():
        if key not in ("name", "phone", "email"):
            bad(f"office.{key}", f"未知的配置项；{did_you_mean(key, ['name', 'phone', 'email'])}", "E104")
        elif (text := _text(value)) is None:
            bad(f"office.{key}", _not_text(value))
        elif text:
            values[key] = text
    return Office(**values)


def _text(value: Any) -> str | None:
    """A text setting as written and stripped ("" for none), or None if it is not text: as front matter takes a
    text (content.py's _Fields.text), a number is its digits, and a list, a set or true is no text."""
    if isinstance(value, (list, dict, bool)):
        return None
    return "" if value is None else str(value).strip()


def _not_text(value: Any) -> str:
    """Why a value ``_text`` refuses is no text, and what to write."""
    if isinstance(value, bool):
        return "应为一段文字；若本意是文字，请加英文引号"
    return "应为一段文字，而不是列表或多项设置；几句话请写在同一行里"


def _parse_named_list(data: Any, key: str, fields: tuple[str, ...], located: Located, shown: str, problems: list[Problem], kind):
    if not isinstance(data, list) or not data:
        problems.append(problem(shown, located.line_of(key, 1), "E103", key, "应为非空列表，每项含 " + "、".join(fields)))
        return ()
    example = {"types": "shuadan", "audiences": "students"}[key]
    result = []
    seen: set[str] = set()
    for index, entry in enumerate(data):
        where = located.line_of(f"{key}.{index}", 1)
        if not isinstance(entry, dict):  # named, as [shuadan, loan] puts several on one line
            problems.append(problem(shown, where, "E103", key, f"“{entry}”不是一组设置；每项应为“键: 值”形式，含 "
                                    + "、".join(fields)))
            continue
        for name in entry:
            if name not in fields:
                problems.append(problem(shown, where, "E104", f"{key}.{name}", f"未知的字段；{did_you_mean(name, list(fields))}"))
        item_key = entry.get("key")
        if not isinstance(item_key, str) or not _ASCII_KEY.match(item_key):
            hint = (f"是否想写 {item_key.lower()}？" if isinstance(item_key, str) and _ASCII_KEY.match(item_key.lower())
                    else f"例如 {example}")
            written = f"“{item_key}”" if item_key is not None else ""
            problems.append(problem(shown, located.line_of(f"{key}.{index}.key", where), "E106", f"{key}.key",
                                    f"键{written}应为小写英文字母、数字和连字符；{hint}"))
            continue
        if item_key in seen:
            problems.append(problem(shown, where, "E107", f"{key}.key", f"键“{item_key}”重复；每个键只能定义一次"))
        texts = {name: _text(entry.get(name)) for name in fields}
        for name in fields:
            if texts[name] is None:
                problems.append(problem(shown, located.line_of(f"{key}.{index}.{name}", where), "E103", f"{key}.{name}",
                                        _not_text(entry[name])))
        if texts["name"] == "":
            problems.append(problem(shown, where, "E105", f"{key}.name", "缺少中文名称"))
        if None in texts.values() or not texts["name"]:
            continue
        seen.add(item_key)
        result.append(kind(**texts))
    return tuple(result)
