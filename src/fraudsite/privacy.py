"""The privacy scan: victims' phone, ID-card, bank-card, QQ, e-mail and student numbers never get published.

Every text a reader sees (title, summary, signs, advice, body, ...) is scanned in the source file itself,
so a finding points at ``path:line:column`` (1-based, columns in characters) and no cache can skip it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from html import unescape
from pathlib import Path
from urllib.parse import unquote

from fraudsite.config import Config
from fraudsite.derived import active_store, stored_keys
from fraudsite.errors import BuildFailed, Problem, problem, warning
from fraudsite.frontmatter import decode_source
from fraudsite.markup import line_at
from fraudsite.model import Item

CLEAN = ("privacy", "clean")  # the derived-store entry of the keys of items found clean
# Numbers the campaign itself publishes everywhere: the anti-fraud hotline, police, complaint lines.
PUBLIC_NUMBERS = frozenset({"96110", "110", "12321", "12381"})
KINDS = {  # kind -> (code, Chinese name)
    "id_card": ("E602", "身份证号"),
    "bank_card": ("E603", "银行卡号"),
    "mobile": ("E601", "手机号"),
    "email": ("E605", "电子邮箱"),
    "qq": ("E604", "QQ 号"),
    "student_number": ("E606", "学号"),
    "wechat_id": ("E607", "微信号"),
}

# Full-width forms (０-９, ＋, －, ＠, ＱＱ, ideographic space) read as ASCII, one character for one,
# so positions in the normalised text are positions in the original.
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DASHES = {code: 0x2D for code in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212)}
_NORMALISE = _WIDE | _DASHES
_SEP = "[ -]?"  # one optional space or dash between digits: 138 1234 5678, 138-1234-5678
_NOT_BEFORE_DIGIT = r"(?![ -]?\d)"
_PATTERNS = {
    # any grouping (110105 19491231 002X, 110105 1949 1231 002X); birth date and check digit are checked after
    # the look-behinds follow the first digit so the regex engine can skip to digits quickly
    "id_card": re.compile(r"(\d(?<!\d\d)(?<!\d[ -]\d)(?:[ -]?\d){16}[ -]?[\dXx])" + _NOT_BEFORE_DIGIT + "(?![Xx])"),
    # the 15-digit card issued before 1999, still quoted from old records: area code and birth date checked after
    "id_card_old": re.compile(r"([1-8](?<!\d[1-8])(?<!\d[ -][1-8])\d{14})" + _NOT_BEFORE_DIGIT + "(?![Xx])"),
    "bank_card": re.compile(r"([2-6](?<!\d\d)(?<!\d[ -]\d)\d{3}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?)" + _NOT_BEFORE_DIGIT),
    "mobile": re.compile(rf"((?:\+86|0(?<!\d0)086|8(?<!\d8)6){_SEP}1[3-9]\d(?:{_SEP}\d){{8}})" + _NOT_BEFORE_DIGIT),
    "mobile_local": re.compile(rf"(1(?<!\d1)(?<!\d[ -]1)[3-9]\d(?:{_SEP}\d){{8}})" + _NOT_BEFORE_DIGIT),
    # in three groups parted alike: by one or two spaces, or by dots (138.1234.5678)
    "mobile_grouped": re.compile(r"(1(?<!\d1)(?<!\d[ .-]1)[3-9]\d(?:[ \t]{1,2}\d{4}[ \t]{1,2}|\.\d{4}\.)\d{4})(?![ .\-]?\d)"),
    "email": re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"),
    # QQ号 123, QQ 号码是：123, QQ（123）
    "qq": re.compile(r"(?i)(?:qq|扣扣|企鹅号)[ \t]*(?:号码|账号|号|群号|群)?[ \t]*(?:是|为)?[ \t]*[:：(（]?[ \t]*"
                     r"([1-9]\d{4,10})(?!\d)"),
    # a WeChat ID (6-20 characters from a Latin letter) after the word for it and 号, a colon, 是 or 为: 微信号
    # zhang_san88, vx：abc123 (微信 Moments, wxPython: no account)
    "wechat_id": re.compile(r"(?:微信|(?<![A-Za-z])(?:[vVwW][xX]|[wW]eixin|WEIXIN)(?![A-Za-z]))[ \t]*"
                            r"(?:(?:号码|账号|号|ID|id)[ \t]*(?:是|为)?[ \t]*[:：(（]?|(?:是|为)[ \t]*[:：]?|[:：(（])[ \t]*"
                            r"([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@.])"),
    # digits, perhaps after a letter, right after a word that says whose number they are: found without the
    # site's own pattern (``privacy.student_number``), which finds the numbers written on their own
    "student_number_named": re.compile(r"(?:学号|学籍号|考生号|准考证号|学生证号|一卡通号|校园卡号)码?[ \t]*(?:是|为)?[ \t]*"
                                       r"[:：]?[ \t]*([A-Za-z]?\d(?:[ -]?\d){5,13})(?![ -]?\d)"),
}
_KIND_OF = {"mobile_local": "mobile", "mobile_grouped": "mobile", "id_card_old": "id_card",
            "student_number_named": "student_number"}  # pattern -> the kind it finds
# What a text needs before a pattern can match it, checked first (most bodies have none of it): tried at every
# character of every body, the patterns took 90 ms of CPU per 1,000 items, these checks and the patterns that pass
# them 30. ``long_number``: the text holds 11 digits or more written as one number (``_LONG_NUMBER``), as a phone,
# ID-card or bank-card number needs. A student number's words are as quick to find as its pattern is.
_WECHAT = "微信|[vVwW][xX]|[wW]eixin|WEIXIN"  # the words a WeChat ID follows (``wechat_id``)
_LONG_NUMBER = re.compile(r"\d(?:[ \t.\-]{0,2}\d){10}")
_NEEDS_LONG_NUMBER = {"id_card", "id_card_old", "bank_card", "mobile", "mobile_local", "mobile_grouped"}
_NEEDS_ONE_OF = {  # what the others need is in every text
    "email": re.compile("@"),
    "qq": re.compile("[qQ]|扣扣|企鹅号"),
    "wechat_id": re.compile(_WECHAT),
}
_WIDE_FORMS = re.compile("[\uff0b\uff0d\uff0e\uff10-\uff3a\uff3f\uff41-\uff5a\u3000\u2010-\u2014\u2212]")
_MAY_HOLD_DATA = re.compile("[0-9@\uff10-\uff19\uff20]")
_NOT_WECHAT_IDS = frozenset({"wechat", "weixin", "wecom", "official", "account", "accounts", "wechatpay"})
_WECHAT_WORD = re.compile(f"{_WECHAT}|[ｖＶｗＷ][ｘＸ]")  # before full-width letters are read as ASCII
_ANCHORED = {"wechat_id": re.compile(f"(?={_WECHAT})")}  # where a match of the pattern may begin
_AMOUNT_AFTER = re.compile(r"[ \t]*(?:元|块|万|亿|角|余元|多元|美元|人民币|rmb|RMB)")
_AMOUNT_BEFORE = re.compile(r"(?:[¥￥$]|人民币)[ \t]*\Z")
_DATE = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\Z")
_BIRTH_DATE = re.compile(r"(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_SHORT_BIRTH_DATE = re.compile(r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
                       "71 81 82".split())
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a text."""

    kind: str  # a key of KINDS
    start: int  # character offsets in the scanned text
    end: int
    value: str  # as written

    @property
    def key(self) -> str:
        """The form it is compared in (``normalise_value``; a WeChat ID as written, in lower case)."""
        return self.value.translate(_NORMALISE).strip().lower() if self.kind == "wechat_id" else normalise_value(self.value)

    @property
    def masked(self) -> str:
        """The match with its middle hidden, safe to print in a report."""
        return mask(self.kind, self.value)


@dataclass(frozen=True)
class PrivacyRules:
    """What counts as personal data for this site, and what is public."""

    student_number: re.Pattern[str] | None = None
    public: frozenset[str] = PUBLIC_NUMBERS  # normalised values never flagged (office phone, e-mail, hotlines)


def privacy_rules(config: Config) -> PrivacyRules:
    """Rules from ``fraudsite.yaml``: the ``privacy.student_number`` pattern and the office's own contacts."""
    public = set(PUBLIC_NUMBERS)
    for contact in (config.office.phone, config.office.email):
        if contact:
            public.add(normalise_value(contact))
    pattern = config.privacy.get("student_number")

    def bad(key: str, message: str) -> Problem:
        line = config.section_lines.get(f"privacy.{key}", config.section_lines.get("privacy", 0))
        return problem(config.path, line, "E609", f"privacy.{key}", message)

    unknown = sorted(set(config.privacy) - {"student_number"})
    problems = [bad(key, "未知的配置项；privacy 下只能写 student_number") for key in unknown]
    compiled = None
    if isinstance(pattern, bool) or pattern is not None and not isinstance(pattern, (str, int)):
        problems.append(bad("student_number", "应为一个正则表达式文字，例如 '20\\d{8}'（用单引号）"))
    elif pattern is not None:
        try:  # alone first: a stray "[" or "(" would swallow the wrapper below and compile into another pattern
            re.compile(str(pattern))
            compiled = re.compile(rf"(?<![0-9A-Za-z])(?:{pattern})(?![0-9A-Za-z])")
        except re.error as error:
            problems.append(bad("student_number", f"不是有效的正则表达式：{_regex_fault(error)}；例如 '20\\d{{8}}'（用单引号）"))
        if compiled is not None and compiled.fullmatch(""):
            problems.append(bad("student_number", "不能匹配空文字；请写学号的格式"))
            compiled = None
    if problems:
        raise BuildFailed(problems)
    return PrivacyRules(compiled, frozenset(public))


_REGEX_FAULTS = (  # words of Python's re.error -> what they mean to whoever wrote the pattern
    ("unterminated character set", "方括号 [ ] 没有成对"),
    ("missing ), unterminated subpattern", "圆括号 ( ) 没有成对"),
    ("unbalanced parenthesis", "圆括号 ( ) 没有成对"),
    ("nothing to repeat", "重复符号（* + ? 或 {n}）前面没有可重复的内容"),
    ("multiple repeat", "重复符号（* + ? 或 {n}）连写了两个"),
    ("bad escape", "反斜杠“\\”后面的字母不是正则表达式的写法"),
)


def _regex_fault(error: re.error) -> str:
    """A Chinese reason for a bad regular expression, with the place it is found at."""
    reason = next((said for words, said in _REGEX_FAULTS if error.msg.startswith(words)), "写法有误")
    return reason if error.pos is None else f"{reason}（第 {error.pos + 1} 个字符处）"


def normalise_value(value: str) -> str:
    """The form values are compared in: e-mails in lower case, numbers as bare digits (no +86)."""
    text = str(value).translate(_NORMALISE).strip()
    if "@" in text:
        return text.lower()
    digits = re.sub(r"\D", "", text)
    if len(digits) in (13, 15) and digits.removeprefix("00").startswith("861"):
        digits = digits[-11:]  # +86 / 0086: the same mobile number
    return digits or text.lower()


def allowed_keys(values: tuple[str, ...]) -> frozenset[str]:
    """What ``privacy_allow`` lets through, in every form a finding's ``key`` may take."""
    return frozenset(key for value in values
                     for key in (normalise_value(value), str(value).translate(_NORMALISE).strip().lower()))


def find_personal_data(text: str, rules: PrivacyRules, allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Every finding in ``text``, in order; public numbers, amounts, dates and allowed values left out."""
    if not _MAY_HOLD_DATA.search(text) and not _WECHAT_WORD.search(text):
        return []  # most titles, signs and tags: no digit, no @, no word for a WeChat ID, nothing to look at
    normal = _to_ascii(text)
    findings: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for pattern, start, end in _candidates(normal, rules):
        if any(start < stop and begin < end for begin, stop in taken):
            continue  # an ID-card number is not also a bank card; the longest, most specific kind wins
        found = Finding(_KIND_OF.get(pattern, pattern), start, end, text[start:end])
        if found.key in rules.public or found.key in allowed or not _is_personal(pattern, normal, start, end):
            continue
        taken.append((start, end))
        findings.append(found)
    return sorted(findings, key=lambda f: f.start)


def _to_ascii(text: str) -> str:
    """Full-width letters, digits and signs as ASCII; only those few characters are touched (fast on Chinese)."""
    return _WIDE_FORMS.sub(lambda match: match.group().translate(_NORMALISE), text)


def _candidates(normal: str, rules: PrivacyRules) -> Iterator[tuple[str, int, int]]:
    long_number = _LONG_NUMBER.search(normal) is not None
    for name, pattern in _PATTERNS.items():
        if name in _NEEDS_LONG_NUMBER:
            wanted = long_number
        else:  # "" is in every text
            needs = _NEEDS_ONE_OF.get(name)
            wanted = needs is None or needs.search(normal) is not None
        if not wanted:
            continue
        if name in _ANCHORED:  # tried only where its word is: begun by an alternation, it was tried everywhere
            end = 0
            for word in _ANCHORED[name].finditer(normal):
                if word.start() >= end and (match := pattern.match(normal, word.start())):
                    end = match.end()
                    yield name, match.start(1), match.end(1)
            continue
        for match in pattern.finditer(normal):
            yield name, match.start(1), match.end(1)
    if rules.student_number is not None:
        for match in rules.student_number.finditer(normal):
            if match.end() > match.start():
                yield "student_number", match.start(), match.end()


_ID_LABEL = re.compile(r"(?:身份证|证件|公民身份)(?:号码|号)?[ \t]*(?:是|为)?[ \t]*[:：(（]?[ \t]*$")


def _is_personal(kind: str, normal: str, start: int, end: int) -> bool:
    """Whether a match of the pattern ``kind`` (a key of ``_PATTERNS``, or student_number) is personal data."""
    digits = re.sub(r"\D", "", normal[start:end])
    if kind == "wechat_id":  # 微信（WeChat）names the app, not an account
        return normal[start:end].lower() not in _NOT_WECHAT_IDS
    if kind in ("email", "student_number_named"):  # no date or amount looks like these
        return True
    if _DATE.match(digits) or _AMOUNT_AFTER.match(normal, end) or _AMOUNT_BEFORE.search(normal, 0, start):
        return False
    if kind == "id_card":
        number = re.sub(r"[ -]", "", normal[start:end])
        # Said to be an ID number, a check digit that fails is a slip in copying one, which still names its holder.
        return bool(_BIRTH_DATE.match(number, 6)) and (
            id_checksum_ok(number) or _ID_LABEL.search(normal, max(0, start - 12), start) is not None)
    if kind == "id_card_old":  # a province's code, then the birth date as YYMMDD
        return digits[:2] in _PROVINCES and bool(_SHORT_BIRTH_DATE.match(digits, 6))
    if kind == "bank_card":
        # 2-series Mastercard starts 2221-2720; "20…" and "19…" are dates and order numbers, not cards
        return luhn_ok(digits) and (digits[0] != "2" or 2221 <= int(digits[:4]) <= 2720)
    return True


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the weighted sum of the first 17 digits, mod 11, mapped."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(digits: str) -> bool:
    """The Luhn check every bank card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def mask(kind: str, value: str) -> str:
    """Hide the middle: 13812345678 -> 138****5678, zhang.san@qq.com -> z***@qq.com."""
    if kind == "email":
        local, _, domain = value.translate(_NORMALISE).partition("@")
        return f"{local[:1]}***@{domain}"
    chars = normalise_value(value) if kind in ("mobile", "bank_card") else re.sub(r"[ -]", "", value.translate(_NORMALISE))
    keep_head, keep_tail = (3, 4) if len(chars) >= 11 else (2, 2)
    return chars[:keep_head] + "*" * (len(chars) - keep_head - keep_tail) + chars[-keep_tail:]


# --------------------------------------------------------------------------- items in their files


@dataclass(frozen=True)
class Located:
    """A finding placed in its file."""

    finding: Finding
    path: str
    line: int
    column: int
    field: str


@dataclass(frozen=True)
class RawFile:
    """An item's file as it is on disk now: its lines, and where the body starts."""

    lines: list[str]
    body_line: int  # 1-based; 0 when the file has no front matter

    @property
    def body(self) -> str:
        """The Markdown body as written."""
        return "\n".join(self.lines[self.body_line - 1 :]) if self.body_line else ""


def body_line_of(site_dir: Path, item: Item, needle: str, find: Callable[[str, str], int] = str.find) -> int:
    """The file line where ``find`` finds ``needle`` in an item's body (read again); where the body starts if
    it is not there; 0 if the file cannot be read."""
    source = read_raw(site_dir, item)
    if source is None or not source.body_line:
        return 0
    return line_at(source.body, source.body_line, find(source.body, needle))


def read_raw(site_dir: Path, item: Item) -> RawFile | None:
    """Re-read an item's file (never a cached copy); the body starts after the second ``---`` line."""
    try:
        text, _ = decode_source(item.source, (site_dir / item.source).read_bytes())
    except OSError:
        return None
    if text is None:
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return RawFile(lines, 0)
    # the same delimiter rule as frontmatter.split_front_matter, without parsing the YAML again
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    return RawFile(lines, end + 2 if end is not None else 0)


def published_values(item: Item, title_only: bool = False) -> Iterator[tuple[str, str]]:
    """``(front-matter key, text)`` of every field readers see; list elements as ``key.N``."""
    yield "title", item.title
    if title_only:
        return
    written = dict(item.line_of)
    for key in ("summary", "screen_title", "issuer", "cover", "cover_alt"):
        if key in written:  # a derived summary comes from the body, a default issuer from the config
            yield key, getattr(item, key)
    # A file's name is published too: in its address, and as an attachment's link text (or the name given it).
    for index, attached in enumerate(getattr(item, "attachments", ())):
        yield f"attachments.{index}", attached.source
        if attached.name != Path(attached.source).name:
            yield f"attachments.{index}", attached.name
    for key in ("tags", "signs", "advice"):
        yield from ((f"{key}.{index}", text) for index, text in enumerate(getattr(item, key, ())))
    yield from ((f"wechat.{key}", text) for key, text in item.wechat)


def scan_item(site_dir: Path, item: Item, rules: PrivacyRules, title_only: bool = False) -> list[Located]:
    """Findings in one item's published fields and body; values in its ``privacy_allow`` are let through."""
    raw = read_raw(site_dir, item)
    if raw is None:
        return []
    allowed = allowed_keys(item.privacy_allow)
    found: list[Located] = []
    for key, value in published_values(item, title_only):
        field_name = key.split(".")[0]
        for finding in find_personal_data(value, rules, allowed):
            line, column = _locate(raw.lines, item.line(key) if key in dict(item.line_of) else item.line(field_name),
                                   finding.value)
            found.append(Located(finding, item.source, line, column, field_name))
    found += _in_addresses(item, raw.lines, rules, allowed)  # a withdrawn item's page keeps its address
    if title_only:
        return found
    if raw.body_line:
        body = raw.body
        for finding in find_personal_data(body, rules, allowed):
            line = raw.body_line + body.count("\n", 0, finding.start)
            column = finding.start - (body.rfind("\n", 0, finding.start) + 1) + 1
            found.append(Located(finding, item.source, line, column, "正文"))
        found += _in_escaped_addresses(body, raw.body_line, item.source, rules, allowed)
        seen = allowed | {hit.finding.key for hit in found}
        found += _in_rendered(item.body_html, body, raw.body_line, item.source, rules, seen)
    return found


def _in_addresses(item: Item, lines: list[str], rules: PrivacyRules, allowed: frozenset[str]) -> list[Located]:
    """Findings in what the page's addresses are made of: the file's name, a ``slug`` written instead, its
    ``aliases``. Read as written and with "-", "_", "/" and "." as breaks (2026-11-13912345678 is a date and a
    phone number, not one long number)."""
    written = dict(item.line_of)
    named = [("文件名", Path(item.source).stem, 0)]
    named += [("slug", item.slug, written["slug"])] if "slug" in written else []
    named += [("aliases", alias, item.line("aliases")) for alias in item.aliases]
    found, seen = [], set(allowed)
    for field_name, text, line in named:
        for reading in (text, _ADDRESS_BREAKS.sub("|", text)):
            for finding in find_personal_data(reading, rules, frozenset(seen)):
                seen.add(finding.key)
                finding = replace(finding, value=text[finding.start:finding.end])
                where = _locate(lines, line, finding.value) if line else (0, 0)
                found.append(Located(finding, item.source, *where, field_name))
    return found


_ADDRESS_BREAKS = re.compile(r"[-_/.]")


def _in_rendered(html: str, body: str, body_line: int, source: str, rules: PrivacyRules,
                 seen: frozenset[str]) -> list[Located]:
    """Findings only the rendered body shows, where the source parts what readers see as one number: emphasis
    (138**1234**5678), a comment, a character reference (&#49;38…) or a line break inside a paragraph. Each is
    placed where its characters are written in that order, other than digits perhaps between (``_written_at``).
    Only a body with markup, or a line break between digits, can have one."""
    if not _MAY_PART.search(body):
        return []
    text = unescape(_ANY_TAG.sub("\n", _INLINE_TAGS.sub("", html.replace("\n", " "))))
    found, normal, after = [], "", {}
    for finding in find_personal_data(text, rules, seen):
        normal = normal or _to_ascii(body)
        at = _written_at(normal, finding.value, after.get(finding.value, 0))
        after[finding.value] = at + 1
        column = at - (normal.rfind("\n", 0, at) + 1) + 1 if at >= 0 else 1
        found.append(Located(finding, source, line_at(body, body_line, at), column, "正文"))
    return found


def _written_at(normal: str, value: str, start: int) -> int:
    """Where in ``normal`` (a body as ``_to_ascii`` reads it), from ``start`` on, the characters of a value found
    in the rendered text are written, others perhaps between; its first few may be written otherwise (&#49;
    for 1). -1 if nowhere."""
    digits = re.sub(r"\D", "", _to_ascii(value))
    chars = digits if len(digits) >= 5 else _to_ascii(value)
    for skip in range(min(4, len(chars) - 4)):
        found = re.compile(r"\D{0,16}?".join(map(re.escape, chars[skip:]))).search(normal, start)
        if found:
            return found.start()
    return -1


_MAY_PART = re.compile(r"[*_~=`<&]|\d[ \t]*\n[ \t]*\d")
# Tags inside a line of text, which part nothing a reader sees; every other tag ends a block (or is a <br>).
_INLINE_TAGS = re.compile(r"</?(?:a|abbr|b|code|del|em|i|ins|kbd|mark|s|small|span|strong|u)\b[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")


def _in_escaped_addresses(body: str, body_line: int, source: str, rules: PrivacyRules,
                          allowed: frozenset[str]) -> list[Located]:
    """Findings that only percent-decoding shows: a file dragged in as ``聊天%2013812345678.png`` is published as
    ``聊天 13812345678.png``, while the text read "2013812345678", thirteen digits and no phone number."""
    found = []
    for number, text in enumerate(body.split("\n")):
        if "%" not in text or (decoded := unquote(text)) == text:
            continue
        seen = {finding.value for finding in find_personal_data(text, rules, allowed)}
        for finding in find_personal_data(decoded, rules, allowed):
            if finding.value not in seen:
                found.append(Located(finding, source, body_line + number, _written_column(text, finding.start),
                                     "正文"))
    return found


def _written_column(text: str, decoded_start: int) -> int:
    """The 1-based column in ``text`` of what is at ``decoded_start`` once it is percent-decoded: decoded run by
    run (a run of escapes is one character or more), in one pass over the line."""
    decoded = 0
    for piece in _ESCAPES_OR_TEXT.finditer(text):
        length = len(unquote(piece.group()))
        if decoded + length > decoded_start:
            return piece.start() + 1 + (0 if piece.group().startswith("%") else decoded_start - decoded)
        decoded += length
    return len(text) + 1


_ESCAPES_OR_TEXT = re.compile(r"(?:%[0-9A-Fa-f]{2})+|[^%]+|%")


def _locate(lines: list[str], start_line: int, needle: str) -> tuple[int, int]:
    """Line and column of ``needle`` in the front matter, at or after the line of its key."""
    for number in range(start_line, min(start_line + 40, len(lines)) + 1):
        column = lines[number - 1].find(needle)
        if column >= 0:
            return number, column + 1
    return start_line, 1  # written with YAML escapes or folded across lines: the field's line


def finding_problem(hit: Located, draft: bool = False) -> Problem:
    """A finding as a Problem at ``path:line:column``; findings in drafts are warnings until published."""
    code, name = KINDS[hit.finding.kind]
    message = (f"疑似{name}“{hit.finding.masked}”，含个人信息的内容不能发布；请删除，或照引号里的样子打码；"
               f"确属公开信息请把该值写进本篇的 privacy_allow")
    make = warning if draft else problem
    return replace(make(hit.path, hit.line, code, hit.field, message), column=hit.column)


def scan_items(site_dir: Path, items: list[Item], rules: PrivacyRules, withdrawn: tuple[Item, ...] = (),
               drafts_warn: bool = False, read: Mapping[str, str] | None = None) -> list[Problem]:
    """Problems for every finding in ``items`` (whole text) and ``withdrawn`` (the title their page still shows).

    ``read`` maps sources to a digest of the bytes this build read and parsed; an item found clean by an
    earlier build with the same bytes, values and rules is not scanned again (``scan_each``).
    """
    problems = []
    for item, found in zip(items, scan_each(site_dir, items, rules, read or {})):
        draft = drafts_warn and item.draft
        problems += [finding_problem(hit, draft) for hit in found]
    for item in withdrawn:
        problems += [finding_problem(hit) for hit in scan_item(site_dir, item, rules, title_only=True)]
    return sorted(problems)


def scan_each(site_dir: Path, items: list[Item], rules: PrivacyRules, read: Mapping[str, str]) -> list[list[Located]]:
    """Each item's findings; only a clean result is remembered, and only for bytes this build read itself.

    The clean results are one set of keys (item, bytes read, rules) in the derived store: ten thousand
    separate entries cost more to look up than most scans. Items to scan are spread over the cores.
    """
    from fraudsite.parallel import ordered_map

    store = active_store()
    known = [(item, read[item.source]) for item in items if read.get(item.source)] if store else []
    inputs = (rules.student_number.pattern if rules.student_number else None, tuple(sorted(rules.public)))
    keys = dict(zip((id(item) for item, _ in known), stored_keys(store, "privacy", known, inputs))) if store else {}
    stored = store.get(*CLEAN) if store else None
    earlier = {key for key in stored if isinstance(key, str)} if isinstance(stored, list) else set()
    missing = [item for item in items if keys.get(id(item)) not in earlier]
    scanned = dict(zip(map(id, missing), ordered_map(partial(scan_item, site_dir, rules=rules), missing, minimum=200)))
    if store:
        clean = {keys[id(item)] for item in items if keys.get(id(item)) and not scanned.get(id(item))}
        if clean != earlier:
            store.put(*CLEAN, sorted(clean))
    return [scanned.get(id(item), []) for item in items]


