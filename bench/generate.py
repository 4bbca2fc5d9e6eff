"""A deterministic, realistic Chinese column of N items (70% cases, 30% notices) for the build benchmark.

    python bench/generate.py 1000 /tmp/bench-1k        # site folder: fraudsite.yaml + content/

Same N and seed, same bytes. Bodies run 800-2,500 Chinese characters with ``##`` headings, lists,
quotes, tables, links to other generated items (relative ``.md`` paths) and to outside sites; every
fraud type and audience of the sample configuration appears; dates spread over twelve years; some
notices expire, are urgent or pinned. No personal data: amounts live in the ``amount:`` front-matter
key only, and the text carries no long digit runs or e-mail addresses (the privacy scan would refuse them).

The phrase pools are shared with the search benchmark's corpus (``bench/search/corpus.py``); that
generator stays as it is because its committed queries expect its exact text.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "search"))

from corpus import AUDIENCES, BANKS, FILLER, NOTICE_TOPICS, PEOPLE, PLATFORMS, TYPES

NOW = date(2026, 11, 28)
FIRST_DAY = date(2015, 1, 1)
CASE_SHARE = 0.7
ISSUERS = ["保卫处", "宣传部", "学生工作处", "财务处", "教务处", "离退休工作处", "团委"]
OUTSIDE_LINKS = [
    ("国家反诈中心", "https://www.gov.cn/"),
    ("公安部网站", "https://www.mps.gov.cn/"),
    ("中国互联网违法和不良信息举报中心", "https://www.12377.cn/"),
    ("工业和信息化部反诈专栏", "https://www.miit.gov.cn/"),
    ("教育部学生安全教育专题", "http://www.moe.gov.cn/"),
]
SIGNS = [
    "对方要求先垫付资金，承诺之后连本带利返还", "对方只在陌生聊天软件或群聊里联系", "对方催促尽快转账，不给核实的时间",
    "对方要求下载陌生应用或开启屏幕共享", "对方发来的收款账户是个人账户", "对方索要验证码或银行卡密码",
    "以“解冻费”“保证金”“手续费”为由不断加钱", "对方准确说出个人信息以博取信任", "承诺高额回报、稳赚不赔",
]
ADVICE = [
    "凡是先让你交钱的，一律先停下来核实", "通过官方电话或当面向本人核实身份", "不点陌生链接，不扫来历不明的二维码",
    "验证码、密码绝不告诉任何人", "安装国家反诈中心App并开启来电预警", "发现被骗立即拨打110报警，保留聊天记录和转账凭证",
    "拿不准的情况拨打96110反诈专线咨询", "勤工俭学、缴费等事项只走学校正规渠道",
]
STEPS = ["添加对方聊天账号", "按要求下载应用", "完成第一笔小额任务", "收到小额返利", "被要求继续转账",
         "对方以系统故障为由拖延", "对方要求缴纳解冻费", "被拉黑后报警"]
DAYS = ["第一天", "第二天", "第三天", "第四天", "第五天", "一周后"]
NOTICE_HEADINGS = ["工作目标", "主要安排", "有关要求", "联系方式", "时间安排", "参加对象", "注意事项"]
TASKS = ["各学院组织学生观看反诈宣传片", "辅导员在班级群转发防骗提醒", "保卫处安排民警进校园开展讲座",
         "宣传部在校园网和公众号开设专栏", "各部门组织教职工学习典型案例", "离退休工作处走访老同志发放宣传册",
         "学生会组织反诈知识竞赛", "财务处公布学校唯一收费渠道", "各班召开防范电信网络诈骗主题班会"]
QUOTES = ["所有刷单都是诈骗，没有例外。", "公检法不会电话办案，更没有“安全账户”。", "不听、不信、不转账，先核实、再操作。",
          "凡是要求先交钱的，都要多一个心眼。", "陌生来电要提防，验证码不给任何人。"]


@dataclass(frozen=True)
class Plan:
    """Where one generated item lives and what it is, decided before any text is written."""

    number: int
    kind: str  # "case" or "notice"
    day: date
    path: str  # relative to content/

    @property
    def ident(self) -> str:
        """The stable id in front matter."""
        return f"bench-{self.number:05d}"


def load_vocabulary(config_path: Path) -> tuple[list[dict], list[str]]:
    """The types (with their phrase words) and audience keys of a configuration."""
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    types = [{"key": t["key"], "name": t["name"], "words": TYPES.get(t["key"], (t["name"], [t["name"]]))[1]}
             for t in config.get("types", [])]
    audiences = [a["key"] for a in config.get("audiences", [])] or AUDIENCES
    return types, audiences


def plan_items(rng: random.Random, count: int, types: list[dict]) -> list[Plan]:
    """Kind, date and file path of every item; every type appears while there are items enough."""
    plans = []
    span = (NOW - FIRST_DAY).days
    for number in range(count):
        kind = "case" if rng.random() < CASE_SHARE else "notice"
        # Notices lean towards recent months so the screens and lists have current ones to show.
        day = NOW - timedelta(days=rng.randrange(0, 120)) if kind == "notice" and rng.random() < 0.15 \
            else FIRST_DAY + timedelta(days=rng.randrange(0, span))
        folder = "cases" if kind == "case" else "notices"
        type_key = types[number % len(types)]["key"] if kind == "case" else "notice"
        plans.append(Plan(number, kind, day, f"{folder}/{day.year}/{day:%Y-%m}-{type_key}-{number:05d}.md"))
    return plans


def yaml_text(value: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def yaml_list(values: list[str]) -> str:
    """A flow list of quoted scalars."""
    return "[" + ", ".join(yaml_text(v) for v in values) + "]"


def link_to(rng: random.Random, plan: Plan, plans: list[Plan]) -> str:
    """A Markdown link from ``plan`` to another generated item, as a relative ``.md`` path."""
    other = plans[rng.randrange(len(plans))]
    if other.number == plan.number:
        other = plans[(plan.number + 1) % len(plans)]
    target = os.path.relpath(other.path, os.path.dirname(plan.path)).replace(os.sep, "/")
    label = "另一起类似案例" if other.kind == "case" else "相关通知"
    return f"[{label}]({target})"


def paragraph(rng: random.Random, words: list[str], extra: str = "") -> str:
    """Three to five sentences of narrative."""
    sentences = rng.sample(FILLER, rng.randrange(3, 6))
    sentences.insert(rng.randrange(len(sentences) + 1),
                     rng.choice([f"对方自称可以帮忙办理“{rng.choice(words)}”。",
                                 f"受害人通过{rng.choice(BANKS)}手机银行转出了钱款。",
                                 f"骗子在{rng.choice(PLATFORMS)}发布“{rng.choice(words)}”广告。"]))
    return "".join(sentences) + extra


def han_length(text: str) -> int:
    """How many CJK characters a text has."""
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


def case_body(rng: random.Random, plan: Plan, plans: list[Plan], words: list[str], type_name: str) -> str:
    """A case body of 800-2,500 Chinese characters: story, table, tactics list, quote, police advice, links."""
    target = rng.randrange(800, 2500)
    story = [paragraph(rng, words) for _ in range(2)]
    rows = "\n".join(f"| {day} | {step} | {rng.choice(['已转账', '未转账', '收到返利', '被拉黑'])} |"
                     for day, step in zip(DAYS, rng.sample(STEPS, rng.randrange(3, 6))))
    tactics = "\n".join(f"- {line}；" for line in rng.sample(SIGNS, 3))
    parts = ["## 案情经过", *story, "| 时间 | 经过 | 结果 |\n|---|---|---|\n" + rows,
             "## 作案手法", f"骗子惯用“{rng.choice(words)}”的套路：", tactics,
             f"> {rng.choice(QUOTES)}", "## 警方提示"]
    tail = [(f"更多情况可参阅{link_to(rng, plan, plans)}，也可访问"
            f"[{(site := rng.choice(OUTSIDE_LINKS))[0]}]({site[1]})了解{type_name}的最新手法。")]
    while han_length("\n".join(parts + tail)) < target:
        parts.append(paragraph(rng, words, rng.choice(["", f"详见{link_to(rng, plan, plans)}。"])))
    return "\n\n".join(parts + tail)


def notice_body(rng: random.Random, plan: Plan, plans: list[Plan], issuer: str) -> str:
    """A notice body of 800-2,500 Chinese characters: sections, a numbered task list, a quote, links."""
    target = rng.randrange(800, 2500)
    words = rng.choice(list(TYPES.values()))[1]
    parts = ["各二级学院、各部门：", paragraph(rng, words)]
    headings = rng.sample(NOTICE_HEADINGS, rng.randrange(3, 5))
    for number, heading in enumerate(headings):
        parts.append(f"## {heading}")
        if number == 1:
            parts.append("\n".join(f"{i}. {task}；" for i, task in enumerate(rng.sample(TASKS, 4), 1)))
        else:
            parts.append(paragraph(rng, words))
    parts += [f"> {rng.choice(QUOTES)}", (f"请结合{link_to(rng, plan, plans)}组织学习，相关资料见"
              f"[{(site := rng.choice(OUTSIDE_LINKS))[0]}]({site[1]})。")]
    closing = [f"{issuer}\n\n{plan.day.year}年{plan.day.month}月{plan.day.day}日"]
    while han_length("\n".join(parts + closing)) < target:
        parts.append(paragraph(rng, words))
    return "\n\n".join(parts + closing)


def case_file(rng: random.Random, plan: Plan, plans: list[Plan], kind: dict, audiences: list[str]) -> str:
    """Front matter and body of one case."""
    words = kind["words"]
    word, other = rng.sample(words, 2) if len(words) > 1 else (words[0], words[0])
    person, platform = rng.choice(PEOPLE), rng.choice(PLATFORMS)
    title = rng.choice([f"{person}轻信“{word}”被骗", f"警惕“{word}”：{kind['name']}新变种",
                        f"{platform}上的“{word}”陷阱", f"以“{other}”为名的{kind['name']}案例"])
    when = plan.day.isoformat() + (f" {rng.randrange(8, 22):02d}:{rng.choice([0, 15, 30, 45]):02d}"
                                   if rng.random() < 0.3 else "")
    head = [f"id: {plan.ident}", f"title: {yaml_text(title)}", f"date: {when}", f"type: {kind['key']}",
            f"audience: [{', '.join(sorted(rng.sample(audiences, rng.randrange(1, 3))))}]",
            f"amount: {rng.randrange(2, 900) * 100}", f"tags: {yaml_list([word, kind['name']])}",
            f"summary: {yaml_text(f'{person}在{platform}遇到“{word}”，按对方要求转账后失联，警方提醒提高警惕。')}",
            "signs:", *(f"  - {s}" for s in rng.sample(SIGNS, 3)),
            "advice:", *(f"  - {a}" for a in rng.sample(ADVICE, 3))]
    return "---\n" + "\n".join(head) + "\n---\n\n" + case_body(rng, plan, plans, words, kind["name"]) + "\n"


def notice_file(rng: random.Random, plan: Plan, plans: list[Plan], audiences: list[str]) -> str:
    """Front matter and body of one notice; some expire, some are urgent (always with expires), some pinned."""
    topic, tag = rng.choice(NOTICE_TOPICS)
    issuer = rng.choice(ISSUERS)
    head = [f"id: {plan.ident}", f"title: {yaml_text(f'关于{plan.day.year}年{topic}的通知')}",
            f"date: {plan.day.isoformat()}", f"issuer: {issuer}",
            f"audience: [{', '.join(sorted(rng.sample(audiences, rng.randrange(1, 4))))}]",
            f"tags: {yaml_list([tag, '通知'])}",
            f"summary: {yaml_text(f'为做好{tag}期间的反诈防骗工作，现就有关事项通知如下。')}"]
    roll = rng.random()
    if roll < 0.5:
        head.append(f"expires: {(plan.day + timedelta(days=rng.randrange(7, 90))).isoformat()}")
        if roll < 0.08:
            head.append("priority: urgent")
        if roll < 0.05 or 0.3 < roll < 0.33:
            head.append("pinned: true")
    if rng.random() < 0.2:
        head.append(f"screen_title: {yaml_text(f'{tag}防骗提醒')}")
    return "---\n" + "\n".join(head) + "\n---\n\n" + notice_body(rng, plan, plans, issuer) + "\n"


def write_site(count: int, target: Path, seed: int = 8, config: Path = REPO / "fraudsite.yaml") -> list[Plan]:
    """Write ``count`` items and the sample configuration into ``target`` (replaced if it exists)."""
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    (target / "content").mkdir(parents=True)
    shutil.copy(config, target / "fraudsite.yaml")
    types, audiences = load_vocabulary(config)
    plans = plan_items(rng, count, types)
    for plan in plans:
        if plan.kind == "case":
            text = case_file(rng, plan, plans, types[plan.number % len(types)], audiences)
        else:
            text = notice_file(rng, plan, plans, audiences)
        path = target / "content" / plan.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return plans


def first_case(plans: list[Plan]) -> Plan:
    """The case the benchmark edits: the first one planned."""
    return next(plan for plan in plans if plan.kind == "case")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/generate.py N SITE_DIR")
    made = write_site(int(sys.argv[1]), Path(sys.argv[2]))
    print(f"{len(made)} items in {sys.argv[2]}")
