"""Each helper in tools.py / conftest.py proven on a tiny hand-made site (not fraudsite's output)."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tools import (
    format_axe,
    format_vnu,
    parse_es5,
    require,
    run_axe,
    run_fraudsite,
    run_vnu,
    serious_violations,
    serve_directory,
)

GOOD_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>反诈宣传</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/fzzl/icon.svg"><link rel="stylesheet" href="/fzzl/style.css"></head>
<body><main><h1>警惕电信网络诈骗</h1><p>不听、不信、不转账。</p>
<p><a href="/fzzl/cases/">典型案例</a></p></main>
<script src="/fzzl/app.js"></script></body></html>
"""
CASES_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>典型案例</title><link rel="icon" href="/fzzl/icon.svg">
</head>
<body><main><h1>典型案例</h1></main></body></html>
"""
NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>页面不存在</title></head>
<body><main><h1>404 页面不存在</h1></main></body></html>
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "cases").mkdir(parents=True)
    files = {
        "index.html": GOOD_PAGE,
        "cases/index.html": CASES_PAGE,
        "404.html": NOT_FOUND_PAGE,
        "style.css": "body { font-family: sans-serif; margin: 2rem; }\n",
        "app.js": "var ready = true;\n",
        "feed.xml": '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"></rss>\n',
        "data.json": '{"标题": "反诈"}\n',
        "icon.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "poster.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    return root


def fetch(url: str, method: str = "GET"):
    """One request without following redirects -> (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- require


def test_require_skips_locally_and_fails_in_ci(monkeypatch):
    require("anything", True)  # available: no-op
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="frobnicator is missing"):
        require("frobnicator", False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="frobnicator is required but missing in CI"):
        require("frobnicator", False)


# ---------------------------------------------------------------- static server


def test_serve_directory_mimics_the_real_host(site):
    with serve_directory(site) as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/fzzl/")
        origin = base[: -len("/fzzl/")]

        status, headers, body = fetch(base)
        assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
        assert "警惕电信网络诈骗" in body.decode("utf-8")

        status, headers, _ = fetch(base + "cases")
        assert status == 301 and headers["location"] == "/fzzl/cases/"
        status, _, body = fetch(base + "cases/")
        assert status == 200 and "典型案例" in body.decode()
        assert fetch(origin + "/fzzl")[0] == 301

        for missing in (base + "nope.html", origin + "/", origin + "/index.html", origin + "/other/cases/"):
            status, headers, body = fetch(missing)
            assert status == 404, missing
            assert headers["content-type"] == "text/html; charset=utf-8"
            assert "页面不存在" in body.decode(), missing

        expected = {
            "style.css": "text/css; charset=utf-8",
            "app.js": "text/javascript; charset=utf-8",
            "feed.xml": "application/xml; charset=utf-8",
            "data.json": "application/json; charset=utf-8",
            "icon.svg": "image/svg+xml",
            "poster.pdf": "application/pdf",
        }
        for name, ctype in expected.items():
            status, headers, body = fetch(base + name)
            assert (status, headers["content-type"]) == (200, ctype), name
            assert body == (site / name).read_bytes()

        status, headers, body = fetch(base + "nope", method="HEAD")
        assert status == 404 and body == b""
        assert ("GET", "/fzzl/cases", 301) in base.requests

    with pytest.raises(OSError):  # stopped when the block ends
        fetch(base)


def test_serve_directory_without_404_page_and_other_prefix(tmp_path):
    (tmp_path / "index.html").write_text(CASES_PAGE, encoding="utf-8")
    with serve_directory(tmp_path, prefix="/") as base:
        assert fetch(base)[0] == 200
        assert fetch(base + "missing")[0] == 404


def test_static_server_fixture(static_server, site):
    base = static_server(site)
    assert fetch(base + "cases/")[0] == 200


# ---------------------------------------------------------------- browser + axe


def test_browser_renders_chinese_page(static_server, site, page, tmp_path):
    base = static_server(site)
    page.goto(base)
    assert page.title() == "反诈宣传"
    assert page.locator("h1").inner_text() == "警惕电信网络诈骗"
    assert page.evaluate("() => window.ready") is True  # the script ran
    page.click("text=典型案例")
    page.wait_for_url(base + "cases/")
    png = page.screenshot(path=tmp_path / "cases.png", full_page=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert page.js_errors == []
    assert page.bad_responses == []
    assert not [r for r in base.requests if r[2] >= 400]


def test_page_records_bad_responses(static_server, site, page):
    (site / "broken.html").write_text(
        '<!DOCTYPE html><title>x</title><link rel="stylesheet" href="/fzzl/missing.css">', encoding="utf-8")
    base = static_server(site)
    page.goto(base + "broken.html")
    assert page.bad_responses == [f"404 {base}missing.css"]
    assert page.js_errors == []


def test_page_collects_js_errors(static_server, tmp_path, page):
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><title>x</title><script>undefinedFunction();</script>', encoding="utf-8")
    page.goto(static_server(tmp_path))
    assert any("undefinedFunction" in e for e in page.js_errors), page.js_errors


def test_cjk_font_installed():
    fc_list = shutil.which("fc-list")
    require("fontconfig (fc-list)", fc_list is not None)
    fonts = subprocess.run([fc_list, ":lang=zh-cn", "family"], check=False, capture_output=True, text=True)
    families = fonts.stdout
    require("a Chinese font (apt package fonts-noto-cjk)", "Noto Sans CJK" in families)


def test_run_axe(static_server, site, page):
    (site / "bad.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>差</title></head>'
        '<body><img src="icon.svg"><a href="/fzzl/"></a></body></html>', encoding="utf-8")
    base = static_server(site)

    page.goto(base)
    violations = run_axe(page)
    assert serious_violations(violations) == [], format_axe(violations)

    page.goto(base + "bad.html")
    violations = run_axe(page)
    ids = {v["id"] for v in serious_violations(violations)}
    assert {"image-alt", "link-name", "html-has-lang"} <= ids, format_axe(violations)
    image_alt = next(v for v in violations if v["id"] == "image-alt")
    assert image_alt["impact"] == "critical" and image_alt["nodes"][0]["target"] == ["img"]
    # Running twice reuses the injected script; options reach axe.run.
    only = run_axe(page, options={"runOnly": ["image-alt"]})
    assert [v["id"] for v in only] == ["image-alt"]


def test_run_axe_despite_csp(static_server, tmp_path, page):
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'self'; script-src 'self'\">"
        "<title>CSP</title></head><body><main><h1>有 CSP 的页面</h1></main></body></html>", encoding="utf-8")
    page.goto(static_server(tmp_path))
    assert serious_violations(run_axe(page)) == []


# ---------------------------------------------------------------- vnu


def test_run_vnu(site):
    assert run_vnu(site) == [], "hand-written valid pages should pass"
    (site / "cases" / "broken.html").write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head>'
        "<body><p><div>块</div></p><span id=a></span><span id=a></span></body></html>", encoding="utf-8")
    errors = run_vnu(site)
    assert errors, "invalid page must produce errors"
    assert {e["file"] for e in errors} == {"cases/broken.html"}, format_vnu(errors)
    text = format_vnu(errors)
    assert "title" in text and "Duplicate ID" in text, text
    assert all(e["type"] == "error" for e in errors)


# ---------------------------------------------------------------- acorn


def test_parse_es5():
    assert parse_es5("var a = [1, 2]; function f(x) { return x + 1; }\n/* 反诈 */ var s = '中文';") is None
    for modern in ("const a = 1;", "var f = () => 1;", "var s = `t`;", "let x;", "class A {}"):
        with pytest.raises(AssertionError, match="not valid ES5"):
            parse_es5(modern, name="screen.js")
    with pytest.raises(AssertionError, match=r"screen\.js is not valid ES5: .*\(1:"):
        parse_es5("var f = () => 1;", name="screen.js")


# ---------------------------------------------------------------- run_fraudsite


def test_run_fraudsite_passes_args_cwd_and_utf8(tmp_path):
    # `python -m` looks in cwd first, so a stand-in package here proves what the helper passes.
    fake = tmp_path / "fraudsite"
    fake.mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    (fake / "__main__.py").write_text(
        "import json, os, sys\n"
        "print(json.dumps({'args': sys.argv[1:], 'cwd': os.getcwd()}, ensure_ascii=False))\n"
        "print('构建失败', file=sys.stderr)\n"
        "sys.exit(3)\n", encoding="utf-8")
    proc = run_fraudsite("build", "--out", tmp_path / "输出", cwd=tmp_path)
    assert proc.returncode == 3
    assert json.loads(proc.stdout) == {"args": ["build", "--out", str(tmp_path / "输出")], "cwd": str(tmp_path)}
    assert proc.stderr.strip() == "构建失败"
