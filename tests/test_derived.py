"""The derived store: WeChat articles and search documents are made once per item version, never trusted blindly."""

from __future__ import annotations

import json
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from fraudsite import derived, searchindex
from fraudsite.channels import search, wechat
from fraudsite.derived import DERIVED_FILE, DerivedStore, _index_of, remember_each, using
from fraudsite.model import pack, unpack
from sitekit import add_drill_notice, build_site, copy_sample_content, tree

NOW = "2026-11-28 09:00"
STORE = ".fraudsite-cache/" + DERIVED_FILE
SHUADAN = "content/cases/2024-03-shuadan-part-time-job.md"


def edit_shuadan(site: Path) -> None:
    """The edit these tests make: one figure in one case's body."""
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("三天内被骗8600元", "三天内被骗八千六百元"), encoding="utf-8")


def cold_build(site: Path, folder: Path) -> Path:
    """The site's sources built in ``folder`` with no output or cache; its output folder."""
    shutil.copytree(site / "content", folder / "content")
    shutil.copy(site / "fraudsite.yaml", folder / "fraudsite.yaml")
    build_site(folder, now=NOW)
    return folder / "build"


def search_files(out: Path) -> dict[str, bytes]:
    """The search page and index files of a built site."""
    return {path: data for path, data in tree(out).items() if path.startswith("search/")}


@pytest.fixture
def made(monkeypatch) -> dict[str, list[str]]:
    """The items whose article or search document was made (not taken from the store), by source path."""
    calls: dict[str, list[str]] = {"wechat": [], "search": []}
    make_article, search_doc = wechat.make_article, search.search_doc

    def counting_article(item, *args, **kwargs):
        calls["wechat"].append(item.source)
        return make_article(item, *args, **kwargs)

    def counting_doc(item, *args, **kwargs):
        calls["search"].append(item.source)
        return search_doc(item, *args, **kwargs)

    monkeypatch.setattr(wechat, "make_article", counting_article)
    monkeypatch.setattr(search, "search_doc", counting_doc)
    return calls


def test_an_edit_makes_only_that_items_article_and_search_document_again(tmp_path, made):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    published = len(made["wechat"])
    assert published >= 20 and len(made["search"]) >= 20 and (site / STORE).is_file()

    made["wechat"].clear(), made["search"].clear()
    edit_shuadan(site)
    build_site(site, now=NOW)
    assert made == {"wechat": [SHUADAN], "search": [SHUADAN]}
    assert "八千六百元" in (site / "build/wechat/cases/2024-03-shuadan-part-time-job/article.json").read_text()

    made["wechat"].clear(), made["search"].clear()
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("title: 示例职业技术学院", "title: 示例职业学院"),
                      encoding="utf-8")
    build_site(site, now=NOW)  # the configuration is part of every key
    assert len(made["wechat"]) == published


@pytest.mark.parametrize("damage", ["truncated", "flipped", "index", "garbage", "other-version", "empty"])
def test_a_damaged_or_foreign_store_is_remade_never_trusted(tmp_path, damage, made):
    site = copy_sample_content(tmp_path)
    build_site(site, tmp_path / "first", now=NOW)
    store = site / STORE
    data = store.read_bytes()
    entries, index_at, _file = _index_of(store)
    last = index_at - 100  # inside the last entry, an article
    # Whole and well-formed, but written by other code: only its stamp tells.
    other = json.dumps({"format": derived.FORMAT, "stamp": "0.0.1+0123456789abcdef", "entries": entries},
                       separators=(",", ":")).encode()
    damaged = {
        "truncated": data[: len(data) // 2],
        "flipped": data[:last] + bytes([data[last] ^ 0x40]) + data[last + 1:],
        "index": data[:-200] + bytes([data[-200] ^ 0x40]) + data[-199:],  # inside the index
        "garbage": b"\x00\xff not a store",
        "other-version": data[:index_at] + other + derived.TRAILER.pack(derived.MAGIC, index_at, len(other),
                                                                         zlib.crc32(other)),
        "empty": b"",
    }[damage]
    store.write_bytes(damaged)
    made["wechat"].clear(), made["search"].clear()
    build_site(site, tmp_path / "out", now=NOW)
    assert tree(tmp_path / "out") == tree(tmp_path / "first")
    assert made["wechat"] + made["search"], "a damaged entry must be made again"
    assert store.read_bytes() != damaged


def test_the_store_keeps_only_what_the_last_build_used(tmp_path):
    store = DerivedStore(tmp_path / DERIVED_FILE)

    with using(store):
        assert remember_each("kind", ["a", "b"], "inputs", str.upper, str, lambda entry, _item: entry) == ["A", "B"]
    store.save()
    again = DerivedStore(tmp_path / DERIVED_FILE)
    with using(again):  # "a" is stored; "c" is new; "b" is no longer used
        assert remember_each("kind", ["a", "c"], "inputs", lambda item: "fresh", str,
                             lambda entry, _item: entry) == ["A", "fresh"]
    again.save()
    third = DerivedStore(tmp_path / DERIVED_FILE)
    assert len(third._loaded()) == 2
    with using(third):  # "b" was dropped, so it is made again
        assert remember_each("kind", ["a", "b", "c"], "inputs", lambda item: "new", str,
                             lambda entry, _item: entry) == ["A", "new", "fresh"]


def test_only_a_clean_scan_of_the_same_bytes_and_rules_is_remembered(tmp_path):
    from fraudsite.errors import BuildFailed

    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)  # every item scanned clean and remembered
    path = site / SHUADAN
    clean = path.read_text(encoding="utf-8")
    path.write_text(clean.replace("三天内被骗8600元", "三天内被骗8600元，联系电话13812345678"), encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:
        build_site(site, now=NOW)
    assert [p.code for p in failure.value.problems if p.path == SHUADAN] == ["E601"]

    path.write_text(clean.replace("三天内被骗8600元", "三天内被骗8600元，编号 A7"), encoding="utf-8")
    build_site(site, now=NOW)  # clean again, remembered with these bytes
    config = site / "fraudsite.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "privacy:\n  student_number: 'A7'\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as failure:  # new rules: the remembered clean scan does not count
        build_site(site, now=NOW)
    assert any(p.path == SHUADAN and p.code.startswith("E6") for p in failure.value.problems)


def test_moving_front_matter_lines_makes_nothing_again(tmp_path, made):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    made["wechat"].clear(), made["search"].clear()
    path = site / SHUADAN
    path.write_text(path.read_text(encoding="utf-8").replace("---\n", "---\n# 编辑部备注：本篇已核对\n", 1),
                    encoding="utf-8")
    report = build_site(site, now=NOW)
    assert made == {"wechat": [], "search": []}  # only line numbers moved: no output shows them
    assert report.rendered == 0 and report.stats.written == 0


def test_a_damaged_index_shard_is_never_patched_into_the_search_index(tmp_path):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    store = site / STORE
    data = bytearray(store.read_bytes())
    entries, _index_at, _file = _index_of(store)
    shards = [(offset, length) for kind, _key, offset, length, _crc in entries if kind == search.SHARD]
    assert len(shards) >= 2
    for offset, length in shards:  # every shard the patch could read or keep
        data[offset + length // 2] ^= 0x40
    store.write_bytes(bytes(data))
    edit_shuadan(site)
    build_site(site, tmp_path / "new-out", now=NOW)  # a new folder: every shard file is made, none kept from OUT
    assert search_files(tmp_path / "new-out") == search_files(cold_build(site, tmp_path / "cold"))


def test_an_edit_scans_only_the_edited_item_for_personal_data(tmp_path, monkeypatch):
    from fraudsite import privacy

    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    scanned: list[str] = []
    scan_item = privacy.scan_item

    def counting(site_dir, item, *args, **kwargs):
        scanned.append(item.source)
        return scan_item(site_dir, item, *args, **kwargs)

    monkeypatch.setattr(privacy, "scan_item", counting)
    edit_shuadan(site)
    build_site(site, now=NOW)
    assert scanned == [SHUADAN]


def test_a_patched_index_built_into_a_new_folder_makes_every_file_from_the_store(tmp_path, made, monkeypatch):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    made["search"].clear()
    patches = []
    update_index = search.update_index
    monkeypatch.setattr(search, "update_index", lambda *args: patches.append(args) or update_index(*args))
    edit_shuadan(site)
    build_site(site, tmp_path / "new-out", now=NOW)  # OUT's files cannot be kept: each one is made
    assert len(patches) == 1 and made["search"] == [SHUADAN]  # patched: only the edited item's document made
    assert search_files(tmp_path / "new-out") == search_files(cold_build(site, tmp_path / "cold"))


def test_a_rebuild_with_the_same_content_leaves_the_store_file_alone(tmp_path):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    store = site / STORE
    before = store.stat()
    (site / ".fraudsite-cache/last-build.json").unlink()  # no record: the build runs every step
    build_site(site, now=NOW)
    after = store.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_publishing_an_item_makes_only_its_own_search_file(tmp_path, monkeypatch):
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    made: list[str] = []
    doc_file = searchindex.doc_file
    for module in (search, searchindex):  # an item file is made from a document in either
        monkeypatch.setattr(module, "doc_file", lambda doc: made.append(doc.path) or doc_file(doc))
    add_drill_notice(site)
    build_site(site, now=NOW)  # the items are numbered anew: a fresh index, the other files kept from OUT
    assert made == ["notices/new-drill/"]
    assert search_files(site / "build") == search_files(cold_build(site, tmp_path / "cold"))


def test_values_made_and_encoded_in_workers_are_taken_from_the_store_next_time(tmp_path, made, monkeypatch):
    site = copy_sample_content(tmp_path)
    monkeypatch.setenv("FRAUDSITE_WORKERS", "2")
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")
    build_site(site, now=NOW)  # articles, documents and QR codes made in forked workers, which encode them too
    monkeypatch.delenv("FRAUDSITE_WORKERS")
    monkeypatch.delenv("FRAUDSITE_PARALLEL_MINIMUM")  # the edit build here, where what it makes is counted
    # The content cache was written by a forked process, whole, before the build returned.
    cache = site / ".fraudsite-cache/content-cache.json"
    bodies = json.loads(cache.read_bytes().partition(b"\n")[2])["bodies"]
    assert len(bodies) >= 20 and not list(cache.parent.glob(".content-cache-*"))
    made["wechat"].clear(), made["search"].clear()
    edit_shuadan(site)
    build_site(site, now=NOW)
    assert made == {"wechat": [SHUADAN], "search": [SHUADAN]}  # every other value decoded from the workers' entries
    assert tree(site / "build") == tree(cold_build(site, tmp_path / "cold"))


@dataclass(frozen=True)
class Boxed:
    text: str


def test_a_value_asked_for_again_in_the_same_build_is_the_same_object_made_or_read_once(tmp_path, monkeypatch):
    # A preview's checks ask for every WeChat article its pages' planning made or read: a second copy of each
    # was held until the build ended (45 MB at 10,000 items).
    made: list[str] = []
    reads: list[str] = []

    def make(item: str) -> Boxed:
        made.append(item)
        return Boxed(item.upper())

    def decode(entry: str, _item: str) -> Boxed:
        return Boxed(entry)

    def values(store: DerivedStore) -> list[list[Boxed]]:
        with using(store):
            return [remember_each("kind", ["a", "b"], "inputs", make, lambda value: value.text, decode)
                    for _ in range(2)]

    first, again = values(store := DerivedStore(tmp_path / DERIVED_FILE))
    assert made == ["a", "b"] and all(one is other for one, other in zip(first, again))
    with using(store, begin=False):  # asked for by another maker (another shape under the same key): its own value
        other = remember_each("kind", ["a"], "inputs", make, lambda value: value.text, lambda entry, _item: entry)
    assert other == ["A"] and made == ["a", "b"]
    store.save()
    get = DerivedStore.get
    monkeypatch.setattr(DerivedStore, "get", lambda self, kind, key: reads.append(key) or get(self, kind, key))
    first, again = values(DerivedStore(tmp_path / DERIVED_FILE))  # the next build: read from the file
    assert made == ["a", "b"] and len(reads) == 2 and all(one is other for one, other in zip(first, again))
    assert [value.text for value in again] == ["A", "B"]


def test_a_last_save_writes_what_any_save_does_without_reading_it_back(tmp_path):
    path = tmp_path / DERIVED_FILE
    store = DerivedStore(path)
    with using(store):
        remember_each("kind", ["a", "b"], "inputs", str.upper, str, lambda entry, _item: entry)
    store.save(last=True)
    assert not store.dirty and all(isinstance(blob, bytes) for blob in store.blobs.values())  # not mapped again
    with using(store):  # used after all: a save still leaves the file whole, written afresh from memory
        remember_each("kind", ["a", "b", "c"], "inputs", str.upper, str, lambda entry, _item: entry)
    store.save()
    again = DerivedStore(path)
    with using(again):
        assert remember_each("kind", ["a", "b", "c"], "inputs", lambda item: "fresh", str,
                             lambda entry, _item: entry) == ["A", "B", "C"]


def test_a_save_appends_what_is_new_and_writes_the_file_afresh_when_it_is_mostly_unused(tmp_path):
    import hashlib
    import os

    path = tmp_path / DERIVED_FILE
    made: list[str] = []

    def big(item: str) -> str:  # about 400 kB compressed: hexadecimal noise
        made.append(item)
        return "".join(hashlib.sha256(f"{item}{n}".encode()).hexdigest() for n in range(12_500))

    def build(items: list[str]) -> list[str]:
        store = DerivedStore(path)
        with using(store):
            values = remember_each("kind", items, "inputs", big, str, lambda entry, _item: entry)
        store.save()
        return values

    g = big("g")
    first = build(["a", "b", "c", "d", "e", "f"])
    before = os.stat(path)
    made.clear()
    assert build(["a", "b", "c", "d", "e", "f", "g"]) == [*first, g] and made == ["g"]
    after = os.stat(path)
    assert after.st_ino == before.st_ino and 0 < after.st_size - before.st_size < before.st_size / 4  # appended
    made.clear()
    assert build(["g", "a", "b"]) == [g, *first[:2]] and not made  # read back from the appended file
    assert os.stat(path).st_ino == before.st_ino
    assert build(["a"]) == first[:1] and not made
    assert os.stat(path).st_ino != after.st_ino and os.stat(path).st_size < before.st_size / 3  # written afresh
    assert build(["a", "b"]) == first[:2] and made == ["b"]


def mapped_kb(path: Path) -> int:
    """How much of ``path``, memory-mapped, this process has in memory (RSS of its mappings, in kB)."""
    total, ours = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's first line: its address range, ..., its file
            ours = len(head) >= 6 and head[5] == str(path)
        elif ours and head[:1] == ["Rss:"]:
            total += int(head[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="reads Linux's /proc to see what is mapped")
def test_entries_read_from_the_store_file_do_not_stay_in_memory(tmp_path):
    import os

    path = tmp_path / DERIVED_FILE
    store = DerivedStore(path)
    for number in range(2_000):  # 8 MB of entries that do not compress
        store.put_bytes("kind", str(number), os.urandom(4096))
    store.save()
    reopened = DerivedStore(path)
    assert len(reopened.get_bytes("kind", "0")) == 4096  # the file is mapped now
    for number in range(2_000):
        assert reopened.get_bytes("kind", str(number)) is not None
    # every entry was read from the map; what stays mapped is what the last few entries read brought in
    assert mapped_kb(path) < 2_000, mapped_kb(path)


def test_a_store_whose_last_save_was_cut_short_counts_as_empty(tmp_path):
    site = copy_sample_content(tmp_path)
    build_site(site, tmp_path / "first", now=NOW)
    edit_shuadan(site)
    build_site(site, now=NOW)  # appended to the store
    store = site / STORE
    store.write_bytes(store.read_bytes()[:-7])  # the end of that save never reached the disk
    build_site(site, tmp_path / "again", now=NOW)
    assert tree(tmp_path / "again") == tree(cold_build(site, tmp_path / "cold"))


def test_an_append_cut_short_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    import errno
    import os

    from fraudsite import derived

    path = tmp_path / DERIVED_FILE
    store = DerivedStore(path)
    with using(store):
        remember_each("kind", ["a", "b"], "inputs", str.upper, str, lambda entry, _item: entry)
    store.save()
    before = path.read_bytes()
    again = DerivedStore(path)
    with using(again):
        remember_each("kind", ["a", "b", "c"], "inputs", str.upper, str, lambda entry, _item: entry)

    def full_disk(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(derived, "_index_bytes", full_disk)
    again.save()  # an optimisation: the build goes on
    monkeypatch.undo()
    assert path.read_bytes() == before and os.stat(path).st_size == len(before)
    third = DerivedStore(path)
    with using(third):  # the entries written before are all still there
        assert remember_each("kind", ["a", "b"], "inputs", lambda item: "made", str,
                             lambda entry, _item: entry) == ["A", "B"]


def test_a_kind_that_packs_its_own_entries_gets_them_back_and_remakes_a_bad_one(tmp_path):
    store = DerivedStore(tmp_path / DERIVED_FILE)
    made: list[str] = []

    def make(item: str) -> str:
        made.append(item)
        return item.upper()

    def remember(items: list[str]) -> list[str]:
        return remember_each("kind", items, "inputs", make, pack, lambda blob, _item: unpack(blob), packed=True)

    with using(store):
        assert remember(["a", "b"]) == ["A", "B"]
    store.save()
    again = DerivedStore(tmp_path / DERIVED_FILE)
    blobs = again._loaded()
    name = next(iter(blobs))
    blobs[name] = b"not packed"  # a blob of another shape (its checksum passed): made again, not a failed build
    again.unchecked.pop(name, None)
    made.clear()
    with using(again):
        assert remember(["a", "b"]) == ["A", "B"]
    assert len(made) == 1


def test_a_stored_search_document_of_another_shape_is_made_again_not_a_failed_build(tmp_path, made):
    # The builder decodes each stored document itself (the build process hands it the entries as stored):
    # one it cannot read is made again there, as remember_each does for every other kind.
    site = copy_sample_content(tmp_path)
    build_site(site, now=NOW)
    store = DerivedStore(site / STORE)
    state = store.get(*search.STATE)
    damaged = state["docs"][0]  # the oldest item's document
    store.put_blob("search", damaged, derived.blob_of({"doc": {"path": "x"}}))
    store.put(*search.STATE, None)  # no index to patch: the next build makes it afresh from the stored entries
    store.used.update(store._loaded())  # every other entry kept
    store.save()
    made["search"].clear()
    build_site(site, tmp_path / "again", now=NOW)
    assert len(made["search"]) == 1  # that document alone, in the builder
    assert search_files(tmp_path / "again") == search_files(cold_build(site, tmp_path / "cold"))
