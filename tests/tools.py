"""Test helpers shared by the whole suite (fixtures built on them live in conftest.py).

Tools outside Python (installed by `bash scripts/test.sh`):
  * Debian's Chromium at /usr/bin/chromium, driven by Playwright (never `playwright install`);
  * java + the Nu Html Checker from tests/js/node_modules/vnu-jar;
  * node + axe-core and acorn from tests/js/node_modules.
A missing tool skips the test locally but FAILS it in CI (see `require`).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
JS_DIR = REPO / "tests" / "js"
NODE_MODULES = JS_DIR / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
ACORN_DIR = NODE_MODULES / "acorn"

CHROMIUM = Path("/usr/bin/chromium")
# As root in this sandbox Chromium needs --no-sandbox; the network is closed except package registries,
# so everything that phones home is switched off (otherwise it floods refused connections / DNS failures).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

INSTALL_HINT = "run `bash scripts/test.sh` to install it"


def in_ci() -> bool:
    """True when the CI environment variable is set (CI=true, CI=1, ...), but not CI=false/0/empty."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(tool_description: str, available: bool) -> None:
    """Skip the current test if a tool is missing -- except in CI, where that is a failure.

    Tests must never skip silently in CI: a missing install step would otherwise look green.
    """
    if available:
        return
    if in_ci():
        pytest.fail(f"{tool_description} is required but missing in CI ({INSTALL_HINT})", pytrace=False)
    pytest.skip(f"{tool_description} is missing: {INSTALL_HINT}")


# --------------------------------------------------------------------------- running fraudsite


def run_fraudsite(*args: str | os.PathLike, cwd: str | os.PathLike | None = None,
                  timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m fraudsite ARGS` with this interpreter; output captured as UTF-8 text, never raises
    on a non-zero exit (check `.returncode`).

    Note: `-m` puts `cwd` first on sys.path, so a folder named `fraudsite/` inside cwd shadows the package.
    """
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}
    return subprocess.run(
        [sys.executable, "-m", "fraudsite", *map(str, args)],
        check=False, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", errors="replace",
        stdin=subprocess.DEVNULL, timeout=timeout,
    )


# --------------------------------------------------------------------------- static HTTP server

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    "": "application/octet-stream",
}


class BaseURL(str):
    """The served site's base URL (e.g. http://127.0.0.1:PORT/fzzl/), plus `.requests`:
    a list of (method, path, status) for every request, to assert e.g. that no asset was a 404."""

    requests: list[tuple[str, str, int]]
    root: Path


class _PrefixHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = CONTENT_TYPES
    prefix: ClassVar[str] = "/fzzl/"          # set per server by serve_directory
    log: ClassVar[list[tuple[str, str, int]]]  # set per server by serve_directory

    def send_head(self):
        path = urlsplit(self.path).path
        # Only the mount point is served; "/fzzl" (no slash) falls through and is redirected to "/fzzl/".
        if not (path.startswith(self.prefix) or path == self.prefix.rstrip("/")):
            self.send_error(404)
            return None
        return super().send_head()  # index.html for folders, 301 "dir" -> "dir/", 404 for missing files

    def translate_path(self, path):
        split = urlsplit(path)
        rest = split.path[len(self.prefix.rstrip("/")):] or "/"
        return super().translate_path(rest)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.log_request(code)
        self.send_response_only(code)
        self.send_header("Server", self.version_string())
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", CONTENT_TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code="-", size="-"):
        self.log.append((self.command, self.path, int(getattr(code, "value", code))))

    def log_message(self, format, *args):  # keep the test output clean
        pass


@contextlib.contextmanager
def serve_directory(root: str | os.PathLike, prefix: str = "/fzzl/") -> Iterator[BaseURL]:
    """Serve `root` at http://127.0.0.1:<free port><prefix> in a background thread.

    Like the real host: requests outside `prefix` are 404, missing files get `root/404.html` with status 404,
    folders serve index.html, and `<prefix>cases` redirects (301) to `<prefix>cases/`.
    """
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix must start and end with '/': {prefix!r}")
    root = Path(root).resolve()
    log: list[tuple[str, str, int]] = []
    handler = type("Handler", (_PrefixHandler,), {"prefix": prefix, "log": log})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {root}", daemon=True)
    thread.start()
    try:
        url = BaseURL(f"http://127.0.0.1:{server.server_address[1]}{prefix}")
        url.requests = log
        url.root = root
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- Nu Html Checker


def have_java() -> bool:
    return shutil.which("java") is not None


@functools.cache
def vnu_jar() -> Path | None:
    """Path of vnu.jar as exported by the vnu-jar package (its main module is the jar's path)."""
    pkg = NODE_MODULES / "vnu-jar"
    if not pkg.is_dir():
        return None
    if shutil.which("node"):
        out = subprocess.run(["node", "-p", "String(require('vnu-jar'))"], cwd=JS_DIR,
                             check=False, capture_output=True, text=True)
        if out.returncode == 0 and Path(out.stdout.strip()).is_file():
            return Path(out.stdout.strip())
    jar = pkg / "build" / "dist" / "vnu.jar"  # where the package keeps it
    return jar if jar.is_file() else None


def run_vnu(root: str | os.PathLike, *extra_args: str) -> list[dict]:
    """Check every *.html under `root` with the Nu Html Checker in ONE java run.

    Returns the error messages only (vnu type "error", plus "non-document-error" such as an unreadable
    file); warnings/info are dropped. Each message dict gets a "file" key relative to root.
    """
    require("java (default-jre-headless)", have_java())
    jar = vnu_jar()
    require("vnu.jar (tests/js: npm ci)", jar is not None)
    root = Path(root).resolve()
    files = sorted(root.rglob("*.html"))
    if not files:
        raise AssertionError(f"run_vnu: no *.html under {root}")
    proc = subprocess.run(
        ["java", "-jar", str(jar), "--format", "json", "--stdout", *extra_args, *map(str, files)],
        check=False, capture_output=True, text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=600,
    )
    try:
        messages = json.loads(proc.stdout)["messages"]
    except (ValueError, KeyError) as exc:
        raise AssertionError(f"vnu gave no JSON (exit {proc.returncode}): {proc.stdout}\n{proc.stderr}") from exc
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    for m in errors:
        url = m.get("url", "")
        path = Path(urlsplit(url).path) if url.startswith("file:") else None
        m["file"] = str(path.relative_to(root)) if path and path.is_relative_to(root) else url
    return errors


def format_vnu(errors: list[dict]) -> str:
    """One line per vnu error, for assertion messages."""
    return "\n".join(f"{e['file']}:{e.get('lastLine', '?')}: {e.get('message')} [{e.get('extract', '').strip()}]"
                     for e in errors)


# --------------------------------------------------------------------------- axe-core


def run_axe(page, context=None, options: dict | None = None) -> list[dict]:
    """Run axe-core in a Playwright page; returns its violations (each has id, impact, help, nodes ...).

    `context`/`options` are passed to axe.run (e.g. options={"runOnly": ["wcag2a", "wcag2aa"]}).
    The script is evaluated through the DevTools protocol, so a page's CSP cannot block it.
    """
    require("axe-core (tests/js: npm ci)", AXE_JS.is_file())
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    return page.evaluate(
        """async ([context, options]) => {
            const result = await axe.run(context || document, Object.assign({resultTypes: ['violations']}, options || {}));
            return result.violations;
        }""",
        [context, options],
    )


def serious_violations(violations: list[dict]) -> list[dict]:
    """Only violations with impact "serious" or "critical"."""
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def format_axe(violations: list[dict]) -> str:
    """One line per violation plus the first offending nodes, for assertion messages."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n.get("target", [])) for n in v.get("nodes", [])[:5])
        lines.append(f"{v['id']} ({v.get('impact')}): {v.get('help')} -> {targets}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- ES5 syntax (acorn)

_ACORN_SCRIPT = r"""
const acorn = require(process.argv[1]);
const source = require('fs').readFileSync(0, 'utf8');
try {
  acorn.parse(source, {ecmaVersion: 5, sourceType: 'script'});
} catch (e) {
  process.stdout.write(e.message);
  process.exit(1);
}
"""


def parse_es5(js_source: str, name: str = "<script>") -> None:
    """Parse `js_source` as an ES5 script with acorn; raise AssertionError with acorn's message
    (e.g. "Unexpected token (1:4)") if it is not valid ES5 -- old campus-screen browsers cannot run it."""
    node = shutil.which("node")
    require("node (nodejs)", node is not None)
    require("acorn (tests/js: npm ci)", (ACORN_DIR / "package.json").is_file())
    proc = subprocess.run([node, "-e", _ACORN_SCRIPT, str(ACORN_DIR)], input=js_source,
                          check=False, capture_output=True, text=True, encoding="utf-8", timeout=60)
    if proc.returncode == 1 and proc.stdout:
        raise AssertionError(f"{name} is not valid ES5: {proc.stdout}")
    if proc.returncode != 0:
        raise RuntimeError(f"acorn failed to run (exit {proc.returncode}): {proc.stderr}")
