"""The preview's HTTP side: files of the current output under the base URL's sub-path, nothing else."""

from __future__ import annotations

import mimetypes
import socket
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from fraudsite.errors import Problem
from fraudsite.overlay import EPOCH_PATH, error_page, inject

LONG_POLL_SECONDS = 25.0
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".webmanifest": "application/manifest+json; charset=utf-8",
}


@dataclass(frozen=True)
class Snapshot:
    """What one request sees: a consistent view of the preview's state."""

    root: Path
    base_path: str
    epoch: int
    has_site: bool
    problems: tuple[Problem, ...]
    failure: str
    drafts: frozenset[str]
    notes: dict[str, tuple[Problem, ...]]  # page -> warnings of the item it shows


@dataclass
class PreviewState:
    """Shared by the build loop (writer) and request threads (readers); changed only under ``changed``."""

    root: Path
    base_path: str = "/"
    # Begun at the clock's milliseconds, not 0: a page left open while the preview restarted held the same epoch as
    # the new preview's first and never reloaded to the content edited meanwhile.
    epoch: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    has_site: bool = False
    problems: tuple[Problem, ...] = ()
    failure: str = ""
    drafts: frozenset[str] = frozenset()
    notes: dict[str, tuple[Problem, ...]] = field(default_factory=dict)
    stopping: bool = False
    changed: threading.Condition = field(default_factory=threading.Condition)

    def snapshot(self) -> Snapshot:
        """Everything a response needs, read at once."""
        with self.changed:
            return Snapshot(self.root, self.base_path, self.epoch, self.has_site, self.problems, self.failure,
                            self.drafts, self.notes)

    def publish(self, **values) -> None:
        """Change the state, bump the epoch and wake every waiting browser."""
        with self.changed:
            for name, value in values.items():
                setattr(self, name, value)
            self.epoch += 1
            self.changed.notify_all()

    def stop(self) -> None:
        """Release every long poll."""
        with self.changed:
            self.stopping = True
            self.changed.notify_all()

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until the epoch differs from ``since`` (or the timeout); return the current epoch."""
        with self.changed:
            self.changed.wait_for(lambda: self.epoch != since or self.stopping, timeout)
            return self.epoch


def below_base(raw_path: str, base: str) -> str | None:
    """The part of a request's path (as sent: a browser percent-encodes a sub-path's Chinese and spaces) below the
    base path (as configured, escaped or not), still as sent; None if the path is not below it."""
    wanted = [unquote(part) for part in base.split("/") if part]
    parts = raw_path.lstrip("/").split("/")
    if len(parts) <= len(wanted) or [unquote(part) for part in parts[:len(wanted)]] != wanted:
        return None
    return "/".join(parts[len(wanted):])


def safe_relative(raw_path: str) -> str | None:
    """The site-relative file path of a URL path below the mount point, or None if it tries to leave it.

    Percent-decoding comes first, so ``%2e%2e`` and ``%2f`` are judged as the ``..`` and ``/`` they are.
    """
    decoded = unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = decoded.split("/")
    if any(part in ("..", ".") or ":" in part for part in parts):
        return None
    joined = "/".join(part for part in parts if part)
    return joined + "/" if joined and decoded.endswith("/") else joined


def inside(root: Path, relative: str) -> Path | None:
    """The file for ``relative`` if it really lies inside ``root`` (symbolic links followed), else None."""
    root = root.resolve()
    target = (root / relative).resolve()
    return target if target == root or target.is_relative_to(root) else None


class PreviewServer(ThreadingHTTPServer):
    """A threaded HTTP server that knows the preview state."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: PreviewState):
        if ":" in address[0]:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)
        self.state = state

    def handle_error(self, request, client_address) -> None:
        """A browser that closed its connection is not an error worth printing."""
        import sys

        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the current output; the epoch endpoint for reloading browsers."""

    server: PreviewServer
    server_version = "fraudsite-preview"

    def do_GET(self) -> None:
        self.respond(send_body=True)

    def do_HEAD(self) -> None:
        self.respond(send_body=False)

    def log_message(self, format: str, *args) -> None:
        pass  # one line per rebuild in the terminal, not one per request

    def respond(self, send_body: bool) -> None:
        """Route one request."""
        url = urlsplit(self.path)
        if url.path == EPOCH_PATH:
            return self.long_poll(url.query, send_body)
        view = self.server.state.snapshot()
        base = view.base_path
        if unquote(url.path) in ("/", unquote(base).rstrip("/")) and unquote(url.path) != unquote(base):
            return self.redirect(quote(unquote(base)))
        below = below_base(url.path, base)
        if below is None:
            return self.not_found(view, send_body)
        try:
            relative = safe_relative(below)
        except UnicodeDecodeError:
            relative = None
        if relative is None:
            return self.send_bytes(HTTPStatus.FORBIDDEN, b"403 forbidden\n", "text/plain; charset=utf-8", send_body)
        if not view.has_site:
            return self.send_bytes(HTTPStatus.SERVICE_UNAVAILABLE, error_page(view.epoch, list(view.problems),
                                                                             view.failure), CONTENT_TYPES[".html"],
                                   send_body)
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        elif (view.root / relative).is_dir():
            return self.redirect(url.path + "/" + (f"?{url.query}" if url.query else ""))
        target = inside(view.root, relative)
        data = read_file(target, view.root) if target else None
        if data is None:
            return self.not_found(view, send_body)
        self.send_file(HTTPStatus.OK, relative, data, view, send_body)

    def long_poll(self, query: str, send_body: bool) -> None:
        """Answer when the site changes (or after a while): browsers reload when the number differs."""
        values = parse_qs(query).get("since", ["-1"])
        since = int(values[0]) if values[0].lstrip("-").isdigit() else -1
        epoch = self.server.state.wait_for_change(since, LONG_POLL_SECONDS)
        self.send_bytes(HTTPStatus.OK, str(epoch).encode("ascii"), "text/plain; charset=utf-8", send_body)

    def not_found(self, view: Snapshot, send_body: bool) -> None:
        """The site's own 404 page, as the real server sends it."""
        page = read_file(view.root / "404.html", view.root) if view.has_site else None
        if page is None:
            page = error_page(view.epoch, list(view.problems), view.failure) if not view.has_site else b"404 not found\n"
            content_type = CONTENT_TYPES[".html"] if not view.has_site else "text/plain; charset=utf-8"
            return self.send_bytes(HTTPStatus.NOT_FOUND, page, content_type, send_body)
        self.send_file(HTTPStatus.NOT_FOUND, "404.html", page, view, send_body)

    def send_file(self, status: HTTPStatus, relative: str, data: bytes, view: Snapshot, send_body: bool) -> None:
        """Send a file of the output; HTML gets the preview's additions."""
        content_type = content_type_of(relative)
        if content_type.startswith("text/html"):
            data = inject(data, view.epoch, list(view.problems), view.failure, relative in view.drafts,
                          wechat=relative.startswith("wechat/"), notes=view.notes.get(relative, ()))
        self.send_bytes(status, data, content_type, send_body)

    def send_bytes(self, status: HTTPStatus, data: bytes, content_type: str, send_body: bool) -> None:
        """Send a complete response that no browser caches."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def redirect(self, location: str) -> None:
        """A permanent-looking but uncached redirect (the mount point, folders without a slash)."""
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()


def content_type_of(relative: str) -> str:
    """The Content-Type of an output file, UTF-8 for text."""
    suffix = Path(relative).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(relative)[0] or "application/octet-stream"


def read_file(path: Path, root: Path) -> bytes | None:
    """A file's bytes, or None; waits out the microseconds in which a non-Linux swap has no output folder."""
    for _ in range(100):
        if root.is_dir():
            try:
                return path.read_bytes() if path.is_file() else None
            except OSError:
                return None
        time.sleep(0.01)
    return None
