"""The tag index in pinyin order, filed under letters, with each name's key kept between builds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from fraudsite import collate, parallel
from fraudsite.collate import OTHER, _readings, in_order, initial, names_coming, readings_ahead, sort_keys
from fraudsite.config import load_config
from fraudsite.content import load_content
from fraudsite.derived import DerivedStore, using
from sitekit import build_site, copy_sample_content

NOW = "2026-11-28 09:00"


def test_names_are_in_dictionary_order_by_reading_tone_and_then_letters():
    names = ["银行卡", "帅哥", "刷单", "两卡", "二维码", "安全账户", "APP推广", "代写", "代发", "96110", "“校园贷”",
             "绿色通道", "妈妈", "马上", "国家反诈中心APP", "QQ号", "三个100%"]
    assert in_order(names) == [
        "96110",  # digits before letters
        "安全账户", "APP推广",  # an1 < app: Latin letters file among the readings
        "代发", "代写",  # dai4 fa1 < dai4 xie3
        "二维码", "国家反诈中心APP", "两卡",
        "绿色通道",  # lü is lv: after liang, as dictionaries file it
        "妈妈", "马上",  # ma1 before ma3
        "QQ号", "三个100%",
        "刷单", "帅哥",  # shua before shuai
        "“校园贷”",  # quotation marks do not count
        "银行卡",  # 行 read háng in 银行, not xíng
    ]


def test_full_width_letters_numbers_and_the_columns_own_words_are_read_as_readers_read_them():
    # A Chinese input method in full-width mode types ＡＰＰ and ９６１１０; pypinyin reads 还款 hái kuǎn.
    assert in_order(["网贷还款", "海报", "孩子", "ＡＰＰ推广", "安全", "重置密码", "１０", "2", "９６１１０", "ｑｑ群", "群聊"]) == [
        "2", "１０", "９６１１０",  # numbers by their value
        "安全", "ＡＰＰ推广", "重置密码", "孩子", "海报", "ｑｑ群", "群聊", "网贷还款"]
    assert sort_keys(["还款"])["还款"] == ["huan2", "kuan3"]


def test_each_name_is_filed_under_its_first_letter_or_with_the_others():
    keys = sort_keys(["刷单", "APP推广", "96110", "？？"])
    assert {name: initial(key) for name, key in keys.items()} == {"刷单": "S", "APP推广": "A", "96110": OTHER,
                                                                  "？？": OTHER}


def test_a_name_seen_before_needs_no_pinyin_dictionary(monkeypatch):
    store = DerivedStore(None)
    with using(store):
        first = sort_keys(["刷单", "帅哥"])
    monkeypatch.setitem(sys.modules, "pypinyin", None)  # importing it would now fail
    store.start()
    with using(store):
        assert sort_keys(["帅哥", "刷单"]) == first


def test_the_tag_index_lists_tags_by_pinyin_under_letters_that_link_to_them(tmp_path):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    page = (site / "build/tags/index.html").read_text(encoding="utf-8")
    letters = re.findall(r'<a href="#(tags-\w+)">(\w)</a>', page)
    headings = re.findall(r'<h2 id="(tags-\w+)" class="tag-letter">(\w)</h2>', page)
    assert letters == headings and [letter for _, letter in letters] == sorted(letter for _, letter in letters)
    names = re.findall(r'<li><a href="[^"]*/tags/[^"]*/">([^<]+?) <span', page)
    assert len(names) > 20 and names == in_order(names)
    assert names.index("帮信罪") < names.index("代写")  # 帮 U+5E2E sorts after 代 U+4EE3 by code point


def test_pinyin_dictionaries_are_loaded_in_a_forked_process_not_in_the_builds(tmp_path):
    # Loaded in the build process they took 57 MB there, and in every worker forked after it.
    site = copy_sample_content(tmp_path)
    probe = ("import sys; from fraudsite.cli import main; code = main(sys.argv[1:]); "
             "print(code, 'pypinyin' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe, "build", str(site), "--now", NOW, "-q"], capture_output=True,
                            text=True, check=True, env={**os.environ, "FRAUDSITE_WORKERS": "2"})
    assert result.stdout.split("\n")[-2] == "0 False"
    assert "<h2 id=\"tags-S\"" in (site / "build/tags/index.html").read_text(encoding="utf-8")


def test_the_order_does_not_depend_on_pypinyins_switch_for_its_phrase_dictionary():
    # PYPINYIN_NO_PHRASES, read when pypinyin is imported, would make 银行 yín xíng; the store keeps keys
    # whatever the environment, so a build in one shell would file names differently from another's.
    code = "from fraudsite.collate import sort_keys; print(sort_keys(['银行卡'])['银行卡'])"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYPINYIN_NO_PHRASES": "1"}).stdout
    assert shown.strip() == "['yin2', 'hang2', 'ka3']"


def test_a_first_builds_names_are_read_by_the_process_forked_before_the_content_was_read(forking, monkeypatch):
    names = ["银行卡", "刷单", "帅哥", "ＡＰＰ推广"]
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        pid = collate._ahead[0].background.pid
        names_coming([*names, "刷单", "草稿里的标签"])  # every tag parsed, the drafts' too
        # Told, it reads them and ends while the build goes on (its memory with it), before they are asked for.
        assert _ends_unreaped(pid)
        # Asked only now, nothing more is forked: the keys come from that process.
        monkeypatch.setattr("fraudsite.parallel.in_background", None)
        keys = sort_keys(names)
    assert keys == {name: key for name, key in zip(names, _readings(names))}
    assert store.get("pinyin", "刷单") == ["shua1", "dan1"]


def test_the_reader_ahead_ends_once_told_however_many_names_a_site_has(forking):
    # Their keys are more than a pipe holds (64 KB): sent down one, they kept it waiting, pypinyin loaded.
    names = [f"第{number}号标签" for number in range(4000)]
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        pid = collate._ahead[0].background.pid
        names_coming(names)
        assert _ends_unreaped(pid)
        keys = sort_keys(names)
    assert keys["第3999号标签"] == ["di4", "3999".rjust(20, "0"), "hao4", "biao1", "qian1"]


def test_reading_the_content_tells_the_reader_ahead_every_tag(forking, tmp_path):
    site = copy_sample_content(tmp_path)
    config = load_config(site / "fraudsite.yaml")
    with readings_ahead(DerivedStore(None)):
        reader = collate._ahead[0]
        items = load_content(site, config).items
        assert reader.told and _ends_unreaped(reader.background.pid)
        tags = sorted({tag for item in items for tag in item.tags})
        assert len(tags) > 20 and reader.keys(["不会用到"]) == {name: key for name, key in zip(tags, _readings(tags))}


def test_a_first_build_has_its_tags_read_by_the_process_forked_as_it_began(forking, tmp_path, monkeypatch):
    def not_here(names):
        raise AssertionError(f"pinyin read after the content: {names}")

    site = copy_sample_content(tmp_path)
    monkeypatch.setattr(collate, "_readings", not_here)
    build_site(site, now=NOW)
    page = (site / "build/tags/index.html").read_text(encoding="utf-8")
    names = re.findall(r'<li><a href="[^"]*/tags/[^"]*/">([^<]+?) <span', page)
    monkeypatch.undo()
    assert len(names) > 20 and names == in_order(names)


def test_names_the_reader_ahead_was_not_told_are_read_another_way(forking, monkeypatch):
    elsewhere = []

    def readings(names):
        elsewhere.extend(names)
        return _readings(names)

    monkeypatch.setattr(collate, "_readings", readings)
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        names_coming(["刷单"])
        assert sort_keys(["帅哥", "刷单"]) == {"帅哥": ["shuai4", "ge1"], "刷单": ["shua1", "dan1"]}
    assert elsewhere == ["帅哥"]
    store = DerivedStore(None)
    with using(store), readings_ahead(store):  # never told: the first sort_keys tells it what it lacks
        monkeypatch.setattr("fraudsite.parallel.in_background", None)
        assert sort_keys(["帅哥"]) == {"帅哥": ["shuai4", "ge1"]}


def test_a_process_forked_after_the_reader_leaves_it_to_the_build(forking, monkeypatch):
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        # A worker forked meanwhile that wants keys reads them itself: it neither tells nor asks the build's reader.
        worker = parallel.in_background(lambda: (names_coming(["帅哥"]), sort_keys(["刷单"]))[1], 2, 2)
        assert worker() == {"刷单": ["shua1", "dan1"]}
        names_coming(["帅哥"])  # still the build's to tell, and still waiting
        monkeypatch.setattr("fraudsite.parallel.in_background", None)
        assert sort_keys(["帅哥"]) == {"帅哥": ["shuai4", "ge1"]}


def test_a_reader_forked_ahead_that_died_or_was_not_asked_leaves_no_process_and_no_gap(forking):
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        os.kill(collate._ahead[0].background.pid, signal.SIGKILL)
        assert sort_keys(["刷单"]) == {"刷单": ["shua1", "dan1"]}  # read another way
    with readings_ahead(DerivedStore(None)):
        pid = collate._ahead[0].background.pid
    with pytest.raises(ChildProcessError):  # reaped: cancelled on leaving, as when a build fails
        os.waitpid(pid, 0)
    assert not collate._ahead


def test_a_first_build_that_cannot_fork_the_reader_goes_on_without_it(forking, monkeypatch):
    open_files = len(os.listdir("/proc/self/fd"))

    def no_process():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_process)
    store = DerivedStore(None)
    with using(store), readings_ahead(store):
        assert not collate._ahead
        names_coming(["刷单"])
        assert sort_keys(["刷单"]) == {"刷单": ["shua1", "dan1"]}  # read here
    assert len(os.listdir("/proc/self/fd")) == open_files  # neither its messages nor its pipe left open


def _ends_unreaped(pid: int, seconds: float = 30) -> bool:
    """Whether the process ends (a zombie, left for its parent to reap) within ``seconds``; Linux's /proc, where
    builds fork."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rpartition(")")[2].split()[0] == "Z":
                return True
        time.sleep(0.02)
    return False


def test_only_a_first_build_forks_a_reader_ahead(forking, monkeypatch):
    store = DerivedStore(None)
    with using(store):
        sort_keys(["刷单"])
    with readings_ahead(store):
        assert not collate._ahead  # the store holds keys already: most names have one
    monkeypatch.setenv("FRAUDSITE_WORKERS", "1")
    with readings_ahead(DerivedStore(None)):
        assert not collate._ahead  # nothing is forked on one core
