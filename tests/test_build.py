"""Building: determinism, the sub-path, atomic replacement, and what a build leaves behind."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from fraudsite.build import BuildOptions
from fraudsite.errors import BuildFailed, OutputError
from fraudsite.output import file_stats
from sitekit import FIXTURE_NOW, SAMPLE, at, build_site, copy_fixture, copy_sample_content, stamps, tree, write
from tools import run_fraudsite

SAMPLE_THEME = SAMPLE / "theme" / "templates"


def test_same_input_and_clock_give_identical_bytes(tmp_path):
    first, second = copy_fixture(tmp_path, name="first"), copy_fixture(tmp_path, name="second")
    build_site(first, tmp_path / "a")
    build_site(second, tmp_path / "b")  # both from nothing
    build_site(first, tmp_path / "c")  # with the first one's cache
    assert tree(tmp_path / "a") == tree(tmp_path / "b") == tree(tmp_path / "c")


def test_second_build_without_changes_touches_no_file(tmp_path):
    out, site = tmp_path / "out", copy_fixture(tmp_path)
    build_site(site, out)
    before = stamps(out)
    report = build_site(site, out)
    assert report.stats.written == 0 and report.stats.removed == 0
    assert stamps(out) == before


def test_one_edit_rewrites_only_the_files_whose_bytes_change(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    before, before_stamps = tree(site / "build"), stamps(site / "build")
    path = site / "content/notices/expired.md"
    path.write_text(path.read_text().replace("不要购买所谓考试答案。", "不要购买任何考试答案。"), encoding="utf-8")
    report = build_site(site)
    after, after_stamps = tree(site / "build"), stamps(site / "build")
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed and report.stats.written == len(changed)
    assert {p for p in after if after_stamps[p] != before_stamps.get(p)} == changed


def test_sub_path_base_url_is_in_every_link(tmp_path):
    build_site(copy_fixture(tmp_path), tmp_path / "out", base_url="https://intranet.example.edu.cn/a/b/")
    home = (tmp_path / "out/index.html").read_text()
    assert 'href="/a/b/static/style.css"' in home and 'href="/a/b/cases/"' in home
    assert "https://intranet.example.edu.cn/a/b/feed.xml" in home
    for path, data in tree(tmp_path / "out").items():
        if path.endswith(".html"):
            text = data.decode()
            assert 'href="/fzzl/' not in text and 'src="/fzzl/' not in text, path
            assert 'href="/cases' not in text and 'href="/static' not in text, path


def test_pages_of_deleted_items_do_not_linger(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    assert (site / "build/cases/older/index.html").exists()
    (site / "content/cases/older.md").unlink()
    report = build_site(site)
    assert not (site / "build/cases/older").exists()
    assert report.stats.removed >= 1


def test_withdrawn_item_keeps_a_short_page_and_leaves_every_list(tmp_path):
    build_site(copy_fixture(tmp_path), tmp_path / "out")
    page = (tmp_path / "out/cases/withdrawn/index.html").read_text()
    assert "本文已撤下" in page and "此案例因当事人要求撤下" not in page
    assert '<meta name="robots" content="noindex">' in page
    for path, data in tree(tmp_path / "out").items():
        if path != "cases/withdrawn/index.html":
            assert "已撤下的案例" not in data.decode(errors="ignore"), path


def test_aliases_redirect_to_the_current_page(tmp_path):
    build_site(copy_fixture(tmp_path), tmp_path / "out")
    for alias in ("anli/old-refund.html", "cases/refund-2025/index.html"):
        page = (tmp_path / "out" / alias).read_text()
        assert '<meta http-equiv="refresh" content="0; url=/fzzl/cases/fake-refund/">' in page
        assert '<link rel="canonical" href="https://www.example.edu.cn/fzzl/cases/fake-refund/">' in page
        # As any page on a phone, and named with the column, as a bookmark or a tab shows it for the moment it is open.
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
        assert re.search(r"<title>[^<]+ - 测试学院反诈专栏</title>", page)


def test_expired_notice_stays_marked_and_urgent_notice_leads_the_home_page(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "out")
    assert "已过期" in (tmp_path / "out/notices/expired/index.html").read_text()
    home = (tmp_path / "out/index.html").read_text()
    assert home.index("紧急提醒：谨防假冒学费缴费通知") < home.index("致家长的一封信") < home.index("点赞兼职先返后骗")
    assert "考试季防骗提醒" not in home  # expired: not current
    build_site(site, tmp_path / "later", now="2026-04-01 00:00")
    assert "紧急提醒" not in (tmp_path / "later/index.html").read_text()


def test_drafts_and_future_items_appear_only_when_asked(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "plain")
    assert not (tmp_path / "plain/cases/draft").exists() and not (tmp_path / "plain/notices/future").exists()
    build_site(site, tmp_path / "all", drafts=True, future=True)
    assert "草稿" in (tmp_path / "all/cases/draft/index.html").read_text()
    assert (tmp_path / "all/notices/future/index.html").exists()


def test_summary_line_and_json_name_the_next_change(tmp_path):
    site = copy_fixture(tmp_path)
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW, "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["items"] == 6 and summary["written"] > 0 and summary["removed"] == 0
    # The pinned letter (2026-02-20 09:00, no expiry) stops being current after 30 days.
    assert summary["next_change"] == "2026-03-22T09:00:00+08:00"
    text = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW)
    assert text.stdout.startswith("完成：6 篇内容") and "写入 0，未变" in text.stdout
    assert "2026年3月22日 09:00" in text.stdout


def test_build_json_lists_its_warnings_and_still_prints_them(tmp_path):
    site = copy_fixture(tmp_path)
    assert run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW).returncode == 0
    case = site / "content/cases/older.md"
    case.rename(case.with_name("renamed.md"))  # W206 is said by this one build only: a timer must not lose it
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW, "--json")
    summary = json.loads(result.stdout)
    [moved] = [p for p in summary["problems"] if p["code"] == "W206"]
    assert summary["warnings"] == len(summary["problems"])
    assert moved["path"] == "content/cases/renamed.md" and moved["severity"] == "warning" and "aliases" in moved["message"]
    assert f"content/cases/renamed.md:{moved['line']}: aliases: （警告）" in result.stderr
    case.with_name("renamed.md").rename(case.with_name("again.md"))
    quiet = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW, "--json", "--quiet")
    assert quiet.stderr == "" and [p["code"] for p in json.loads(quiet.stdout)["problems"]] == ["W206"]


def test_body_images_load_lazily_on_the_website_only(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "out")
    page = (tmp_path / "out/cases/part-time/index.html").read_text(encoding="utf-8")
    body = page.split('<div class="body">', 1)[1].split("</div>", 1)[0]
    images = re.findall(r"<img\b[^>]*>", body)
    assert images and all('loading="lazy"' in image and 'decoding="async"' in image for image in images)
    article = json.loads((tmp_path / "out/wechat/cases/part-time/article.json").read_text(encoding="utf-8"))
    assert "<img" in article["article"]["content"] and "loading=" not in article["article"]["content"]  # WeChat's editor takes its own


def test_a_cover_is_described_to_readers_who_cannot_see_it_and_one_without_a_description_is_warned_of(tmp_path):
    # It was always alt="": a screenshot of the scam message, the case's whole point, was skipped by screen readers.
    site = copy_fixture(tmp_path)
    build_site(site, tmp_path / "out")
    page = (tmp_path / "out/cases/part-time/index.html").read_text(encoding="utf-8")
    assert '<img class="cover" src="/fzzl/media/cases/images/warning.svg" alt="警示图标：一个感叹号">' in page
    # A picture Pillow reads gets its size, as a body's pictures do: the page keeps its room while it loads
    from PIL import Image

    Image.new("RGB", (960, 540), "white").save(site / "content/cases/images/cover.png")
    case = site / "content/cases/part-time.md"
    case.write_text(case.read_text(encoding="utf-8").replace("cover: images/warning.svg", "cover: images/cover.png"),
                    encoding="utf-8")
    build_site(site, tmp_path / "out")
    page = (tmp_path / "out/cases/part-time/index.html").read_text(encoding="utf-8")
    assert ('<img class="cover" src="/fzzl/media/cases/images/cover.png" alt="警示图标：一个感叹号" width="960" '
            'height="540">') in page
    case.write_text(case.read_text(encoding="utf-8").replace("cover: images/cover.png", "cover: images/warning.svg"),
                    encoding="utf-8")
    case.write_text(case.read_text(encoding="utf-8").replace("cover_alt: 警示图标：一个感叹号\n", ""), encoding="utf-8")
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW)
    assert result.returncode == 0
    assert ("content/cases/part-time.md:14: cover: （警告）封面图片缺少文字说明，读屏软件无法告诉视障读者图中内容；"
            "请在 cover_alt: 后面写上图片内容说明（没有这一行就加上）") in result.stderr
    # Published, so the privacy scan reads it too
    case.write_text(case.read_text(encoding="utf-8").replace("cover: images/warning.svg",
                                                             "cover: images/warning.svg\ncover_alt: 联系 13912345678"),
                    encoding="utf-8")
    result = run_fraudsite("build", site, "-o", tmp_path / "out", "--now", FIXTURE_NOW)
    assert result.returncode == 1 and "content/cases/part-time.md:15" in result.stderr and "cover_alt" in result.stderr


def test_an_attachment_can_be_shown_under_a_name_of_its_own(tmp_path):
    # Parents were shown the link "reply-slip.pdf": a file named in English.
    site = copy_fixture(tmp_path)
    letter = site / "content/notices/letter.md"
    text = letter.read_text(encoding="utf-8")
    letter.write_text(text.replace("attachments: [files/reply-slip.pdf]",
                                   "attachments:\n  - 家长回执: files/reply-slip.pdf"), encoding="utf-8")
    build_site(site, tmp_path / "out")
    page = (tmp_path / "out/notices/letter/index.html").read_text(encoding="utf-8")
    assert '<a href="/fzzl/media/notices/files/reply-slip.pdf" download>家长回执</a>' in page
    article = json.loads((tmp_path / "out/wechat/notices/letter/article.json").read_text(encoding="utf-8"))
    assert "家长回执" in article["article"]["content"] and "reply-slip.pdf：" not in article["article"]["content"]
    letter.write_text(text.replace("attachments: [files/reply-slip.pdf]",
                                   "attachments:\n  - files/reply-slip.pdf\n  - {回执: files/a.pdf, 名单: files/b.pdf}"),
                      encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build_site(site, tmp_path / "out")
    assert [(p.line, p.code) for p in failure.value.problems] == [(10, "E205")]
    assert "显示的名称: 文件路径" in failure.value.problems[0].message


def test_refuses_to_replace_a_folder_it_did_not_create(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("irreplaceable")
    site = copy_fixture(tmp_path)
    with pytest.raises(OutputError):
        build_site(site, out)
    assert (out / "thesis.docx").read_text() == "irreplaceable"
    result = run_fraudsite("build", site, "-o", out, "--now", FIXTURE_NOW)
    assert result.returncode == 1 and "--force" in result.stderr
    build_site(site, out, force=True)
    assert not (out / "thesis.docx").exists() and (out / "index.html").exists()


def test_never_uses_the_site_folder_as_output(tmp_path):
    site = copy_fixture(tmp_path)
    with pytest.raises(OutputError):
        build_site(site, site, force=True)
    assert (site / "content/cases/part-time.md").exists()


@pytest.mark.parametrize("inside", ["content/cases", "content/preview", "theme/out"])
def test_never_builds_into_the_content_or_the_theme_even_with_force(tmp_path, inside):
    """``--force`` after a refusal must not turn content/cases into the built site (moving the cases aside)."""
    site = copy_fixture(tmp_path)
    (site / "theme").mkdir(exist_ok=True)
    before = tree(site / "content")
    result = run_fraudsite("build", site, "-o", site / inside, "--force", "--now", FIXTURE_NOW)
    assert result.returncode == 1 and "生成会替换其中的源文件" in result.stderr, result.stderr
    assert tree(site / "content") == before and not (site / inside / "index.html").exists()


@pytest.mark.parametrize("point", ["parse", "render", "staging", "swap"])
def test_a_build_killed_at_any_point_leaves_the_old_site_whole(tmp_path, point):
    site = copy_fixture(tmp_path)
    build_site(site)
    before = tree(site / "build")
    path = site / "content/cases/older.md"
    path.write_text(path.read_text().replace("冲单", "刷单冲单"), encoding="utf-8")
    env = {**os.environ, "FRAUDSITE_FAULT": point}
    killed = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                            env=env, capture_output=True, text=True)
    assert killed.returncode == 137
    current = tree(site / "build")
    if point == "swap":  # killed just after the exchange: the new site is complete instead
        assert current != before and "刷单冲单" in current["cases/older/index.html"].decode()
        assert ".fraudsite-output" in current
    else:
        assert current == before
    result = run_fraudsite("build", site, "--now", FIXTURE_NOW)
    assert result.returncode == 0, result.stderr
    assert "刷单冲单" in (site / "build/cases/older/index.html").read_text()
    # Leftover staging folders are cleaned up; the replaced site is kept as the spare the next build stages into.
    assert [p.name for p in site.glob(".build.*")] == [".build.spare"]


def test_disk_full_while_staging_gives_a_clear_message_and_keeps_the_site(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    before = tree(site / "build")
    write(site, "content/cases/new.md", "---\ntitle: 新案例\ndate: 2026-03-01\ntype: shuadan\naudience: [students]\n---\n")
    env = {**os.environ, "FRAUDSITE_FAULT": "staging:enospc"}
    result = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "磁盘空间不足" in result.stderr and "原有网站保持不变" in result.stderr
    assert "请清理磁盘空间（可先删掉 .build.spare 文件夹）后再生成" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(site / "build") == before


def test_a_write_refused_in_the_spare_folder_says_that_folder_may_be_deleted(tmp_path):
    from fraudsite.output import _write_advice

    refused = OSError(errno.EACCES, "Permission denied", str(tmp_path / ".build.spare/cases/a/index.html"))
    assert _write_advice(refused, tmp_path / "build").startswith(".build.spare 是上次生成留下的备用文件夹，可以直接删除；"
                                                                 "请检查这个文件或文件夹是否被设为只读")
    elsewhere = OSError(errno.EACCES, "Permission denied", str(tmp_path / "build/index.html"))
    assert _write_advice(elsewhere, tmp_path / "build").startswith("请检查这个文件或文件夹是否被设为只读")


def test_rendering_on_several_cores_gives_the_same_bytes_as_one(tmp_path):
    outputs = {}
    for workers in ("1", "2"):
        env = {**os.environ, "FRAUDSITE_WORKERS": workers, "FRAUDSITE_PARALLEL_MINIMUM": "1"}
        out = tmp_path / f"out{workers}"
        site = copy_fixture(tmp_path, name=f"site{workers}")  # each from nothing: every body rendered
        result = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "-o", str(out),
                                 "--now", FIXTURE_NOW], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        outputs[workers] = tree(out)
    assert outputs["1"] == outputs["2"]


def test_files_the_workers_write_themselves_are_the_files_staged_one_by_one(tmp_path):
    from fraudsite.output import MARKER, MARKER_TEXT
    from fraudsite.uptodate import fingerprint_output, read_record

    site = copy_fixture(tmp_path)
    env = {**os.environ, "FRAUDSITE_WORKERS": "2", "FRAUDSITE_PARALLEL_MINIMUM": "1"}
    made = {}
    for name in ("fresh", "staged"):
        out = tmp_path / name
        if name == "staged":  # an OUT already there (empty): every file goes through the staging folder's checks
            out.mkdir()
            (out / MARKER).write_bytes(MARKER_TEXT)
        shutil.rmtree(site / ".fraudsite-cache", ignore_errors=True)
        result = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "-o", str(out),
                                 "--now", FIXTURE_NOW], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "写入" in result.stdout
        memo = json.loads((site / ".fraudsite-cache/pages.json").read_text(encoding="utf-8"))["pages"]
        made[name] = tree(out), result.stdout.split("写入")[1].split("，")[0], memo
        # The stats the workers sent back make the same fingerprint as a walk of what they wrote.
        assert read_record(site / ".fraudsite-cache").out == fingerprint_output(out)
    assert not (tmp_path / ".fresh.spare").exists() or sorted(tree(tmp_path / ".fresh.spare")) == sorted(made["fresh"][0])
    # The same files and bytes, the same count written, the same keys kept for the next build.
    assert made["fresh"] == made["staged"]
    assert len(made["fresh"][0]) > 50


def test_streams_one_after_another_are_all_closed_when_the_build_stops_early():
    from fraudsite.build import one_after_another

    closed = []

    def stream(name):
        try:
            yield name, b""
        finally:
            closed.append(name)

    first, second = stream("a"), stream("b")
    joined = one_after_another(first, second)
    assert next(joined) == ("a", b"")
    joined.close()  # write_site's _abandon: the second stream (the forked process's files) is closed unstarted
    assert closed == ["a"] and second.gi_frame is None


def test_an_error_in_a_worker_is_reported_like_any_other(tmp_path):
    site = copy_fixture(tmp_path)
    write(site, "theme/templates/case.html", "{% extends 'base.html' %}{% block main %}{{ no_such_name }}{% endblock %}")
    env = {**os.environ, "FRAUDSITE_WORKERS": "2", "FRAUDSITE_PARALLEL_MINIMUM": "1"}
    result = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "theme/templates/case.html" in result.stderr and "[E402]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not [p.name for p in site.glob("*build*")]  # no site, no staging folder, no spare begun by the workers


def test_every_template_is_loaded_before_the_workers_fork(tmp_path, monkeypatch):
    # A page's template loads those it extends, includes or imports only as it renders: loading the pages' own
    # templates left each worker of each round to load the rest again.
    from fraudsite.config import load_config
    from fraudsite.render import load_templates, make_environment

    site = copy_fixture(tmp_path)
    env = make_environment(site, load_config(site / "fraudsite.yaml"))
    load_templates(env)

    def read(*_):
        raise AssertionError("a template read again after load_templates")

    monkeypatch.setattr(env.loader, "get_source", read)
    assert {"base.html", "_card.html", "screen/screen.js", "feeds/rss.xml"} <= set(env.list_templates())
    for name in env.list_templates():
        env.get_template(name)


def test_a_template_saved_in_another_encoding_is_reported_with_its_file_when_workers_render(tmp_path, forking):
    # Loaded before the workers fork, it raised out of the build as an internal error.
    site = copy_fixture(tmp_path)
    write(site, "theme/templates/case.html", "")
    (site / "theme/templates/case.html").write_bytes("{% extends 'base.html' %}{% block main %}案例{% endblock %}"
                                                     .encode("gbk"))
    with pytest.raises(BuildFailed) as failed:
        build_site(site)
    assert [(p.path, p.code) for p in failed.value.problems] == [("theme/templates/case.html", "E401")]
    assert "不是 UTF-8 编码" in failed.value.problems[0].message


def test_template_mistakes_admins_make_are_named_by_file_and_said_in_chinese(tmp_path):
    # A loop of includes was an internal error; a partial saved in GBK was blamed on the page including it, at a
    # line of Jinja's own source; a screen data file overridden into broken JSON was published; a stray
    # {% endif %} was said in English.
    site = copy_fixture(tmp_path)

    def problems() -> list[tuple[str, str, str]]:
        with pytest.raises(BuildFailed) as failed:
            build_site(site)
        return [(p.path, p.code, p.message) for p in failed.value.problems]

    write(site, "theme/templates/_a.html", "{% include '_b.html' %}")
    write(site, "theme/templates/_b.html", "{% include '_a.html' %}")
    write(site, "theme/templates/404.html", "{% include '_a.html' %}")
    [(path, code, message)] = problems()
    assert (path, code) == ("theme/templates/404.html", "E404") and "绕成了一个圈" in message
    (site / "theme/templates/_b.html").write_bytes("<p>卡片</p>".encode("gbk"))
    assert problems() == [("theme/templates/_b.html", "E401",
                           "模板文件不是 UTF-8 编码（可能是 GBK）；请在编辑器中以 UTF-8 编码重新保存")]
    write(site, "theme/templates/404.html", "{% block main %}甲{% endif %}")
    [(path, code, message)] = problems()
    assert code == "E401" and message == "模板语法错误：这里不该出现“endif”：应当先写完 'endblock'（标签可能没有成对）"
    (site / "theme/templates/404.html").unlink()
    data = (SAMPLE_THEME / "screen/data.json").read_text(encoding="utf-8")
    write(site, "theme/templates/screen/data.json", data.replace("{", '{"seconds2": 1,,', 1))
    [(path, code, message)] = problems()
    assert (path, code) == ("theme/templates/screen/data.json", "E404") and "不是有效的 JSON" in message


def test_a_mistake_in_an_included_template_names_that_template_and_says_it_in_chinese(tmp_path):
    site = copy_fixture(tmp_path)
    meta = (SAMPLE_THEME / "_item_meta.html").read_text(encoding="utf-8").split("\n")
    write(site, "theme/templates/_item_meta.html", "\n".join([meta[0], "  {{ item.titel.x }}", *meta[1:]]))
    result = run_fraudsite("build", site, "--now", FIXTURE_NOW)
    assert result.returncode == 1
    assert "theme/templates/_item_meta.html:2: 模板使用了不存在的变量（没有“titel”这一项）；请检查拼写 [E402]" in result.stderr
    write(site, "theme/templates/_item_meta.html", "\n".join(meta).replace("{% endif %}", "", 1))
    result = run_fraudsite("build", site, "--now", FIXTURE_NOW)
    assert "theme/templates/_item_meta.html" in result.stderr and "[E401]" in result.stderr
    assert "Traceback" not in result.stderr and "Unexpected" not in result.stderr


def test_check_finds_mistakes_in_templates_no_page_uses(tmp_path):
    # check renders the pages a build makes: the monthly report's template, or a partial no page includes yet,
    # failed only on the day someone used it. An editor's backup or swap file in the folder is no template.
    site = copy_fixture(tmp_path)
    report = (SAMPLE_THEME / "report/report.html").read_text(encoding="utf-8").split("\n")
    write(site, "theme/templates/report/report.html", "\n".join([*report[:3], "{{ report.totl.x }}", *report[3:]]))
    write(site, "theme/templates/_unused.html", "{% if %}")
    (site / "theme/templates/.case.html.swp").write_bytes(b"\x00\xfe\xff")
    (site / "theme/templates/case.html~").write_bytes("旧".encode("gbk"))
    write(site, "theme/templates/.ipynb_checkpoints/case-checkpoint.html", "{% if %}")
    write(site, "theme/templates/README.txt", "说明：{% 不是模板")
    result = run_fraudsite("check", site, "--now", FIXTURE_NOW)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "theme/" in line]
    assert lines == ["theme/templates/_unused.html:1: 模板语法错误：这里缺少表达式（如 if 后面的条件），却已到了“%}” [E401]",
                     "theme/templates/report/report.html:4: 模板使用了不存在的变量（没有“totl”这一项）；请检查拼写 [E402]"]
    assert run_fraudsite("build", site, "--now", FIXTURE_NOW).returncode == 0  # a build uses neither


def test_check_warns_of_a_theme_that_loads_from_other_sites_or_addresses_from_the_root(tmp_path):
    # An admin's theme with a CDN's script and a font from outside, or /static/… written out: the intranet page
    # lost its styles offline, or under /fzzl/, with nothing said until a reader opened it.
    site = copy_fixture(tmp_path)
    write(site, "theme/templates/_extra.html", '<script src="https://cdn.example.com/jquery.js"></script>\n'
                                               '<link rel="stylesheet" href="/static/extra.css">\n'
                                               '<a href="https://www.12321.cn/">举报</a>\n'
                                               '<img src="{{ url(\'static/logo.png\') }}" alt="">')
    write(site, "theme/static/logo.png", "")  # there: what url() makes is fine
    write(site, "theme/static/extra.css", "@import url(https://fonts.example.com/css?family=Noto);\n"
                                          ".hero { background: url(/static/hero.png); }")
    result = run_fraudsite("check", site, "--now", FIXTURE_NOW)
    lines = sorted(line for line in (result.stdout + result.stderr).splitlines() if "[W40" in line)
    assert lines == [
        "theme/static/extra.css:1: （警告）从别的网站加载“https://fonts.example.com/css?family=Noto”：校园内网离线或外网不通时"
        "页面会缺样式或功能，读者的访问也会被那个网站看到；请把文件放进 theme/static/，用 {{ url('static/文件名') }} 引用 [W405]",
        "theme/static/extra.css:2: （警告）“/static/hero.png”从服务器根目录算起，网站放在 /fzzl/ 这样的子路径下时会找不到；"
        "请改用相对于这个样式表的路径（如 ../images/a.png） [W406]",
        "theme/templates/_extra.html:1: （警告）从别的网站加载“https://cdn.example.com/jquery.js”：校园内网离线或外网不通时"
        "页面会缺样式或功能，读者的访问也会被那个网站看到；请把文件放进 theme/static/，用 {{ url('static/文件名') }} 引用 [W405]",
        "theme/templates/_extra.html:2: （警告）“/static/extra.css”从服务器根目录算起，网站放在 /fzzl/ 这样的子路径下时会找不到；"
        "请改用 {{ url('static/extra.css') }} [W406]"], lines
    # the built-in theme, checked the same way (the repository is a site whose theme/ is the built-in one)
    from fraudsite.themelinks import theme_link_problems

    assert theme_link_problems(SAMPLE, "/fzzl/") == []


def test_check_warns_of_what_a_theme_loads_from_other_sites_in_scripts_and_srcset(tmp_path):
    # Baidu Tongji's snippet pasted into a template, a script of the theme that fetches from outside or adds a CDN's
    # script, a picture's 2x from a CDN: each told the outside site of every visit, and W405 said nothing.
    site = copy_fixture(tmp_path)
    write(site, "theme/templates/_tongji.html", """\
        <script>
        var _hmt = _hmt || [];
        (function() {
          var hm = document.createElement("script");
          hm.src = "https://hm.baidu.com/hm.js?0123456789abcdef";
          document.head.appendChild(hm);
        })();
        </script>
        <script type="application/ld+json">{"@context": "https://schema.org"}</script>
        <img src="{{ url('static/favicon.svg') }}"
             srcset="{{ url('static/favicon.svg') }} 1x, https://cdn.example.com/a.png 2x" alt="">
        <a href="https://www.12321.cn/">举报</a>
        """)
    write(site, "theme/static/extra.js", """\
        // counts a visit, see https://example.com/docs
        fetch("https://api.example.com/count");
        var s = document.createElement("script"); s.src="//cdn.bootcdn.net/x.js";
        var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        /* a quoted address in a comment: "https://developer.mozilla.org/docs" */ var path = "a//b"; // "https://x.example"
        """)
    result = run_fraudsite("check", site, "--now", FIXTURE_NOW)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "[W405]" in line]
    outside = "：校园内网离线或外网不通时页面会缺样式或功能，读者的访问也会被那个网站看到；"
    in_script = "请删掉访问统计（如百度统计）、调用别的网站接口的代码；要用的脚本或文件请放进 theme/static/ [W405]"
    assert lines == [
        f"theme/static/extra.js:2: （警告）从别的网站加载“https://api.example.com/count”{outside}{in_script}",
        f"theme/static/extra.js:3: （警告）从别的网站加载“//cdn.bootcdn.net/x.js”{outside}{in_script}",
        f"theme/templates/_tongji.html:5: （警告）从别的网站加载“https://hm.baidu.com/hm.js?0123456789abcdef”{outside}"
        f"{in_script}",
        f"theme/templates/_tongji.html:11: （警告）从别的网站加载“https://cdn.example.com/a.png”{outside}"
        "请把文件放进 theme/static/，用 {{ url('static/文件名') }} 引用 [W405]"], lines
    assert "[W405]" not in sample_theme_check(tmp_path)


def test_check_warns_of_a_static_file_a_theme_refers_to_that_is_not_there(tmp_path):
    # {{ url('static/nope.css') }} in a template, url(img/missing.png) in a theme's stylesheet: every page asked
    # for a file that is not there (404) and lost its styles or picture, and check said nothing.
    site = copy_fixture(tmp_path)
    write(site, "theme/templates/_extra.html", """\
        <link rel="stylesheet" href="{{ url('static/nope.css') }}">
        <link rel="icon" href="{{ url('static/favicon.svg') }}">
        {% set script = url("static/extra.js") %}<script src="{{ script }}"></script>
        <style>.x { background: url('static/in-a-page.png'); }</style>
        <link rel="stylesheet" href="{{ url('static/Style.css') }}">
        """)
    write(site, "theme/static/extra.js", "")
    write(site, "theme/static/img/logo.png", "")
    write(site, "theme/static/css/extra.css", """\
        .a { background: url(img/missing.png); }
        .b { background: url("../favicon.svg"); }
        .c { background: url('../img/logo.png?v=2#x'); }
        .d { background: url(data:image/png;base64,AAAA); filter: url(#shadow); }
        /* .e { background: url(old.png); } */
        .f { background: url(https://cdn.example.com/x.png); } .g { background: url(/static/x.png); }
        @import "print.css"; @import "../css/extra.css";
        """)
    write(site, "theme/templates/_srcset.html", '<img src="{{ url(\'static/favicon.svg\') }}" srcset="/static/a.png 2x" alt="">\n')
    result = run_fraudsite("check", site, "--now", FIXTURE_NOW)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "[W408]" in line]
    assert lines == [
        "theme/static/css/extra.css:1: （警告）url(img/missing.png) 指向的文件不存在：从这个样式表所在的文件夹算起是 "
        "theme/static/css/img/missing.png，那里没有，页面取它会得到 404；请把文件放到那里，或改正路径"
        "（从样式表所在的文件夹算起，如 ../images/a.png） [W408]",
        "theme/static/css/extra.css:7: （警告）@import \"print.css\" 指向的文件不存在：从这个样式表所在的文件夹算起是 "
        "theme/static/css/print.css，那里没有，页面取它会得到 404；请把文件放到那里，或改正路径"
        "（从样式表所在的文件夹算起，如 ../images/a.png） [W408]",
        "theme/templates/_extra.html:1: （警告）url('static/nope.css') 指向的文件在 theme/static/ 里没有（网站的和内置主题的都没有），"
        "页面取它会得到 404；请把文件放进 theme/static/，或改正文件名 [W408]",
        "theme/templates/_extra.html:5: （警告）url('static/Style.css') 指向的文件在 theme/static/ 里没有（网站的和内置主题的都没有），"
        "页面取它会得到 404；是否想写 static/style.css？文件名的大小写要和实际文件完全一致，网站服务器区分大小写 [W408]"], lines
    assert ("theme/templates/_srcset.html:1: （警告）“/static/a.png”从服务器根目录算起，网站放在 /fzzl/ 这样的子路径下时会找不到；"
            "请改用 {{ url('static/a.png') }} [W406]") in result.stdout + result.stderr
    assert "[W408]" not in sample_theme_check(tmp_path)


def sample_theme_check(tmp_path) -> str:
    """``fraudsite check``'s output on the sample site with the built-in theme copied in as the site's own, as a
    web person starts a theme: what a new theme warning says of it is a false alarm on every site."""
    site = copy_sample_content(tmp_path / "sample")
    shutil.copytree(SAMPLE / "theme", site / "theme")
    result = run_fraudsite("check", site, "--now", "2026-11-28 09:00")
    assert result.returncode == 0 and "检查完成" in result.stdout, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_check_warns_of_a_block_the_extended_template_does_not_have(tmp_path):
    # {% block mian %} in a site's case.html: build and check said nothing, and every case page had an empty <main>.
    site = copy_fixture(tmp_path)
    case = (SAMPLE_THEME / "case.html").read_text(encoding="utf-8")
    write(site, "theme/templates/case.html", case.replace("{% block main %}", "{% block mian %}"))
    write(site, "theme/templates/_layout.html", '{% extends "base.html" %}\n{% block main %}<div>{% block body %}'
                                                "{% endblock %}</div>{% endblock %}")
    # a grandchild: its block is the parent's own (body), nested ones are its own to define, a wrong one is told
    write(site, "theme/templates/notice.html", '{% extends "_layout.html" %}\n{% block body %}{% block note %}'
                                               "{% endblock %}{% endblock %}\n\n{% block haed %}{% endblock %}")
    result = run_fraudsite("check", site, "--now", FIXTURE_NOW)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "[W407]" in line]
    assert lines == [
        "theme/templates/case.html:3: （警告）块“mian”在它继承的 base.html 里没有，块里的内容不会出现在页面上；"
        "是否想写 “main”？块名要和上级模板里 {% block 名字 %} 的名字完全一样 [W407]",
        "theme/templates/notice.html:4: （警告）块“haed”在它继承的 _layout.html 里没有，块里的内容不会出现在页面上；"
        "是否想写 “head”？块名要和上级模板里 {% block 名字 %} 的名字完全一样 [W407]"], lines
    assert "[W407]" not in sample_theme_check(tmp_path)


def test_an_up_to_date_site_is_recognised_without_building_and_any_change_builds_again(tmp_path):
    site = copy_fixture(tmp_path)
    first = build_site(site)
    assert first.stats.written > 0
    before = stamps(site / "build")
    again = build_site(site)
    assert again.stats.written == 0 and again.stats.unchanged == first.stats.written + first.stats.unchanged
    assert again.next_change == first.next_change and stamps(site / "build") == before
    # A hand edit in OUT is noticed and repaired.
    (site / "build/index.html").write_text("damaged", encoding="utf-8")
    build_site(site)
    assert "测试学院反诈专栏" in (site / "build/index.html").read_text()
    # The clock moving past the next change builds again: the urgent notice expires on 2026-03-31.
    later = build_site(site, now="2026-04-01 08:00")
    assert later.stats.written > 0 and "紧急提醒" not in (site / "build/index.html").read_text()
    # A changed theme file builds again.
    write(site, "theme/static/extra.css", "body { color: #111; }")
    assert build_site(site, now="2026-04-01 08:00").stats.written == 1
    assert (site / "build/static/extra.css").is_file()


def test_what_editors_and_file_managers_leave_in_the_theme_is_not_published(tmp_path):
    from fraudsite.check import check_site

    site = copy_fixture(tmp_path)
    write(site, "theme/static/extra.css", "body { color: #111; }")
    for litter in (".extra.css.swp", "extra.css~", ".DS_Store", "Thumbs.db", "desktop.ini", "#extra.css#", ".git/config",
                   "._extra.css", "img/._logo.png"):  # the last two: macOS's AppleDouble files, on a USB drive
        write(site, "theme/static/" + litter, "half a save")
    write(site, "theme/static/img/logo - 副本.png", "a copy")  # published (a theme may mean it), but check names it
    write(site, "theme/static/img/图 1.png", "a figure")  # named so on purpose: no copy (as iCloud's "a 2.md" is)
    build_site(site)
    static = sorted(path.relative_to(site / "build/static").as_posix()
                    for path in (site / "build/static").rglob("*") if path.is_file())
    assert "extra.css" in static and not any("extra.css" in name and name != "extra.css" for name in static)
    assert not {".DS_Store", "Thumbs.db", "desktop.ini", ".git/config", "img/._logo.png"} & set(static)
    assert "img/logo - 副本.png" in static
    options = BuildOptions(site_dir=site, out_dir=site / "build", config_path=site / "fraudsite.yaml", now=at(FIXTURE_NOW))
    copies = [(p.path, p.code, p.severity) for p in check_site(options).problems if p.code == "W409"]
    assert copies == [("theme/static/img/logo - 副本.png", "W409", "warning")]


def test_after_one_edit_only_pages_that_show_it_are_rendered_and_output_equals_a_cold_build(tmp_path):
    site = copy_fixture(tmp_path)
    first = build_site(site)
    assert first.rendered == first.pages
    path = site / "content/cases/older.md"
    path.write_text(path.read_text().replace("冲单", "冲单返利"), encoding="utf-8")
    second = build_site(site)
    # The case page, lists and feeds that show its summary, the search index: not the whole site.
    assert 0 < second.rendered < first.pages / 2
    cold = tmp_path / "cold"
    build_site(site, cold)
    assert tree(site / "build") == tree(cold)
    # A template change renders every page again.
    base = site / "theme/templates/base.html"
    write(site, "theme/templates/base.html", (SAMPLE_THEME / "base.html").read_text().replace("跳到正文", "跳到正文内容"))
    third = build_site(site)
    assert third.rendered == third.pages and "跳到正文内容" in (site / "build/index.html").read_text()
    assert base.exists()
    # The same template changed again: its compiled form kept in the cache is not used.
    assert any((site / ".fraudsite-cache/templates").iterdir())
    write(site, "theme/templates/base.html", base.read_text().replace("跳到正文内容", "跳到本页正文"))
    build_site(site)
    assert "跳到本页正文" in (site / "build/index.html").read_text()


def test_compiled_templates_that_cannot_be_kept_are_compiled_each_time(tmp_path):
    site = copy_fixture(tmp_path)
    write(site, ".fraudsite-cache/templates", "not a folder")
    report = build_site(site)
    assert report.rendered == report.pages and "测试学院反诈专栏" in (site / "build/index.html").read_text()


def test_a_scheduled_item_joining_the_screens_ahead_of_its_start_rebuilds(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site, now="2026-04-10 12:00")
    assert "寒假防骗提醒" not in (site / "build/screen/data.json").read_text()
    # The scheduled notice (2026-04-20) joins the screens' data 7 days ahead, hidden until its start.
    report = build_site(site, now="2026-04-14 12:00")
    assert report.rendered > 0 and "寒假防骗提醒" in (site / "build/screen/data.json").read_text()
    build_site(site, tmp_path / "cold", now="2026-04-14 12:00")
    assert tree(site / "build") == tree(tmp_path / "cold")


def test_personal_data_in_a_scheduled_item_stops_the_build(tmp_path):
    site = copy_fixture(tmp_path)
    write(site, "content/cases/soon.md", """\
        ---
        id: case-soon
        title: 即将发布的案例
        date: 2026-03-18
        type: shuadan
        audience: [students]
        ---
        受害人电话 13912345678。
        """)
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert any("content/cases/soon.md" in str(p) for p in failure.value.problems)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_site_made_from_nothing_leaves_a_spare_of_links_to_its_files(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("FRAUDSITE_WORKERS", workers)
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")  # with two, the workers link what they write
    site = copy_fixture(tmp_path)
    build_site(site)
    out, spare = site / "build", site / ".build.spare"
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(spare) for p in spare.rglob("*") if p.is_file())
    assert all(os.path.samefile(out / f, spare / f) for f in files)  # links: the first edit need not make them
    path = site / "content/cases/older.md"
    path.write_text(path.read_text().replace("冲单", "刷单冲单"), encoding="utf-8")
    before = {f: (out / f).stat().st_ino for f in files}
    build_site(site)
    reference = tmp_path / "reference"
    build_site(site, reference)
    assert tree(out) == tree(reference)
    kept = [f for f in files if (out / f).exists() and (out / f).stat().st_ino == before[f]]
    assert len(kept) > len(files) / 2  # unchanged files are the very files the first build wrote


def test_a_process_that_makes_a_site_from_nothing_twice_makes_its_folders_again(tmp_path, monkeypatch):
    # The writers remember the folders they made (one mkdir each); a second cold build here has the same
    # staging path, whose folders went with the first build's swap.
    monkeypatch.setenv("FRAUDSITE_WORKERS", "1")
    site = copy_fixture(tmp_path)
    build_site(site)
    first = tree(site / "build")
    shutil.rmtree(site / "build")
    shutil.rmtree(site / ".build.spare")
    build_site(site)
    assert tree(site / "build") == first


def test_the_spare_the_next_build_stages_into_may_hold_anything(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    path = site / "content/cases/older.md"
    path.write_text(path.read_text().replace("冲单", "刷单冲单"), encoding="utf-8")
    build_site(site)  # the first site is now the spare
    spare = site / ".build.spare"
    page = next(p for p in spare.rglob("index.html") if p.parent != spare)
    assert os.path.samefile(page, site / "build" / page.relative_to(spare))  # unchanged: one file, two names
    # Vandalise it: a file where a folder was, a folder where a file was, stray files, a symlink, other bytes.
    shutil.rmtree(spare / "cases/older")
    (spare / "cases/older").write_text("not a folder")
    (spare / "feed.xml").unlink()
    (spare / "feed.xml").mkdir()
    (spare / "feed.xml/stray.txt").write_text("stray")
    (spare / "stray/deep").mkdir(parents=True)
    (spare / "stray/deep/file.html").write_text("stray")
    (spare / "index.html").unlink()
    (spare / "index.html").symlink_to(site / "fraudsite.yaml")
    os.unlink(page)
    page.write_text("other bytes")
    path.write_text(path.read_text().replace("刷单冲单", "刷单"), encoding="utf-8")
    build_site(site)
    reference = tmp_path / "reference"
    build_site(site, reference)
    assert tree(site / "build") == tree(reference)
    assert not (site / "build/stray").exists() and not (site / "fraudsite.yaml").read_text().startswith("not")

    # A spare that is a link to a folder elsewhere: the link goes, what it points to stays untouched.
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "cases").mkdir(parents=True)
    (elsewhere / "cases/keep.txt").write_text("keep")
    shutil.rmtree(spare)
    spare.symlink_to(elsewhere, target_is_directory=True)
    path.write_text(path.read_text(encoding="utf-8").replace("刷单", "刷单冲单"), encoding="utf-8")
    build_site(site)
    assert (elsewhere / "cases/keep.txt").read_text() == "keep" and sorted(elsewhere.rglob("*")) == [
        elsewhere / "cases", elsewhere / "cases/keep.txt"]
    assert spare.is_dir() and not spare.is_symlink()  # the replaced site, as usual


def test_a_file_in_the_spare_the_walk_missed_is_never_written_through(tmp_path, monkeypatch):
    # The spare is walked as the build begins; should it hold a file the walk did not list, that file may be a
    # hard link to OUT's: writing into it would change the site being served, and the old one kept as the spare.
    from fraudsite import output
    from fraudsite.output import file_inodes, spare_of

    site = copy_fixture(tmp_path)
    build_site(site)
    older, refund = site / "content/cases/older.md", site / "content/cases/refund.md"
    older.write_text(older.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    build_site(site)  # the first site is now the spare: refund's page there is a link to OUT's
    page = "cases/fake-refund/index.html"
    before = (site / "build" / page).read_bytes()
    assert os.path.samefile(site / "build" / page, spare_of(site / "build") / page)
    refund.write_text(refund.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
    monkeypatch.setattr(output, "file_inodes", lambda root: {p: i for p, i in file_inodes(root).items() if p != page})
    build_site(site)
    assert "补充一句" in (site / "build" / page).read_text(encoding="utf-8")
    assert (spare_of(site / "build") / page).read_bytes() == before  # the site replaced, as it was


def test_clean_removes_the_output_its_spare_and_the_cache(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    build_site(site, now="2026-03-02 09:00")  # another day: some pages change, the first site becomes the spare
    assert (site / ".build.spare").is_dir() and (site / ".fraudsite-cache").is_dir()
    result = run_fraudsite("clean", site)
    assert result.returncode == 0, result.stderr
    assert f"已删除输出目录 {site / 'build'}、缓存 {site / '.fraudsite-cache'}。" in result.stdout
    assert run_fraudsite("clean", site).stdout.strip() == "没有需要删除的内容。"
    assert not [p.name for p in site.iterdir() if p.name.startswith((".build", "build", ".fraudsite-cache"))]


def test_clean_deletes_nothing_while_a_build_holds_the_site_nor_says_so_of_a_mistyped_folder(tmp_path):
    from fraudsite.lock import build_lock

    site = copy_fixture(tmp_path)
    build_site(site)
    before = tree(site / "build")
    with build_lock(site / ".fraudsite-cache"):  # as a build running meanwhile holds it
        busy = run_fraudsite("clean", site)
    assert busy.returncode == 1 and "没有删除任何文件：这个网站正在生成" in busy.stderr, busy.stderr
    assert tree(site / "build") == before and (site / ".fraudsite-cache").is_dir()
    with build_lock(site / ".fraudsite-cache"):  # a build meanwhile says why it waits, then goes on
        waiting = subprocess.Popen([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, encoding="utf-8")
        said = ""
        while "等它完成" not in said and (line := waiting.stderr.readline()):  # it blocks on the lock after saying so
            said += line
    assert waiting.wait(timeout=60) == 0
    assert "这个网站正在由另一个 fraudsite 生成，等它完成后接着写入" in said, said
    typo = run_fraudsite("clean", tmp_path / "nosuch")
    assert typo.returncode == 1 and "找不到网站文件夹" in typo.stderr and "[E101]" in typo.stderr, typo.stderr


def test_a_build_waiting_on_a_lock_file_clean_deleted_locks_the_new_one(tmp_path):
    # A build that waited on the old file got "the lock" once clean let it go, while another build held the new
    # file: two builds at once.
    import threading

    from fraudsite.lock import LOCK_FILE, build_lock, try_build_lock

    cache = tmp_path / ".fraudsite-cache"
    held = try_build_lock(cache)  # clean's
    entered = threading.Event()

    def waiting_build() -> None:
        with build_lock(cache):
            entered.set()

    waiter = threading.Thread(target=waiting_build, daemon=True)
    waiter.start()
    time.sleep(0.3)  # it waits on the file clean holds
    (cache / LOCK_FILE).unlink()  # clean deletes it while holding it
    later = try_build_lock(cache)  # a build started after clean, on a new file
    assert later is not None
    held.close()
    assert not entered.wait(0.5)  # the old file's lock guards nothing: it waits for the new file's
    later.close()
    assert entered.wait(10)
    waiter.join(10)


def test_compiled_templates_are_those_of_this_code(tmp_path):
    from fraudsite.stamp import code_stamp

    site = copy_fixture(tmp_path)
    compiled = site / ".fraudsite-cache/templates"
    write(site, ".fraudsite-cache/templates/0.0.1+0123456789abcdef-__jinja2_x.cache", "compiled by other code")
    build_site(site)
    names = [path.name for path in compiled.iterdir()]
    assert names and all(name.startswith(code_stamp() + "-") for name in names)  # how a filter is called may differ


def test_a_cold_build_compiles_its_templates_in_a_forked_process_while_it_reads_the_content(tmp_path, monkeypatch,
                                                                                           forking):
    import jinja2

    from fraudsite.stamp import code_stamp

    site = copy_fixture(tmp_path)
    compiled_here = []
    compile_template = jinja2.Environment.compile
    parent = os.getpid()

    def counting(env, source, name=None, filename=None, raw=False, defer_init=False):
        if os.getpid() == parent:
            compiled_here.append(name)
        return compile_template(env, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    build_site(site)
    theme = [path for path in (SAMPLE / "theme" / "templates").rglob("*") if path.is_file()]
    names = [path.name for path in (site / ".fraudsite-cache/templates").iterdir()]
    assert len(names) >= len(theme) and all(name.startswith(code_stamp() + "-") for name in names)
    assert compiled_here == []  # this process loaded every template compiled
    case = sorted((site / "content/cases").rglob("*.md"))[0]
    case.write_text(case.read_text(encoding="utf-8") + "\n补充。\n", encoding="utf-8")
    build_site(site)
    assert compiled_here == []  # nor does the next build, which finds them compiled


def test_a_cold_build_that_fails_while_its_workers_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import errno
    import time

    from fraudsite import parallel, render
    from fraudsite.output import Stage
    from fraudsite.render import write_output

    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)  # forked though the session's browser runs
    monkeypatch.setenv("FRAUDSITE_WORKERS", "2")
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")
    site = copy_fixture(tmp_path)
    put, calls = Stage.put, []

    def full_disk_soon(self, path, content):
        calls.append(path)
        if len(calls) == 5:  # the workers are still making and writing the rest
            raise OSError(errno.ENOSPC, "No space left on device")
        return put(self, path, content)

    def slowly(*args):
        time.sleep(0.05)
        return write_output(*args)

    monkeypatch.setattr(Stage, "put", full_disk_soon)
    monkeypatch.setattr(render, "write_output", slowly)
    monkeypatch.setattr(parallel, "CHUNK", 4)  # many chunks: some still in the workers when the disk is full
    with pytest.raises(OutputError):
        build_site(site)
    time.sleep(1)  # what workers still running would write meanwhile
    assert not [p.name for p in site.glob("*build*")]  # no site, no staging folder, no spare


def test_the_summary_and_the_errors_reach_a_pipe_though_the_command_skips_teardown(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}  # streams buffered
    site = copy_fixture(tmp_path)
    done = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("完成：")
    failed = subprocess.run([sys.executable, "-m", "fraudsite", "build", str(tmp_path / "nowhere")],
                            env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "错误：" in failed.stderr


def test_out_is_walked_beside_loading_and_again_if_another_build_wrote_it_meanwhile(tmp_path, monkeypatch):
    from fraudsite import build as build_module
    from fraudsite import output, parallel
    from fraudsite.uptodate import fingerprint_output, read_record, write_record

    monkeypatch.setenv("FRAUDSITE_WORKERS", "2")
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)  # forked though the session's browser runs
    site = copy_fixture(tmp_path)
    build_site(site)
    walks, spare_walks, load = [], [], build_module.load_site
    monkeypatch.setattr(build_module, "file_stats", lambda root: walks.append(root) or file_stats(root))
    inodes = output.file_inodes
    monkeypatch.setattr(output, "file_inodes", lambda root: spare_walks.append(root) or inodes(root))
    for other_build in (False, True):
        def loading(*args, other_build=other_build, **kwargs):
            loaded = load(*args, **kwargs)
            if other_build:  # as if another build finished now: its record, its files
                record = read_record(site / ".fraudsite-cache")
                (site / "build/404.html").write_text("another build's page", encoding="utf-8")
                write_record(site / ".fraudsite-cache", replace(record, out="another build's output"))
            return loaded

        monkeypatch.setattr(build_module, "load_site", loading)
        walks.clear()
        spare_walks.clear()
        path = site / "content/cases/older.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n补充一句。\n", encoding="utf-8")
        build_site(site)
        assert len(walks) == other_build  # the forked walk was used, or OUT was walked again here
        assert len(spare_walks) == other_build  # and the spare, walked with OUT, or again when staged into
        assert read_record(site / ".fraudsite-cache").out == fingerprint_output(site / "build")
        assert "another build" not in (site / "build/404.html").read_text(encoding="utf-8")
    # No record when the build began (another build was under way, or failed): never an early walk.
    monkeypatch.setattr(build_module, "load_site", load)
    (site / ".fraudsite-cache/last-build.json").unlink()
    walks.clear()
    path.write_text(path.read_text(encoding="utf-8") + "\n再补充一句。\n", encoding="utf-8")
    build_site(site)
    assert len(walks) == 1 and read_record(site / ".fraudsite-cache").out == fingerprint_output(site / "build")


def test_the_summary_keeps_its_exit_code_when_the_reader_went_away(tmp_path):
    site = copy_fixture(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "fraudsite", "build", str(site), "--now", FIXTURE_NOW],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `fraudsite build | head -0` would
    _, errors = process.communicate()
    assert process.returncode == 0 and b"Traceback" not in errors


@pytest.mark.parametrize(("arguments", "words"), [
    (["build", "--bogus"], "不认识的参数：--bogus"),
    (["serve", "--port", "abc"], "参数 --port：端口应为 0 到 65535 之间的整数，而不是“abc”"),
    (["serve", "--port", "99999"], "参数 --port：端口应为 0 到 65535 之间的整数，而不是“99999”"),
    (["report", "--format", "pdf"], "参数 --format 的值 'pdf' 无效；可选："),
    (["check", "--format", "xml"], "参数 --format 的值 'xml' 无效；可选："),
    (["new"], "缺少必须写的参数：KIND"),
    (["build", "--now", "明天"], "--now：“明天”不是有效日期"),
    (["bulid"], "没有“bulid”这个命令；是否想写 “build”？"),
])
def test_usage_errors_are_said_in_chinese_and_exit_2(tmp_path, arguments, words):
    site = copy_fixture(tmp_path)
    result = run_fraudsite(*arguments, cwd=site)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "usage:" not in result.stderr and "error:" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["build", "check", "report", "serve", "clean"])
def test_each_commands_help_has_one_heading_of_options_all_in_chinese(command):
    shown = run_fraudsite(command, "--help").stdout
    assert shown.count("选项:") == 1 and shown.count("参数:") == 1, shown  # the shared ones joined the command's own
    assert "--config CONFIG" in shown and "SITE_DIR" in shown
    assert "usage" not in shown and "options" not in shown and "show this help" not in shown


def test_init_into_a_file_is_refused_by_name(tmp_path):
    taken = tmp_path / "fzzl"
    taken.write_text("不是文件夹")
    result = run_fraudsite("init", taken)
    assert result.returncode == 1 and "是一个文件，不是文件夹" in result.stderr and "内部错误" not in result.stderr


def test_init_inside_another_site_is_refused_and_writes_nothing(tmp_path):
    site = copy_fixture(tmp_path)
    before = {path: path.read_bytes() for path in site.rglob("*") if path.is_file()}
    for inside in (site / "content", site / "content/cases/new-site", site / "theme"):
        result = run_fraudsite("init", inside)
        assert result.returncode == 1 and f"在网站 {site.resolve()} 之内" in result.stderr, result.stderr
    assert {path: path.read_bytes() for path in site.rglob("*") if path.is_file()} == before
    assert run_fraudsite("init", tmp_path / "another").returncode == 0  # beside it is fine


def test_a_command_run_outside_a_site_names_the_folder_and_what_to_do(tmp_path):
    elsewhere = tmp_path / "文档"
    elsewhere.mkdir()
    result = run_fraudsite("new", "case", "标题", "--type", "shuadan", "--audience", "students", cwd=elsewhere)
    assert result.returncode == 1 and f"在 {elsewhere} 中找不到配置文件" in result.stderr
    assert "fraudsite init" in result.stderr and "未生成网站" not in result.stderr  # new builds nothing
    built = run_fraudsite("build", cwd=elsewhere)
    assert built.returncode == 1 and "错误：发现 1 个错误。未生成网站，原有输出保持不变。" in built.stderr
    mistyped = run_fraudsite("build", "反诈专拦", cwd=elsewhere)  # a folder that is not there is named as such
    assert mistyped.returncode == 1 and f"找不到网站文件夹 {elsewhere / '反诈专拦'}；请检查命令里写的路径" in mistyped.stderr


def test_a_site_built_for_this_computers_own_address_is_warned_of(tmp_path):
    # Its WeChat articles' pictures, feeds and QR codes pointed at 127.0.0.1, with no word said; serve says so itself.
    site = copy_fixture(tmp_path)
    for address in ("http://127.0.0.1:8000/fzzl/", "http://localhost/"):
        [found] = [w for w in build_site(site, base_url=address).warnings if w.code == "W101"]
        assert found.path == "fraudsite.yaml" and found.field == "base_url" and address in found.message
    assert not [w for w in build_site(site).warnings if w.code == "W101"]


def test_a_renamed_page_is_told_to_keep_its_old_address(tmp_path):
    """A renamed file moves its page: shared links and QR codes to the old address break unless it redirects."""
    site = copy_fixture(tmp_path)
    build_site(site)
    (site / "content/cases/part-time.md").rename(site / "content/cases/like-task.md")
    moved = [w for w in build_site(site).warnings if w.code == "W206"]
    assert [(w.path, w.field, w.message) for w in moved] == [("content/cases/like-task.md", "aliases", (
        "网址从 cases/part-time/ 改成了 cases/like-task/（改了文件名或 slug）；已分享出去的旧网址会打不开，"
        "请在头部写上 aliases: [cases/part-time/]（已有 aliases 一行就写在那一行），旧网址就会转到新页面"))]
    path = site / "content/cases/like-task.md"  # moved again, its old address kept this time
    path.write_text(path.read_text(encoding="utf-8").replace("id: case-1\n", "id: case-1\naliases: [cases/like-task/]\n"),
                    encoding="utf-8")
    path.rename(site / "content/cases/like-task-2.md")
    assert not [w for w in build_site(site).warnings if w.code == "W206"]
    assert (site / "build/cases/like-task/index.html").is_file()  # the redirect


def test_a_published_page_deleted_is_told_once_with_how_to_withdraw_it_instead(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    (site / "content/cases/older.md").unlink()
    (site / "content/notices/future.md").unlink()  # scheduled: its page never went out
    (site / "content/cases/draft.md").unlink()  # a draft: neither
    [gone] = [w for w in build_site(site).warnings if w.code == "W207"]
    assert gone.path == "content/cases/older.md" and gone.line == 0
    assert "它的网页 cases/older/ 也随之删除" in gone.message and "withdrawn: true" in gone.message
    assert "aliases: [cases/older/]" in gone.message  # in case the file was moved by hand
    assert not [w for w in build_site(site).warnings if w.code == "W207"]  # said once
    path = site / "content/cases/refund.md"  # its id edited: the page stays where it was, nothing is gone
    path.write_text(re.sub(r"\nid: [^\n]*", "\nid: case-new-id", path.read_text(encoding="utf-8")), encoding="utf-8")
    assert not [w for w in build_site(site).warnings if w.code in ("W206", "W207")]


def test_pages_gone_are_told_from_the_output_when_the_cache_knows_nothing_of_them(tmp_path):
    """A cache deleted, made by another version or for another configuration, or another computer's: OUT's pages
    still tell which addresses went, and a page whose title a new page has moved there."""
    site = copy_fixture(tmp_path)
    build_site(site)
    shutil.rmtree(site / ".fraudsite-cache")
    title = re.search(r"\ntitle: ([^\n]*)", (site / "content/cases/older.md").read_text(encoding="utf-8"))[1]
    (site / "content/cases/older.md").unlink()
    (site / "content/cases/part-time.md").rename(site / "content/cases/like-task.md")
    warnings = [w for w in build_site(site).warnings if w.code in ("W206", "W207")]
    assert [(w.code, w.path, w.line) for w in warnings] == [
        ("W207", "content/cases", 0), ("W206", "content/cases/like-task.md", 1)]
    assert "网址从 cases/part-time/ 改成了 cases/like-task/" in warnings[1].message
    assert "aliases: [cases/part-time/]" in warnings[1].message
    assert f"上次构建的网页 cases/older/（《{title}》）这次没有了" in warnings[0].message
    assert "aliases: [cases/older/]" in warnings[0].message and "withdrawn: true" in warnings[0].message
    assert not [w for w in build_site(site).warnings if w.code in ("W206", "W207")]  # said once
    path = site / "content/cases/like-task.md"  # its old address kept by an alias to the page itself
    path.write_text(path.read_text(encoding="utf-8").replace("\ntitle:", "\naliases: [cases/part-time/index.html]\ntitle:", 1),
                    encoding="utf-8")
    build_site(site)
    shutil.rmtree(site / ".fraudsite-cache")
    assert not [w for w in build_site(site).warnings if w.code in ("W206", "W207")]
    build_site(site, drafts=True)  # a draft's page, then the draft left out again: an editor's choice, not news
    (site / "fraudsite.yaml").write_text((site / "fraudsite.yaml").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not [w for w in build_site(site).warnings if w.code in ("W206", "W207")]
    build_site(site, drafts=True)  # nor is a draft deleted: it never had an address to give out
    shutil.rmtree(site / ".fraudsite-cache")
    (site / "content/cases/draft.md").unlink()
    assert not [w for w in build_site(site).warnings if w.code in ("W206", "W207")]


def test_a_scheduled_page_renamed_before_it_was_ever_published_is_not_told_to_keep_an_address(tmp_path):
    site = copy_fixture(tmp_path)
    build_site(site)
    (site / "content/notices/future.md").rename(site / "content/notices/later.md")  # its address was never public
    assert not [w for w in build_site(site).warnings if w.code == "W206"]
    build_site(site, future=True)  # built with scheduled items published: notices/later/ went out
    (site / "content/notices/later.md").rename(site / "content/notices/much-later.md")
    assert [w.path for w in build_site(site, future=True).warnings if w.code == "W206"] == ["content/notices/much-later.md"]
