"""``fraudsite new``: complete drafts that build and check cleanly, readable slugs, never an overwrite."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fraudsite.content import CASE_KEYS, NOTICE_KEYS
from fraudsite.yamltext import read_yaml
from sitekit import build_site, copy_sample_content
from tools import run_fraudsite

NOW = "2026-11-28 09:00"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return copy_sample_content(tmp_path)


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return read_yaml(text.split("---\n")[1]).data


def created(result) -> Path:
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[0].removeprefix("已创建 "))


def test_new_case_has_every_key_a_readable_slug_and_builds_as_a_draft(site):
    result = run_fraudsite("new", "case", "兼职刷单先返利后垫付，学生被骗3000元", str(site), "--type", "shuadan",
                           "--audience", "students", "parents", "--date", "2026-11-27")
    path = created(result)
    assert path == site / "content/cases/2026-11-27-jian-zhi-shua-dan-xian-fan-li-hou.md"
    assert "draft: true 改为 draft: false" in result.stdout
    data = front_matter(path)
    assert set(data) == CASE_KEYS
    assert data["draft"] is True and data["type"] == "shuadan" and data["audience"] == ["students", "parents"]
    assert data["slug"] == path.stem and re.fullmatch(r"case-20261127-[0-9a-f]{6}", data["id"])
    assert "请填写" in path.read_text(encoding="utf-8")  # Chinese comments where the editor must fill in

    build_site(site, site.parent / "out", now=NOW)  # a draft: parsed and checked, not published
    assert not (site.parent / "out/cases" / path.stem).exists()
    build_site(site, site.parent / "drafts", now=NOW, drafts=True)
    page = (site.parent / "drafts/cases" / path.stem / "index.html").read_text(encoding="utf-8")
    assert "兼职刷单先返利后垫付，学生被骗3000元" in page and "草稿" in page


def test_a_new_case_whose_signs_example_is_uncommented_as_its_comment_says_is_valid(site):
    path = created(run_fraudsite("new", "case", "照着示例写识别要点", str(site), "--type", "shuadan",
                                 "--audience", "students", "--date", "2026-11-27"))
    text = path.read_text(encoding="utf-8")
    assert "去掉行首的“# ”" in text
    # As told: the example lines (a key or a list item behind "# ") lose their "# ", the comments stay.
    lines = [line[2:] if re.match(r"# (signs:|advice:|\s+- )", line) else line for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_fraudsite("check", str(site), "--drafts", "--now", NOW)
    said = [line for line in (result.stdout + result.stderr).splitlines() if path.name in line]
    assert said and all(line.endswith("[E221]") for line in said), said  # only the body is left to write
    data = front_matter(path)
    assert data["signs"] == ["先给小额返利，再要求垫付大额资金"] and data["advice"] == ["凡是要求先垫钱的兼职都是诈骗"]


def test_new_files_pass_check_and_an_urgent_notice_gets_an_expiry(site):
    path = created(run_fraudsite("new", "notice", "关于开展防骗讲座的通知", str(site), "--urgent",
                                 "--issuer", "学生工作处", "--date", "2026-11-27"))
    data = front_matter(path)
    assert set(data) == NOTICE_KEYS and data["draft"] is True
    assert data["priority"] == "urgent" and data["expires"] == "2026-12-04" and data["issuer"] == "学生工作处"
    other = created(run_fraudsite("new", "notice", "Exam week reminder 2026", str(site), "--expires", "2026-12-20",
                                  "--date", "2026-11-27"))
    assert other.name == "2026-11-27-exam-week-reminder-2026.md"
    wide = created(run_fraudsite("new", "notice", "ＡＢＣ全角字母１２", str(site), "--date", "2026-11-27"))
    assert wide.name == "2026-11-27-abc-quan-jiao-zi-mu-12.md"  # full-width letters and digits kept, as ASCII
    case = created(run_fraudsite("new", "case", "冒充客服退款，教师被骗两万元", str(site), "--type", "fake-service",
                                 "--audience", "staff", "--date", "2026-11-27"))
    result = run_fraudsite("check", str(site), "--drafts", "--now", NOW)
    for new_file in (path, other, wide, case):  # checked as if published: only the placeholder text is still to write
        said = [line for line in (result.stdout + result.stderr).splitlines() if new_file.name in line]
        assert said and all(line.endswith("[E221]") and "（请在这里写" in line for line in said), said
    assert run_fraudsite("check", str(site), "--now", NOW).returncode == 0  # as drafts: nothing to say


def test_new_never_overwrites_and_rejects_unknown_keys(site):
    unchosen = run_fraudsite("new", "case", "网络兼职被骗", str(site), "--date", "2026-11-27")
    assert unchosen.returncode == 2 and "请用 --type 写明诈骗类型" in unchosen.stderr and "shuadan（" in unchosen.stderr
    assert "请用 --audience 写明受众" in unchosen.stderr  # both at once, not one per try
    named = run_fraudsite("new", "case", "网络兼职被骗", str(site), "--type", "刷单返利", "--audience", "students")
    assert named.returncode == 2 and "“刷单返利”是诈骗类型的名称，这里要写它的键：shuadan" in named.stderr
    unchosen = run_fraudsite("new", "case", "网络兼职被骗", str(site), "--date", "2026-11-27", "--type", "shuadan")
    assert unchosen.returncode == 2 and "请用 --audience 写明受众" in unchosen.stderr and "retirees（" in unchosen.stderr
    first = created(run_fraudsite("new", "case", "网络兼职被骗", str(site), "--date", "2026-11-27", "--type", "shuadan",
                                  "--audience", "students"))
    first.write_text(first.read_text(encoding="utf-8") + "\n编辑写的内容\n", encoding="utf-8")
    before = first.read_bytes()
    again = run_fraudsite("new", "case", "网络兼职被骗", str(site), "--date", "2026-11-27", "--type", "shuadan",
                          "--audience", "students")
    assert again.returncode == 1 and "已存在" in again.stderr and first.read_bytes() == before
    explicit = run_fraudsite("new", "case", "另一篇", str(site), "--slug", first.stem, "--type", "shuadan",
                             "--audience", "students")
    assert explicit.returncode == 1 and "已存在" in explicit.stderr and first.read_bytes() == before
    wrong = run_fraudsite("new", "case", "类型写错", str(site), "--type", "shuadn", "--audience", "students")
    assert wrong.returncode == 2 and "shuadan" in wrong.stderr
    commas = run_fraudsite("new", "case", "受众写了逗号", str(site), "--type", "shuadan", "--audience", "students,parents")
    assert commas.returncode == 2 and "几个受众之间用空格隔开，例如 --audience students parents" in commas.stderr
    spaced = run_fraudsite("new", "case", "受众写了逗号", str(site), "--type", "shuadan", "--audience", "students,", "staff")
    assert spaced.returncode == 2 and "几个受众之间用空格隔开，例如 --audience students staff" in spaced.stderr
    early = run_fraudsite("new", "notice", "过期的通知", str(site), "--date", "2026-11-27", "--expires", "2026-11-26")
    assert early.returncode == 2 and "--expires" in early.stderr  # would fail the build with E213
    bad_slug = run_fraudsite("new", "case", "坏网址", str(site), "--slug", "../escape", "--type", "shuadan",
                             "--audience", "students")
    assert bad_slug.returncode == 2 and not (site / "content/escape.md").exists()
    assert sorted(p.name for p in (site / "content/cases").glob("*.md") if p.name.startswith("2026-11-27")) == [first.name]
    assert not list((site / "content/notices").glob("2026-11-27-*.md"))


def test_new_refuses_a_slug_another_file_has_by_its_slug_its_name_or_an_alias_and_suggests_a_free_one(site):
    cases = site / "content/cases"
    (cases / "2025").mkdir()
    (cases / "2025-09-fake-leader-finance.md").rename(cases / "2025/Old Name.md")  # slug: fake-leader-2025
    moved = cases / "2024-03-shuadan-part-time-job.md"  # given an alias, and its slug taken by an automatic one
    moved.write_text(moved.read_text(encoding="utf-8").replace(
        "---\n", "---\nslug: 2026-11-27-wang-luo-jian-zhi-bei-pian\naliases: [Cases/Old-Refund]\n", 1), encoding="utf-8")
    before = sorted(cases.rglob("*.md"))
    for slug, owner in (("fake-leader-2025", "content/cases/2025/Old Name.md:3 的 slug"),
                        ("old-refund", "content/cases/2024-03-shuadan-part-time-job.md:3 的 aliases")):
        refused = run_fraudsite("new", "case", "测试重复网址", str(site), "--type", "shuadan", "--audience", "students",
                                "--slug", slug)
        assert refused.returncode == 1 and f"网址 cases/{slug}/ 已有一篇在用（{owner}）" in refused.stderr, refused.stderr
        assert f"请用 --slug 换一个，例如 --slug {slug}-2" in refused.stderr
    (cases / "2025/Old Name.md").write_text((cases / "2025/Old Name.md").read_text(encoding="utf-8").replace(
        "slug: fake-leader-2025\n", ""), encoding="utf-8")  # now its file name is its slug
    named = run_fraudsite("new", "case", "测试重复网址", str(site), "--type", "shuadan", "--audience", "students",
                          "--slug", "old-name")
    assert named.returncode == 1 and "（content/cases/2025/Old Name.md 的文件名）" in named.stderr, named.stderr
    automatic = run_fraudsite("new", "case", "网络兼职被骗", str(site), "--type", "shuadan", "--audience", "students",
                              "--date", "2026-11-27")
    assert automatic.returncode == 1 and "已有一篇在用" in automatic.stderr
    assert "请换一个标题，或用 --slug 指定另一个网址，例如 --slug 2026-11-27-wang-luo-jian-zhi-bei-pian-2" in automatic.stderr
    assert sorted(cases.rglob("*.md")) == before
    (cases / "2025/Old Name.md").write_text((cases / "2025/Old Name.md").read_text(encoding="utf-8").replace(
        "---\n", "---\nslug: moved-away\n", 1), encoding="utf-8")  # its name no longer its address
    assert created(run_fraudsite("new", "case", "测试旧文件名", str(site), "--type", "shuadan", "--audience", "students",
                                 "--slug", "old-name")).exists()  # it was refused "by the file name" of that file
    free = created(run_fraudsite("new", "case", "测试重复网址", str(site), "--type", "shuadan", "--audience", "students",
                                 "--slug", "fake-leader-2025"))  # no longer taken
    checked = run_fraudsite("check", str(site), "--drafts", "--now", NOW)
    assert free.exists() and "[E218]" not in checked.stdout + checked.stderr and "[E220]" not in checked.stdout + checked.stderr


def test_new_says_to_quote_a_title_with_a_space_or_a_date_with_its_time_and_how_to_give_a_title_of_dashes(site):
    chosen = ("--type", "shuadan", "--audience", "students")
    before = sorted((site / "content").rglob("*.md"))
    quote = '标题里有空格时请用英文引号括起来，如 fraudsite new case "测试 未加引号"'
    for words in (["测试", "未加引号"], ["测试", "未加引号", "."]):  # the second word taken for the site folder, or extra
        unquoted = run_fraudsite("new", "case", *words, *chosen, cwd=site)
        assert unquoted.returncode == 2 and quote in unquoted.stderr and "E101" not in unquoted.stderr, unquoted.stderr
    time = '日期和时间之间有空格时，请用英文引号把两者括在一起，例如 "2026-12-05 09:00"'
    for arguments in (["测试日期", *chosen, "--date", "2026-12-05", "09:00"],
                      ["--date", "2026-12-05", "09:00", "测试日期", *chosen]):  # the time taken for the title
        unquoted = run_fraudsite("new", "case", *arguments, cwd=site)
        assert unquoted.returncode == 2 and time in unquoted.stderr, unquoted.stderr
    assert sorted((site / "content").rglob("*.md")) == before
    mistyped = run_fraudsite("new", "case", "测试", str(site.parent / "nosuch"), *chosen)  # quoted: a folder mistyped
    assert mistyped.returncode == 1 and "[E101]" in mistyped.stderr and "引号" not in mistyped.stderr, mistyped.stderr
    dashes = run_fraudsite("new", "case", *chosen, "---", cwd=site)
    assert dashes.returncode == 2 and "缺少标题；请把标题用英文引号括起来" in dashes.stderr
    assert '标题以“-”开头时，把它写在命令最后并在前面加上 --，例如 fraudsite new case … -- "-标题"' in dashes.stderr
    path = site / created(run_fraudsite("new", "case", *chosen, "--date", "2026-11-27", "--", "---", cwd=site))
    assert front_matter(path)["title"] == "---"  # as the message says to write it


def test_init_suggests_commands_that_work_pasted_as_shown_for_a_folder_with_a_space(tmp_path):
    import shlex

    new_site = tmp_path / "反诈 专栏"
    result = run_fraudsite("init", new_site)
    assert result.returncode == 0, result.stderr
    commands = re.findall(r"(fraudsite (?:serve|build) [^，。\n]+)", result.stdout)
    assert len(commands) == 2 and all(shlex.split(command)[2:] == [str(new_site)] for command in commands), commands
    built = run_fraudsite(*shlex.split(commands[1])[1:], "--now", "2026-11-30 09:00")  # the build, as pasted
    assert built.returncode == 0, built.stdout + built.stderr
    first = re.search(r"写第一篇：(fraudsite new case [^（，。\n]+)", result.stdout)
    assert first, result.stdout
    made = created(run_fraudsite(*shlex.split(first.group(1))[1:], cwd=tmp_path))  # pasted in the folder init ran in
    assert (tmp_path / made).parent == new_site / "content/cases" and front_matter(tmp_path / made)["title"] == "标题"


def test_init_makes_a_site_whose_examples_are_drafts_a_first_build_does_not_publish(tmp_path):
    """Nothing invented goes out: the examples show with --drafts (and in the preview), and one published
    unchanged is refused for its placeholder text."""
    new_site = tmp_path / "college"
    result = run_fraudsite("init", new_site)
    assert result.returncode == 0 and "草稿" in result.stdout, result.stderr
    assert "请修改" in (new_site / "fraudsite.yaml").read_text(encoding="utf-8")
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")  # the examples are dated today
    assert build_site(new_site, tmp_path / "out", now=now).items == 0
    assert build_site(new_site, tmp_path / "preview", now=now, drafts=True).items == 2
    example = new_site / "content/cases/example-case.md"
    example.write_text(example.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    refused = run_fraudsite("check", new_site)
    assert refused.returncode == 1 and "[E221]" in refused.stdout + refused.stderr


def test_the_guides_first_items_do_not_share_a_title_with_inits_examples(tmp_path):
    # Following the guide's §4 straight after init gave two W610 (同名标题) warnings, one per example.
    new_site = tmp_path / "college"
    assert run_fraudsite("init", new_site).returncode == 0
    guide = (Path(__file__).parents[1] / "docs/editor-guide.md").read_text(encoding="utf-8")
    titles = re.findall(r'^fraudsite new (?:case|notice) "([^"]+)"', guide, flags=re.MULTILINE)
    examples = [path.read_text(encoding="utf-8") for path in (new_site / "content").rglob("*.md")]
    assert titles and examples
    assert not [title for title in titles for text in examples if f"\ntitle: {title}\n" in text]
