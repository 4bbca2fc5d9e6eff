"""Search in a real browser: the committed queries typed into /fzzl/search/ on the sample site, and failures."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import yaml

from fraudsite.build import BuildOptions, build
from fraudsite.searchindex import fold, run_query
from sitekit import copy_sample_content
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


def reference_paths(out: Path, query: str) -> list[str]:
    """Every result the reference implementation (searchindex.run_query) gives on the built index."""
    data = out / "search" / "data"

    def load(path: str):
        return json.loads((data / path).read_text(encoding="utf-8"))

    return [load(f"docs/{number}.json")[0] for number in run_query(query, load).docs]


def run_search(page, query: dict) -> list[str]:
    """Set the filters, type the words, press Enter; the result paths once the search has finished."""
    page.select_option("#search-section", query.get("section", ""))
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
        assert found == ["/fzzl/" + path for path in expected], query
        status = page.inner_text("#search-status")
        if expected:
            assert status == f"找到 {len(expected)} 条结果", query
            marks = {fold(m.inner_text()) for m in page.query_selector_all(".search-result mark")}
            assert marks <= {fold(term) for term in query["q"].split()} and marks, query
        else:
            assert status.startswith("没有找到"), query
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


def test_search_script_is_plain_es5():
    parse_es5((REPO / "theme" / "static" / "search" / "search.js").read_text(encoding="utf-8"), "search.js")
