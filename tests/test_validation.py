"""Every validation error names the file, the line and what to do, and nothing is written."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fraudsite.clock import parse_when
from fraudsite.errors import BuildFailed
from sitekit import build_site, copy_fixture, tree, write
from tools import run_fraudsite

CONFIG = """\
title: 测试专栏
base_url: https://www.example.edu.cn/fzzl/
"""

GOOD_CASE = """\
---
title: 正常案例
date: 2026-01-01
type: shuadan
audience: [students]
---
正文。
"""


def tiny_site(tmp_path, files: dict[str, str | bytes], config: str = CONFIG) -> Path:
    """A site of ``files`` (text is dedented, bytes written as they are), a configuration and both sections'
    folders."""
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", config)
    for section in ("cases", "notices"):
        (site / "content" / section).mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        if isinstance(text, bytes):
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_bytes(text)
        else:
            write(site, name, text)
    return site


def failures(tmp_path, files: dict[str, str | bytes], config: str = CONFIG) -> list[str]:
    """Build a tiny site made of ``files`` and return its error lines."""
    site = tiny_site(tmp_path, files, config)
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert not (site / "build").exists(), "a failed build must write nothing"
    return [str(p) for p in failure.value.problems if p.severity == "error"]


CASES = {
    "type written as its name": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: 刷单返利\naudience: [students]\n---\n正文\n"},
        "content/cases/a.md:4: type: 未知的诈骗类型“刷单返利”；“刷单返利”是诈骗类型的名称，这里要写它的键：shuadan [E209]"),
    "audience written as its name": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [在校生]\n---\n正文\n"},
        "content/cases/a.md:5: audience: 未知的受众“在校生”；“在校生”是受众的名称，这里要写它的键：students [E208]"),
    "empty audience": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: []\n---\n正文\n"},
        "content/cases/a.md:5: audience: 不能为空；请写至少一个受众，例如 audience: [students] [E201]"),
    "an amount with extra zeros": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n"
                               "amount: 86000000000000\n---\n正文\n"},
        "content/cases/a.md:6: amount: 86000000000000 元超过 100 亿元，不像一起案件的损失；请检查是否多写了几个零 [E210]"),
    "unknown type with suggestion": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadna\naudience: [students]\n---\n正文\n"},
        "content/cases/a.md:4: type: 未知的诈骗类型“shuadna”；是否想写 “shuadan”？ [E209]"),
    "unknown audience": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [studnets]\n---\n"},
        "content/cases/a.md:5: audience: 未知的受众“studnets”；是否想写 “students”？ [E208]"),
    "an id copied with its file": (
        {"content/cases/a.md": "---\nid: case-1\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n",
         "content/cases/b.md": "---\nid: case-1\ntitle: 乙\ndate: 2026-01-02\ntype: shuadan\naudience: [students]\n---\n"},
        "content/cases/b.md:2: id: 与 content/cases/a.md 的 id 相同，多半是复制了那个文件；每篇内容的 id 必须唯一，"
        "请给这一篇换一个，例如 id: case-b [E219]"),
    "an id copied by a file manager, whose copy sorts first": (
        {"content/cases/a.md": "---\nid: case-1\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n",
         "content/cases/a - 副本.md": "---\nid: case-1\ntitle: 乙\ndate: 2026-01-02\ntype: shuadan\naudience: [students]\n---\n"},
        "content/cases/a - 副本.md:2: id: 与 content/cases/a.md 的 id 相同，多半是复制了那个文件；"),
    **{f"an id copied by a sync service, whose copy sorts first: {service}": (
        {"content/cases/a.md": "---\nid: case-1\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n",
         f"content/cases/{copy}.md": "---\nid: case-1\ntitle: 乙\ndate: 2026-01-02\ntype: shuadan\naudience: [students]\n---\n"},
        f"content/cases/{copy}.md:2: id: 与 content/cases/a.md 的 id 相同，多半是复制了那个文件；")
       for service, copy in [("Dropbox", "a (张三's conflicted copy 2026-11-28)"), ("iCloud", "a 2")]},
    "impossible date": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-02-30\ntype: shuadan\naudience: [students]\n---\n"},
        "content/cases/a.md:3: date: “2026-02-30”是不存在的日期或时间；请检查月、日、时、分 [E204]"),
    "malformed date": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026/01/01\ntype: shuadan\naudience: [students]\n---\n"},
        "content/cases/a.md:3: date: “2026/01/01”不是有效日期；格式应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM [E204]"),
    "missing required field": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\naudience: [students]\n---\n"},
        "content/cases/a.md:2: type: 缺少必填字段；请补上 [E201]"),
    "amount with unit": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: 3000元\n---\n"},
        "content/cases/a.md:6: amount: “3000元”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号，例如 amount: 3000 [E210]"),
    "amount quoted": (
        {"content/cases/a.md": '---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: "3,500"\n---\n'},
        "content/cases/a.md:6: amount: “3,500”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号，例如 amount: 3500 [E210]"),
    **{f"amount written as {written}": (
        {"content/cases/a.md": f"---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: {written}\n---\n"},
        f"content/cases/a.md:6: amount: “{written}”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号，例如 amount: {meant} [E210]")
       for written, meant in [("1.2万元", 12000), ("０１２０００", 12000), ("012000", 12000), ("约3千元", 3000)]},
    "amount with a fraction of a yuan": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: 99.5元\n---\n"},
        "content/cases/a.md:6: amount: “99.5元”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号 [E210]"),
    "amount in words": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: 三千\n---\n"},
        "content/cases/a.md:6: amount: “三千”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号 [E210]"),
    "amount true": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\namount: true\n---\n"},
        "content/cases/a.md:6: amount: “true”应为不小于 0 的整数（单位：元），不加引号、“元”或逗号 [E210]"),
    "a wechat value that is not text": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\nwechat:\n  author: 保卫处\n  digest: true\n---\n"},
        "content/cases/a.md:8: wechat: wechat 的 digest 应为一段文字；值是 true、false 等又想当文字时，加英文引号 [E207]"),
    "a notice's field in a case": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\npinned: true\n---\n"},
        "content/cases/a.md:6: pinned: 这个字段只用于通知（content/notices）；请删掉这一行，或把文件放到对应的文件夹 [E206]"),
    "unknown key with suggestion": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\nsumary: 摘要\n---\n"},
        "content/cases/a.md:6: sumary: 未知的字段；是否想写 “summary”"),
    "malformed yaml": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: [2026\n---\n"},
        "content/cases/a.md:3: YAML 格式错误"),
    "full-width colon after a key, blamed on its own line": (
        {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\ntype：shuadan\naudience: [students]\n---\n"},
        "content/cases/a.md:4: YAML 格式错误：键后面用了中文冒号“：”；请改为英文冒号加一个空格"),
    "no space after a colon": (
        {"content/cases/a.md": "---\ntitle:甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n---\n"},
        "content/cases/a.md:2: YAML 格式错误：冒号后面少了一个空格"),
    "tab indentation, said in Chinese": (
        {"content/cases/a.md": "---\ntitle: 甲\n\tdate: 2026-01-01\n---\n"},
        "content/cases/a.md:3: YAML 格式错误：用了制表符（Tab）缩进；请改用空格"),
    "alias copied with the site's sub-path": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: [/fzzl/cases/old-one/]")},
        "content/cases/a.md:3: aliases: “/fzzl/cases/old-one/”带上了网站所在的路径 /fzzl/；只写其后的部分，例如 cases/old-one/ [E216]"),
    "alias over another item's page names that item": (
        {"content/cases/a.md": GOOD_CASE, "content/cases/b.md": GOOD_CASE.replace("title: 正常案例", "title: 乙\naliases: [cases/a/]")},
        "content/cases/b.md:3: aliases: 旧网址“cases/a/”与 content/cases/a.md 的网址相同；请删除或改正这一项 [E220]"),
    "alias over another item's page in other letter case": (
        {"content/cases/a.md": GOOD_CASE, "content/cases/b.md": GOOD_CASE.replace("title: 正常案例", "title: 乙\naliases: [Cases/A/]")},
        "content/cases/b.md:3: aliases: 旧网址“Cases/A/”与 content/cases/a.md 的网址相同；请删除或改正这一项 [E220]"),
    "alias over a list page names the item, not the page": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: [notices/]")},
        "content/cases/a.md:3: aliases: 旧网址“notices/”与本站的 notices/index.html 冲突，同一个位置只能有一个页面或文件；"
        "请删除或改正这一项 [E220]"),
    "alias over the stylesheet, where a folder would have to be": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: [static/style.css]")},
        "content/cases/a.md:3: aliases: 旧网址“static/style.css”与本站的 static/style.css 冲突，同一个位置只能有一个页面或文件；"
        "请删除或改正这一项 [E220]"),
    "missing front matter": (
        {"content/cases/a.md": "只有正文\n"},
        "content/cases/a.md:1: 缺少头部信息；文件第一行应为 ---，随后是 title、date 等字段，再以 --- 结束 [E001]"),
    "an empty file": (
        {"content/cases/a.md": "\n  \n"},
        "content/cases/a.md:1: 文件是空的；请写上头部信息（第一行 ---，随后是 title、date 等字段，再以 --- 结束）和正文，"
        "或用 fraudsite new 新建；不要的文件请删除 [E001]"),
    "front matter after a blank line": (
        {"content/cases/a.md": "\n---\ntitle: 甲\n---\n正文\n".encode()},
        "content/cases/a.md:2: 第一行应为 ---：请删掉 --- 之前的空行或看不见的字符（如多余的 BOM） [E001]"),
    "front matter after a second BOM": (
        {"content/cases/a.md": "\ufeff\ufeff---\ntitle: 甲\n---\n正文\n".encode("utf-8")},
        "content/cases/a.md:1: 第一行应为 ---：请删掉 --- 之前的空行或看不见的字符（如多余的 BOM） [E001]"),
    "empty front matter": (
        {"content/cases/a.md": "---\n---\n正文\n"},
        "content/cases/a.md:2: 头部信息是空的；请在两行 --- 之间写上 title、date 等字段，每行一个“键: 值”，"
        "或用 fraudsite new 新建一篇照着填 [E004]"),
    "a key written in Chinese": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "标题: 正常案例")},
        "content/cases/a.md:2: 标题: 字段名要用英文：请把“标题”改为 title，冒号和后面的内容不变 [E206]"),
    "yes written in Chinese": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\ndraft: 是")},
        "content/cases/a.md:3: draft: 应为 true 或 false；“是”请写成 draft: true [E203]"),
    "no written in English": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\ndraft: no")},
        "content/cases/a.md:3: draft: 应为 true 或 false；“no”请写成 draft: false [E203]"),
    "priority written in Chinese": (
        {"content/notices/n.md": "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\npriority: 紧急\nexpires: 2026-02-01\n---\n正文\n"},
        "content/notices/n.md:5: priority: “紧急”无效；应为 normal（普通）或 urgent（紧急），这里请写 priority: urgent [E211]"),
    "audiences written as one text": (
        {"content/cases/a.md": GOOD_CASE.replace("audience: [students]", "audience: students, freshmen")},
        "content/cases/a.md:5: audience: “students, freshmen”是几个受众写在了一起；请写在方括号里：audience: [students, freshmen] [E208]"),
    "audiences in brackets parted by a Chinese comma": (
        {"content/cases/a.md": GOOD_CASE.replace("audience: [students]", "audience: [students，freshmen]")},
        "content/cases/a.md:5: audience: “students，freshmen”里用了中文的“，”，几个受众被当成了一个；请改用英文逗号："
        "audience: [students, freshmen] [E208]"),
    "front matter opened with a Chinese input method's dashes": (
        {"content/cases/a.md": GOOD_CASE.replace("---\ntitle", "———\ntitle", 1)},
        "content/cases/a.md:1: “———”不是 ---：头部信息的首尾两行要用三个英文减号（半角 -）；请切换到英文输入法重打这一行 [E001]"),
    "front matter closed with full-width hyphens": (
        {"content/cases/a.md": GOOD_CASE.replace("]\n---\n", "]\n－－－\n")},
        "content/cases/a.md:6: “－－－”不是 ---：头部信息的结束行要用三个英文减号（半角 -）；请切换到英文输入法重打这一行 [E002]"),
    "unterminated front matter": (
        {"content/cases/a.md": "---\ntitle: 甲\n"},
        "content/cases/a.md:1: 头部信息没有结束；请在字段之后单独一行写 --- [E002]"),
    "front matter is a list": (
        {"content/cases/a.md": "---\n- 甲\n- 乙\n---\n"},
        "content/cases/a.md:2: 头部信息应为“键: 值”形式的字段列表，而不是单个值或列表 [E004]"),
    "every key with a Chinese colon": (  # the whole header then parses as one long text
        {"content/cases/a.md": "---\ntitle：甲\ndate：2026-03-01\ntype：shuadan\n---\n正文\n"},
        "content/cases/a.md:2: YAML 格式错误：键后面用了中文冒号“：”；请改为英文冒号加一个空格，例如 type: shuadan [E003]"),
    "every key without the space after its colon": (
        {"content/cases/a.md": "---\ntitle:甲\ndate:2026-03-01\n---\n正文\n"},
        "content/cases/a.md:2: YAML 格式错误：冒号后面少了一个空格；请写成“键: 值”，例如 title: 标题 [E003]"),
    "not utf-8": (
        {"content/cases/a.md": "---\ntitle: 反诈\n---\n".encode("gbk")},
        "content/cases/a.md:2: 文件不是 UTF-8 编码（可能是 GBK）；请在编辑器中以 UTF-8 编码重新保存 [E010]"),
    "utf-16 from notepad": (
        {"content/cases/a.md": b"\xff\xfe" + GOOD_CASE.encode("utf-16-le")},
        "content/cases/a.md:1: 文件是 UTF-16 编码（记事本里叫“Unicode”）；请“另存为”，编码选 UTF-8 [E010]"),
    "binary named .md": (
        {"content/cases/a.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"},
        "content/cases/a.md: 这不是文本文件（可能是图片或其他二进制文件被命名为 .md）；请改回原来的扩展名 [E011]"),
    "duplicate slugs name both files": (
        {"content/cases/a.md": GOOD_CASE, "content/cases/b.md": GOOD_CASE.replace("title: 正常案例", "title: 乙\nslug: a")},
        "content/cases/b.md:3: slug: 与 content/cases/a.md 的网址（slug）相同；请为其中一篇设置不同的 slug [E218]"),
    "a slug written to match another file's name is the one blamed": (  # a.md sorts first, but b.md changed nothing
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\nslug: b"), "content/cases/b.md": GOOD_CASE},
        "content/cases/a.md:3: slug: 与 content/cases/b.md 的网址（slug）相同；请为其中一篇设置不同的 slug [E218]"),
    "slugs differing only in case": (
        {"content/cases/Foo.md": GOOD_CASE, "content/cases/b.md": GOOD_CASE.replace("title: 正常案例", "title: 乙\nslug: foo")},
        "content/cases/b.md:3: slug: 与 content/cases/Foo.md 的网址（slug）相同；请为其中一篇设置不同的 slug [E218]"),
    "slug starting with a hyphen": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\nslug: -refund")},
        "content/cases/a.md:3: slug: “-refund”以连字符开头；请去掉开头的“-” [E215]"),
    "alias written twice for one item": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: [cases/old/, Cases/Old/]")},
        "content/cases/a.md:3: aliases: 旧网址“Cases/Old/”与本篇自己的旧网址相同；请删除或改正这一项 [E220]"),
    "slug leaving the output folder": (
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\nslug: ../../etc")},
        "content/cases/a.md:3: slug: 不能含 /、\\ 或 ..，否则页面会写到输出目录以外；请只用小写字母、数字和连字符 [E214]"),
    "link to a missing content file": (
        {"content/cases/a.md": GOOD_CASE + "\n见[另一篇](missing.md)。\n"},
        "content/cases/a.md:9: 链接: “missing.md”链接的内容文件不存在；请检查文件名，或删除这个链接 [E301]"),
    "missing attachment": (
        {"content/notices/n.md": "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\nattachments: [files/x.pdf]\n---\n"},
        "content/notices/n.md:5: attachments: 找不到文件“files/x.pdf”；请把它放到 content/notices/files/ 下，或改正路径 [E304]"),
    "attachment named with a Chinese colon": (
        {"content/notices/n.md": "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\nattachments:\n  - 家长回执：files/x.pdf\n---\n",
         "content/notices/files/x.pdf": b"%PDF-1.4\n"},
        "content/notices/n.md:6: attachments: 名称和路径之间用了中文冒号“：”；请改为英文冒号加一个空格：- 家长回执: files/x.pdf [E205]"),
    "urgent notice without expiry": (
        {"content/notices/n.md": "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\npriority: urgent\n---\n"},
        "content/notices/n.md:5: priority: 紧急通知必须写 expires（失效时间，如 expires: 2026-12-31），以免一直占据首位 [E212]"),
    "urgent notice with the expiry left empty": (  # "expires:" blank, as ``fraudsite new notice`` writes it
        {"content/notices/n.md": "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\npriority: urgent\nexpires:\n---\n"},
        "content/notices/n.md:6: expires: 紧急通知必须写 expires（失效时间，如 expires: 2026-12-31），以免一直占据首位 [E212]"),
    "a key written twice": (  # as when an example line is added beside the line a new file already has
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\nscreen_title:\nsummary: 乙\nscreen_title: 短标题")},
        "content/cases/a.md:5: 键“screen_title”重复出现，上面已经有一行 screen_title:；每个键只能写一次："
        "请把要保留的内容并到一处，删掉另一处 [E007]"),
    "yaml alias": (
        {"content/cases/a.md": "---\ntitle: &t 甲\nsummary: *t\n---\n"},
        "content/cases/a.md:2: 不支持 YAML 锚点和别名（& 与 *）；请直接写出内容 [E005]"),
    "a git merge conflict in the body": (
        {"content/cases/a.md": GOOD_CASE + "<<<<<<< HEAD\n被骗 3000 元。\n=======\n被骗 3500 元。\n>>>>>>> 5f3a2c1 (修改金额)\n"},
        "content/cases/a.md:8: 文件里有未解决的 git 合并冲突：第 8、10、12 行是冲突标记（<<<<<<<、=======、>>>>>>> 开头的行），"
        "标记之间是两个版本；请保留要的那一版，删掉另一版和这些标记行 [E019]"),
    "a git merge conflict in the front matter": (  # not E003 for YAML's view of the markers
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例\n", "<<<<<<< HEAD\ntitle: 甲\n=======\ntitle: 乙\n>>>>>>> main\n")},
        "content/cases/a.md:2: 文件里有未解决的 git 合并冲突：第 2、4、6 行是冲突标记"),
    "a control character in a title, at its line after Chinese text": (  # libyaml counts bytes: it said line 4
        {"content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 测试\x0b标题")},
        "content/cases/a.md:2: 含有不允许的控制字符（U+000B）"),
    "unknown config key": (
        {"content/cases/a.md": GOOD_CASE},
        "fraudsite.yaml:3: page_sise: 未知的配置项；是否想写 “page_size”"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_a_clear_message_and_writes_nothing(tmp_path, name):
    files, expected = CASES[name]
    config = CONFIG + "page_sise: 5\n" if name == "unknown config key" else CONFIG
    lines = failures(tmp_path, files, config)
    assert any(line.startswith(expected) for line in lines), "\n".join(lines)


def test_a_time_skipped_by_daylight_saving_is_refused_and_the_hours_around_it_are_kept(tmp_path):
    case = GOOD_CASE.replace("date: 2026-01-01", 'date: "2026-03-29 02:30"')  # Berlin's clocks go from 02:00 to 03:00
    lines = failures(tmp_path, {"content/cases/a.md": case}, CONFIG + "timezone: Europe/Berlin\n")
    assert "content/cases/a.md:3: date: “2026-03-29 02:30”在时区 Europe/Berlin 里不存在：这一天调为夏令时，" in lines[0]
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_when("2026-03-29 03:00", berlin).utcoffset() == timedelta(hours=2)
    assert parse_when("2026-03-29 01:59", berlin).utcoffset() == timedelta(hours=1)
    assert parse_when("2026-03-29", berlin, end_of_day=True) == datetime(2026, 3, 30, tzinfo=berlin)  # 23 hours on


def test_an_alias_over_a_file_is_refused_by_an_edit_build_as_by_a_first_one(tmp_path):
    # Over an output built before, the redirect page was counted but never written, and the build said nothing.
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE})
    build_site(site)
    before = {path: path.read_bytes() for path in (site / "build").rglob("*") if path.is_file()}
    for alias in ("static/style.css", "404.html", "cases/"):
        case = site / "content/cases/a.md"
        case.write_text(GOOD_CASE.replace("title: 正常案例", f"title: 甲\naliases: [{alias}]"), encoding="utf-8")
        with pytest.raises(BuildFailed) as failure:
            build_site(site)
        assert [(p.path, p.line, p.code) for p in failure.value.problems] == [("content/cases/a.md", 3, "E220")], alias
        assert {path: path.read_bytes() for path in (site / "build").rglob("*") if path.is_file()} == before
    # Every clashing alias at once, not one per build
    case.write_text(GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: [cases/, static/style.css, cases/a/old/]"),
                    encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    said = sorted(p.message.split("”")[0] for p in failure.value.problems)
    assert said == ["旧网址“cases/", "旧网址“static/style.css"] and {p.line for p in failure.value.problems} == {3}


@pytest.mark.parametrize("empty, said", [("title:", "缺少必填配置项；请填写 [E105]"),
                                         ('title: ""', "缺少必填配置项；请填写 [E105]"),
                                         ("title: '  '", "应为非空文字 [E103]")])
def test_a_required_setting_left_empty_is_one_problem_said_once(tmp_path, empty, said):
    lines = failures(tmp_path, {"content/cases/a.md": GOOD_CASE}, CONFIG.replace("title: 测试专栏", empty))
    assert lines == [f"fraudsite.yaml:1: title: {said}"], lines


def test_every_problem_in_every_file_is_reported_in_one_run(tmp_path):
    lines = failures(tmp_path, {
        "content/cases/a.md": "---\ntitle: 甲\ndate: 2026-13-01\ntype: nope\naudience: [students]\n---\n",
        "content/cases/b.md": "---\ntitle: 乙\ndate: 2026-01-01\ntype: shuadan\naudience: [nobody]\n---\n",
        "content/notices/c.md": "---\ntitle: 丙\ndate: 2026-01-01\n---\n",
    })
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in lines] == [
        "content/cases/a.md:3", "content/cases/a.md:4", "content/cases/b.md:5", "content/notices/c.md:2"]


@pytest.mark.parametrize("broken, code", [("date: 2026-13-01", "E204"), ("date：2026-01-01", "E003")])
def test_a_link_to_a_file_with_an_error_is_not_reported_as_a_link_to_a_missing_file(tmp_path, broken, code):
    """The editor is sent to mend the broken file, not the one linking to it; mended, the link resolves."""
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n见[另一篇](b.md)。\n",
                                "content/cases/b.md": GOOD_CASE.replace("date: 2026-01-01", broken).replace("正常案例", "乙")})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert [p.code for p in failure.value.problems if p.severity == "error"] == [code]
    write(site, "content/cases/b.md", GOOD_CASE.replace("正常案例", "乙"))
    build_site(site)
    assert 'href="/fzzl/cases/b/"' in (site / "build/cases/a/index.html").read_text()
    (site / "content/cases/b.md").unlink()
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert [p.code for p in failure.value.problems if p.severity == "error"] == ["E301"]


def test_pyyaml_traps_are_avoided(tmp_path):
    """``no`` stays text, ``1.10`` stays 1.10: titles are taken as written."""
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", CONFIG)
    write(site, "content/cases/a.md", GOOD_CASE.replace("title: 正常案例", "title: 1.10"))
    write(site, "content/cases/b.md", GOOD_CASE.replace("title: 正常案例", "title: no").replace("a.md", ""))
    write(site, "content/cases/b.md", GOOD_CASE.replace("title: 正常案例", "title: no\nslug: b"))
    build_site(site)
    assert "<h1>1.10</h1>" in (site / "build/cases/a/index.html").read_text()
    assert "<h1>no</h1>" in (site / "build/cases/b/index.html").read_text()


def test_invisible_characters_pasted_into_values_are_dropped_and_an_emojis_joiner_is_kept(tmp_path):
    # Pasted from Word or WeChat, a zero-width space after "shuadan" gave 未知的诈骗类型"shuadan​"；是否想写
    # "shuadan"？, and a BOM or a word joiner in a title was published. They mean nothing in a value: dropped.
    zwsp, joiner, bom = "\u200b", "\u2060", "\ufeff"
    site = tiny_site(tmp_path, {"content/cases/a.md": f"""\
        ---
        title: {bom}新生{zwsp}被骗{joiner}👨\u200d👩\u200d👧
        date: 2026-01-01{zwsp}
        type: shuadan{zwsp}
        audience: [students{zwsp}, {joiner}freshmen]
        slug: {zwsp}xin-sheng
        amount: 3500{zwsp}
        draft: false{zwsp}
        ---
        正文。
        """})
    build_site(site)
    page = (site / "build/cases/xin-sheng/index.html").read_text(encoding="utf-8")
    assert "<h1>新生被骗👨\u200d👩\u200d👧</h1>" in page
    assert not re.search(f"[{zwsp}{joiner}{bom}]", "".join(tree(site / "build").keys()) + page)
    assert '<dt>损失金额</dt><dd>3,500 元</dd>' in page


def test_control_characters_pasted_from_word_into_a_body_are_dropped_from_every_output(tmp_path):
    # Word's line break (VT), page break (FF) and a bell were copied into the page, the feeds and the screens' zip:
    # no longer valid HTML or XML.
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE.replace("正文。", "第一句。\x0b第二句，\x0c\x07第三句。\x1b")})
    build_site(site)
    built = tree(site / "build")
    for name, data in list(built.items()):
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                built |= {f"{name}/{inner}": archive.read(inner) for inner in archive.namelist()}
    texts = {name: data for name, data in built.items() if name.endswith((".html", ".xml", ".json", ".txt"))}
    assert not [name for name, data in texts.items() if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)]
    assert "第一句。第二句，第三句。" in (site / "build/cases/a/index.html").read_text(encoding="utf-8")
    assert any(name.startswith("screen/default.zip/") and name.endswith(".html") for name in texts)


def test_an_amount_in_full_width_digits_is_taken_as_a_dates_are(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE.replace("date: 2026-01-01", "date: ２０２６-01-01\namount: ３５００")})
    build_site(site)
    assert "<dt>损失金额</dt><dd>3,500 元</dd>" in (site / "build/cases/a/index.html").read_text(encoding="utf-8")


def test_bom_crlf_and_empty_body_are_accepted(tmp_path):
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", CONFIG)
    (site / "content/cases").mkdir(parents=True)
    (site / "content/cases/a.md").write_bytes(b"\xef\xbb\xbf" + GOOD_CASE.split("正文")[0].replace("\n", "\r\n").encode())
    build_site(site)
    assert "正常案例" in (site / "build/cases/a/index.html").read_text()


def test_a_file_meant_as_content_but_not_named_md_gets_a_warning_naming_the_right_name(tmp_path):
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", CONFIG)
    for name in ("a.md.txt", "b.markdown", "C.MD", "2026/d.txt"):
        write(site, f"content/cases/{name}", GOOD_CASE)
    write(site, "content/notices/files/名单说明.txt", "附件：报名须知\n")  # an attachment, not content
    write(site, "content/notices/files/分隔.txt", "-----\n报名须知\n")  # a rule, not front matter
    (site / "content/cases/e.txt").write_bytes(b"\xef\xbb\xbf" + GOOD_CASE.encode())  # Notepad's UTF-8 with BOM
    report = build_site(site)
    assert report.items == 0
    assert sorted(str(p) for p in report.warnings if p.code == "W017") == [
        f"content/cases/{old}: （警告）这个文件不会发布：内容文件的扩展名必须是小写的 .md；请改名为 {new}"
        + ("（记事本保存时会在后面加上 .txt，另存为时请把“保存类型”选为“所有文件”）" if old.endswith(".txt") else "") + " [W017]"
        for old, new in (("2026/d.txt", "d.md"), ("C.MD", "C.md"), ("a.md.txt", "a.md"), ("b.markdown", "b.md"),
                         ("e.txt", "e.md"))]


def test_a_published_item_with_the_placeholder_of_fraudsite_new_is_refused_and_an_empty_body_warned_of(tmp_path):
    from fraudsite.newitem import PLACEHOLDERS

    unfinished = GOOD_CASE.replace("正文。", f"## 案情经过\n\n{PLACEHOLDERS[0]}")
    lines = failures(tmp_path, {"content/cases/a.md": unfinished})
    assert lines == [f"content/cases/a.md:9: 正文: 还留着新建时的提示文字“{PLACEHOLDERS[0]}”；请换成正文，或先设为 draft: true [E221]"]
    site = tmp_path / "site"
    write(site, "content/cases/a.md", unfinished.replace("title:", "draft: true\ntitle:"))  # a draft may hold it
    assert not [p for p in build_site(site).warnings if p.field == "正文"]
    write(site, "content/cases/a.md", GOOD_CASE.replace("正文。", "<!-- 写作提示 -->\n"))
    write(site, "content/notices/n.md", "---\ntitle: 通知\ndate: 2026-01-01\nissuer: 保卫处\nattachments: [x.pdf]\n---\n")
    write(site, "content/notices/x.pdf", "%PDF-1.4")  # a notice of its attachment alone shows the attachment
    assert [str(p) for p in build_site(site).warnings if p.field == "正文"] == [
        "content/cases/a.md:7: 正文: （警告）正文是空的，读者打开这一篇只能看到标题；请补上正文，或先设为 draft: true [W203]"]


def test_a_root_relative_link_into_the_column_warns_that_it_misses_the_sub_path(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n见[另一篇](/cases/b/)、[学校通知](/notices/123.html)、"
                                                                "[学校首页](/xxgk/)和[本栏](/fzzl/cases/b/)。\n",
                                "content/cases/b.md": GOOD_CASE.replace("正常案例", "乙")})
    assert [str(p) for p in build_site(site).warnings if p.code == "W305"] == [
        "content/cases/a.md:9: 链接: （警告）“/cases/b/”以 / 开头，少了网站所在的路径 /fzzl/，在网站上会打不开；"
        "请改为链接到内容文件（例如 另一篇.md），或写成 /fzzl/cases/b/ [W305]"]


def test_an_image_from_another_website_gets_a_warning_at_its_line(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n![截图](http://example.com/a.png)\n\n"
                                                                "<img src=\"//cdn.example.com/b.png\" alt=\"b\">\n"
                                                                "\n![本站](https://www.example.edu.cn/images/c.png)\n"})
    warned = [(p.line, p.code) for p in build_site(site).warnings if p.field == "图片"]
    assert warned == [(9, "W306"), (11, "W306")]  # not the site's own host
    # Nor loaded by the page: each reader's visit would be told to that site. A link to it stays.
    page = (site / "build/cases/a/index.html").read_text(encoding="utf-8")
    assert re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', page) == ["https://www.example.edu.cn/images/c.png"]
    assert '<a class="outside-image" href="http://example.com/a.png">截图（别的网站上的图片，点击查看）</a>' in page
    assert '<a class="outside-image" href="//cdn.example.com/b.png">b（别的网站上的图片，点击查看）</a>' in page
    feed = (site / "build/feed.xml").read_text(encoding="utf-8")  # read on readers' devices as well
    assert "class=&#34;outside-image&#34; href=&#34;http://example.com/a.png&#34;" in feed
    assert "src=&#34;http://example.com" not in feed and "src=&#34;//cdn.example.com" not in feed


def test_a_linked_outside_picture_leaves_its_words_and_the_sites_own_chinese_host_is_its_own(tmp_path):
    # A screenshot linked to its source became a link inside a link (no HTML: the browser cut the outer one off);
    # a picture at the site's own Chinese host was taken for another site's once base_url was written as xn--….
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n[![来源截图](https://other.example/a.png)](https://police.example.cn/a)\n"
                                                                "\n![本校](https://反诈.学校.cn/fzzl/static/favicon.svg)\n"},
                     CONFIG.replace("https://www.example.edu.cn/fzzl/", "https://反诈.学校.cn/fzzl/"))
    assert [p.line for p in build_site(site).warnings if p.code == "W306"] == [9]
    page = (site / "build/cases/a/index.html").read_text(encoding="utf-8")
    assert ('<a href="https://police.example.cn/a"><span class="outside-image">来源截图（别的网站上的图片）</span></a>'
            in page)
    assert re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', page) == ["https://反诈.学校.cn/fzzl/static/favicon.svg"]


def test_command_line_prints_problems_and_exits_1_without_traceback(tmp_path):
    site = copy_fixture(tmp_path)
    before_build = run_fraudsite("build", site, "--now", "2026-03-15 12:00")
    assert before_build.returncode == 0, before_build.stderr
    before = tree(site / "build")
    write(site, "content/cases/older.md", "---\ntitle: 坏\ndate: 2026-01-01\ntype: nope\naudience: [students]\n---\n")
    result = run_fraudsite("build", site, "--now", "2026-03-15 12:00")
    assert result.returncode == 1
    assert "content/cases/older.md:4: type: 未知的诈骗类型“nope”" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert tree(site / "build") == before, "a failed build must leave the previous site intact"


def test_a_name_that_is_not_utf8_is_named_in_its_escapes_and_as_gbk_by_build_and_check(tmp_path):
    # A zip made on Chinese Windows, unpacked on Linux: GBK names. The build crashed (UnicodeEncodeError), check
    # passed and named the file content/cases/????????.md.
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE})
    cases, notices = os.fsencode(site / "content/cases"), os.fsencode(site / "content/notices")
    with open(os.path.join(cases, "案例测试".encode("gbk") + b".md"), "wb") as stream:
        stream.write(GOOD_CASE.replace("正常案例", "另一篇").encode())
    os.mkdir(os.path.join(notices, "往期".encode("gbk")))
    with open(os.path.join(notices, "往期".encode("gbk"), b"n.md"), "wb") as stream:
        stream.write(b"---\n")  # unread: the folder is named, not each file in it
    with open(os.path.join(cases, "旧案".encode("gbk") + b".MD"), "wb") as stream:  # W017's to name: it crashed the build
        stream.write(b"---\n")
    for command in ("build", "check"):
        result = run_fraudsite(command, site, "--now", "2026-03-15 12:00")
        said = result.stdout + result.stderr
        assert result.returncode == 1, said
        assert ("content/cases/\\xb0\\xb8\\xc0\\xfd\\xb2\\xe2\\xca\\xd4.md: 文件名不是 UTF-8 编码（按 GBK 读是“案例测试.md”），"
                "多半是解压了在 Windows 上打包的 zip；这篇无法读取，请把这个文件改名（重新输入名字），或用 unzip -O GBK 重新解压 [E018]"
                in said), said
        assert "content/notices/\\xcd\\xf9\\xc6\\xda: 文件夹名不是 UTF-8 编码（按 GBK 读是“往期”）" in said, said
        assert ".MD: 文件名不是 UTF-8 编码（按 GBK 读是“旧案.MD”）" in said and "W017" not in said, said
        assert "其中的内容无法读取，请把这个文件夹改名" in said and "E001" not in said and "Traceback" not in said
    assert not (site / "build").exists()


def test_a_word_or_wps_lock_file_beside_a_content_file_is_no_content(tmp_path):
    # Opening a.md in Word or WPS writes ~$a.md beside it (a binary file): every build stopped with E011 until
    # the document was closed. Office's lock files are litter, as serve's watcher already took them.
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE, "content/cases/~$a.md": b"\x08\x00\x00\x00user    \x00\x00",
                                "content/~$readme.md": b"\x08\x00\x00\x00user    \x00\x00"})
    for command in ("build", "check"):
        result = run_fraudsite(command, site, "--now", "2026-03-15 12:00")
        said = result.stdout + result.stderr
        assert result.returncode == 0 and "~$" not in said and not re.search(r"\[(E0|W01)", said), said
    assert sorted(path.name for path in (site / "build/cases").iterdir() if path.is_dir()) == ["a"]


def test_a_heading_underlined_with_equals_signs_and_a_deep_quote_are_no_merge_conflict(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n防范要点\n=======\n\n<<<<<<<< 八个不算\n\n"
                                                                   ">>>>>>>>引用\n\n>>>>>>> 七层引用\n"})
    build_site(site)
    assert "防范要点</h2>" in (site / "build/cases/a/index.html").read_text(encoding="utf-8")


def test_an_alias_cannot_replace_another_page_or_a_feed(tmp_path):
    lines = failures(tmp_path, {
        "content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\naliases: ['./', feed.xml, 'a//b/']")})
    assert [line.split(" [")[-1] for line in lines if "aliases" in line] == ["E216]"] * 3, lines


def test_leading_zeros_are_kept_as_written(tmp_path):
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", CONFIG)
    write(site, "content/cases/a.md", GOOD_CASE.replace("title: 正常案例", "title: 甲\nid: 007\nslug: 0123"))
    build_site(site)
    assert (site / "build/cases/0123/index.html").is_file()
    assert "<guid isPermaLink=\"false\">007</guid>" in (site / "build/feed.xml").read_text()


def test_a_bad_base_url_option_is_an_error(tmp_path):
    site = copy_fixture(tmp_path)
    for url in ("www.example.edu.cn/fzzl", "https://www.example.edu.cn/fzzl/?from=qr", "https://www.example.edu.cn/#top",
                "https://www.example.edu.cn/fzzl/#"):
        result = run_fraudsite("build", site, "--base-url", url, "--now", "2026-03-15 12:00")
        assert result.returncode == 1 and "[E108]" in result.stderr and "Traceback" not in result.stderr
    assert not (site / "build").exists()
    config = site / "fraudsite.yaml"
    config.write_text(re.sub(r"base_url: (\S+)", r"base_url: \1?from=qr", config.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_fraudsite("build", site, "--now", "2026-03-15 12:00")
    assert result.returncode == 1 and "fraudsite.yaml:" in result.stderr and "不带 ? 或 # 之后的部分" in result.stderr


def test_tags_in_one_text_and_an_update_before_the_date_are_warned_of(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": "---\ntitle: 甲\ndate: 2026-01-01\nupdated: 2025-12-01\n"
                                                      "type: shuadan\naudience: [students]\ntags: 兼职，刷单\n---\n正文\n"})
    report = build_site(site)
    assert sorted(str(w) for w in report.warnings if w.code in ("W204", "W205")) == [
        "content/cases/a.md:4: updated: （警告）更新日期早于发布日期；请检查 updated 与 date（没有更新就删掉 updated） [W205]",
        "content/cases/a.md:7: tags: （警告）“兼职，刷单”会成为一个标签；多个标签请写成 tags: [兼职, 刷单] [W204]"]


def test_signs_run_together_or_written_in_markdown_are_warned_of_at_their_line(tmp_path):
    # One space too many, or none after the dash: YAML makes one point of two, published as "甲 - 乙". And these are
    # plain text everywhere: **96110** was shown with its asterisks.
    head = "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n"
    site = tiny_site(tmp_path, {"content/cases/a.md": head + "signs:\n  - 先给小额返利\n   - 再要求垫付\n  - 损失 -5 元也要报警\n  - 来电显示 138****5678 之类的号码\n"
                                "advice:\n  - 拨打 **96110** 咨询\n---\n正文\n",
                                "content/cases/b.md": head + "advice:\n  -不要垫钱\n---\n正文\n"})
    report = build_site(site)
    assert [(w.path, w.line, w.field) for w in report.warnings if w.code == "W208"] == [
        ("content/cases/a.md", 7, "signs"), ("content/cases/a.md", 12, "advice"), ("content/cases/b.md", 6, "advice")]
    found = [w.message for w in report.warnings if w.code == "W208"]
    assert found[0].startswith("“先给小额返利 - 再要求垫付”像是几条写成了一条") and "“**”会原样出现" in found[1]
    assert found[2].startswith("“-不要垫钱”像是几条写成了一条")


def test_signs_with_bullets_pasted_from_word_are_warned_of_at_their_line(tmp_path):
    # A bulleted list pasted from Word or WPS: YAML takes the lines for one text, published as one point with the
    # bullets in it; a point of its own that keeps its bullet or number shows it beside the list's own.
    head = "---\ntitle: 甲\ndate: 2026-01-01\ntype: shuadan\naudience: [students]\n"
    site = tiny_site(tmp_path, {"content/cases/a.md": head + "signs:\n  • 陌生人拉你进群\n  • 先返小额佣金\n"
                                "advice:\n  - ① 不要垫钱\n  - 1. 核实身份 2. 报警\n  - 1.5万元以下也要报警\n  - 10%的返利是诱饵\n"
                                "  - 微信·支付宝都不要转\n  - \"**不要**转账给陌生人\"\n---\n正文\n"})
    report = build_site(site)
    assert [(w.line, w.message) for w in report.warnings if w.code == "W208"] == [
        (6, "“• 陌生人拉你进群 • 先返小额佣金”像是几条写成了一条：每条单独一行，以“- ”开头（减号后有空格），各行的“- ”上下对齐；"
            "若本来就是一条，请去掉其中的“•”"),
        (10, "“① 不要垫钱”以“①”开头，它会原样出现在网页、公众号和大屏上：防范提示每条单独一行，以“- ”开头（减号后有空格），"
             "不用另加项目符号或编号"),
        (11, "“1. 核实身份 2. 报警”像是几条写成了一条：每条单独一行，以“- ”开头（减号后有空格），各行的“- ”上下对齐；"
             "若本来就是一条，请去掉其中的“1.”"),
        (15, "防范提示按纯文字显示，“**”会原样出现在网页、公众号和大屏上；请去掉")]  # bold: no bullet


def test_a_file_named_in_another_letter_case_is_named_in_the_error(tmp_path):
    """A server that tells Chat.PNG from chat.png finds no file where the editor's computer did: say which one."""
    lines = failures(tmp_path, {
        "content/cases/a.md": GOOD_CASE.replace("title: 正常案例", "title: 甲\ncover: images/chat.png"),
        "content/cases/images/Chat.PNG": b"\x89PNG"})
    hint = "是否想写 images/Chat.PNG？文件名的大小写要和实际文件完全一致，网站服务器区分大小写 [E304]"
    assert lines == [f"content/cases/a.md:3: cover: 找不到文件“images/chat.png”；{hint}"], lines
    in_the_body = failures(tmp_path / "body", {
        "content/cases/a.md": GOOD_CASE + "\n![聊天](IMAGES/chat.png)\n", "content/cases/images/Chat.PNG": b"\x89PNG"})
    assert in_the_body == [f"content/cases/a.md:9: 图片: “IMAGES/chat.png”引用的文件不存在；{hint}"]


def test_a_level_one_heading_in_a_body_is_warned_of_at_its_line(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE + "\n# 案情经过\n\n经过。\n\n#### 细节\n"})
    assert [(w.line, w.code) for w in build_site(site).warnings if w.field == "小标题"] == [(9, "W307"), (13, "W307")]
    assert '<h2 id="案情经过">案情经过</h2>' in (site / "build/cases/a/index.html").read_text(encoding="utf-8")


def test_a_tag_written_twice_is_one_tag(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE.replace("audience: [students]",
                                                                       "audience: [students]\ntags: [论文, 兼职, 论文]")})
    build_site(site)
    page = (site / "build/cases/a/index.html").read_text(encoding="utf-8")
    assert page.count(">论文</a>") == 1 and page.count(">兼职</a>") == 1


def test_an_update_on_the_day_of_publication_is_not_before_it(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": "---\ntitle: 甲\ndate: \"2026-01-01 14:00\"\nupdated: 2026-01-01\n"
                                                      "type: shuadan\naudience: [students]\n---\n正文\n"})
    assert not [w for w in build_site(site).warnings if w.code == "W205"]


def test_the_base_url_is_written_as_browsers_write_it_and_a_port_beyond_range_is_refused(tmp_path):
    # Every feed's self link, the sitemap and robots.txt named https://WWW.Example.edu.cn:443/fzzl as written.
    from fraudsite.config import load_config

    site = tiny_site(tmp_path, {}, CONFIG.replace("https://www.example.edu.cn/fzzl/", "HTTPS://WWW.Example.edu.cn:443/fzzl"))
    assert load_config(site / "fraudsite.yaml").base_url == "https://www.example.edu.cn/fzzl/"
    build_site(site)
    assert "<loc>https://www.example.edu.cn/fzzl/</loc>" in (site / "build/sitemap.xml").read_text(encoding="utf-8")
    for number, wrong in enumerate(("www.example.edu.cn:99999/", "www.example.edu.cn:0/")):
        lines = failures(tmp_path / f"wrong{number}", {"content/cases/a.md": GOOD_CASE},
                         CONFIG.replace("www.example.edu.cn/", wrong))
        assert lines and lines[0].startswith("fraudsite.yaml:2: base_url: 应为网站的完整网址"), wrong


def test_a_chinese_host_is_written_in_its_ascii_form_everywhere_a_full_address_is(tmp_path):
    # Percent-encoded as the path is (https://%E5%8F%8D%E8%AF%88.…), it was no host name to feed readers, crawlers
    # or QR scanners.
    from fraudsite.config import load_config

    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE},
                     CONFIG.replace("https://www.example.edu.cn/fzzl/", "https://反诈.学校.cn/fzzl/"))
    assert load_config(site / "fraudsite.yaml").base_url == "https://xn--kors61k.xn--48s290a.cn/fzzl/"
    build_site(site)
    for page in ("build/sitemap.xml", "build/feed.xml", "build/cases/a/index.html"):
        text = (site / page).read_text(encoding="utf-8")
        assert "https://xn--kors61k.xn--48s290a.cn/fzzl/" in text and "%E5%8F%8D" not in text, page


def test_a_base_url_with_a_password_or_a_page_name_says_what_to_remove(tmp_path):
    # The one was told of "? 或 #"; the other built, and every link read /fzzl/index.html/static/style.css.
    said = {}
    for number, wrong in enumerate(("admin:pw@www.example.edu.cn/fzzl/", "WWW.example.edu.cn/fzzl/index.html",
                                    "www.example.edu.cn/Default.ASPX", "www.example.edu.cn/fzzl/list.php")):
        lines = failures(tmp_path / f"wrong{number}", {"content/cases/a.md": GOOD_CASE},
                         CONFIG.replace("www.example.edu.cn/fzzl/", wrong))
        assert len(lines) == 1 and lines[0].startswith("fraudsite.yaml:2: base_url: ") and lines[0].endswith("[E103]")
        said[wrong] = lines[0].split("base_url: ")[1]
    assert said["admin:pw@www.example.edu.cn/fzzl/"].startswith("网址里不能带用户名和密码")
    assert "末尾的“index.html”会出现在每个页面的地址中间；请删去它，写成 https://www.example.edu.cn/fzzl/ [E103]" in said[
        "WWW.example.edu.cn/fzzl/index.html"]
    assert "写成 https://www.example.edu.cn/ [E103]" in said["www.example.edu.cn/Default.ASPX"]
    assert "写成 https://www.example.edu.cn/fzzl/ [E103]" in said["www.example.edu.cn/fzzl/list.php"]
    site = tiny_site(tmp_path / "folder", {"content/cases/a.md": GOOD_CASE},
                     CONFIG.replace("www.example.edu.cn/fzzl/", "www.example.edu.cn/fzzl.v2/"))
    build_site(site)  # a dot in a folder's name is no page


def test_only_a_file_managers_copy_is_taken_for_the_copy():
    from types import SimpleNamespace

    from fraudsite.content import _copies_last

    def copy(name: str) -> bool:
        return _copies_last(SimpleNamespace(source=f"content/cases/{name}.md"))[0]

    for name in ("案例 copy", "案例 copy 2", "案例 - 副本", "案例 - 副本 (2)", "案例 - Copy", "案例 (复件)",
                 "案例 (another copy)", "案例 (3rd copy)", "案例 (1)", "案例（2）", "案例的副本",
                 "案例 (张三's conflicted copy 2026-11-28)", "案例 (conflicted copy 2026-11-28 093000)",
                 "案例（张三的冲突副本 2026-11-28）", "案例 2", "案例.sync-conflict-20261128-093000-ABCDEFG"):
        assert copy(name), name
    for name in ("2025-04-copyright-scam", "photocopy-fraud", "游戏副本代练诈骗", "游戏副本", "防骗讲座 (2024)", "案例",
                 "防骗讲座 2024", "2026-11-28-jian-zhi-2"):
        assert not copy(name), name


@pytest.mark.parametrize("value", ["8080", "true", "[https://www.example.edu.cn/fzzl/]", "0", "false"])
def test_a_base_url_that_is_not_text_is_refused_at_its_line(tmp_path, value):
    # It was skipped unchecked, and the build ended in 内部错误：AssertionError, exit 2.
    lines = failures(tmp_path, {"content/cases/a.md": GOOD_CASE},
                     CONFIG.replace("https://www.example.edu.cn/fzzl/", value))
    assert lines == ["fraudsite.yaml:2: base_url: 应为网站的完整网址，不带 ? 或 # 之后的部分，"
                     "例如 https://www.example.edu.cn/fzzl/ [E103]"], lines


def test_a_base_url_that_is_not_text_exits_1_without_traceback(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE}, CONFIG.replace("https://www.example.edu.cn/fzzl/", "8080"))
    for command in ("build", "check"):
        said = (result := run_fraudsite(command, site)).stdout + result.stderr
        assert result.returncode == 1 and "fraudsite.yaml:2: base_url:" in said, said
        assert "内部错误" not in said and "Traceback" not in said


def test_a_type_or_audience_text_that_is_a_list_or_true_is_refused_at_its_line(tmp_path):
    # A list was shown raw on the type page (['先返利', '后垫付']); name: 110 was told it had no name.
    config = CONFIG + """\
office:
  name: [保卫处]
types:
  - key: shuadan
    name: 110
    description: [先返利, 后垫付]
    warning: true
  - key: ShuaDan
    name: 刷单
audiences:
  - {key: 在校生, name: 在校生}
  - key: staff
    name: {a: 1}
"""
    lines = failures(tmp_path, {}, config)
    assert lines == [
        "fraudsite.yaml:4: office.name: 应为一段文字，而不是列表或多项设置；几句话请写在同一行里 [E103]",
        "fraudsite.yaml:8: types.description: 应为一段文字，而不是列表或多项设置；几句话请写在同一行里 [E103]",
        "fraudsite.yaml:9: types.warning: 应为一段文字；若本意是文字，请加英文引号 [E103]",
        "fraudsite.yaml:10: types.key: 键“ShuaDan”应为小写英文字母、数字和连字符；是否想写 shuadan？ [E106]",
        "fraudsite.yaml:13: audiences.key: 键“在校生”应为小写英文字母、数字和连字符；例如 students [E106]",
        "fraudsite.yaml:15: audiences.name: 应为一段文字，而不是列表或多项设置；几句话请写在同一行里 [E103]"], lines


def test_a_number_as_a_type_name_or_description_is_its_text(tmp_path):
    from fraudsite.config import load_config

    site = tiny_site(tmp_path, {}, CONFIG + "types:\n  - {key: shuadan, name: 110, description: 12306}\n")
    assert load_config(site / "fraudsite.yaml").types[0].name == "110"
    assert load_config(site / "fraudsite.yaml").types[0].description == "12306"


def test_an_internal_field_or_a_key_under_search_is_an_unknown_setting(tmp_path):
    # configured_url (the build's own note of fraudsite.yaml's base_url) and search.foo were taken silently, and
    # configured_url was offered among the choices of every mistyped key.
    lines = failures(tmp_path, {"content/cases/a.md": GOOD_CASE},
                     CONFIG + "configured_url: https://evil.example/\nsearch:\n  foo: 1\npage_sise: 5\n")
    assert [line.split(" [")[0] for line in lines] == [
        "fraudsite.yaml:3: configured_url: 未知的配置项；可选：audiences、base_url、feed_size、language、"
        "notice_lifetime_days、office、page_size、privacy、screen、search、timezone、title、trusted_html、types、wechat",
        "fraudsite.yaml:5: search.foo: 未知的配置项；search 下目前没有可写的设置，请删去这一行",
        "fraudsite.yaml:6: page_sise: 未知的配置项；是否想写 “page_size”、“feed_size”？"], lines
    assert all(line.endswith("[E104]") for line in lines)


@pytest.mark.parametrize("language", ["中文", "zh_CN", "zh CN", "'-zh'"])
def test_a_language_that_is_no_language_tag_is_refused(tmp_path, language):
    # 中文 was written as <html lang="中文">, which no browser or screen reader knows.
    lines = failures(tmp_path, {"content/cases/a.md": GOOD_CASE}, CONFIG + f"language: {language}\n")
    assert lines == [f"fraudsite.yaml:3: language: “{language.strip(chr(39))}”不是语言代码；应为字母、数字和连字符组成的"
                     "代码，简体中文写 zh-CN [E103]"], lines


def test_a_language_tag_is_written_as_the_pages_language(tmp_path):
    site = tiny_site(tmp_path, {"content/cases/a.md": GOOD_CASE}, CONFIG + "language: zh-Hans\n")
    build_site(site)
    assert '<html lang="zh-Hans"' in (site / "build/index.html").read_text(encoding="utf-8")
