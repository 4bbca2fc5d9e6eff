"""``fraudsite report``: the figures on a fixture counted by hand, weekly gaps, and every format."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from test_check import case, notice
from test_privacy import CONFIG, make_site
from tools import run_fraudsite

NOW = "2026-11-25 09:00"  # Wednesday of 2026-W48

# By hand, for 1-30 November 2026 seen on 25 November 09:00 (+08:00):
#   counted: c1, c2, c3 (cases), n1, n2 (notices); c4 is October, c5 is scheduled for the 27th, c6 is a draft.
#   losses: shuadan 8,600 + 1,200 = 9,800; loan 1 case without amount.
#   weeks (whole ISO weeks): W44 holds c4 (31 Oct); W45 c1, c2, n1 (Sunday 8th 23:59); W46 nothing (a gap);
#   W47 c3; W48 n2 (Monday 23rd 00:30 +08:00, Sunday in UTC); W49 not over yet.
FIXTURE = {
    "cases/c1.md": case("一号", "2026-11-02 10:00", "amount: 8600\n").replace("[students]", "[students, freshmen]"),
    "cases/c2.md": case("二号", "2026-11-03", "amount: 1200\n"),
    "cases/c3.md": case("三号", "2026-11-16 00:30").replace("shuadan", "loan").replace("[students]", "[staff]"),
    "cases/c4.md": case("四号", "2026-10-31", "amount: 50000\n").replace("shuadan", "fake-police").replace("[students]", "[retirees]"),
    "cases/c5.md": case("五号", "2026-11-27", "amount: 700\n"),
    "cases/c6.md": case("六号", "2026-11-10", "amount: 999\ndraft: true\n"),
    "notices/n1.md": notice("考试通知", "2026-11-08 23:59", "expires: 2026-11-30\n").replace("保卫处", "学生工作处"),
    "notices/n2.md": notice("讲座通知", "2026-11-23 00:30"),
    "notices/n3.md": notice("旧通知", "2026-10-01", "expires: 2026-10-07\n"),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The hand-counted fixture site."""
    return make_site(tmp_path_factory.mktemp("report") / "site", FIXTURE)


def report(site: Path, form: str, *args: str) -> str:
    """Run the report for November and return its output."""
    result = run_fraudsite("report", site, "--now", NOW, "--from", "2026-11-01", "--to", "2026-11-30",
                           "--format", form, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_report_numbers_match_the_hand_counted_fixture(site):
    data = json.loads(report(site, "json"))
    assert data["format"] == 2 and (data["from"], data["to"]) == ("2026-11-01", "2026-11-30")
    assert data["totals"] == {"cases": 3, "notices": 2, "amount": 9800, "gap_weeks": ["2026-W46"]}
    weeks = [(w["key"], w["cases"], w["notices"], w["status"]) for w in data["weeks"]]
    assert weeks == [("2026-W44", 1, 0, "ok"), ("2026-W45", 2, 1, "ok"), ("2026-W46", 0, 0, "gap"),
                     ("2026-W47", 1, 0, "ok"), ("2026-W48", 0, 1, "ok"), ("2026-W49", 0, 0, "future")]
    assert data["weeks"][1]["issuers"] == {"保卫处": 2, "学生工作处": 1}
    assert [(m["key"], m["cases"], m["notices"]) for m in data["months"]] == [("2026-11", 3, 2)]
    assert data["issuers"] == [{"issuer": "保卫处", "cases": 3, "notices": 1},
                               {"issuer": "学生工作处", "cases": 0, "notices": 1}]
    types = {t["key"]: (t["cases"], t["amount"], t["unknown"]) for t in data["types"]}
    assert types["shuadan"] == (2, 9800, 0) and types["loan"] == (1, 0, 1) and types["fake-police"] == (0, 0, 0)
    assert sum(t[0] for t in types.values()) == 3
    audiences = {a["key"]: (a["cases"], a["amount"]) for a in data["audiences"]}
    assert audiences == {"freshmen": (1, 8600), "students": (2, 9800), "staff": (1, 0), "retirees": (0, 0),
                         "parents": (0, 0)}
    assert [n["title"] for n in data["current_notices"]] == ["讲座通知", "考试通知"]
    assert [(n["title"], n["days_left"]) for n in data["expiring_soon"]] == [("考试通知", 5)]


def test_weekly_gap_and_monday_0030_in_the_text_report(site):
    text = report(site, "text")
    assert "2026-W46  11-09～11-15  案例 0  通知 0  ← 本周无发布" in text
    assert "2026-W48  11-23～11-29  案例 0  通知 1\n" in text
    assert "考试通知（学生工作处），至 2026-11-30 24:00" in text
    assert "  考试通知，5 天后到期" in text
    assert "  网络贷款：1 起，损失金额不详" in text  # its one case has no amount: not "损失 0 元"


def test_a_week_not_begun_is_said_to_be_so_and_one_begun_to_be_under_way(site):
    # W49 runs from Monday 30 November: on the 25th it has not begun; on 1 December it has, with nothing yet.
    for now, status, flag, name in (("2026-11-25 09:00", "future", "（尚未开始）", "尚未开始"),
                                    ("2026-12-01 09:00", "open", "（本周尚未结束）", "进行中")):
        said = {form: run_fraudsite("report", site, "--now", now, "--from", "2026-11-01", "--to", "2026-11-30",
                                    "--format", form).stdout for form in ("json", "text", "html")}
        assert json.loads(said["json"])["weeks"][-1]["status"] == status
        assert f"2026-W49  11-30～12-06  案例 0  通知 0  {flag}" in said["text"]
        assert f'<td class="nowrap">{name}</td></tr>' in said["html"]


@pytest.mark.parametrize(("now", "said"), [("2026-11-29 23:59", "1 天后到期"), ("2026-11-30 00:00", "今天到期"),
                                          ("2026-11-30 20:00", "今天到期")])
def test_a_notice_on_its_last_day_is_said_to_end_today_from_midnight_on(site, now, said):
    # expires: 2026-11-30. At midnight it said "1 天后到期", read on the 30th as through 1 December; from 00:01
    # "1 天内到期".
    result = run_fraudsite("report", site, "--now", now, "--from", "2026-11-01", "--to", "2026-11-30",
                           "--format", "text")
    assert f"  考试通知，{said}" in result.stdout and "0 天" not in result.stdout


def test_csv_is_one_tidy_table_that_excel_opens(site):
    text = report(site, "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    # what the office's staff read in Excel is Chinese: column names, parts, statuses
    assert list(rows[0]) == ["部分", "编号", "名称", "开始", "结束", "案例", "通知", "损失金额（元）", "金额不详的案例", "状态"]
    assert [r["编号"] for r in rows if r["部分"] == "每周" and r["状态"] == "无发布"] == ["2026-W46"]
    shuadan = next(r for r in rows if r["部分"] == "诈骗类型" and r["编号"] == "shuadan")
    assert (shuadan["名称"], shuadan["案例"], shuadan["损失金额（元）"]) == ("刷单返利", "2", "9800")
    assert [(r["名称"], r["状态"]) for r in rows if r["部分"] == "通知"] == [("讲座通知", "有效"), ("考试通知", "即将到期")]
    # its end as the text and the HTML say it (it read 2026-12-01T00:00:00+08:00, a day late to a reader)
    assert [r["结束"] for r in rows if r["名称"] == "考试通知"] == ["2026-11-30 24:00"]
    assert {r["部分"] for r in rows} == {"每周", "每月", "发布单位", "诈骗类型", "受众", "通知"}


def test_csv_text_that_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(tmp_path):
    site = make_site(tmp_path / "site", FIXTURE)
    notice = next(p for p in (site / "content/notices").rglob("*.md") if "讲座通知" in p.read_text(encoding="utf-8"))
    notice.write_text(notice.read_text(encoding="utf-8").replace("title: 讲座通知", 'title: "=HYPERLINK(1) 讲座"'),
                      encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(report(site, "csv").removeprefix("\ufeff"))))
    assert [r["名称"] for r in rows if r["部分"] == "通知"][0] == "'=HYPERLINK(1) 讲座"
    assert all(not r[name].startswith(("=", "+", "-", "@")) for r in rows for name in r if r[name])


def test_html_report_is_an_a4_document_with_the_gap_marked(site):
    html = report(site, "html")
    assert "@page { size: A4;" in html
    assert '<tr class="gap"><td class="nowrap">2026-W46</td>' in html
    assert "案例涉及损失合计 <strong>9,800</strong> 元" in html


def test_period_defaults_and_bad_dates(site):
    result = run_fraudsite("report", site, "--now", NOW, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["from"], data["to"]) == ("2026-11-01", "2026-11-25")
    assert data["totals"]["cases"] == 3
    bad = run_fraudsite("report", site, "--now", NOW, "--from", "2026-11-30", "--to", "2026-11-01")
    assert bad.returncode == 2 and "--to（2026-11-01）早于 --from（2026-11-30）" in bad.stderr
    worse = run_fraudsite("report", site, "--now", NOW, "--from", "2026-13-01")
    assert worse.returncode == 2 and "--from" in worse.stderr
    october = json.loads(run_fraudsite("report", site, "--now", NOW, "--to", "2026-10-31", "--format", "json").stdout)
    assert (october["from"], october["to"]) == ("2026-10-01", "2026-10-31")  # --to alone: that month
    assert "--month" not in result.stderr  # the 25th: this month's report is what is due


def test_a_month_is_asked_for_by_name_and_the_first_days_of_a_month_point_to_the_last(site):
    # On the 1st, the default period is one day long, and the report due is last month's.
    early = run_fraudsite("report", site, "--now", "2026-12-01 09:00", "--format", "json")
    assert (json.loads(early.stdout)["from"], json.loads(early.stdout)["to"]) == ("2026-12-01", "2026-12-01")
    assert "上个月的月报请用 fraudsite report --month 2026-11" in early.stderr
    november = json.loads(run_fraudsite("report", site, "--now", "2026-12-01 09:00", "--month", "2026-11",
                                        "--format", "json").stdout)
    assert (november["from"], november["to"]) == ("2026-11-01", "2026-11-30")
    assert november["totals"]["cases"] == 4  # c5, scheduled for the 27th, is published by the 1st
    spans = json.loads(run_fraudsite("report", site, "--now", NOW, "--from", "2024-02", "--to", "2024-02",
                                     "--format", "json").stdout)
    assert (spans["from"], spans["to"]) == ("2024-02-01", "2024-02-29")  # a leap year's February, to its last day
    for options, said in [(("--month", "2026-13"), "不是有效的月份"), (("--month", "2026-11-05"), "应为月份 YYYY-MM"),
                          (("--month", "2026-11", "--to", "2026-11-30"), "不能再加 --from 或 --to"),
                          (("--from", "2026/11/1"), "也可只写月份 YYYY-MM")]:
        refused = run_fraudsite("report", site, "--now", NOW, *options)
        assert refused.returncode == 2 and said in refused.stderr and not refused.stdout, (options, refused.stderr)


def test_drafts_and_scheduled_items_are_refused(site):
    for option in ("--drafts", "--future"):  # it counted drafts and scheduled items as published
        refused = run_fraudsite("report", site, "--now", NOW, option)
        assert refused.returncode == 2 and "报告只统计已经发布的内容" in refused.stderr


def test_html_report_says_every_week_had_something_only_when_a_whole_week_did(site):
    # A period with nothing published, or only a week under way, read 每周均有发布.
    html = report(site, "html").replace("\n", "")
    assert "每周均有发布" not in html and "周无发布" in html
    begun = run_fraudsite("report", site, "--now", "2026-12-01 10:00", "--from", "2026-11-30", "--format", "html")
    assert "每周均有发布" not in begun.stdout and "本期还没有过完一整周" in begun.stdout


def test_a_past_period_lists_the_notices_in_force_as_it_closed_not_those_of_today(tmp_path):
    site = make_site(tmp_path / "site", {"notices/october.md": notice("十月讲座", "2026-10-20"),  # ends 19 November
                                          "notices/last-day.md": notice("月底截止", "2026-10-25", "expires: 2026-10-31\n"),
                                          "notices/next-day.md": notice("十一月一日", "2026-11-01"),
                                          "notices/november.md": notice("十一月讲座", "2026-11-20")})
    october = run_fraudsite("report", site, "--now", NOW, "--from", "2026-10-01", "--to", "2026-10-31", "--format", "json")
    data = json.loads(october.stdout)
    assert sorted(n["title"] for n in data["current_notices"]) == ["十月讲座", "月底截止"]  # in force at 24:00
    assert data["notices_at"] == "2026-11-01T00:00:00+08:00" and data["expiring_soon"] == []
    text = run_fraudsite("report", site, "--now", NOW, "--from", "2026-10-01", "--to", "2026-10-31").stdout
    assert "期末（2026年10月31日 24:00）有效的通知：" in text and "十一月一日" not in text
    assert "天内到期" not in text  # not worked out looking back: no （无） that would mislead
    november = run_fraudsite("report", site, "--now", NOW, "--from", "2026-11-01", "--to", "2026-11-30").stdout
    assert "当前有效的通知：\n  十一月讲座" in november and "十月讲座" not in november
    assert "7 天内到期：" in november


def test_rows_counted_whole_beyond_the_period_are_explained_only_when_there_are_some(site):
    note = "注：跨出统计期间的周和月按整周、整月计数，所以各行相加可能多于期间合计。"
    assert note in report(site, "text") and note in report(site, "html")  # W44 holds 31 October
    # February 2027: Monday the 1st to Sunday the 28th, whole weeks and a whole month
    whole = run_fraudsite("report", site, "--now", "2027-03-01 09:00", "--from", "2027-02-01", "--to", "2027-02-28")
    assert whole.returncode == 0 and "每周发布" in whole.stdout and note not in whole.stdout


def test_html_report_prints_on_a4_pages(site, tmp_path, browser):
    html_file = tmp_path / "report.html"
    html_file.write_text(report(site, "html"), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(html_file.as_uri())
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    boxes = set(re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf))
    assert boxes and all(abs(float(w) - 595.92) < 1.5 and abs(float(h) - 842.88) < 1.5 for w, h in boxes), boxes


def test_a_notice_signed_with_the_offices_short_name_counts_for_the_office_and_issuers_go_by_pinyin(tmp_path):
    # The sample's own November report listed 保卫处 (its notices) and 保卫处（无诈校园创建办公室） (its cases, which
    # take the office's name) as two units; and 学生工作处 before 保卫处, by character code.
    config = CONFIG.replace("name: 保卫处", "name: 保卫处（无诈校园创建办公室）")
    site = make_site(tmp_path / "site", {"cases/a.md": case("甲", "2026-11-02"),
                                          "notices/b.md": notice("乙", "2026-11-03"),
                                          "notices/c.md": notice("丙", "2026-11-04").replace("保卫处", "学生工作处")}, config)
    data = json.loads(run_fraudsite("report", site, "--now", NOW, "--from", "2026-11-01", "--format", "json").stdout)
    assert [(row["issuer"], row["cases"], row["notices"]) for row in data["issuers"]] == [
        ("保卫处（无诈校园创建办公室）", 1, 1), ("学生工作处", 0, 1)]
