"""The search index: Chinese substring matching, ranking, filters, safe JSON, and what never gets in."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsite.build import BuildOptions, build
from fraudsite.searchindex import (
    ENTRY,
    MAX_QUERY_SHARDS,
    NAME_LENGTH,
    Earlier,
    SearchDoc,
    bounded_terms,
    build_index,
    content_name,
    decode_postings,
    defang,
    doc_file,
    doc_grams,
    doc_kind,
    doc_path,
    dump_json,
    encode_postings,
    find,
    fold,
    gram_hash,
    needle_forms,
    read_meta,
    run_query,
    shard_path,
    some_words,
    split_names,
    split_terms,
    term_grams,
    update_index,
    words_apart,
)
from sitekit import build_site, copy_fixture, tree, write

TYPES = [("shuadan", "刷单返利"), ("fake-service", "冒充客服")]
SECTIONS = [("cases", "典型案例"), ("notices", "通知公告")]


def doc(title: str, summary: str = "", body: str = "", section: str = "cases", fraud_type: str = "shuadan",
        date: str = "2026-01-01") -> SearchDoc:
    """A search document with defaults for what a test does not care about."""
    return SearchDoc(f"{section}/{title}/", title, summary, body, date, section,
                     fraud_type if section == "cases" else "")


def search(docs: list[SearchDoc], query: str, **filters) -> list[str]:
    """Titles of the results, best first, through the index files (as the browser reads them)."""
    index = build_index(docs, SECTIONS, TYPES)
    result = run_query(query, lambda path: json.loads(index.files[path]), **filters)
    return [index.docs[number].title for number in result.docs]


def naive(docs: list[SearchDoc], query: str) -> list[str]:
    """The obvious answer: every doc containing every term, ranked by field, then by position (newest first)."""
    terms = split_terms(query)  # the rules of a term and of its match are the spec; the index is what is tested
    scored = []
    for number, d in enumerate(docs):
        levels = []
        for term in terms:
            fields = [i for i, text in enumerate((d.title, d.summary, d.body))
                      if any(find(fold(text), form) >= 0 for form in needle_forms(term))]
            levels.append(fields[0] if fields else None)
        if terms and None not in levels:
            scored.append((sum(levels), number, d.title))
    return [title for _, _, title in sorted(scored)]


CORPUS = [
    doc("兼职刷单返利骗局", body="先小额返利，再诱导垫资。"),
    doc("冒充快递客服退款", summary="自称客服，说可以退款。", fraud_type="fake-service"),
    doc("校园里的借贷陷阱", summary="园贷两个字不连在一起：校园生活、借贷。"),
    doc("开学交学费提醒", body="学费只通过官方平台缴纳，校园贷都是陷阱。", section="notices"),
    doc("点赞任务", summary="一种新型刷单。"),
    doc("老同学借钱", body="对方说自己在做刷单，让我垫付。"),
]


def test_two_character_query_finds_every_item_containing_it_as_a_substring():
    assert search(CORPUS, "刷单") == ["兼职刷单返利骗局", "点赞任务", "老同学借钱"]
    assert search(CORPUS, "单返") == ["兼职刷单返利骗局"]


def test_ranking_is_title_then_summary_then_body_and_newer_first_on_ties():
    docs = [doc("新闻一", body="客服"), doc("客服二"), doc("新闻三", summary="客服"), doc("客服四")]
    assert search(docs, "客服") == ["客服二", "客服四", "新闻三", "新闻一"]


def test_a_type_name_ranks_as_the_title_and_an_expired_notice_below_a_current_item():
    # 公检法 put an expired notice above the 冒充公检法 case; 刷单 the 刷单返利 case last of five.
    docs = [replace(doc("冬季讲座", body="谨防刷单返利。", section="notices"), expired=True),
            doc("家长会", body="刷单返利是诈骗。", section="notices"),
            doc("新闻", body="网上有人刷单返利。", fraud_type="fake-service", date="2025-01-01"),
            replace(doc("兼职被骗八千元", body="对方让他先垫付。", date="2024-01-01"), type_name="刷单返利")]
    for query in ("刷单", "刷单返利"):  # a key's postings, and the exact check of a longer word
        assert search(docs, query) == ["兼职被骗八千元", "家长会", "新闻", "冬季讲座"], query
    assert search(docs, "返利 垫付") == ["兼职被骗八千元"]


def test_longer_terms_are_checked_as_exact_substrings():
    # 校园 and 园贷 both occur in the third doc, but never 校园贷.
    assert search(CORPUS, "校园贷") == ["开学交学费提醒"]


def test_space_separated_words_narrow_the_results():
    assert search(CORPUS, "客服") == ["冒充快递客服退款"]
    assert search(CORPUS, "客服 退款") == ["冒充快递客服退款"]
    assert search(CORPUS, "刷单 垫") == ["兼职刷单返利骗局", "老同学借钱"]
    assert search(CORPUS, "火星 木星") == []


def test_a_query_found_nowhere_all_together_finds_the_items_with_most_of_its_rarest_words():
    # A reader's question or a pasted message: every word had to be in an item, so it found nothing.
    docs = [doc("怎么办", body="遇到问题怎么办。"), doc("兼职刷单被骗", body="网上兼职要小心。"), doc("刷单返利"),
            doc("无关", body="天气很好。")]
    index = build_index(docs, SECTIONS, TYPES)
    result = run_query("刷单 兼职 怎么办 火星", lambda path: json.loads(index.files[path]))
    assert result.some == ["刷单", "兼职", "怎么办"]  # 火星 is nowhere
    # Two of the words first; of those with one, the rarer word's (怎么办 is in one item, 刷单 in two)
    assert [index.docs[number].title for number in result.docs] == ["兼职刷单被骗", "怎么办", "刷单返利"]
    assert search(docs, "刷单 兼职 怎么办 火星", section="notices") == []
    # At most the six rarest words of two characters or more that some item has, in the query's order
    counts = {"我": 1, "刷单": 3, "被骗": 9, "网上": 5, "兼职": 2, "怎么办": 1, "火星": 0, "学生": 8, "老师": 7}
    assert some_words(list(counts), counts.__getitem__) == ["刷单", "网上", "兼职", "怎么办", "学生", "老师"]


def test_a_long_query_is_searched_as_far_as_sixteen_shards_of_keys_go():
    # A pasted message of 300 characters asked for 211 files at 1,000 items.
    long = "".join(chr(0x4E00 + 7 * n) for n in range(60))
    kept = bounded_terms(["刷单", long, "兼职"], 1000)
    assert kept[0] == "刷单" and len(kept) == 2 and long.startswith(kept[1]) and 10 < len(kept[1]) < 30

    def shards(terms: list[str]) -> int:
        return len({gram_hash(gram) % 1000 for term in terms for gram in term_grams(term)})

    assert shards(kept) == MAX_QUERY_SHARDS and shards([*kept, long[len(kept[1])]]) > MAX_QUERY_SHARDS
    assert bounded_terms(["刷单", long, "兼职"], 12) == ["刷单", long, "兼职"]  # a small index: every key is in reach
    assert bounded_terms(["刷单", "兼职"], 1000) == ["刷单", "兼职"]


def test_single_characters_full_width_letters_and_case_are_found():
    docs = [doc("下载APP领红包"), doc("ＡＰＰ大写全角"), doc("无关")]
    assert search(docs, "app") == ["下载APP领红包", "ＡＰＰ大写全角"]
    assert search(docs, "红") == ["下载APP领红包"]


def test_terms_with_punctuation_match_exactly():
    docs = [doc("拨打96110咨询"), doc("电话：0517-83550110"), doc("编号 0517 与 83550110 分开")]
    assert search(docs, "0517-83550110") == ["电话：0517-83550110"]


def test_filters_by_section_and_fraud_type():
    assert search(CORPUS, "学费") == ["开学交学费提醒"]
    assert search(CORPUS, "学费", section="cases") == []
    assert search(CORPUS, "客服", fraud_type="fake-service") == ["冒充快递客服退款"]
    assert search(CORPUS, "刷单", fraud_type="fake-service") == []
    assert search(CORPUS, "刷单", section="notices") == []


def test_empty_and_punctuation_only_queries_find_nothing():
    assert search(CORPUS, "   ") == []
    assert search(CORPUS, "，。") == []
    assert search(CORPUS, "刷单 ，") == search(CORPUS, "刷单")  # a stray comma does not empty the results


def test_amounts_are_found_with_or_without_thousands_separators():
    docs = [doc("被骗3500元"), doc("编号 3,50 与 2024,2025 年")]
    for query in ("3500", "3,500", "３，５００", "３５００"):
        assert search(docs, query) == ["被骗3500元"], query
    assert split_terms("1,000,000 元") == ["1000000", "元"]
    assert search(docs, "3,50") == ["编号 3,50 与 2024,2025 年"]  # not thousands: kept as typed
    assert search(docs, "2024,2025") == ["编号 3,50 与 2024,2025 年"]


def test_amounts_are_kept_as_written_and_found_without_separators():
    # The docs hold what results show: 3,500 as the page writes it, not 3500.
    docs = [doc("被骗3,500元", body="对方先后转走 12,800 元"), doc("被骗23,500元")]
    for query in ("3500", "3,500", "３５００"):
        assert search(docs, query) == ["被骗3,500元"], query
    assert search(docs, "12800") == search(docs, "转走 12,800") == ["被骗3,500元"]
    assert search(docs, "500") == search(docs, "280") == []  # part of a number


ALPHABET = "刷单客服退款校园贷ab1，"


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(st.tuples(*[st.text(ALPHABET, max_size=12)] * 3), min_size=1, max_size=8),
       query=st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=2))
def test_results_equal_a_plain_substring_scan(texts, query):
    # Found nowhere as written, the words apart (``words_apart``): then the scan's answer for those.
    docs = [doc(f"{n}{title}", summary, body) for n, (title, summary, body) in enumerate(texts)]
    index = build_index(docs, SECTIONS, TYPES)
    result = run_query(" ".join(query), lambda path: json.loads(index.files[path]))
    expected = naive(docs, " ".join(query))
    assert not (expected and result.apart)
    found = [index.docs[number].title for number in result.docs]
    if result.some:  # nothing with every word, apart either: the items with some of the words, most of them first
        assert not expected and not (result.apart and naive(docs, " ".join(result.apart)))
        assert set(found) == {title for word in result.some for title in naive(docs, word)}
        matched = [sum(title in naive(docs, word) for word in result.some) for title in found]
        assert matched == sorted(matched, reverse=True)
        return
    assert found == (naive(docs, " ".join(result.apart)) if result.apart else expected)


def folded_by_hand(char: str) -> str:
    """What matching treats a character as: full-width letters and digits as ASCII, letters in lower case."""
    if "０" <= char <= "９" or "ａ" <= char <= "ｚ":
        return chr(ord(char) - 0xFEE0)
    if "Ａ" <= char <= "Ｚ":
        return chr(ord(char) - 0xFEE0).lower()
    return char.lower() if "A" <= char <= "Z" else char


# The ends of each range folded and the characters just beyond them, then any text.
@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from("@AZ[`az{/09:ＡＺ［＠ａｚ｛｀０９／：ÄЖ刷单，　 \x00"), max_size=40) | st.text(max_size=40))
def test_folding_changes_only_letters_and_full_width_digits_in_place(text):
    assert fold(text) == "".join(map(folded_by_hand, text))


def test_postings_round_trip_and_hashes_are_stable():
    assert list(encode_postings([0 << 3 | 1, 5 << 3 | 4, 6 << 3 | 7])) == [1 << 3 | 1, 5 << 3 | 4, 1 << 3 | 7]  # gaps
    assert decode_postings(encode_postings([0 << 3 | 1, 5 << 3 | 4, 6 << 3 | 7])) == {0: 1, 5: 4, 6: 7}
    # FNV-1a 32-bit test vectors (code points equal bytes for ASCII); search.js computes the same.
    assert gram_hash("a") == 0xE40C292C and gram_hash("foobar") == 0xBF9CF968
    assert term_grams("校园贷") == ["校园", "园贷"]
    assert term_grams("a") == ["a"]


def test_json_is_safe_to_inline_in_html():
    text = dump_json(["</script><b>&", "\u2028\u2029"]).decode()
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == ["</script><b>&", "\u2028\u2029"]


def test_addresses_quoted_words_and_whole_numbers_are_found_as_readers_type_them():
    docs = [doc("举报渠道", body=defang("可登录 www.12321.cn 举报，或访问 pay-refund.example/x。", ("pay-refund.example/x",))),
            doc("被骗3500元", body="对方要求转账"), doc("被骗23500元", body="对方要求转账")]
    docs.append(doc("假退款", body=defang("短信里的链接 http://xx-refund.example/a", ("http://xx-refund.example/a",))))
    for query in ("www.12321.cn", "12321.cn", "pay-refund.example", "“举报”"):
        assert search(docs, query) == ["举报渠道"], query
    for query in ("http://xx-refund.example", "HTTP://XX-REFUND.EXAMPLE/a", "xx-refund.example"):  # pasted from an SMS
        assert search(docs, query) == ["假退款"], query
    assert search(docs, "3500") == search(docs, "3,500") == ["被骗3500元"]
    assert search(docs, "转账，3500") == ["被骗3500元"]  # a Chinese comma parts terms as a space does
    assert split_terms("“刷单” 《通知》 ＡＢＣ。") == ["刷单", "通知", "ＡＢＣ"]
    assert split_terms("刷单-返利 兼职/刷单 pay-refund.example/x") == ["刷单", "返利", "兼职", "pay-refund.example/x"]
    assert split_terms("刷单<返利|兼职＞<script>") == ["刷单", "返利", "兼职", "script"]


def test_addresses_are_defanged():
    assert defang("访问 http://pay.evil.example/x 或 www.evil.example") == "访问 hxxp://pay[.]evil[.]example/x 或 www[.]evil[.]example"
    assert defang("假网址 refund-evil.cn 已处理", ("refund-evil.cn",)) == "假网址 refund-evil[.]cn 已处理"
    assert defang("链接https://www.evil.example打开") == "链接hxxps://www[.]evil[.]example打开"  # no space before it
    assert defang("见www.evil.example") == "见www[.]evil[.]example" and defang("awww.b") == "awww.b"


# ------------------------------------------------------------------ the channel on a real build

SHANGHAI = ZoneInfo("Asia/Shanghai")


def write_site(root: Path) -> Path:
    """A small site with a published, a draft, a future, a withdrawn and an HTML-bearing item."""
    files = {
        "fraudsite.yaml": """\
            title: 测试专栏
            base_url: https://www.example.edu.cn/fzzl/
            """,
        "content/cases/published.md": """\
            ---
            id: c1
            title: 刷单返利公开案例
            date: 2026-01-05
            type: shuadan
            audience: [students]
            tags: [兼职]
            amount: 125000
            scam_urls: [evil-shop.example]
            ---
            骗子发来 **网址** http://evil-shop.example/pay 和 <em>evil-shop.example</em>，诱导垫付。
            """,
        "content/cases/draft.md": """\
            ---
            id: c2
            title: 刷单草稿案例
            date: 2026-01-06
            type: shuadan
            audience: [students]
            draft: true
            ---
            草稿正文。
            """,
        "content/cases/future.md": """\
            ---
            id: c3
            title: 刷单未来案例
            date: 2026-12-06
            type: shuadan
            audience: [students]
            ---
            未来正文。
            """,
        "content/notices/withdrawn.md": """\
            ---
            id: n1
            title: 刷单撤下通知
            date: 2026-01-04
            issuer: 保卫处
            withdrawn: true
            ---
            撤下正文。
            """,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def built_index(tmp_path: Path, **options) -> dict[str, bytes]:
    """Build the small site and return its search data files."""
    site = write_site(tmp_path / "site")
    out = tmp_path / "out"
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml",
                       now=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), **options))
    data = out / "search" / "data"
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(data.rglob("*.json"))}


def meta_of(files: dict[str, bytes]) -> dict:
    """The meta file of an index's files, parsed."""
    return read_meta(lambda path: json.loads(files[path]))


def doc_of(files: dict[str, bytes], number: int) -> list:
    """Item ``number``'s file of an index's files, parsed."""
    return json.loads(files[doc_path(meta_of(files), number)])


def test_words_run_together_and_found_nowhere_are_searched_apart():
    docs = [doc("兼职陷阱", body="先做兼职，再被要求刷单。"), doc("刷单返利", body="兼职刷单是诈骗。"),
            doc("讲座", body="兼职与刷单", section="notices")]
    index = build_index(docs, SECTIONS, TYPES)

    def query(text: str, **filters):
        result = run_query(text, lambda path: json.loads(index.files[path]), **filters)
        return [index.docs[number].title for number in result.docs], result.apart

    assert query("兼职刷单") == (["刷单返利"], [])  # found as written: as written
    assert query("刷单兼职") == (search(docs, "刷单 兼职"), ["刷单", "兼职"])  # nowhere as written: apart
    assert query("刷单兼职", section="notices") == (["讲座"], ["刷单", "兼职"])  # the filters apply to the words apart
    assert query("兼职刷单", section="notices") == ([], [])  # found, though hidden by the filters: not split
    assert query("兼职 火星")[1] == []  # short words only: nothing to split
    # Cut where the pair side by side is in the fewest items: words of two or three characters survive
    items = {"银行": 50, "行卡": 30, "卡冻": 0, "冻结": 12, "卡被": 4, "被骗": 40, "刷单": 9, "单诈": 0, "诈骗": 60,
             "骗案": 0, "职刷": 0, "兼职": 8}.get
    count = lambda pair: items(pair, 1)  # noqa: E731
    assert words_apart(["银行卡冻结"], count) == ["银行卡", "冻结"]  # not 银行 卡冻 结
    assert words_apart(["银行卡被骗"], count) == ["银行卡", "被骗"]  # 卡被 is rarer than 行卡
    assert words_apart(["刷单诈骗案", "QQ"], count) == ["刷单", "诈骗", "案", "QQ"]  # three: only at a pair found nowhere
    assert words_apart(["兼职刷单", "兼职"], count) == ["兼职", "刷单"]
    assert words_apart(["刷单"], count) is None and words_apart(["银行卡"], count) is None  # nothing to cut
    assert words_apart(["火星刷单"], lambda pair: 0) == ["火星", "刷单"]  # never into single characters


def test_the_labels_of_a_pages_details_are_no_words_of_the_index_and_passages_are_the_pages_text(tmp_path):
    # 面向, 标签, 发布单位 found every item (the index wrote 面向：家长, 标签：兼职), and a passage could show
    # "损失：125000元 诈骗类型：刷单返利 标签：兼职", which no page shows.
    site = write_site(tmp_path / "site")
    (site / "content/notices/withdrawn.md").write_text(textwrap.dedent("""\
        ---
        id: n1
        title: 关于假冒辅导员的提醒
        date: 2026-01-04
        issuer: 学生处
        audience: [parents]
        tags: [家校沟通]
        ---
        本提醒面向全校学生家长。
        """), encoding="utf-8")
    build(BuildOptions(site_dir=site, out_dir=tmp_path / "out", config_path=site / "fraudsite.yaml",
                       now=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)))
    data = tmp_path / "out" / "search" / "data"
    load = lambda path: json.loads((data / path).read_text(encoding="utf-8"))  # noqa: E731
    docs = [load(doc_path(read_meta(load), number)) for number in range(2)]

    def titles(query: str) -> list[str]:
        return [docs[number][1] for number in run_query(query, load).docs]

    for label in ("标签", "发布单位", "诈骗类型", "损失", "受众"):
        assert titles(label) == [], label
    assert titles("面向") == ["关于假冒辅导员的提醒"]  # in what the page says
    # The values are found, as the page shows them: readers look for what an office published (学生处) or what is
    # meant for them (家长), which were once in no index
    assert titles("家校沟通") == titles("学生处") == titles("家长") == ["关于假冒辅导员的提醒"]
    assert titles("兼职") == titles("在校生") == titles("125000") == ["刷单返利公开案例"]
    notice = next(doc for doc in docs if doc[0].startswith("notices/"))
    assert notice[3] == "本提醒面向全校学生家长。" and notice[9] == "家校沟通 学生处 家长"


def test_only_published_items_are_indexed_even_in_a_preview_build(tmp_path):
    files = built_index(tmp_path, drafts=True, future=True)
    result = run_query("刷单", lambda path: json.loads(files[path]))
    assert [doc_of(files, n)[1] for n in result.docs] == ["刷单返利公开案例"]
    assert meta_of(files)["count"] == 1
    everything = b"".join(files.values()).decode()
    for hidden in ("草稿", "未来", "撤下"):
        assert hidden not in everything


def test_index_holds_plain_text_and_no_live_addresses(tmp_path):
    files = built_index(tmp_path)
    body = doc_of(files, 0)[3]
    assert "网址 hxxp://evil-shop[.]example/pay 和 evil-shop[.]example" in body
    assert doc_of(files, 0)[9] == "12.5万元 125,000元 兼职 保卫处（无诈校园创建办公室） 在校生"  # the details: values, no labels
    # The loss as the case's card shows it finds it (12.5 万元), and as written (125,000), though the body never
    # gives the figure.
    for query in ("125,000", "12.5万元", "12.5 万元"):
        found = run_query(query, lambda path: json.loads(files[path])).docs
        assert [doc_of(files, n)[1] for n in found] == ["刷单返利公开案例"], query
    everything = b"".join(files.values()).decode()
    assert "<" not in everything and "evil-shop.example" not in everything and "http://" not in everything


def test_every_page_has_a_search_form_that_works_without_javascript(tmp_path):
    site = write_site(tmp_path / "site")
    out = tmp_path / "out"
    build(BuildOptions(site_dir=site, out_dir=out, config_path=site / "fraudsite.yaml",
                       now=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI)))
    for page in ("index.html", "cases/published/index.html", "archive/index.html", "404.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert re.search(r'<form class="site-search" action="/fzzl/search/" method="get" role="search">', html), page
        assert 'name="q"' in html
    results = (out / "search" / "index.html").read_text(encoding="utf-8")
    assert 'data-index="/fzzl/search/data/"' in results and 'aria-live="polite"' in results
    assert results.count('role="search"') == 1


def test_facets_are_one_character_per_item_and_a_list_when_types_run_out():
    index = build_index(CORPUS, SECTIONS, TYPES)
    assert index.meta["facets"] == "110121"  # numbered oldest first
    many = [(f"t{n}", f"类型{n}") for n in range(70)]
    docs = [doc("甲", fraud_type="t69"), doc("乙", section="notices")]
    index = build_index(docs, SECTIONS, many)
    assert index.meta["facets"] == [0, 70]
    assert [index.docs[n].title for n in run_query("甲", lambda p: json.loads(index.files[p]), fraud_type="t69").docs] == ["甲"]


def test_publishing_a_new_item_keeps_every_existing_item_file():
    before = build_index(CORPUS, SECTIONS, TYPES).files
    after = build_index([doc("新发布的刷单案例", date="2026-02-01"), *CORPUS], SECTIONS, TYPES).files
    old_docs = {path: data for path, data in before.items() if path.startswith("docs/")}
    assert {path: after[path] for path in old_docs} == old_docs
    assert {path for path in set(after) - set(before) if path.startswith("docs/")} == {
        doc_path(meta_of(after), len(CORPUS))}


def test_every_file_is_named_by_its_bytes_and_the_entry_names_the_meta_file():
    # A page that holds one build's meta file must never be handed another build's files under the names it asks
    # for: those a rebuild changes get other names (tested in a browser in test_search_browser.py).
    index = build_index(CORPUS, SECTIONS, TYPES)
    meta = meta_of(index.files)
    entry = json.loads(index.files[ENTRY])
    assert entry == {"meta": f"meta.{content_name(index.files[entry['meta']])}.json"}
    named = {shard_path(meta, n) for n in range(meta["shards"])} | {doc_path(meta, n) for n in range(meta["count"])}
    assert set(index.files) == {ENTRY, entry["meta"], *named}
    for path in named:
        assert path.split(".")[1] == content_name(index.files[path]) and len(path.split(".")[1]) == NAME_LENGTH
    assert [doc_path(meta, n) for n in range(3)] == [f"docs/{n}.{content_name(doc_file(d))}.json"
                                                    for n, d in enumerate(CORPUS[::-1][:3])]
    # Made again, the index is the same bytes: a build is deterministic.
    assert build_index(CORPUS, SECTIONS, TYPES).files == index.files


def patched(before: list[SearchDoc], after: list[SearchDoc]) -> tuple[dict[str, bytes], dict[str, bytes]] | None:
    """The files ``update_index`` writes for the edit ``before`` -> ``after``, and a fresh build of ``after``."""
    old = build_index(before, SECTIONS, TYPES)
    changed = [number for number, (b, a) in enumerate(zip(before[::-1], after[::-1])) if a != b]
    earlier = Earlier(split_names(old.meta["shard_names"]), old.total, {n: doc_grams(before[::-1][n]) for n in changed},
                      lambda n: json.loads(old.shards[n]))
    update = update_index([doc_kind(d) for d in after], SECTIONS, TYPES,
                          {n: doc_grams(after[::-1][n]) for n in changed}, earlier,
                          [content_name(doc_file(d)) for d in after[::-1]])
    return None if update is None else (old.files, update.files)


texts = st.text(alphabet="刷单返利客服退款学生ab1 。", max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(texts, texts, texts), min_size=1, max_size=8), st.data())
def test_patching_the_index_after_an_edit_gives_a_fresh_builds_files(fields, data):
    before = [doc(f"案{n}{title}", summary, body) for n, (title, summary, body) in enumerate(fields)]
    after = list(before)
    for number in data.draw(st.sets(st.integers(0, len(before) - 1), max_size=3)):
        after[number] = doc(f"案{number}" + data.draw(texts), data.draw(texts), data.draw(texts))
    result = patched(before, after)
    fresh = build_index(after, SECTIONS, TYPES).files
    if result is None:  # the shard count changed: the caller builds afresh
        assert build_index(before, SECTIONS, TYPES).meta["shards"] != meta_of(fresh)["shards"]
        return
    old, files = result
    # Every file it writes is the fresh build's (the meta file too, so it names each file as a fresh build does),
    # and every shard it leaves is already as the fresh build has it.
    assert {path: fresh[path] for path in files} == files
    assert {path: old[path] for path in fresh if path.startswith("grams/") and path not in files} == {
        path: fresh[path] for path in fresh if path.startswith("grams/") and path not in files}


def test_a_small_edit_patches_few_shards():
    def body(n: int) -> str:  # four hundred characters, different in each item
        return "".join(chr(0x4E00 + (n * 37 + i * 11) % 3000) for i in range(400))

    corpus = [doc(f"案例{n}", "摘要", body(n)) for n in range(300)]
    edited = list(corpus)
    edited[7] = doc("案例7", "摘要", body(7) + "，另加一句提醒")
    old, files = patched(corpus, edited)
    shards = meta_of(files)["shards"]
    assert shards > 20 and 1 < len(files) - 2 < shards / 4


def test_notice_badges_follow_the_build_clock_in_cold_and_incremental_builds(tmp_path):
    site = write_site(tmp_path / "site")
    write(site, "content/notices/urgent.md", """\
        ---
        id: n2
        title: 紧急提醒：近期冒充老师收学费
        date: 2026-02-20
        issuer: 保卫处
        expires: 2026-03-05
        priority: urgent
        ---
        有人冒充老师在家长群收取学费1,200元。
        """)
    out = tmp_path / "out"
    report = build_site(site, out, now="2026-03-01 09:00")
    data = out / "search" / "data"
    before = tree(data)
    notice = next(path for path, text in before.items() if b"notices/urgent/" in text)
    assert json.loads(before[notice])[3].startswith("有人冒充老师在家长群收取学费1,200元")  # as the page shows it
    assert json.loads(before[notice])[7:9] == [True, False]
    assert [json.loads(before[path])[7:9] for path in before if path.startswith("docs/") and path != notice] == [
        [False, False]]
    # The build says when its output next changes by the clock: the notice's expiry, which its document shows.
    moment = f"{report.next_change:%Y-%m-%d %H:%M}"
    assert moment == "2026-03-06 00:00"
    build_site(site, out, now=moment)
    after = tree(data)
    made = {path for path in after if after[path] != before.get(path)}  # no other file made again
    renamed = next(path for path in made if path.startswith("docs/"))
    assert made == {renamed, ENTRY, json.loads(after[ENTRY])["meta"]} and notice not in after
    assert renamed.split(".")[0] == notice.split(".")[0] and json.loads(after[renamed])[7:9] == [False, True]  # expired: no longer urgent
    cold = copy_fixture(tmp_path / "cold", site)
    build_site(cold, now=moment)
    assert tree(cold / "build" / "search" / "data") == after
