"""``fraudsite check``: every problem reported with its place, exit codes, stable JSON, and nothing written."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fraudsite.build import BuildOptions
from fraudsite.check import check_site
from fraudsite.errors import warning
from test_privacy import CONFIG, make_site
from tools import REPO, run_fraudsite

NOW = "2026-11-25 09:00"  # a Wednesday; the ISO week runs from Monday 23 to Sunday 29 November


def case(title: str = "刷单诈骗", date: str = "2026-11-24", extra: str = "", body: str = "正文。") -> str:
    """A valid case file."""
    return (f"---\nid: {title}-{date}\ntitle: {title}\ndate: {date}\ntype: shuadan\naudience: [students]\n"
            f"summary: 简短摘要。\n{extra}---\n\n{body}\n")


def notice(title: str = "讲座通知", date: str = "2026-11-24", extra: str = "", body: str = "正文。") -> str:
    """A valid notice file."""
    return f"---\nid: {title}-{date}\ntitle: {title}\ndate: {date}\nissuer: 保卫处\nsummary: 简短。\n{extra}---\n\n{body}\n"


def check(site: Path, *args: str):
    """Run ``fraudsite check`` as a user does."""
    return run_fraudsite("check", site, "--now", NOW, *args)


def codes(result) -> list[str]:
    """The codes in a JSON check result."""
    return [p["code"] for p in json.loads(result.stdout)["problems"]]


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder under root with its content hash and modification time."""
    state = {}
    for path in sorted(root.rglob("*")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[path.relative_to(root).as_posix()] = (digest, path.stat().st_mtime_ns)
    return state


def test_check_writes_nothing_on_the_sample_site_and_on_a_broken_one(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "fraudsite.yaml", site / "fraudsite.yaml")
    before = snapshot(tmp_path)
    result = run_fraudsite("check", site, "--now", "2026-11-28 09:00")
    assert result.returncode == 0, result.stdout + result.stderr
    # As a build counts them: one sample notice is scheduled for a later day.
    assert "检查完成：24 篇内容（已发布 23 篇），0 个错误" in result.stdout
    assert snapshot(tmp_path) == before  # rendered in memory: not even the compiled templates are kept
    (site / "content/cases/broken.md").write_text(case(body="电话13812345678 ![](missing.png)"), encoding="utf-8")
    before = snapshot(tmp_path)
    result = run_fraudsite("check", site, "--now", "2026-11-28 09:00", "--format", "json")
    assert result.returncode == 1
    assert snapshot(tmp_path) == before  # no build/, no .fraudsite-cache/, no touched file


def test_exit_codes_clean_warnings_strict_and_errors(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case()})
    assert check(site).returncode == 0
    (site / "content/cases/b.md").write_text(case(date="2026-11-23"), encoding="utf-8")  # same title: a warning
    assert check(site).returncode == 0
    strict = check(site, "--strict")
    assert strict.returncode == 1 and "content/cases/b.md:3: title: （警告）与 content/cases/a.md 的标题相同" in strict.stdout
    quiet = check(site, "--quiet")  # only what fails the check: nothing here
    assert quiet.returncode == 0 and quiet.stdout == ""
    quiet = check(site, "--strict", "--quiet")  # a warning fails it: said, not a silent exit 1
    assert quiet.returncode == 1 and quiet.stdout.splitlines() == [
        "content/cases/b.md:3: title: （警告）与 content/cases/a.md 的标题相同；请让标题能区分两篇内容 [W610]"]
    (site / "content/cases/c.md").write_text(case("别的", extra="type: nonsense\n"), encoding="utf-8")
    assert check(site).returncode == 1


def test_a_broken_configuration_is_reported_in_the_chosen_format(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case()}, config=CONFIG + "page_size: many\n")
    result = run_fraudsite("check", site, "--format", "json")  # no --now: it would need the configuration
    data = json.loads(result.stdout)
    assert result.returncode == 1 and data["ok"] is False
    assert [(p["path"], p["code"], p["field"]) for p in data["problems"]] == [("fraudsite.yaml", "E103", "page_size")]


def test_json_output_is_stable_and_documented(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="第一行\n\n受害人电话 138 1234 5678。"),
                                      "cases/b.md": case(date="2026-11-23")})
    first, second = check(site, "--format", "json"), check(site, "--format", "json")
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert list(data) == ["format", "ok", "strict", "items", "published", "errors", "warnings", "problems"]
    assert (data["format"], data["ok"], data["strict"], data["items"], data["errors"], data["warnings"]) == (1, False, False, 2, 1, 1)
    leak = data["problems"][0]
    assert leak == {"path": "content/cases/a.md", "line": 12, "column": 7, "severity": "error", "code": "E601",
                    "field": "正文", "message": leak["message"]}
    assert "138****5678" in leak["message"] and "1234" not in leak["message"].replace("138****5678", "")
    assert data["problems"][1]["code"] == "W610"


def test_notice_expiring_before_it_starts_missing_files_and_images_without_alt(tmp_path):
    site = make_site(tmp_path / "s", {
        "notices/n.md": notice(extra="expires: 2026-11-20\n"),
        "notices/m.md": notice("附件通知", extra="attachments:\n  - files/none.pdf\n"),
        "cases/a.md": case(body="说明\n\n文字 ![](img/x.png) 与 <img src=\"img/x.png\">\n\n![骗子的截图](img/x.png)\n"
                                "\n![](img/gone.png)"),
    })
    (site / "content/cases/img").mkdir()
    (site / "content/cases/img/x.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    data = json.loads(check(site, "--format", "json").stdout)
    found = {(p["path"], p["line"], p["column"], p["code"]) for p in data["problems"]}
    assert ("content/notices/n.md", 7, 0, "E213") in found
    assert ("content/notices/m.md", 8, 0, "E304") in found
    assert ("content/cases/a.md", 12, 4, "W612") in found  # ![](…) after "文字 "
    assert ("content/cases/a.md", 12, 21, "W612") in found  # the <img> without alt
    assert ("content/cases/a.md", 16, 1, "W612") in found
    assert ("content/cases/a.md", 16, 0, "E304") in found  # and the missing image itself
    assert not any(p[1] == 14 for p in found)  # the image with a description is fine


def test_links_between_content_files_resolve_both_ways_and_bad_ones_are_reported(tmp_path):
    site = make_site(tmp_path / "s", {
        "cases/a.md": case(body="见[讲座通知](../notices/n.md#时间)。"),
        "notices/n.md": notice(body="案例：[刷单诈骗](../cases/a.md)\n\n另见[草稿](../cases/d.md)与[不存在](../cases/none.md)"),
        "cases/d.md": case("草稿案例", extra="draft: true\n"),
    })
    out = tmp_path / "out"
    result = run_fraudsite("build", site, "-o", out, "--now", NOW)
    assert result.returncode == 1 and "content/notices/n.md:11: 链接: “../cases/none.md”链接的内容文件不存在" in result.stderr
    (site / "content/notices/n.md").write_text(notice(body="案例：[刷单诈骗](../cases/a.md)\n\n另见[草稿](../cases/d.md)"),
                                               encoding="utf-8")
    built = run_fraudsite("build", site, "-o", out, "--now", NOW)
    assert built.returncode == 0  # the build warns of the link to a draft too, which readers would find missing
    assert "content/notices/n.md:11: 链接: （警告）链接的 content/cases/d.md《草稿案例》还是草稿" in built.stderr
    assert 'href="/fzzl/notices/n/#时间"' in (out / "cases/a/index.html").read_text(encoding="utf-8")
    assert 'href="/fzzl/cases/a/"' in (out / "notices/n/index.html").read_text(encoding="utf-8")
    data = json.loads(check(site, "--format", "json").stdout)
    draft_link = [p for p in data["problems"] if p["code"] == "W611"]
    assert [(p["path"], p["line"]) for p in draft_link] == [("content/notices/n.md", 11)]
    assert "还是草稿" in draft_link[0]["message"] and "请等它发布后再链接" in draft_link[0]["message"]
    (site / "content/cases/d.md").write_text(case("草稿案例", extra="withdrawn: true\n"), encoding="utf-8")
    withdrawn = [p for p in json.loads(check(site, "--format", "json").stdout)["problems"] if p["code"] == "W611"]
    assert "已撤下" in withdrawn[0]["message"] and "发布后" not in withdrawn[0]["message"]  # it will not be published
    (site / "content/cases/d.md").write_text(case("草稿案例"), encoding="utf-8")  # published: n.md's page, unchanged,
    built = run_fraudsite("build", site, "-o", out, "--now", NOW)  # now links to a page that is there
    assert built.returncode == 0 and "W611" not in built.stderr and (out / "cases/d/index.html").is_file()


def test_weekly_cadence_counts_monday_0030_in_the_site_time_zone(tmp_path):
    # Monday 23 Nov 00:30 +08:00 is Sunday 22 Nov 16:30 UTC: it belongs to this week, not the last.
    site = make_site(tmp_path / "s", {"cases/a.md": case(date="2026-11-23 00:30")})
    assert "W614" not in codes(check(site, "--format", "json"))
    (site / "content/cases/a.md").write_text(case(date="2026-11-22 23:59"), encoding="utf-8")
    result = check(site, "--format", "json")
    assert codes(result) == ["W614"] and "11月23日至11月29日" in result.stdout
    (site / "content/cases/b.md").write_text(case("定时发布", date="2026-11-29 20:00"), encoding="utf-8")
    assert "W614" not in codes(check(site, "--format", "json"))  # scheduled later this week counts
    (site / "content/cases/b.md").write_text(case("下周", date="2026-11-30 00:00"), encoding="utf-8")
    assert "W614" in codes(check(site, "--format", "json"))


def test_screen_summary_length_defaults_to_60_and_follows_the_config(tmp_path):
    long_case = case(extra="").replace("summary: 简短摘要。", "summary: " + "长" * 61)
    site = make_site(tmp_path / "s", {"cases/a.md": long_case})
    result = json.loads(check(site, "--format", "json").stdout)
    assert [(p["code"], p["line"]) for p in result["problems"]] == [("W613", 7)]
    (site / "fraudsite.yaml").write_text(CONFIG + "screen:\n  summary_length: 80\n", encoding="utf-8")
    assert "W613" not in codes(check(site, "--format", "json"))
    # No summary written: the body's opening makes it. Cut mid-sentence, the warning points at the title, near
    # which to add one; an opening with a sentence's end to cut at is no warning (the field is optional).
    (site / "content/cases/a.md").write_text(case(body="长" * 200).replace("summary: 简短摘要。\n", ""), encoding="utf-8")
    result = json.loads(check(site, "--format", "json").stdout)
    assert [(p["code"], p["line"]) for p in result["problems"]] == [("W613", 3)]
    assert "会断在半句话上；请写一个简短的 summary 字段" in result["problems"][0]["message"]
    sentences = "骗子冒充辅导员拉群收费。" * 20
    (site / "content/cases/a.md").write_text(case(body=sentences).replace("summary: 简短摘要。\n", ""), encoding="utf-8")
    assert "W613" not in codes(check(site, "--format", "json"))


def test_the_wechat_channel_checks_run_in_check(tmp_path, monkeypatch):
    site = make_site(tmp_path / "s", {"cases/a.md": case("标" * 100)})
    data = json.loads(check(site, "--format", "json").stdout)
    assert [p["code"] for p in data["problems"] if p["code"].startswith("W25")]  # the real channel: title too long
    from fraudsite.channels import wechat

    monkeypatch.setattr(wechat, "check", lambda s, items=None: [warning(s.items[0].source, 3, "W999", "title", "微信标题过长")])
    options = BuildOptions(site, tmp_path / "out", site / "fraudsite.yaml",
                           now=datetime(2026, 11, 25, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert [p.code for p in check_site(options).problems if p.code.startswith("W9")] == ["W999"]


def test_check_scans_scheduled_items_as_errors_and_drafts_as_warnings(tmp_path):
    site = make_site(tmp_path / "s", {
        "cases/later.md": case("定时", "2026-12-20", body="电话13812345678"),
        "cases/draft.md": case("草稿", extra="draft: true\n", body="电话13912345678"),
    })
    data = json.loads(check(site, "--format", "json").stdout)
    leaks = [(p["path"], p["severity"], p["code"]) for p in data["problems"] if p["code"] == "E601"]
    assert leaks == [("content/cases/draft.md", "warning", "E601"), ("content/cases/later.md", "error", "E601")]
    # build agrees with check: a scheduled item may reach the screens before its start, so it must be clean now
    built = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", NOW)
    assert built.returncode == 1 and "content/cases/later.md" in built.stderr and "draft.md" not in built.stderr


def test_drafts_checked_as_published_are_refused_for_placeholder_text_as_the_build_refuses_them(tmp_path):
    site = make_site(tmp_path, {})
    made = run_fraudsite("new", "case", "刚新建的案例", site, "--type", "shuadan", "--audience", "students",
                         "--date", "2026-11-24")
    assert made.returncode == 0, made.stdout + made.stderr
    draft = next((site / "content/cases").rglob("*.md"))
    assert check(site).returncode == 0  # a draft in progress: nothing to say
    result = check(site, "--drafts", "--format", "json")
    assert result.returncode == 1 and "E221" in codes(result), result.stdout
    lines = draft.read_text(encoding="utf-8").split("\n")
    found = [p for p in json.loads(result.stdout)["problems"] if p["code"] == "E221"]
    assert all(p["path"] == draft.relative_to(site).as_posix() and "（请在这里" in lines[p["line"] - 1] for p in found)
    assert not [p for p in found if "draft: true" in p["message"]]  # a draft already: not told to become one
    published = draft.read_text(encoding="utf-8").replace("draft: true", "draft: false")
    draft.write_text(published, encoding="utf-8")
    built = run_fraudsite("build", site, "--now", NOW)  # what check --drafts said, the build says too
    assert built.returncode == 1 and "E221" in built.stdout + built.stderr


def test_images_over_a_megabyte_are_named_at_their_line(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="说明\n\n![骗子的截图](img/big.png)\n\n![小图](img/small.png)\n"
                                                              "\n![新格式](img/new.avif)\n",
                                                         extra="cover: img/cover.jpg\n")})
    (site / "content/cases/img").mkdir()
    heads = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".avif": b"\0\0\0\x14ftypavif\0\0\0\0avif"}
    for name, size in (("big.png", 3 << 20), ("small.png", 200 << 10), ("cover.jpg", (1 << 20) + 1), ("new.avif", 2 << 20)):
        head = heads[Path(name).suffix]  # a picture's first bytes, then nothing
        (site / "content/cases/img" / name).write_bytes(head + b"\0" * (size - len(head)))
    data = json.loads(check(site, "--format", "json").stdout)
    found = sorted((p["line"], p["message"].split(" 有 ")[0]) for p in data["problems"] if p["code"] == "W615")
    cover_line = next(n for n, text in enumerate((site / "content/cases/a.md").read_text().split("\n"), 1)
                      if text.startswith("cover:"))
    body_line = next(n for n, text in enumerate((site / "content/cases/a.md").read_text().split("\n"), 1) if "big.png" in text)
    avif_line = body_line + 4
    assert found == sorted([(cover_line, "图片 content/cases/img/cover.jpg"), (body_line, "图片 content/cases/img/big.png"),
                            (avif_line, "图片 content/cases/img/new.avif")])


def found_at(result, code: str) -> list[tuple[str, int]]:
    """(file name, line) of every problem with ``code`` in a JSON check result."""
    return [(Path(p["path"]).name, p["line"]) for p in json.loads(result.stdout)["problems"] if p["code"] == code]


def test_links_to_a_place_that_is_not_there_are_named_at_their_line(tmp_path):
    body = ("见[识别要点](#signs-heading)和[经过](#事情经过)，[回到页首](#top)。\n\n"  # the first is the theme's
            "另见[乙的一节](b.md#第二节)、[乙没有的一节](b.md#第三节)和[外站](https://example.com/x#nowhere)。\n\n"
            "## 事情经过\n\n经过。\n\n[跳错了](#事情)\n")
    site = make_site(tmp_path / "s", {
        "cases/a.md": case("甲", extra="signs: [先交钱]\n", body=body),
        "cases/b.md": case("乙", body="## 第一节\n\n一。\n\n## 第二节\n\n二。"),
    })
    result = check(site, "--format", "json")
    assert found_at(result, "W617") == [("a.md", 13), ("a.md", 19)]
    messages = [p["message"] for p in json.loads(result.stdout)["problems"] if p["code"] == "W617"]
    assert "链接的页面 cases/b/ 里没有“#第三节”" in messages[0] and messages[1].startswith("本页里没有“#事情”")


def test_installers_attached_or_linked_are_warned_where_they_are_written(tmp_path):
    site = make_site(tmp_path / "s", {
        "cases/a.md": case(body="说明。\n\n[下载](files/反诈.APK)和[外站的](https://example.com/get/setup.exe?v=2)\n\n"
                                "[说明书](files/guide.pdf)"),
        "notices/n.md": notice(extra="attachments: [files/tool.msi, files/guide.pdf]\n"),
    })
    for folder in ("cases", "notices"):
        (site / f"content/{folder}/files").mkdir()
        for name in ("反诈.APK", "tool.msi", "guide.pdf"):
            (site / f"content/{folder}/files" / name).write_bytes(b"x")
    result = check(site, "--format", "json")
    assert found_at(result, "W616") == [("a.md", 12), ("a.md", 12), ("n.md", 7)]
    named = [p["message"].split(" ")[0] for p in json.loads(result.stdout)["problems"] if p["code"] == "W616"]
    assert sorted(named) == ["setup.exe", "tool.msi", "反诈.APK"]


def test_a_long_title_on_the_screens_asks_for_a_screen_title(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case("长" * 27), "cases/b.md": case("长" * 26, "2026-11-23"),
                                      "cases/c.md": case("长" * 40, "2026-11-22", extra="screen_title: 短标题\n"),
                                      "cases/d.md": case("长" * 40, "2026-11-21", extra="screen_title: " + "短" * 27 + "\n")})
    result = check(site, "--format", "json")
    assert found_at(result, "W618") == [("a.md", 3), ("d.md", 8)]
    fields = [p["field"] for p in json.loads(result.stdout)["problems"] if p["code"] == "W618"]
    assert fields == ["title", "screen_title"]


def test_an_update_not_yet_come_is_warned_and_one_already_past_is_not(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(extra="updated: 2027-11-24\n"),
                                      "cases/b.md": case("乙", extra="updated: 2026-11-25 08:00\n"),
                                      "cases/c.md": case("丙", "2026-12-20", extra="updated: 2026-12-20\n")})
    result = check(site, "--format", "json")
    assert found_at(result, "W619") == [("a.md", 8)]
    assert "更新日期 2027年11月24日 还没到" in result.stdout


def test_a_body_of_headings_alone_is_warned_as_empty(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="## 事情经过\n\n---\n\n### 防范提示\n"),
                                      "cases/b.md": case("乙", body="## 事情经过\n\n#不是标题的一行")})
    result = check(site, "--format", "json")
    assert found_at(result, "W203") == [("a.md", 9)]  # where the body starts, as for an empty one
    assert "正文只有小标题" in result.stdout
