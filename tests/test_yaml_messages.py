"""A front-matter slip is told in Chinese, at the line where the editor made it, with the fix.

PyYAML words its problems in English, differently in its two parsers (libyaml's, used where installed, and
the pure-Python one), and often a line late: each message is checked with both parsers.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
import yaml

from fraudsite import yamltext
from fraudsite.build import BuildOptions
from fraudsite.check import check_site
from fraudsite.config import load_config
from fraudsite.content import read_file
from fraudsite.errors import BuildFailed, describe_os_error
from fraudsite.frontmatter import split_front_matter
from sitekit import at, write

ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,][A-Za-z]{2,}")  # PyYAML's and the system's words, never in ours
LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(params=LOADERS, ids=lambda loader: loader.__name__)
def loader(request, monkeypatch):
    monkeypatch.setattr(yamltext, "_LOADER", request.param)


def front_matter(*lines: str) -> str:
    """A case file whose front matter is ``lines``: the first of them is line 2 of the file."""
    return "---\n" + "\n".join(lines) + "\n---\n正文。\n"


def yaml_problem(text: str):
    source, found = split_front_matter("content/cases/a.md", text)
    assert source is None and found is not None, "the slip must be an error"
    assert found.code == "E003" and not ENGLISH.search(found.message), found.message
    return found


REST = ("date: 2026-01-01", "type: shuadan", "audience: [students]")  # what follows the slip: lines 4 to 6

SLIPS = {  # front-matter lines, the file line to blame, words the message must hold
    "tab indentation with libyaml too": (
        ("title: 甲", "date: 2026-01-01", "type: shuadan", "audience:", "\t- students"), 6,
        ["制表符（Tab）", "空格"]),
    "windows path in double quotes": (
        ("title: 甲", 'cover: "C:\\Users\\xiaoli\\a.jpg"', *REST), 3, ["双引号", "反斜杠", "单引号", "正斜杠"]),
    "windows path with chinese in double quotes": (
        ("title: 甲", 'cover: "D:\\反诈\\a.jpg"', *REST), 3, ["双引号", "反斜杠", "单引号", "正斜杠"]),
    "chinese quotes inside, no closing english quote": (
        ("title: 甲", 'summary: "冒充“客服”退款诈骗”', *REST), 3,
        ["没有结束的英文引号", '例如 summary: "冒充“客服”退款诈骗"']),
    "unclosed quote blamed where it opens, not at the end": (
        ("title: 甲", *REST, "amount: 3500", "tags: [兼职]", "id: case-a", 'summary: "2026年9月，新生小王',
         "signs: [先返利]", "advice: [不刷单]", "issuer: 保卫处", "slug: a", "updated: 2026-01-02",
         "draft: false", "withdrawn: false"), 9, ["没有结束的英文引号", "补上"]),  # the closing --- is line 17
    "unclosed quote before a comment": (  # a line of fraudsite init's configuration: the quote goes before the #
        ('title: "反诈防骗专栏  # 请修改：专栏名称', *REST), 2,
        ['例如 title: "反诈防骗专栏"  # 请修改：专栏名称']),
    "unclosed quote closed by the next line's opening quote": (  # PyYAML then complains of line 3's indentation
        ('title: "新生入学不久陷点赞任务陷阱', 'date: "2026-11-12 21:30"', "type: shuadan"), 2,
        ["没有结束的英文引号", '例如 title: "新生入学不久陷点赞任务陷阱"']),
    "unclosed single quote run on over a line to the next quote": (
        ("title: 甲", "summary: '冒充客服", "  退款诈骗", "date: '2026-11-12'", "type: shuadan"), 3,
        ["没有结束的英文引号", "例如 summary: '冒充客服'"]),
    "text after the closing quote": (
        ('title: "点赞任务"是陷阱，新生被骗三千五百元', *REST), 2,
        ["引号必须包住整个值", "例如 title: “点赞任务”是陷阱，新生被骗三千五百元"]),
    "full-width space after the colon": (
        ("title:\u3000测试", *REST), 2, ["冒号后面", "全角空格（U+3000）"]),
    "no-break space after the colon": (
        ("title: 甲", "summary:\u00a0测试", *REST), 3, ["冒号后面", "不换行空格（U+00A0"]),
    "no-break space before a key": (
        ("title: 甲", "date: 2026-01-01", "\u00a0type: fake-service", "audience: [students]"), 4,
        ["键“type”前面", "不换行空格（U+00A0"]),
    "full-width space before a key": (
        ("title: 甲", "\u3000date: 2026-01-01", "type: shuadan"), 3, ["键“date”前面", "全角空格（U+3000）"]),
    "full-width space indenting a list item": (
        ("title: 甲", "audience:", "\u3000- students", "type: shuadan"), 4, ["这一行开头", "全角空格（U+3000）"]),
    "unclosed bracket blamed on its own line": (
        ("title: 甲", *REST, "amount: 3500", "id: case-a", "tags: [兼职, 刷单", "summary: 摘要"), 8,
        ["“[”没有对应的“]”", "同一行"]),
    "a list item beginning with a reserved character": (
        ("title: 甲", "tags: [兼职, @新生]", *REST), 3, ["“@”", "这一项", '"@……"']),
    "a line without a colon": (
        ("title: 甲", "新生被骗三千五百元", *REST), 3, ["英文冒号"]),
}
RESERVED = {  # a value beginning with a character YAML reserves: the fix is the value in quotes
    "@": "@全体新生 注意防范", "`": "`重要` 注意防范", "!": "!紧急 注意防范", ">": "> 注意防范",
    "-": "- 注意防范", "[": "[兼职] 刷单骗局", "{": "{注意防范", "%": "%注意防范", "&": "&注意防范",
    "*": "*注意防范", "|": "| 注意防范",
}


@pytest.mark.parametrize("name", list(SLIPS))
def test_a_front_matter_slip_is_named_at_its_line_in_chinese(loader, name):
    lines, line, words = SLIPS[name]
    found = yaml_problem(front_matter(*lines))
    assert found.line == line, found
    assert all(word in found.message for word in words), found.message


@pytest.mark.parametrize("char", list(RESERVED))
def test_a_value_beginning_with_a_reserved_character_is_to_be_quoted(loader, char):
    found = yaml_problem(front_matter("title: 甲", f"summary: {RESERVED[char]}", *REST))
    assert found.line == 3, found
    assert f"“{char}”" in found.message and f'例如 summary: "{RESERVED[char]}"' in found.message, found.message


@pytest.mark.parametrize("char", ["!", "&"])
def test_a_tag_or_anchor_that_parses_is_not_allowed_to_eat_the_first_word(loader, char):
    found = yaml_problem(front_matter("title: 甲", f"summary: {char}important 注意防范", *REST))
    assert found.line == 3 and f'例如 summary: "{char}important 注意防范"' in found.message, found.message


def test_a_markdown_file_given_as_configuration_is_told_in_chinese(tmp_path):
    path = write(tmp_path, "a.md", front_matter("title: 甲", *REST))
    with pytest.raises(BuildFailed) as failure:
        load_config(path)
    [found] = failure.value.problems
    assert found.line == 6 and "---" in found.message and "--config" in found.message, found
    assert not ENGLISH.search(found.message), found.message


def check_problems(tmp_path: Path, text: str) -> list[str]:
    """Every problem ``check`` finds in a site of one case file."""
    site = tmp_path / "site"
    write(site, "fraudsite.yaml", "title: 测试专栏\nbase_url: https://www.example.edu.cn/fzzl/\n")
    write(site, "content/cases/a.md", text)
    (site / "content/notices").mkdir(parents=True)
    options = BuildOptions(site_dir=site, out_dir=site / "build", config_path=site / "fraudsite.yaml",
                           now=at("2026-03-15 12:00"))
    return [str(p) for p in check_site(options).problems if p.path == "content/cases/a.md"]


def test_a_hash_in_a_text_value_warns_that_what_follows_was_dropped(tmp_path):
    """Not after the values ``fraudsite new`` comments on, though: an identifier, a date, an empty summary."""
    found = check_problems(tmp_path, front_matter(
        "id: case-a  # 订阅源用它识别这篇案例", "title: 新生被骗三千五百元 #刷单 #新生", "date: 2026-01-01  # 发布日期",
        "type: shuadan", "audience: [students]", "summary:  # 一两句话的摘要", "slug: a  # 网址的最后一段",
        "signs:", "  - 先返利 #套路"))
    assert [p for p in found if "W009" in p] == [
        "content/cases/a.md:3: title: （警告）“#”及其后的文字被 YAML 当作注释删掉了，这一项现在只有“新生被骗三千五百元”；"
        '如果 # 是内容的一部分，请给整个值加英文引号，例如 title: "新生被骗三千五百元 #……"；如果是说明，请移到单独一行 [W009]',
        "content/cases/a.md:10: signs: （警告）“#”及其后的文字被 YAML 当作注释删掉了，这一项现在只有“先返利”；"
        '如果 # 是内容的一部分，请给整个值加英文引号，例如 - "先返利 #……"；如果是说明，请移到单独一行 [W009]',
    ], found


def test_a_value_wrapped_in_chinese_quotes_is_told_to_use_english_ones_with_the_line_written_so(tmp_path):
    # WPS and Word make "…" into “…” as it is typed: the date's own check said ""2026-11-01 08:30""不是有效日期,
    # and W009 advised title: ""测试 #……", keeping the Chinese quotes.
    found = check_problems(tmp_path, front_matter(
        "id: case-a", "title: “测试 #刷单”", "date: “2026-11-01 08:30”", "type: shuadan",
        "audience: [students, “freshmen”]", "amount: ‘3500’", "summary: “扫码领奖”都是骗局"))
    wrong = "值两边是中文引号“ ”，YAML 不把它们当作引号；"
    assert [p for p in found if re.search(r"\[(E|W009)", p)] == [
        "content/cases/a.md:3: title: （警告）值两边是中文引号“ ”，YAML 不把它们当作引号：“#”及其后的文字被当作注释删掉了，"
        '这一项现在只有““测试”；请改用英文引号，例如 title: "测试 #……" [W009]',
        f'content/cases/a.md:4: date: {wrong}请改用英文引号 "…"，写成 date: "2026-11-01 08:30" [E003]',
        f'content/cases/a.md:6: audience: {wrong}请改用英文引号 "…"，写成 audience: ["students", "freshmen"] [E003]',
        "content/cases/a.md:7: amount: 值两边是中文引号‘ ’，YAML 不把它们当作引号；请删掉这对引号，写成 amount: 3500 [E003]",
    ], found  # and nothing said of a summary in quotes of its own


def test_the_notes_fraudsite_new_writes_after_a_value_filled_in_place_are_not_taken_for_cut_text(tmp_path):
    """The scaffold's notes read "  # 说明" (a space after the #); an editor's hashtag, "#刷单", has none."""
    found = check_problems(tmp_path, front_matter(
        "id: case-a", "title: 甲", "date: 2026-01-01", "type: shuadan", "audience: [students]",
        "summary: 某同学做刷单兼职被骗  # 一两句话的摘要，建议 60 字以内", "screen_title: 刷单被骗  # 校园大屏上用的短标题",
        'tags: [兼职]  # 标签，例如 [兼职, 返利]'))
    assert not [p for p in found if "W009" in p], found


def test_what_an_editor_wrote_wrong_is_named_with_a_fix_that_works(tmp_path):
    """A flow list left open at the end, an anchor over a block, an empty audience, a quote inside a hashtag title."""
    for text, line, code, words in [("title: 甲\nextra: [a,\n\n", 2, "E003", "“[”没有对应的“]”"),  # as fraudsite.yaml ends
                                    ("title: 甲\nwechat: &a\n  title: 乙\n", 2, "E005", "删掉“&”")]:
        with pytest.raises(yamltext.YamlProblem) as raised:
            yamltext.read_yaml(text)
        assert (raised.value.line, raised.value.code) == (line, code) and words in raised.value.message, raised.value
    found = check_problems(tmp_path, front_matter("id: case-a", "title: 他说\"快转账\" #刷单", *REST[:-1], "audience:"))
    assert "content/cases/a.md:6: audience: 不能为空；请填写 [E201]" in found, found
    (cut,) = [p for p in found if "W009" in p]
    assert "例如 title: '他说\"快转账\" #……'" in cut, cut


def test_a_title_that_is_all_comment_is_named_at_its_line_with_the_hash(tmp_path):
    found = check_problems(tmp_path, front_matter("id: case-a", "title: #1 冒充客服", *REST))
    assert [p for p in found if "E201" in p] == [
        "content/cases/a.md:3: title: 值是空的：“#”及其后的文字被 YAML 当作注释；如果 # 是内容的一部分，"
        '请给整个值加英文双引号，例如 title: "#……" [E201]'], found


def test_an_empty_required_value_is_named_at_its_line(tmp_path):
    found = check_problems(tmp_path, front_matter("id: case-a", "date: 2026-01-01", "title:", "type: shuadan",
                                                  "audience: [students]"))
    assert [p for p in found if "E201" in p] == ["content/cases/a.md:4: title: 不能为空；请填写 [E201]"], found


def test_a_file_that_cannot_be_read_is_told_why_in_chinese(tmp_path):
    write(tmp_path, "a.md", "x")
    problems: list = []
    assert read_file(tmp_path / "a.md" / "b.md", "content/cases/a.md/b.md", problems) is None
    [found] = problems
    assert found.code == "E014" and "路径中有一段不是文件夹" in found.message and not ENGLISH.search(found.message)


def test_a_configuration_typed_with_chinese_colons_names_the_first_such_line(tmp_path):
    config = tmp_path / "fraudsite.yaml"
    config.write_text("# 网站设置\ntitle：示例学院反诈专栏\nbase_url：https://www.example.edu.cn/fzzl/\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        load_config(config)
    [found] = failure.value.problems
    assert (found.line, found.code) == (2, "E003") and "中文冒号" in found.message, found


def test_a_configuration_that_is_a_folder_is_told_in_chinese(tmp_path):
    with pytest.raises(BuildFailed) as failure:
        load_config(tmp_path)
    [found] = failure.value.problems
    assert found.code == "E101" and "这是一个文件夹" in found.message and not ENGLISH.search(found.message), found


@pytest.mark.parametrize("code, words", [(errno.EACCES, "没有访问权限"), (errno.ENOENT, "找不到这个文件或文件夹"),
                                         (errno.EADDRINUSE, "端口已被占用"), (errno.EMLINK, "系统错误 EMLINK")])
def test_system_errors_are_said_in_chinese(code, words):
    import os

    assert describe_os_error(OSError(code, os.strerror(code), "x.md")) == f"{words}：x.md"
    assert describe_os_error(OSError(code, os.strerror(code), "x.md"), with_file=False) == words


def test_quotes_inside_a_quoted_value_and_invisible_characters_get_fixes_that_work(tmp_path):
    found = yaml_problem(front_matter('title: "轻信"日结兼职"被骗"', *REST))
    fixed = found.message.split("例如 ")[1].split("，或")[0]
    assert yaml.safe_load(fixed) == {"title": '"轻信"日结兼职"被骗"'}, found.message  # the editor's title, quotes kept
    found = yaml_problem(front_matter("ti\u200btle: 测试", *REST))
    assert found.line == 2 and "键“title”里有一个看不见的零宽空格（U+200B" in found.message, found
    problems = check_problems(tmp_path, front_matter("id: case-a", "title: 甲", *REST, "tags: 兼职, 刷单", "signs:",
                                                     "  - 先返利", "  - #套路"))
    assert any("W204" in p and "tags: [兼职, 刷单]" in p for p in problems), problems
    assert any(p.startswith("content/cases/a.md:10: signs: 列表的第 2 项是空的") and "- \"#刷单\"" in p
               for p in problems), problems


@pytest.mark.parametrize("text", ["\r---", "title: 甲\r\nx: &a 1\r\n", "a: 1\x85b: &c 2"])
def test_text_with_any_yaml_line_break_reads_or_fails_as_a_located_problem(text):
    """Offsets into the text, not a split of it into lines: YAML's line breaks and Python's differ (``\\r---``
    raised IndexError)."""
    try:
        yamltext.read_yaml(text)
    except yamltext.YamlProblem as problem:
        assert problem.line >= 1 and not ENGLISH.search(problem.message)
