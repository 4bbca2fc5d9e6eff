"""``fraudsite new case|notice "标题"``: a draft with every front-matter key, a fresh id and a readable slug.

The slug (and file name) is the date plus the pinyin of the title's first syllables, such as
``2026-11-28-jian-zhi-shua-dan-fan-li``: readable ASCII that every web server, e-mail client and
QR code handles, and that the editor can still recognise. Titles without Chinese or Latin letters fall back to
the date plus a short random id.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import unicodedata
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path

from fraudsite.clock import BadWhen, iso_date, parse_when
from fraudsite.config import Config, load_config
from fraudsite.errors import FraudsiteError, UsageError, key_hint, key_list
from fraudsite.frontmatter import decode_source, split_front_matter
from fraudsite.urls import alias_file, index_file, is_slug

# Where a draft's text goes: an item published with one is refused (``content.check_body_written``).
PLACEHOLDERS = ("（请在这里写事情经过。）", "（请在这里写给读者的提醒。）", "（请在这里写通知正文。）")

SLUG_SYLLABLES = 8  # enough to recognise the title, short enough for a URL on a poster
URGENT_DAYS = 7


def create_item(args: argparse.Namespace) -> Path:
    """Write the new file (never over an existing one) and return its path."""
    site_dir: Path = args.site_dir
    # A "site folder" that is no path and not there is more often the second word of a title, or a time; else E101.
    if args.config is None and not site_dir.exists() and len(site_dir.parts) == 1 and (
            hint := misquoted_hint(args.kind, args.title, [str(site_dir)])):
        raise UsageError(f"找不到网站文件夹“{site_dir}”{hint}；它确是网站文件夹时，请检查路径")
    config = load_config(args.config or site_dir / "fraudsite.yaml")
    title = args.title.strip()
    if not title:
        raise UsageError("标题不能为空；请把标题写在引号里，例如 fraudsite new case \"兼职刷单被骗\"")
    when = _when(args.date, config, "--date") if args.date else datetime.now(config.tz)
    date_text = args.date.strip() if args.date else iso_date(when)
    section = "cases" if args.kind == "case" else "notices"
    slug = args.slug or readable_slug(title, when)
    if not is_slug(slug):
        raise UsageError(f"--slug“{slug}”不可用；请只用小写字母、数字和连字符，例如 2026-11-28-shuadan")
    folder = site_dir / "content" / section
    taken = sorted(folder.rglob(f"{slug}.md")) if folder.is_dir() else []
    if taken:
        raise FraudsiteError(f"{taken[0]} 已存在，为免覆盖已停止；请换一个标题，或用 --slug 指定另一个网址")
    # Another file's slug or alias at this address would stop every build (E218, E220) until one is renamed.
    claimed = claimed_pages(site_dir, slug)
    if owner := claimed.get(_page_file(section, slug)):
        free = next(f"{slug}-{n}" for n in count(2) if _page_file(section, f"{slug}-{n}") not in claimed)
        instead = "请用 --slug 换一个" if args.slug else "请换一个标题，或用 --slug 指定另一个网址"
        raise FraudsiteError(f"网址 {section}/{slug}/ 已有一篇在用（{owner}）；同一网址只能有一篇，否则网站无法生成，已停止；"
                             f"{instead}，例如 --slug {free}")
    identity = f"{args.kind}-{when:%Y%m%d}-{secrets.token_hex(3)}"
    if args.kind == "case":
        text = case_text(title, date_text, slug, identity, config, args.type, args.audience)
    else:
        text = notice_text(title, date_text, slug, identity, config, args.issuer, args.expires, args.urgent, when)
    path = folder / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as stream:  # "x": fail rather than overwrite
            stream.write(text)
    except FileExistsError:
        raise FraudsiteError(f"{path} 已存在，为免覆盖已停止；请用 --slug 指定另一个网址") from None
    return path


def claimed_pages(site_dir: Path, slug: str) -> dict[str, str]:
    """The pages (index files, in lower case as E218 and E220 compare them) that content files write or redirect
    from, by where each is claimed (a file's name, its ``slug`` or ``aliases`` line): all those at ``slug`` and
    at ``slug-2`` and the like. Only a file holding the slug's text has its front matter read."""
    from fraudsite.content import SECTIONS, markdown_files, slug_from_filename

    claimed: dict[str, str] = {}
    for section in SECTIONS:
        for relative, entry in markdown_files(site_dir, f"content/{section}"):
            try:
                text = decode_source(relative, Path(entry.path).read_bytes())[0]
            except OSError:  # what cannot be read still has its name
                text = None
            own, where = slug_from_filename(relative), f"{relative} 的文件名"
            # Read where its slug or an alias may be this one, or where its name is and a slug: may move it elsewhere.
            wanted = text and (slug in text.lower() or slug in own)
            source = split_front_matter(relative, text)[0] if wanted else None
            data = source.meta.data if source else {}
            if isinstance(data.get("slug"), (str, int)) and str(data["slug"]).strip():
                own, where = str(data["slug"]).strip(), f"{relative}:{source.meta.line_of('slug')} 的 slug"
            claimed.setdefault(_page_file(section, own), where)
            aliases = data.get("aliases")
            for index, alias in enumerate(aliases if isinstance(aliases, list) else [aliases] if aliases else []):
                line = source.meta.line_of(f"aliases.{index}", source.meta.line_of("aliases"))
                claimed.setdefault(alias_file(str(alias).strip().lstrip("/")).lower(), f"{relative}:{line} 的 aliases")
    return claimed


def _page_file(section: str, slug: str) -> str:
    return index_file(f"{section}/{slug}/").lower()


def misquoted_hint(kind: str | None, title: str, words: list[str]) -> str:
    """What the words a command had no place for (or took for its site folder) most often are: a time after a
    date, or (``new``'s) the rest of a title with a space, each needing quotes."""
    if any(re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", word) for word in (title, *words)):
        return '；日期和时间之间有空格时，请用英文引号把两者括在一起，例如 "2026-12-05 09:00"'
    if len(words) > 1 and Path(words[-1]).is_dir():  # the title's words, then the site folder
        words = words[:-1]
    if kind and not any(word.startswith("-") for word in words):
        return f'；标题里有空格时请用英文引号括起来，如 fraudsite new {kind} "{" ".join([title, *words])}"'
    return ""


def readable_slug(title: str, when: datetime) -> str:
    """Date plus the pinyin (or Latin words) of the title's beginning; date plus a short id if there is none."""
    words: list[str] = []
    title = unicodedata.normalize("NFKC", title)  # full-width ＡＢＣ１２ (a Chinese input method's) as abc12
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # the slug still works without pinyin
        pieces = [title]
    else:
        pieces = lazy_pinyin(title)
    for piece in pieces:
        words += re.findall(r"[a-z0-9]+", piece.lower())
    tail = "-".join(words[:SLUG_SYLLABLES]) or secrets.token_hex(3)
    return f"{iso_date(when)}-{tail}"


def _when(text: str, config: Config, option: str) -> datetime:
    try:
        return parse_when(text.strip(), config.tz)
    except BadWhen as error:
        raise UsageError(f"{option}：{error}") from None


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _keys(values: list[str], valid: dict[str, str], option: str, what: str) -> list[str]:
    for value in values:
        if option == "--audience" and re.search(r"[,，、]", value):  # written as the file writes [a, b]
            keys = " ".join(filter(None, re.split(r"[,，、\s]+", " ".join(values))))
            raise UsageError(f"{option}：“{value}”里有逗号；几个{what}之间用空格隔开，例如 {option} {keys}")
        if value not in valid:
            raise UsageError(f"{option}：未知的{what}“{value}”；{key_hint(value, valid, what)}")
    return values


def case_text(title: str, date: str, slug: str, identity: str, config: Config, type_key: str | None,
              audience: list[str] | None) -> str:
    """A case draft: every key, a comment wherever the editor has to decide something."""
    types, audiences = config.type_names, config.audience_names
    # The editor chooses where there is a choice: a guessed type or audience would be published unless noticed,
    # and a draft left without one would stop every build.
    unchosen = [f"请用 {option} 写明{what}（例如 {example}），可选：{key_list(pairs)}"
                for given, pairs, option, what, example in (
                    (type_key, types, "--type", "诈骗类型", "--type shuadan"),
                    (audience, audiences, "--audience", "受众", "--audience students parents"))
                if not given and len(pairs) > 1]
    if unchosen:
        raise UsageError("；".join(unchosen))
    type_key = _keys([type_key or next(iter(types))], types, "--type", "诈骗类型")[0]
    chosen = _keys(audience or [next(iter(audiences))], audiences, "--audience", "受众")
    # The signs' and advice's examples sit under their own keys: uncommented as told, they become items of
    # those keys (an example written elsewhere with its key gave that key twice, E007).
    return f"""---
# 新建的典型案例草稿。以“#”开头的行是说明，发布前可以删掉。
# 写好并预览无误后，把 draft: true 改为 draft: false，案例才会发布。
title: {_quoted(title)}
date: {_quoted(date) if " " in date else date}  # 发布日期：YYYY-MM-DD，或加引号写 "YYYY-MM-DD HH:MM"
# 诈骗类型，只能写一个键：{key_list(types)}
type: {type_key}
# 受众，可写多个，写在方括号里、用英文逗号隔开，如 [students, parents]：{key_list(audiences)}
audience: [{", ".join(chosen)}]
amount:  # 请填写：损失金额，只写数字（单位：元），例如 8600；没有损失就留空
tags: []  # 标签，例如 [兼职, 返利]
summary:  # 一两句话的摘要，建议 60 字以内（大屏滚动字幕只显示 60 字）；留空时自动取正文开头
signs:  # 请填写：识别要点，每条一行；下面是示例，去掉行首的“# ”即可照着改写
#   - 先给小额返利，再要求垫付大额资金
advice:  # 请填写：防范提示，每条一行，格式同上
#   - 凡是要求先垫钱的兼职都是诈骗
cover:  # 封面图片（可选）：相对于本文件的路径，例如 images/cover.jpg
cover_alt:  # 有封面时写：图上是什么，读屏软件会读给视障读者听
issuer:  # 发布单位（可选）；留空则为配置中的 office.name
slug: {slug}  # 网址的最后一段；发布后不要再改（要改就在 aliases 里写上旧网址）
id: {identity}  # 订阅源用它识别这篇案例；永远不要改
updated:  # 内容有重要更新时填写更新日期
draft: true
withdrawn: false  # 发布后需要撤下时改为 true
aliases: []  # 旧网址，例如 [cases/old-name/]
screen_title:  # 校园大屏上用的短标题（可选，建议 16 字以内）
scam_urls: []  # 案例中骗子用过的网址，会以不可点击的方式显示
wechat:  # 公众号专用设置（可选）
  title:
  digest:
  author:
privacy_allow: []  # 个人信息检查误报时，在这里写上确认可以公开的具体号码
---

## 案情经过

<!-- 写作提示（这段说明不会显示在网页上）：写受害人如何被引诱、怎样一步步被骗、损失多少、怎样发现被骗。
不要写受害人的姓名、电话、身份证号、银行卡号、QQ 号或学号。 -->
{PLACEHOLDERS[0]}

## 警方提示

<!-- 写作提示：遇到类似情况应当怎么做；结尾可提醒拨打 96110 反诈专线。 -->
{PLACEHOLDERS[1]}
"""


def notice_text(title: str, date: str, slug: str, identity: str, config: Config, issuer: str | None,
                expires: str | None, urgent: bool, when: datetime) -> str:
    """A notice draft: every key, a comment wherever the editor has to decide something."""
    audiences = config.audience_names
    expiry_note = "失效日期（可选）：过了这一天通知标为已过期；只写日期时当天 24:00 失效"
    if expires:
        try:
            ends = parse_when(expires.strip(), config.tz, end_of_day=True)
        except BadWhen as error:
            raise UsageError(f"--expires：{error}") from None
        if ends <= when:
            raise UsageError("--expires 早于或等于发布日期；失效日期应在发布之后")
        expires_text = expires.strip()
    elif urgent:
        expires_text = iso_date(when + timedelta(days=URGENT_DAYS))
        expiry_note = f"紧急通知必须有失效日期，已默认设为 {URGENT_DAYS} 天后，请按实际修改"
    else:
        expires_text = ""
    expires_value = (_quoted(expires_text) if " " in expires_text else expires_text)
    return f"""---
# 新建的通知公告草稿。以“#”开头的行是说明，发布前可以删掉。
# 写好并预览无误后，把 draft: true 改为 draft: false，通知才会发布。
title: {_quoted(title)}
date: {_quoted(date) if " " in date else date}  # 发布日期：YYYY-MM-DD，或加引号写 "YYYY-MM-DD HH:MM"
issuer: {_quoted(issuer or config.office.name)}  # 请确认：发布单位
expires: {expires_value}  # {expiry_note}
priority: {"urgent" if urgent else "normal"}  # normal（普通）或 urgent（紧急，在各处置顶显示）
pinned: false  # true：有效期内在首页置顶
# 受众（可选），可写多个：{key_list(audiences)}
audience: []
tags: []  # 标签，例如 [讲座, 开学]
summary:  # 请填写：一两句话的摘要，建议 60 字以内（大屏滚动字幕只显示 60 字）；留空时自动取正文开头
attachments: []  # 附件：相对于本文件的路径，例如 [files/回执.pdf]
cover:  # 封面图片（可选）：相对于本文件的路径
cover_alt:  # 有封面时写：图上是什么，读屏软件会读给视障读者听
slug: {slug}  # 网址的最后一段；发布后不要再改（要改就在 aliases 里写上旧网址）
id: {identity}  # 订阅源用它识别这篇通知；永远不要改
updated:  # 内容有重要更新时填写更新日期
draft: true
withdrawn: false  # 发布后需要撤下时改为 true
aliases: []  # 旧网址，例如 [notices/old-name/]
screen_title:  # 校园大屏上用的短标题（可选，建议 16 字以内）
scam_urls: []  # 通知中提到的诈骗网址，会以不可点击的方式显示
wechat:  # 公众号专用设置（可选）
  title:
  digest:
  author:
privacy_allow: []  # 个人信息检查误报时，在这里写上确认可以公开的具体号码
---

各部门、各二级学院：

<!-- 写作提示（这段说明不会显示在网页上）：写清时间、地点、参加对象和要求。联系电话请写办公电话，不要写个人手机号。 -->
{PLACEHOLDERS[2]}
"""

