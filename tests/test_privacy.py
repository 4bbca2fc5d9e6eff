"""The privacy scan: every detector's real positives and look-alike negatives, positions, and the build's refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsite import privacy
from fraudsite.privacy import PUBLIC_NUMBERS, PrivacyRules, find_personal_data, id_checksum_ok, luhn_ok, mask
from tools import run_fraudsite

RULES = PrivacyRules(
    student_number=re.compile(r"(?<![0-9A-Za-z])(?:20\d{2}[0-9]{6})(?![0-9A-Za-z])"),
    public=PUBLIC_NUMBERS | {"13900001111", "fzb@example.edu.cn"},
)

CONFIG = """title: 测试专栏
base_url: https://www.example.edu.cn/fzzl/
office:
  name: 保卫处
  phone: 139-0000-1111
  email: fzb@example.edu.cn
privacy:
  student_number: '20\\d{2}[0-9]{6}'
"""


def kinds(text: str, allowed: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(kind, masked) of every finding."""
    return [(f.kind, f.masked) for f in find_personal_data(text, RULES, allowed)]


@pytest.mark.parametrize("text, kind, masked", [
    ("受害人手机13812345678已停机", "mobile", "138****5678"),
    ("电话 138 1234 5678。", "mobile", "138****5678"),
    ("电话：138-1234-5678", "mobile", "138****5678"),
    ("电话１３８１２３４５６７８", "mobile", "138****5678"),
    ("电话 １３８　１２３４　５６７８", "mobile", "138****5678"),
    ("+86 186 0000 1234", "mobile", "186****1234"),
    ("0086-13812345678", "mobile", "138****5678"),
    ("8613812345678", "mobile", "138****5678"),
    ("身份证号11010519491231002X", "id_card", "110***********002X"),
    ("身份证号 110105 19491231 002x", "id_card", "110***********002x"),
    ("身份证号：110105 1949 1231 002X。", "id_card", "110***********002X"),
    ("身份证号４４０３０４１９９００３０７４７４８", "id_card", "440***********4748"),
    ("身份证 110105194912310021", "id_card", "110***********0021"),  # check digit wrong: a slip copying a real one
    ("证件号码：110101199003071234", "id_card", "110***********1234"),
    ("银行卡 6222 0202 0011 2233 446 被冻结", "bank_card", "622************3446"),
    ("卡号4111111111111111", "bank_card", "411*********1111"),
    ("卡号 4111-1111-1111-1111", "bank_card", "411*********1111"),
    ("加了对方QQ：123456789", "qq", "12*****89"),
    ("ＱＱ号 987654321", "qq", "98*****21"),
    ("qq号码是 55123456", "qq", "55****56"),
    ("扣扣 10001", "qq", "10*01"),
    ("QQ 号 234567891。", "qq", "23*****91"),
    ("QQ号码是：123456789", "qq", "12*****89"),
    ("加了对方 QQ（456789123）", "qq", "45*****23"),
    ("电话 138.1234.5678", "mobile", "138****5678"),
    ("电话 138 1234  5678", "mobile", "138****5678"),
    ("老身份证 110105491231002", "id_card", "110********1002"),
    ("加了对方微信号 zhang_san88", "wechat_id", "zha****an88"),
    ("对方 vx：Li-Si-2020", "wechat_id", "Li****20"),
    ("加微信（wxid_abc123）", "wechat_id", "wxi****c123"),
    ("ＶＸ：abcdefg", "wechat_id", "ab***fg"),
    ("对方微信是 abcdefg", "wechat_id", "ab***fg"),
    ("发邮件到 zhang.san@qq.com 索要", "email", "z***@qq.com"),
    ("邮箱ｌｉｓｉ＠163.com", "email", "l***@163.com"),
    ("学号2021123456的同学", "student_number", "20******56"),
])
def test_each_detector_finds_its_kind_also_spaced_dashed_and_full_width(text, kind, masked):
    assert kinds(text) == [(kind, masked)]


@pytest.mark.parametrize("text", [
    "遇到诈骗请拨打96110或110，举报垃圾短信打12321，不良信息举报12381",
    "学校保卫处电话 139-0000-1111，邮箱 fzb@example.edu.cn",
    "学校保卫处电话 13900001111",
    "三天被骗13812345678元",  # an amount, however long
    "损失 ¥ 13812345678",
    "2021年9月，2021-09-18",
    "案发日期20210918，QQ 20210918",  # a date, also after "QQ"
    "订单号 4111111111111112",  # 16 digits failing Luhn
    "订单号 2021091812345678",  # date-prefixed order number, no card range
    "对方手机号 138****5678",  # already masked
    "手机 138xxxx5678",
    "编号 110105194912310021",  # checksum fails, and no word says it is an ID number
    "编号 110105194913310021",  # right check digit, but no 13th month
    "流水号 1381234567890",  # 13 digits: not a mobile
    "QQ私聊要求转账",
    "编号 202112345",  # one digit short of the configured pattern, and no word says whose number it is
    "订单号 123456789012345",  # 15 digits without a birth date where an old ID card has it
    "编号 990105491231002",  # no province has the code 99
    "服务器 139.224.100.123，版本 1.3.5",
    "受理案件分别为 165/1234/2345 起",  # statistics, not a number parted by slashes
    "价格 139.12 34 元，139 1234.5678",  # parted unalike
    "学生小李在微信 Moments 里看到；用 wxPython、WXPayEntry 写的；微信 payment、微信 Settings",
    "2023.10.12 15:30 报警",
    "关注微信公众号 fzxy2021，或用微信（WeChat）扫码",
    "登录 wx.qq.com 网页版，打开微信支付",
])
def test_look_alikes_are_never_flagged(text):
    assert kinds(text) == []


def test_privacy_allow_lets_through_that_value_in_any_form_and_nothing_else():
    text = "诈骗分子冒用的号码 138 1234 5678，另一个 13987654321"
    allowed = frozenset({"13812345678"})
    assert kinds(text, allowed) == [("mobile", "139****4321")]
    # As written with its words, a letter in it or a WeChat ID: each still lets through its own value alone
    allowed = privacy.allowed_keys(("QQ 123456789", "tel:13812345678", "Zhang_San88"))
    assert kinds("联系QQ 123456789，电话 138-1234-5678，微信号 zhang_san88，微信号 li_si_99", allowed) == [
        ("wechat_id", "li****99")]


@pytest.mark.parametrize("text, masked", [
    ("学号2023010123。", "20******23"),
    ("学号：B20230101，", "B2*****01"),  # the digits alone would read as a date
    ("准考证号是 123456789", "12*****89"),
    ("学籍号码 ２０２３０１０１２３", "20******23"),
    ("学号为：2023010123", "20******23"),
    ("学号 2023 0101 23", "20******23"),
    ("学号 2023-010-123", "20******23"),
    ("学生证号：2023010123", "20******23"),
    ("一卡通号：2023010123", "20******23"),
])
def test_a_number_right_after_the_word_for_it_is_a_student_number_without_any_pattern(text, masked):
    assert [(f.kind, f.masked) for f in find_personal_data(text, PrivacyRules())] == [("student_number", masked)]


def test_a_number_without_the_word_needs_the_sites_pattern():
    assert find_personal_data("编号2023010123", PrivacyRules()) == []
    assert find_personal_data("学号不公开，共 12 人", PrivacyRules()) == []


# Texts made of what the patterns look for (digits, Unicode digits, separators, letters, "@", the words for a QQ or
# student number) among Chinese: the quick checks before each pattern must never hide a match.
_PIECES = st.sampled_from(["0", "1", "3", "8", "9", "6", "2", "X", " ", "-", "@", "q", "Q", "a", ".", "com", "：",
                           "扣扣", "企鹅号", "学号", "学生证号", "号码是", "（", "/", "微信", "vx", "WX", "abc_de", "元", "诈骗", "\u0663", "２", "＠", "\n",
                           "13812345678", "4111111111111111", "11010519491231002", "2021123456", "QQ", "123456", "li@qq.com"])


@given(st.lists(_PIECES, max_size=60).map("".join))
def test_the_quick_checks_before_the_patterns_never_drop_a_match(text):
    normal = privacy._to_ascii(text)
    every = [(name, match.start(1), match.end(1))
             for name, pattern in privacy._PATTERNS.items() for match in pattern.finditer(normal)]
    every += [("student_number", match.start(), match.end()) for match in RULES.student_number.finditer(normal)
              if match.end() > match.start()]
    assert list(privacy._candidates(normal, RULES)) == every


@pytest.mark.parametrize("text", ["13812345678", "电话 138-1234-5678", "+86 186 0000 1234", "卡号 4111-1111-1111-1111",
                                  "11010519491231002X", "QQ：123456789", "扣扣 10001", "a.b@qq.com"])
def test_each_quick_check_lets_its_own_kind_through(text):
    normal = privacy._to_ascii(text)
    assert list(privacy._candidates(normal, RULES)), text


def test_checksums_and_masking():
    assert id_checksum_ok("11010519491231002X") and not id_checksum_ok("110105194912310021")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert mask("email", "ab@qq.com") == "a***@qq.com"
    assert mask("mobile", "+86 138 1234 5678") == "138****5678"


# --------------------------------------------------------------------------- the build refuses


def make_site(root: Path, files: dict[str, str], config: str = CONFIG) -> Path:
    """A tiny site: config plus content files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "fraudsite.yaml").write_text(config, encoding="utf-8")
    for name, text in files.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


CASE = """---
id: case-1
title: 冒充客服退款诈骗
date: 2026-11-02
type: fake-service
audience: [students]
signs:
  - 对方自称客服
  - 让受害人拨回 138-1234-5678
---

第一段，没有问题。

受害人小王（手机１３８１２３４５６７８）报警。
"""


def test_build_refuses_an_item_with_personal_data_and_points_at_line_and_column(tmp_path):
    site = make_site(tmp_path / "site", {"cases/leak.md": CASE})
    out = tmp_path / "out"
    result = run_fraudsite("build", site, "-o", out, "--now", "2026-11-28 09:00")
    assert result.returncode == 1
    # signs.1 is line 9; "138-1234-5678" starts after "  - 让受害人拨回 " (col 12: four characters of "  - ", six Chinese, one space)
    assert "content/cases/leak.md:9:12: signs: 疑似手机号“138****5678”" in result.stderr
    # the body starts on line 12; line 14 is the third body line, the number after "受害人小王（手机"
    assert "content/cases/leak.md:14:9: 正文: 疑似手机号“138****5678”" in result.stderr
    assert "13812345678" not in result.stderr and "１３８１２３４５６７８" not in result.stderr
    assert not out.exists()


def test_findings_on_one_line_are_listed_by_column_by_build_as_by_check(tmp_path):
    # build sorted them by their text: 9:23 came before 9:4.
    case = CASE.replace("138-1234-5678", "辅导员").replace("受害人小王（手机１３８１２３４５６７８）报警。",
                                                          "电话 139-1234-5679，另一个是 +86 13712345670。")
    site = make_site(tmp_path / "site", {"cases/a.md": case})
    outputs = [run_fraudsite(command, site, *options, "--now", "2026-11-28 09:00")
               for command, options in (("build", ("-o", str(tmp_path / "out"))), ("check", ()))]
    for result in outputs:
        where = re.findall(r"content/cases/a\.md:14:(\d+):", result.stdout + result.stderr)
        assert where == ["4", "23"], result


def test_a_finding_in_the_body_is_not_reported_again_under_a_summary_left_empty(tmp_path):
    # fraudsite new writes "summary:" with no value; the summary then comes from the body's opening, whose number
    # was reported twice, the second time under a field the editor never filled in.
    opening = CASE.replace("signs:\n  - 对方自称客服\n  - 让受害人拨回 138-1234-5678\n", "summary:\nissuer: ''\n")
    opening = opening.replace("第一段，没有问题。\n\n", "")
    site = make_site(tmp_path / "site", {"cases/leak.md": opening})
    for command in ("build", "check"):
        result = run_fraudsite(command, site, "--now", "2026-11-28 09:00")
        found = re.findall(r"content/cases/leak\.md:(\d+):(\d+): (\S+): 疑似手机号", result.stdout + result.stderr)
        assert found == [("11", "9", "正文")], result.stdout + result.stderr


def test_numbers_only_the_rendered_page_shows_whole_and_addresses_are_scanned_too(tmp_path):
    """Emphasis, a comment, a character reference or a line break parts a number in the source that readers see
    whole; a file's name, slug and aliases are published in every address, QR code and feed."""
    body = "一、138**1234**5678\n\n二、137<!-- x -->12345678\n\n三、&#49;3512345678\n\n四、1361234\n5678\n"
    case = CASE.replace("  - 让受害人拨回 138-1234-5678\n", "aliases: [cases/zhang-13312345678/]\n")
    case = case.split("---\n\n")[0] + "---\n\n" + body
    named = case.replace("id: case-1", "id: case-2\nslug: victim-15912345678").replace("zhang-133", "li-134")
    site = make_site(tmp_path / "site", {"cases/2026-11-13912345678.md": case, "cases/named.md": named})
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", "2026-11-28 09:00")
    assert result.returncode == 1
    found = re.findall(r"content/cases/([^:]+):(?:(\d+):(\d+):)? (\S+): 疑似手机号“(\S+?)”", result.stderr)
    body_findings = [("12", "3", "138****5678"), ("14", "3", "137****5678"), ("16", "8", "135****5678"),
                     ("18", "3", "136****5678")]  # the &#49; before 35…: its column
    assert found == [
        ("2026-11-13912345678.md", "", "", "文件名", "139****5678"),
        ("2026-11-13912345678.md", "9", "23", "aliases", "133****5678"),
        *[("2026-11-13912345678.md", line, column, "正文", masked) for line, column, masked in body_findings],
        ("named.md", "3", "14", "slug", "159****5678"),
        ("named.md", "10", "20", "aliases", "134****5678"),
        *[("named.md", str(int(line) + 1), column, "正文", masked) for line, column, masked in body_findings],
    ], result.stderr
    assert "12345678" not in result.stderr.replace("2026-11-13912345678.md", "")  # each number masked
    assert not (tmp_path / "out").exists()


def test_privacy_allow_in_the_item_lets_the_build_through(tmp_path):
    allowed = CASE.replace("signs:", "privacy_allow: ['13812345678']\nsigns:")
    site = make_site(tmp_path / "site", {"cases/leak.md": allowed})
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", "2026-11-28 09:00")
    assert result.returncode == 0, result.stderr


def test_drafts_are_scanned_when_published_and_withdrawn_items_only_by_their_title(tmp_path):
    draft = CASE.replace("title:", "draft: true\ntitle:")
    withdrawn = CASE.replace("id: case-1", "id: case-2\nwithdrawn: true")
    site = make_site(tmp_path / "site", {"cases/draft.md": draft, "cases/gone.md": withdrawn})
    assert run_fraudsite("build", site, "-o", tmp_path / "a", "--now", "2026-11-28 09:00").returncode == 0
    with_drafts = run_fraudsite("build", site, "-o", tmp_path / "b", "--now", "2026-11-28 09:00", "--drafts")
    assert with_drafts.returncode == 1 and "content/cases/draft.md:10:12" in with_drafts.stderr
    leaky_title = withdrawn.replace("冒充客服退款诈骗", "受害人13812345678的遭遇")
    (site / "content/cases/gone.md").write_text(leaky_title, encoding="utf-8")
    result = run_fraudsite("build", site, "-o", tmp_path / "c", "--now", "2026-11-28 09:00")
    assert result.returncode == 1
    assert "content/cases/gone.md:4:11: title:" in result.stderr
    assert "gone.md:10" not in result.stderr  # the withdrawn body is not published


def test_student_number_pattern_comes_from_the_config_and_a_bad_one_is_reported(tmp_path):
    case = CASE.replace("138-1234-5678", "辅导员").replace("（手机１３８１２３４５６７８）", "（学号2023104567）")
    site = make_site(tmp_path / "site", {"cases/a.md": case})
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", "2026-11-28 09:00")
    assert result.returncode == 1 and "content/cases/a.md:14:9: 正文: 疑似学号“20******67”" in result.stderr
    (site / "fraudsite.yaml").write_text(CONFIG.replace("'20\\d{2}[0-9]{6}'", "'20(\\d'"), encoding="utf-8")
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", "2026-11-28 09:00")
    assert result.returncode == 1 and "privacy.student_number: 不是有效的正则表达式" in result.stderr


def test_a_number_in_a_percent_encoded_file_name_of_the_body_is_found(tmp_path):
    # VS Code writes a dragged-in file's space as %20: "聊天%2013812345678.png" read as thirteen digits, and the
    # file was published as "聊天 13812345678.png".
    case = CASE.replace("138-1234-5678", "辅导员").replace("（手机１３８１２３４５６７８）", "") + (
        "\n![聊天截图](images/聊天%2013812345678.png)\n\n[名单](files/%E5%90%8D%E5%8D%95%2013912345678.pdf)\n")
    site = make_site(tmp_path / "site", {"cases/a.md": case})
    for name in ("images/聊天 13812345678.png", "files/名单 13912345678.pdf"):
        (site / "content/cases" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "content/cases" / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"%PDF-1.4 fake")
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", "2026-11-28 09:00")
    assert result.returncode == 1
    assert "content/cases/a.md:16:21: 正文: 疑似手机号“138****5678”" in result.stderr  # after 聊天%20
    assert "content/cases/a.md:18:33: 正文: 疑似手机号“139****5678”" in result.stderr
    assert not (tmp_path / "out").exists()


def test_file_names_of_a_cover_and_an_attachment_are_scanned(tmp_path):
    """A file's name is published in its address and as the attachment's link text."""
    case = CASE.replace("138-1234-5678", "辅导员").replace("（手机１３８１２３４５６７８）", "").replace(
        "signs:", "cover: images/张伟13812345678聊天记录.png\nsigns:")
    notice = """---
id: notice-1
title: 关于领取回执的通知
date: 2026-11-02
issuer: 保卫处
attachments:
  - files/张伟-13912345678-回执.pdf
---

请按附件办理。
"""
    site = make_site(tmp_path / "site", {"cases/a.md": case, "notices/n.md": notice})
    for name in ("cases/images/张伟13812345678聊天记录.png", "notices/files/张伟-13912345678-回执.pdf"):
        (site / "content" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "content" / name).write_bytes(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"%PDF-1.4 fake")
    result = run_fraudsite("check", site)
    assert result.returncode == 1
    assert "content/cases/a.md:7:17: cover: 疑似手机号“138****5678”" in result.stderr + result.stdout
    assert "content/notices/n.md:7:14: attachments: 疑似手机号“139****5678”" in result.stderr + result.stdout
    assert (result.stderr + result.stdout).count("139****5678") == 1  # the file name once, though it is shown too
    # A name given the file is what readers see: scanned as well
    (site / "content/notices/n.md").write_text(notice.replace("  - files/", "  - 王芳13712345678的回执: files/"),
                                               encoding="utf-8")
    said = run_fraudsite("check", site)
    assert "content/notices/n.md:7:" in said.stdout + said.stderr and "137****5678" in said.stdout + said.stderr


@pytest.mark.parametrize("pattern, reason", [("'20[\\d{8}'", "方括号 [ ] 没有成对（第 3 个字符处）"),
                                             ("'20\\d{8})'", "圆括号 ( ) 没有成对（第 8 个字符处）"),
                                             ("'*20'", "重复符号（* + ? 或 {n}）前面没有可重复的内容（第 1 个字符处）")])
def test_a_broken_student_number_pattern_is_refused_at_its_line_with_a_reason_in_chinese(tmp_path, pattern, reason):
    # Wrapped as (?:…)(?!…) before compiling, the stray "[" swallowed the wrapper and the site got E606 findings.
    from fraudsite.config import load_config
    from fraudsite.errors import BuildFailed

    (tmp_path / "fraudsite.yaml").write_text(CONFIG.replace("'20\\d{2}[0-9]{6}'", pattern), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        privacy.privacy_rules(load_config(tmp_path / "fraudsite.yaml"))
    assert [str(p) for p in failure.value.problems] == [
        f"fraudsite.yaml:8: privacy.student_number: 不是有效的正则表达式：{reason}；例如 '20\\d{{8}}'（用单引号） [E609]"]


def test_an_unknown_privacy_key_is_named_at_its_line():
    from fraudsite.config import Config

    config = Config("甲", "https://www.example.edu.cn/", privacy={"student_numbr": "x"},
                    section_lines={"privacy": 7, "privacy.student_numbr": 8})
    with pytest.raises(privacy.BuildFailed) as failure:
        privacy.privacy_rules(config)
    assert [(p.line, p.code, p.field) for p in failure.value.problems] == [(8, "E609", "privacy.student_numbr")]


def test_a_student_number_pattern_in_double_quotes_is_told_to_use_single_ones(tmp_path):
    # It was told not to write Windows paths and to put cover images in the site folder.
    (tmp_path / "fraudsite.yaml").write_text(CONFIG.replace("'20\\d{2}[0-9]{6}'", '"20\\d{8}"'), encoding="utf-8")
    result = run_fraudsite("check", tmp_path)
    said = result.stdout + result.stderr
    assert result.returncode == 1 and "fraudsite.yaml:8: YAML 格式错误：在英文双引号里，反斜杠“\\”表示转义；" \
        "正则表达式请改用单引号，例如 student_number: '20\\d{8}' [E003]" in said, said
    assert "Windows" not in said
