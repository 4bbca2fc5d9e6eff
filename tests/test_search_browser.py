"""Search in a real browser: the committed queries typed into /fzzl/search/ on the sample site, and failures."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from fraudsite.build import BuildOptions, build
from fraudsite.searchindex import MAX_QUERY_SHARDS, doc_path, fold, read_meta, run_query
from sitekit import copy_sample_content, write
from tools import REPO, parse_es5, run_axe, serious_violations

QUERIES = yaml.safe_load((REPO / "bench" / "search" / "queries.yaml").read_text(encoding="utf-8"))

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def expected_paths():
    """query -> the sample site's matching paths from the bench's plain substring scan (the oracle)."""
    sys.path.insert(0, str(REPO / "bench" / "search"))
    import compare

    _, docs = compare.site_docs(REPO)
    return lambda query: compare.naive_search(docs, query["q"], query.get("section", ""), query.get("type", ""))


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The repository's sample site (a copy), built once for this module."""
    root = tmp_path_factory.mktemp("search")
    site, out = copy_sample_content(root), root / "out"
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=NOW))
    return out


def reference_paths(out: Path, query: str, **filters) -> list[str]:
    """Every result the reference implementation (searchindex.run_query) gives on the built index."""
    data = out / "search" / "data"

    def load(path: str):
        return json.loads((data / path).read_text(encoding="utf-8"))

    meta = read_meta(load)
    return [load(doc_path(meta, number))[0] for number in run_query(query, load, **filters).docs]


def run_search(page, query: dict) -> list[str]:
    """Set the filters, type the words, press Enter; the result paths once the search has finished."""
    page.select_option("#search-section", query.get("section", ""))
    if "type" in query or page.is_enabled("#search-type"):  # off while only notices are searched
        page.select_option("#search-type", query.get("type", ""))
    page.fill("#search-q", query["q"])
    page.press("#search-q", "Enter")
    page.wait_for_selector("#search-app[data-state=done], #search-app[data-state=error]")
    return [unquote(urlsplit(a.get_attribute("href")).path) for a in page.query_selector_all(".search-result h2 a")]


def test_committed_expectations_match_the_sample_content(expected_paths):
    stale = [query["q"] for query in QUERIES if expected_paths(query) != query["expect"]]
    assert not stale, (f"the sample content changed for {stale}: run `.venv/bin/python bench/search/compare.py "
                       "--expect` and review the diff of bench/search/queries.yaml")


def test_committed_queries_give_the_expected_items_in_rank_order(sample_site, static_server, page, expected_paths):
    base = static_server(sample_site)
    page.goto(base)
    page.fill("#site-search-q", "刷单")
    page.press("#site-search-q", "Enter")  # the masthead form is a plain GET form
    page.wait_for_selector("#search-app[data-state=done]")
    assert urlsplit(page.url).path == "/fzzl/search/" and page.input_value("#search-q") == "刷单"
    for query in QUERIES:
        expected = expected_paths(query)  # as committed, unless the sample content changed since
        found = run_search(page, query)
        status = page.inner_text("#search-status")
        if expected:
            assert found == ["/fzzl/" + path for path in expected], query
            assert status == f"找到 {len(expected)} 条结果", query
            marks = {fold(m.inner_text()) for m in page.query_selector_all(".search-result mark")}
            assert marks <= {fold(term) for term in query["q"].split()} and marks, query
        else:  # none with every word: those with some of them, if any, and the page says so
            assert found == ["/fzzl/" + path for path in reference_paths(
                sample_site, query["q"], section=query.get("section", ""), fraud_type=query.get("type", ""))], query
            assert status.startswith(("没有找到", "没有同时包含全部词语的内容，以下是包含其中部分词语")), query
    assert "q=" in page.url and "section=cases" in page.url  # the last query can be linked
    assert page.get_attribute("#search-status", "aria-live") == "polite"
    assert not serious_violations(run_axe(page))
    assert not page.js_errors and not page.bad_responses


def test_a_link_with_q_opens_its_results_and_longer_words_are_exact(sample_site, static_server, page):
    base = static_server(sample_site)
    page.goto(base + "search/?q=%E6%A0%A1%E5%9B%AD%E8%B4%B7&type=loan")  # 校园贷, fraud type 网络贷款
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.inner_text("#search-status") == "找到 1 条结果"
    assert page.title().startswith("“校园贷”的搜索结果 - 搜索 - ")
    assert page.get_attribute(".search-result h2 a", "href") == "/fzzl/cases/2025-10-fake-loan-unfreeze-fee/"
    assert page.inner_text(".search-result .passage mark") == "校园贷"
    # A common character: ten results, then ten more per click, keyboard focus on the first new one.
    expected = reference_paths(sample_site, "的")
    assert len(expected) > 20
    run_search(page, {"q": "的"})
    assert page.inner_text("#search-status") == f"找到 {len(expected)} 条结果，已显示前 10 条"
    page.focus("#search-more")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 20")
    assert page.evaluate("document.activeElement.textContent") == page.inner_text(".search-result:nth-child(11) h2 a")
    page.click("#search-more")
    page.wait_for_function(f"document.querySelectorAll('.search-result').length === {len(expected)}")
    assert page.is_hidden("#search-more")
    shown = [unquote(urlsplit(a.get_attribute("href")).path) for a in page.query_selector_all(".search-result h2 a")]
    assert shown == ["/fzzl/" + path for path in expected]
    assert page.inner_text("#search-status") == f"找到 {len(expected)} 条结果"
    assert not page.js_errors


def test_missing_index_or_dropped_network_shows_a_message_not_an_error(sample_site, static_server, page,
                                                                       expected_paths):
    base = static_server(sample_site)
    page.goto(base + "search/")
    failures = [
        ("搜索索引不存在", lambda: page.route("**/search/data/**", lambda route: route.fulfill(status=404, body="")),
         lambda: page.unroute("**/search/data/**")),
        ("网络连接中断", lambda: page.context.set_offline(True), lambda: page.context.set_offline(False)),
        # The index answers, then the connection drops before the items' text arrives.
        ("网络连接中断", lambda: page.route("**/search/data/docs/**", lambda route: route.abort("internetdisconnected")),
         lambda: page.unroute("**/search/data/docs/**")),
    ]
    for (message, fail, recover), word in zip(failures, ("退款", "客服", "学费")):
        fail()
        assert run_search(page, {"q": word}) == [], message
        assert page.get_attribute("#search-app", "data-state") == "error"
        assert message in page.inner_text("#search-status")
        recover()
        found = run_search(page, {"q": "刷单"})  # searching again retries what failed
        assert found == ["/fzzl/" + path for path in expected_paths({"q": "刷单"})] and found
    assert not page.js_errors
    page.add_init_script("delete window.Promise")  # an old office browser
    page.goto(base + "search/?q=%E5%88%B7%E5%8D%95")
    assert "浏览器版本过旧" in page.inner_text("#search-status")
    assert not page.js_errors


def test_a_search_again_while_offline_answers_from_the_index_the_page_holds(sample_site, static_server, page,
                                                                           expected_paths):
    # current.json was fetched afresh at every search: offline, the results the reader had could not be had again.
    page.goto(static_server(sample_site) + "search/")
    found = run_search(page, {"q": "刷单"})
    assert found == ["/fzzl/" + path for path in expected_paths({"q": "刷单"})] and found
    page.context.set_offline(True)
    assert run_search(page, {"q": "刷单"}) == found
    assert page.inner_text("#search-status") == f"找到 {len(found)} 条结果"
    assert page.get_attribute("#search-app", "data-state") == "done"
    # Words whose items the page never fetched need the connection, and the page says so.
    assert run_search(page, {"q": "学费"}) == [] and "网络连接中断" in page.inner_text("#search-status")
    page.context.set_offline(False)
    assert run_search(page, {"q": "学费"}) == ["/fzzl/" + path for path in expected_paths({"q": "学费"})]
    assert not page.js_errors


def test_a_shared_link_with_a_stray_percent_sign_searches_what_it_can_decode(sample_site, static_server, page,
                                                                            expected_paths):
    # A link cut off or mistyped after its last escape: decodeURIComponent threw, and the box stayed empty.
    base = static_server(sample_site)
    page.goto(base + "search/?q=%E5%88%B7%E5%8D%95%&section=cases")
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.input_value("#search-q") == "刷单%" and page.input_value("#search-section") == "cases"
    shown = [unquote(urlsplit(a.get_attribute("href")).path) for a in page.query_selector_all(".search-result h2 a")]
    assert shown == ["/fzzl/" + path for path in expected_paths({"q": "刷单", "section": "cases"})] and shown
    # Half a character (its last byte cut off) is kept as written; the whole one before it is decoded.
    page.goto(base + "search/?q=%E5%88%B7%E5%8D")
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.input_value("#search-q") == "刷%E5%8D"
    assert not page.js_errors


def test_search_script_is_plain_es5():
    parse_es5((REPO / "theme" / "static" / "search" / "search.js").read_text(encoding="utf-8"), "search.js")


def shown_badges(page, selector: str) -> dict[str, list[str]]:
    """Each item's link path -> the texts of its badges, for the cards or results ``selector`` matches."""
    return page.eval_on_selector_all(selector, """items => Object.fromEntries(items.map(item => [
        new URL(item.querySelector("h2 a").href).pathname,
        [...item.querySelectorAll(".badge")].map(badge => badge.textContent.trim())]))""")


def test_results_show_the_urgent_and_expired_badges_the_lists_show(sample_site, static_server, page):
    base = static_server(sample_site)
    page.goto(base + "notices/")
    cards = shown_badges(page, "article.card")
    assert ["通知", "已过期"] in cards.values() and ["通知", "紧急", "置顶"] in cards.values()
    notices = ["/fzzl/" + path for path in reference_paths(sample_site, "通知", section="notices")]
    page.goto(base + "search/?q=%E9%80%9A%E7%9F%A5&section=notices")  # 通知: ten or fewer, all on one page
    page.wait_for_selector("#search-app[data-state=done]")
    # 置顶 only: results are ranked by the words searched for, not kept at the top
    assert shown_badges(page, ".search-result") == {path: [b for b in cards[path] if b != "置顶"] for path in notices}
    lecture = "/fzzl/notices/2026-11-police-expert-lecture/"  # expired at the build's clock
    assert run_search(page, {"q": "讲座"})[0] == lecture
    assert shown_badges(page, ".search-result")[lecture] == ["通知", "已过期"]
    alert = "/fzzl/notices/2026-11-tuition-scam-urgent-alert/"
    assert alert in run_search(page, {"q": "学费"})
    assert shown_badges(page, ".search-result")[alert] == ["通知", "紧急"]
    assert page.get_attribute(f".search-result:has(a[href='{alert}'])", "class") == "search-result urgent"
    assert not page.js_errors


def test_filters_that_hide_every_result_say_how_many_and_can_be_cleared(sample_site, static_server, page):
    base = static_server(sample_site)
    everything = reference_paths(sample_site, "冒充")
    page.goto(base + "search/?q=%E5%86%92%E5%85%85&type=loan")  # 冒充, fraud type 网络贷款: none of them
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.query_selector_all(".search-result") == []
    status = page.inner_text("#search-status")
    assert "没有找到" not in status and f"有 {len(everything)} 条包含“冒充”的结果不符合筛选条件" in status
    page.click("#search-clear button")
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.inner_text("#search-status") == f"找到 {len(everything)} 条结果，已显示前 10 条"
    assert page.is_hidden("#search-clear") and page.input_value("#search-type") == ""
    assert "type=" not in page.url
    assert page.evaluate("document.activeElement.textContent") == page.inner_text(".search-result h2 a")
    # A longer word, only in what the filters hide: checked before the page offers to clear them.
    found = run_search(page, {"q": "冒充老师", "type": "loan"})
    assert found == [] and "条包含“冒充老师”的结果不符合筛选条件" in page.inner_text("#search-status")
    # Words found nowhere: the words are to blame, and there is nothing to clear.
    assert run_search(page, {"q": "火星 木星", "section": "cases"}) == []
    assert page.inner_text("#search-status").startswith("没有找到包含“火星 木星”的内容")
    assert page.is_hidden("#search-clear")
    assert not serious_violations(run_axe(page)) and not page.js_errors


def test_words_run_together_and_found_nowhere_are_searched_apart_and_the_page_says_so(sample_site, static_server,
                                                                                      page):
    # Readers of Chinese seldom type spaces: 兼职刷单 is in no item as written, though 兼职 and 刷单 are in several.
    page.goto(static_server(sample_site) + "search/")
    expected = reference_paths(sample_site, "兼职刷单")  # as the reference searches it: apart, as 兼职 刷单
    assert expected and expected == reference_paths(sample_site, "兼职 刷单")
    assert run_search(page, {"q": "兼职刷单"}) == ["/fzzl/" + path for path in expected]
    assert page.inner_text("#search-status").startswith("没有找到连在一起的“兼职刷单”，已分开搜索“兼职 刷单”。找到 ")
    assert page.inner_text(".search-result mark") in ("兼职", "刷单")  # the words apart are marked
    # Found as written (刷单返利), or short already (刷单 冒充): searched as typed, nothing said.
    for query in ("刷单返利", "刷单 冒充"):
        assert run_search(page, {"q": query}) == ["/fzzl/" + path for path in reference_paths(sample_site, query)]
        assert "分开搜索" not in page.inner_text("#search-status")
    # Apart too, found nowhere: the words as typed, not pairs cut by the machine (区块链挖矿 read “区块 链挖 矿”)
    assert run_search(page, {"q": "火星木星"}) == []
    assert page.inner_text("#search-status") == "没有找到包含“火星木星”的内容。请换个说法，或减少关键词。"
    assert page.evaluate("document.title").startswith("“火星木星”的搜索结果") and not page.js_errors
    # Cut where the pair side by side is rarest, so words of three survive: 银行卡冻结 read “银行 卡冻 结” and
    # found nothing, though 银行卡 冻结 finds several.
    expected = reference_paths(sample_site, "银行卡冻结")
    assert expected and expected == reference_paths(sample_site, "银行卡 冻结")
    assert run_search(page, {"q": "银行卡冻结"}) == ["/fzzl/" + path for path in expected]
    assert page.inner_text("#search-status").startswith("没有找到连在一起的“银行卡冻结”，已分开搜索“银行卡 冻结”。")
    # < > | part words as other punctuation does, as the reference splits them
    assert run_search(page, {"q": "刷单<返利"}) == ["/fzzl/" + path for path in reference_paths(sample_site, "刷单 返利")]
    assert "分开搜索" not in page.inner_text("#search-status")  # two words, not one run together


def test_a_question_found_nowhere_all_together_shows_the_items_with_most_of_its_words(sample_site, static_server,
                                                                                   page):
    # "Is this message I got a scam?": every word had to be in an item, so a reader's question found nothing.
    page.goto(static_server(sample_site) + "search/")
    for question, first in (("我在网上兼职刷单被骗了怎么办", "cases/2026-11-shuadan-like-task-freshmen/"),
                            ("游戏账号被盗", "cases/2025-03-game-account-trade/"),
                            ("学费被骗了", "cases/2026-11-shuadan-like-task-freshmen/")):
        expected = reference_paths(sample_site, question)
        found = run_search(page, {"q": question})
        assert found[0] == "/fzzl/" + first and found == ["/fzzl/" + path for path in expected[:10]], question
        status = page.inner_text("#search-status")
        assert status.startswith("没有同时包含全部词语的内容，以下是包含其中部分词语（“"), status
        words = status.split("（“")[1].split("”）")[0].split()
        assert words and all(word in question for word in words)
        marks = {m.inner_text() for m in page.query_selector_all(".search-result mark")}
        assert marks and marks <= set(words), (question, marks, words)
    assert not page.js_errors


def test_a_long_pasted_message_loads_at_most_sixteen_shards_and_still_finds_items(tmp_path, static_server, page):
    # A pasted message of 300 characters asked for 211 files (1.28 MB at 1,000 items) and found nothing.
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "120", str(tmp_path / "big")], check=True,
                   capture_output=True)
    out = tmp_path / "big" / "build"
    build(BuildOptions(site_dir=tmp_path / "big", out_dir=out, config_path=tmp_path / "big" / "fraudsite.yaml",
                       now=NOW))
    data = out / "search" / "data"
    assert read_meta(lambda path: json.loads((data / path).read_text(encoding="utf-8")))["shards"] > 2 * MAX_QUERY_SHARDS
    message = ("【校园通知】同学你好，因学校财务系统升级，本学期部分学生的学费缴纳记录异常，需要在今天下午五点前重新缴纳，"
               "逾期将影响学籍注册和期末考试资格。请添加财务处王老师微信，按照老师发送的二维码完成缴费，缴费后系统会自动"
               "退回之前多交的费用。为保护个人隐私，请勿将此消息转发给他人，也不要告诉辅导员，以免影响处理进度。如有疑问"
               "请拨打客服电话，工作人员会在线为你办理。温馨提示：本次缴费通道仅限今日开放，过期不候，请同学们抓紧时间办理。")
    page.goto(static_server(out) + "search/")
    shards: set[str] = set()
    page.on("request", lambda request: shards.add(request.url) if "/search/data/grams/" in request.url else None)
    found = run_search(page, {"q": message})
    assert found and found == ["/fzzl/" + path for path in reference_paths(out, message)[:10]]
    assert len(shards) <= MAX_QUERY_SHARDS, len(shards)
    assert page.inner_text("#search-status").startswith("输入的内容较长，只搜索了前面一部分。没有同时包含全部词语的内容")
    assert not page.js_errors


def test_a_fraud_type_filter_is_off_while_only_notices_are_searched(sample_site, static_server, page):
    base = static_server(sample_site)
    page.goto(base + "search/?q=%E5%AD%A6%E8%B4%B9&section=notices&type=tuition")  # 学费: notices have no type
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.is_disabled("#search-type") and page.input_value("#search-type") == ""
    assert "/fzzl/notices/2026-11-tuition-scam-urgent-alert/" in [
        unquote(urlsplit(a.get_attribute("href")).path) for a in page.query_selector_all(".search-result h2 a")]
    assert "type=" not in page.url
    page.select_option("#search-section", "cases")
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.is_enabled("#search-type")
    page.select_option("#search-type", "tuition")
    page.wait_for_selector("#search-app[data-state=done]")
    page.select_option("#search-section", "notices")  # choosing notices resets a type chosen before
    page.wait_for_selector("#search-app[data-state=done]")
    assert page.is_disabled("#search-type") and page.input_value("#search-type") == ""
    assert not page.js_errors


@pytest.mark.parametrize("amount", ["3,500", "３，５００", "3500"])
def test_an_amount_is_found_as_lists_show_it_with_thousands_separators(sample_site, static_server, page, amount):
    base = static_server(sample_site)
    page.goto(base + "search/")
    case = "/fzzl/cases/2026-11-shuadan-like-task-freshmen/"  # 被骗3500元
    assert run_search(page, {"q": amount}) == ["/fzzl/" + path for path in reference_paths(sample_site, "3500")]
    assert case in run_search(page, {"q": amount})
    assert page.inner_text(f".search-result:has(a[href='{case}']) .passage mark") == "3500"
    assert not page.js_errors


def test_addresses_quoted_words_and_whole_numbers_are_found_as_readers_type_them(tmp_path, static_server, page):
    # The index holds addresses as the pages show them (www[.]12321[.]cn), so a typed address found nothing; a
    # word in quotes or before a Chinese comma found nothing; 3500 also found the 23,500 case.
    site, out = copy_sample_content(tmp_path), tmp_path / "out"
    case = next((site / "content/cases").rglob("*fake-refund-customer-service.md"))
    case.write_text(case.read_text(encoding="utf-8") + "\n可登录 www.12321.cn 举报诈骗网站。\n\n对方先后转走 12,800 元。\n"
                    "\n对方先转走12,500元，" + "又" * 20 + "，还要再转500元。\n\n" + "😀" * 25 + "x独角兽关键词。\n",
                    encoding="utf-8")
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=NOW))
    page.goto(static_server(out) + "search/")
    slug = next(line.split(":", 1)[1].strip() for line in case.read_text(encoding="utf-8").splitlines()
                if line.startswith("slug:"))
    found = f"/fzzl/cases/{slug}/"
    for query in ("www.12321.cn", "12321.cn", "WWW.12321.CN"):
        assert run_search(page, {"q": query}) == [found], query
        assert "12321" in page.inner_text(f".search-result:has(a[href='{found}']) .passage mark")
    assert run_search(page, {"q": "http://xx-refund.example"}) == run_search(page, {"q": "xx-refund.example"}) != []
    assert run_search(page, {"q": "“刷单”"}) == run_search(page, {"q": "刷单"}) != []
    assert run_search(page, {"q": "学费，二维码"}) == run_search(page, {"q": "学费 二维码"})
    assert run_search(page, {"q": "刷单-返利"}) == run_search(page, {"q": "刷单/返利"}) == run_search(page, {"q": "刷单 返利"}) != []
    assert found not in run_search(page, {"q": "3500"}) and found in run_search(page, {"q": "23500"})
    assert found in run_search(page, {"q": "12800"})  # shown as written, and marked so
    assert page.inner_text(f".search-result:has(a[href='{found}']) .passage mark") == "12,800"
    assert "转走 12,800 元" in page.inner_text(f".search-result:has(a[href='{found}']) .passage")
    # The passage begins 30 characters before the match, which fell inside 12,500: its 500元 was marked too.
    assert found in run_search(page, {"q": "500元"})
    assert "12,500元" in page.inner_text(f".search-result:has(a[href='{found}']) .passage")
    assert page.locator(f".search-result:has(a[href='{found}']) .passage mark").all_inner_texts() == ["500元"]
    # Nor through an emoji, written as two UTF-16 units: its half showed as �.
    assert run_search(page, {"q": "独角兽关键词"}) == [found]
    passage = page.inner_text(f".search-result:has(a[href='{found}']) .passage")
    assert passage.startswith("…😀") and "\ufffd" not in passage
    for query in ("www.12321.cn", "“刷单”", "学费，二维码", "3500", "http://xx-refund.example"):
        assert run_search(page, {"q": query}) == ["/fzzl/" + path for path in reference_paths(out, query)], query
    assert not page.js_errors


def test_a_site_theme_search_page_without_the_clear_control_still_searches(tmp_path, static_server, page):
    """A site's own copy of search/search.html, made before 清除筛选条件 existed, must not stop the script."""
    site, out = copy_sample_content(tmp_path), tmp_path / "out"
    template = (REPO / "theme/templates/search/search.html").read_text(encoding="utf-8")
    own = template.replace('<p id="search-clear" class="search-clear" hidden><button type="button">清除筛选条件</button></p>', "")
    assert own != template
    (site / "theme/templates/search").mkdir(parents=True)
    (site / "theme/templates/search/search.html").write_text(own, encoding="utf-8")
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=NOW))
    page.goto(static_server(out) + "search/?q=冒充&type=loan")
    page.wait_for_selector("#search-app[data-state=done]")
    assert "不符合筛选条件" in page.inner_text("#search-status") and not page.js_errors


def test_an_open_search_page_searches_the_index_a_rebuild_put_in_its_place(tmp_path, static_server, page):
    # The site is rebuilt many times a day while readers keep the page open. It held the old meta file and then
    # fetched the new build's shards and item files by number: items numbered anew showed as other items, and what
    # the page had fetched before kept answering. Searches after a rebuild must give what a fresh page would.
    site, out = copy_sample_content(tmp_path), tmp_path / "out"

    def rebuild():
        build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=NOW))

    def expected(query: str) -> list[str]:
        return ["/fzzl/" + path for path in reference_paths(out, query)]

    rebuild()
    page.goto(static_server(out) + "search/")
    page.evaluate("window.notReloaded = true")
    before = run_search(page, {"q": "刷单"})
    assert before == expected("刷单")
    assert run_search(page, {"q": "三不原则"}) == expected("三不原则")  # nowhere all together: some of its words
    first = run_search(page, {"q": "的"})
    assert first == expected("的")[:10] and page.is_visible("#search-more")
    # An item older than every other: each item is numbered one higher than before.
    write(site, "content/cases/2019-01-oldest.md", """\
        ---
        id: case-oldest
        title: 最早的一起刷单案例
        date: 2019-01-02
        type: shuadan
        audience: [students]
        ---
        学生在网上找兼职，被要求先垫付刷单的货款。
        """)
    rebuild()
    # 显示更多结果 for the search shown before: its next items' files are gone, so it is searched again.
    page.click("#search-more")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 20")
    shown = [unquote(urlsplit(a.get_attribute("href")).path) for a in page.query_selector_all(".search-result h2 a")]
    assert shown == expected("的")[:20] and shown[:10] != first
    assert page.evaluate("document.activeElement.textContent") == page.inner_text(".search-result:nth-child(11) h2 a")
    assert run_search(page, {"q": "刷单"}) == expected("刷单") != before
    # An edit (the index patched, not made afresh): the words fetched before are found in the edited item.
    case = site / "content/cases/2024-03-shuadan-part-time-job.md"
    case.write_text(case.read_text(encoding="utf-8") + "\n牢记三不原则：不轻信、不透露、不转账。\n", encoding="utf-8")
    rebuild()
    found = run_search(page, {"q": "三不原则"})
    assert found == expected("三不原则") == ["/fzzl/cases/2024-03-shuadan-part-time-job/"]
    assert page.inner_text("#search-status") == "找到 1 条结果"
    assert page.evaluate("window.notReloaded") and not page.js_errors
    # Nothing failed but asking for the files the rebuild had replaced.
    assert all(bad.startswith("404 ") and "/fzzl/search/data/docs/" in bad for bad in page.bad_responses)


def test_a_query_whose_pairs_are_everywhere_but_whole_nowhere_loads_forty_items_not_the_whole_index(
        tmp_path, static_server, page):
    # 银行转账: its pairs are in almost every item of a large column, the whole in none; the page loaded and
    # checked every item's text (6 MB at 1,000 items, a minute on a slow phone) before saying so.
    subprocess.run([sys.executable, str(REPO / "bench" / "generate.py"), "120", str(tmp_path / "big")], check=True,
                   capture_output=True)
    out = tmp_path / "big" / "build"
    build(BuildOptions(site_dir=tmp_path / "big", out_dir=out, config_path=tmp_path / "big" / "fraudsite.yaml",
                       now=NOW))
    everywhere = reference_paths(out, "银行 转账")
    assert len(everywhere) > 80 and reference_paths(out, "银行转账") == everywhere  # the reference: apart too
    page.goto(static_server(out) + "search/")
    docs: list[str] = []
    page.on("request", lambda request: docs.append(request.url) if "/search/data/docs/" in request.url else None)
    # Found nowhere as written after forty items: searched apart, as the reference does
    assert run_search(page, {"q": "银行转账"}) == ["/fzzl/" + path for path in everywhere[:10]]
    assert page.inner_text("#search-status").startswith("没有找到连在一起的“银行转账”，已分开搜索“银行 转账”。")
    assert len(docs) <= 40 + 10, len(docs)  # the budget, then the first ten results of the words apart
    assert not page.js_errors


def test_words_that_cannot_be_cut_keep_their_candidates_after_the_budget_and_are_checked_on_request(
        tmp_path, static_server, page):
    # abcd: its pairs are in sixty items, the whole in one, the oldest, ranked last. After forty it was said to
    # be found nowhere; it is there.
    site = copy_sample_content(tmp_path)
    for number in range(60):
        write(site, f"content/cases/2020-01-pairs-{number:02d}.md", f"""\
            ---
            id: pairs-{number:02d}
            title: 第{number}起测试案例
            date: 2020-02-{number % 28 + 1:02d}
            type: shuadan
            audience: [students]
            ---
            编号 ab 与 bc 以及 cd 分开写。
            """)
    write(site, "content/cases/2019-01-whole.md", """\
        ---
        id: whole
        title: 最早的一起
        date: 2019-01-02
        type: shuadan
        audience: [students]
        ---
        编号 abcd 连在一起。
        """)
    out = tmp_path / "out"
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml", now=NOW))
    page.goto(static_server(out) + "search/")
    assert run_search(page, {"q": "abcd"}) == []
    status = page.inner_text("#search-status")
    assert status.startswith("在最相关的内容中暂未找到“abcd”，还有约 ") and "继续查找" in status
    page.click("#search-more")
    page.wait_for_selector(".search-result")
    assert [a.get_attribute("href") for a in page.query_selector_all(".search-result h2 a")] == [
        "/fzzl/" + path for path in reference_paths(out, "abcd")]
    assert page.inner_text("#search-status").startswith("找到 1 条结果") and not page.js_errors
