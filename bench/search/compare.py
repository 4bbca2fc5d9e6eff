"""Compare fraudsite's own search index with Pagefind on the committed queries, at three corpus sizes.

    .venv/bin/python bench/search/compare.py --pagefind /tmp/pf/bin/python   # measure, write results/, update README
    .venv/bin/python bench/search/compare.py --table                         # README table from results/ only

Both engines index the same plain text of the same published items (SearchDoc: title, summary, body).
Quality is judged against a plain substring scan (``naive_search``); bytes are what Chromium downloads
for one query with an empty cache, the results page showing its first ten results. Pagefind needs
``pip install 'pagefind[extended]'`` in any Python (a throwaway venv is fine); it is not a dependency.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(HERE))

from corpus import write_corpus

from fraudsite.build import BuildOptions, load_site, render_stream
from fraudsite.channels import search
from fraudsite.render import Copy, Deferred
from fraudsite.searchindex import SearchDoc, doc_path, find, fold, needle_forms, read_meta, run_query, split_terms
from fraudsite.theme import static_files
from tools import CHROMIUM, CHROMIUM_ARGS, serve_directory

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
QUERIES = HERE / "queries.yaml"
RESULTS = HERE / "results"
README = REPO / "README.md"
TABLE_START, TABLE_END = "<!-- search-bench:start -->", "<!-- search-bench:end -->"
CORPORA = {"sample": None, "1k": 1000, "10k": 10000}
SHOWN = 10


def load_queries() -> list[dict]:
    """The committed queries: q, optional section and type filters, expected paths on the sample site."""
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def naive_search(docs: list[SearchDoc], query: str, section: str = "", fraud_type: str = "") -> list[str]:
    """The obvious answer: every item containing every term, title (or type name) before summary before body, then
    current before expired, newest first."""
    terms = split_terms(query)
    scored = []
    for number, doc in enumerate(docs):
        if section and doc.section != section or fraud_type and doc.type != fraud_type:
            continue
        levels = []
        for term in terms:
            fields = (f"{doc.title} {doc.type_name}", doc.summary, f"{doc.body} {doc.details}")
            hits = [level for level, text in enumerate(fields)
                    if any(find(fold(text), form) >= 0 for form in needle_forms(term))]
            levels.append(hits[0] if hits else None)
        if terms and None not in levels:
            scored.append((sum(levels), doc.expired, number, doc.path))
    return [path for *_, path in sorted(scored)]


def site_docs(site_dir: Path) -> tuple[object, list[SearchDoc]]:
    """The site at NOW and its searchable documents."""
    site, _ = load_site(BuildOptions(site_dir=site_dir, out_dir=site_dir / "build", config_path=site_dir / "fraudsite.yaml",
                                     now=NOW))
    return site, [search.search_doc(item, site) for item in search.searchable(site)]


def write_own(site, site_dir: Path, out: Path) -> float:
    """The search page, its index and the theme's static files; returns seconds spent indexing and rendering."""
    started = time.perf_counter()
    planned = search.plan(site)  # a fresh index is built in the background: finished here
    outputs = (planned.finish() if isinstance(planned, Deferred) else planned) + [
        Copy(p, s) for p, s in static_files(site_dir).items()]
    files = dict(render_stream(outputs, site, site_dir))  # bytes, or the path of a file to copy
    seconds = time.perf_counter() - started
    for path, content in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.read_bytes())
    return seconds


PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta data-pagefind-filter="section[content]" content="{section}">{type_meta}</head>
<body><main data-pagefind-body><h1>{title}</h1><p>{summary}</p><div>{body}</div></main></body></html>
"""
HARNESS = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>pagefind</title></head><body>
<script type="module">
window.runSearch = async (query, filters, shown) => {
  const pagefind = await import("./pagefind/pagefind.js");
  const found = await pagefind.search(query, { filters });
  const top = await Promise.all(found.results.slice(0, shown).map((r) => r.data()));
  return { count: found.results.length, top: top.map((d) => d.url) };
};
window.allUrls = async (query, filters) => {
  const pagefind = await import("./pagefind/pagefind.js");
  const found = await pagefind.search(query, { filters });
  const urls = [];
  for (let i = 0; i < found.results.length; i += 50) {
    const batch = await Promise.all(found.results.slice(i, i + 50).map((r) => r.data()));
    urls.push(...batch.map((d) => d.url));
  }
  return urls;
};
window.ready = true;
</script></body></html>
"""


def write_pagefind(docs: list[SearchDoc], out: Path, python: str) -> float:
    """One plain page per document (same text as our index), then Pagefind's own indexer; returns its seconds."""
    for doc in docs:
        target = out / doc.path / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        type_meta = f'<meta data-pagefind-filter="type[content]" content="{doc.type}">' if doc.type else ""
        target.write_text(PAGE.format(title=escape(doc.title), summary=escape(doc.summary), body=escape(f"{doc.body} {doc.details}"),
                                      section=doc.section, type_meta=type_meta), encoding="utf-8")
    (out / "harness.html").write_text(HARNESS, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([python, "-m", "pagefind", "--site", str(out), "--glob", "{cases,notices}/**/*.html", "--quiet"],
                   check=True)
    return time.perf_counter() - started


def is_code(name: str) -> bool:
    """Scripts, styles and WebAssembly: loaded once, not part of the index."""
    return name.endswith((".js", ".css", ".wasm")) or name.startswith("wasm.")


def folder_size(root: Path) -> dict:
    """Bytes and file count of an index folder, and its gzip size (what a gzip-serving host would send)."""
    files = [p for p in root.rglob("*") if p.is_file() and not is_code(p.name)]
    raw = sum(p.stat().st_size for p in files)
    compressed = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files if p.suffix == ".json")
    compressed += sum(p.stat().st_size for p in files if p.suffix != ".json")
    return {"bytes": raw, "gzip_bytes": compressed, "files": len(files)}


class Downloads:
    """Bytes of every index file a page fetched (raw, and as gzip would send them) and of its search code."""

    def __init__(self, root: Path, data_prefix: str, code_prefix: str):
        self.root, self.data_prefix, self.code_prefix = root, data_prefix, code_prefix
        self.raw = self.gzip = self.code = self.requests = 0

    def record(self, response) -> None:
        path = unquote(urlsplit(response.url).path)
        if response.status != 200 or not path.startswith((self.data_prefix, self.code_prefix)):
            return
        body = (self.root / path.removeprefix("/fzzl/")).read_bytes()
        if is_code(path.rsplit("/", 1)[-1]):
            self.code += len(body)
            return
        self.requests += 1
        self.raw += len(body)
        self.gzip += len(gzip.compress(body, 6)) if path.endswith(".json") else len(body)


def measure_own(browser, base: str, root: Path, queries: list[dict]) -> list[dict]:
    """Type each query into the results page (fresh cache each time); bytes and the first page of results."""
    rows = []
    for query in queries:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        downloads = Downloads(root, "/fzzl/search/data/", "/fzzl/static/search/")
        page.on("response", downloads.record)
        params = "&".join(f"{k}={quote(query[k])}" for k in ("section", "type") if query.get(k))
        page.goto(base + "search/" + (f"?{params}" if params else ""))
        page.fill("#search-q", query["q"])
        page.press("#search-q", "Enter")
        page.wait_for_selector("#search-app[data-state=done], #search-app[data-state=error]")
        top = [unquote(urlsplit(a.get_attribute("href")).path)[len("/fzzl/"):]
               for a in page.query_selector_all(".search-result h2 a")]
        rows.append({"q": query["q"], "status": page.inner_text("#search-status"), "top": top,
                     "bytes": downloads.raw, "gzip_bytes": downloads.gzip, "code_bytes": downloads.code,
                     "requests": downloads.requests})
        context.close()
    return rows


def measure_pagefind(browser, base: str, root: Path, queries: list[dict]) -> list[dict]:
    """The same queries through Pagefind's JS API; bytes for results plus the data of the first ten."""
    rows = []
    for query in queries:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        downloads = Downloads(root, "/fzzl/pagefind/", "/fzzl/pagefind/")
        page.on("response", downloads.record)
        page.goto(base + "harness.html")
        page.wait_for_function("window.ready === true")
        filters = {k: query[k] for k in ("section", "type") if query.get(k)}
        found = page.evaluate("([q, f, n]) => window.runSearch(q, f, n)", [query["q"], filters, SHOWN])
        row = {"q": query["q"], "count": found["count"], "top": [u.removeprefix("/fzzl/") for u in found["top"]],
               "bytes": downloads.raw, "gzip_bytes": downloads.raw, "code_bytes": downloads.code,
               "requests": downloads.requests}
        page.on("response", lambda r: None)
        urls = page.evaluate("([q, f]) => window.allUrls(q, f)", [query["q"], filters])
        row["all"] = [u.removeprefix("/fzzl/") for u in urls]
        rows.append(row)
        context.close()
    return rows


def reference_results(data_dir: Path, query: dict) -> tuple[list[str], bool]:
    """Every result of our engine, through searchindex.run_query (what search.js does page by page), and whether
    they have only some of the words (the query found nowhere all together)."""
    def load(path: str):
        return json.loads((data_dir / path).read_text(encoding="utf-8"))

    found = run_query(query["q"], load, query.get("section", ""), query.get("type", ""))
    meta = read_meta(load)
    return [load(doc_path(meta, number))[0] for number in found.docs], bool(found.some)


def score(found: list[str], expected: list[str]) -> dict:
    """Recall, precision and whether the first page is in the expected order."""
    hits = len(set(found) & set(expected))
    return {"recall": hits / len(expected) if expected else 1.0,
            "precision": hits / len(found) if found else (1.0 if not expected else 0.0),
            "exact_set": set(found) == set(expected), "top_in_order": found[:SHOWN] == expected[:SHOWN]}


def run_corpus(name: str, size: int | None, queries: list[dict], work: Path, python: str, browser) -> dict:
    """Index one corpus both ways and measure every query."""
    site_dir = REPO if size is None else write_corpus(size, work / f"corpus-{name}")
    site, docs = site_docs(site_dir)
    own_root, pf_root = work / f"{name}-own", work / f"{name}-pagefind"
    own_seconds = write_own(site, site_dir, own_root)
    pf_seconds = write_pagefind(docs, pf_root, python)
    result = {"corpus": name, "items": len(docs),
              "own": {"index": folder_size(own_root / "search" / "data"), "seconds": round(own_seconds, 2)},
              "pagefind": {"index": folder_size(pf_root / "pagefind"), "seconds": round(pf_seconds, 2)}}
    with serve_directory(own_root) as own_base:
        own_rows = measure_own(browser, own_base, own_root, queries)
    with serve_directory(pf_root) as pf_base:
        pf_rows = measure_pagefind(browser, pf_base, pf_root, queries)
    for query, own, pagefind in zip(queries, own_rows, pf_rows):
        expected = naive_search(docs, query["q"], query.get("section", ""), query.get("type", ""))
        if size is None and expected != query["expect"]:
            raise SystemExit(f"queries.yaml is out of date for {query['q']!r}: the sample site now gives {expected}")
        reference, some = reference_results(own_root / "search" / "data", query)
        own["all"] = [] if some else reference  # items with some of the words, labelled so: none with every word
        own["browser_matches_reference"] = own["top"] == reference[:SHOWN]
        for row in (own, pagefind):
            found = row.pop("all")
            row.update(score(found, expected), expected=len(expected), found=len(found),
                       missing=sorted(set(expected) - set(found))[:10], extra=sorted(set(found) - set(expected))[:10])
    result["own"]["queries"], result["pagefind"]["queries"] = own_rows, pf_rows
    return result


def summarise(engine: dict) -> dict:
    """One table row's numbers."""
    rows = engine["queries"]
    return {"recall": statistics.mean(r["recall"] for r in rows), "precision": statistics.mean(r["precision"] for r in rows),
            "exact": sum(r["exact_set"] for r in rows), "ordered": sum(r["top_in_order"] for r in rows),
            "median_bytes": statistics.median(r["bytes"] for r in rows), "max_bytes": max(r["bytes"] for r in rows),
            "median_gzip": statistics.median(r["gzip_bytes"] for r in rows), "code": max(r["code_bytes"] for r in rows),
            "requests": statistics.median(r["requests"] for r in rows)}


def kb(value: float) -> str:
    """Bytes as KB with one decimal."""
    return f"{value / 1024:,.1f} KB"


def table(results: list[dict], count: int) -> str:
    """The README comparison table."""
    lines = [(f"| corpus | engine | exact result sets (of {count}) | first 10 in rank order | recall | precision | "
             "index size (gzip) | files | per query: data (gzip), median / max | requests | code (once) | indexing |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for engine, label in (("own", "fraudsite"), ("pagefind", "Pagefind 1.5 (extended)")):
            data, s = result[engine], summarise(result[engine])
            lines.append(
                f"| {result['corpus']} ({result['items']} items) | {label} | {s['exact']} | {s['ordered']} | "
                f"{s['recall']:.3f} | {s['precision']:.3f} | {kb(data['index']['bytes'])} ({kb(data['index']['gzip_bytes'])}) | "
                f"{data['index']['files']} | {kb(s['median_bytes'])} ({kb(s['median_gzip'])}) / {kb(s['max_bytes'])} | "
                f"{s['requests']:g} | {kb(s['code'])} | {data['seconds']:.1f} s |")
    return "\n".join(lines)


def write_expectations(docs: list[SearchDoc]) -> None:
    """Rewrite queries.yaml's expect lists from the sample site (review the diff before committing)."""
    header = [line for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    lines = list(header)
    for query in load_queries():
        lines.append(f'- q: "{query["q"]}"')
        lines += [f"  {key}: {query[key]}" for key in ("section", "type") if query.get(key)]
        expected = naive_search(docs, query["q"], query.get("section", ""), query.get("type", ""))
        lines += ["  expect:"] + [f"    - {path}" for path in expected] if expected else ["  expect: []"]
    QUERIES.write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_readme(results: list[dict], count: int) -> None:
    """Replace the table between the markers in README.md."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    README.write_text(text[:start] + "\n" + table(results, count) + "\n" + text[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pagefind", default=sys.executable, help="a Python with pagefind[extended] installed")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fraudsite-search-bench"), help="scratch folder")
    parser.add_argument("--corpora", default=",".join(CORPORA), help="which of sample,1k,10k to run")
    parser.add_argument("--table", action="store_true", help="only rebuild the README table from results/")
    parser.add_argument("--expect", action="store_true", help="rewrite queries.yaml's expected lists from the sample site")
    args = parser.parse_args()
    if args.expect:
        write_expectations(site_docs(REPO)[1])
        return
    queries = load_queries()
    names = [n for n in CORPORA if n in args.corpora.split(",")]
    if not args.table:
        from playwright.sync_api import sync_playwright

        RESULTS.mkdir(exist_ok=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name in names:
                result = run_corpus(name, CORPORA[name], queries, args.work, args.pagefind, browser)
                (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                      encoding="utf-8")
                print(table([result], len(queries)).splitlines()[-2:], flush=True)
            browser.close()
    results = [json.loads((RESULTS / f"{n}.json").read_text(encoding="utf-8")) for n in CORPORA
               if (RESULTS / f"{n}.json").exists()]
    update_readme(results, len(queries))
    print(table(results, len(queries)))


if __name__ == "__main__":
    main()
