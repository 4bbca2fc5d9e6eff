"""Bytes per query for several gram-shard sizes, simulated on the built index (no browser).

    .venv/bin/python bench/search/shard_sizes.py [--work /tmp/fraudsite-search-bench]

Counts what search.js fetches for the first page: current.json, the meta file, the shards of the query's keys and the
first ten results' item files. Uses the corpora compare.py generated (or generates them).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare
from corpus import write_corpus

from fraudsite import searchindex
from fraudsite.model import SECTION_NAMES

TARGETS = (4_000, 8_000, 16_000, 24_000)


def bytes_per_query(site, docs, target: int, queries: list[dict]) -> dict:
    """Shard count and median/max bytes (raw, gzip) over the queries for one shard size."""
    searchindex.SHARD_TARGET_BYTES = target
    index = searchindex.build_index(docs, list(SECTION_NAMES.items()), [(t.key, t.name) for t in site.config.types])
    raw, packed = [], []
    for query in queries:
        used: set[str] = set()

        def load(path: str, used: set[str] = used):
            used.add(path)
            return json.loads(index.files[path])

        found = searchindex.run_query(query["q"], load, query.get("section", ""), query.get("type", ""))
        meta = searchindex.read_meta(load)
        files = {p for p in used if not p.startswith("docs/")} | {searchindex.doc_path(meta, n) for n in found.docs[:10]}
        raw.append(sum(len(index.files[p]) for p in files))
        packed.append(sum(len(gzip.compress(index.files[p], 6)) for p in files))
    return {"shards": index.meta["shards"], "median": statistics.median(raw), "max": max(raw),
            "median_gzip": statistics.median(packed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/fraudsite-search-bench"))
    args = parser.parse_args()
    queries = compare.load_queries()
    print("| corpus | shard size | shards | per query median | max | median gzip |\n|---|---|---|---|---|---|")
    for name, size in compare.CORPORA.items():
        site_dir = compare.REPO
        if size is not None:
            site_dir = args.work / f"corpus-{name}"
            if not (site_dir / "content").is_dir():
                write_corpus(size, site_dir)
        site, docs = compare.site_docs(site_dir)
        for target in TARGETS:
            row = bytes_per_query(site, docs, target, queries)
            print(f"| {name} | {target // 1000} KB | {row['shards']} | {compare.kb(row['median'])} | "
                  f"{compare.kb(row['max'])} | {compare.kb(row['median_gzip'])} |", flush=True)


if __name__ == "__main__":
    main()
