"""Shared fixtures. Helpers (run_vnu, run_axe, parse_es5, run_fraudsite, serve_directory, require)
live in tests/tools.py: `from tools import ...` works because pytest puts this folder on sys.path."""

from __future__ import annotations

import contextlib
import shutil
import signal

import pytest
from hypothesis import settings

from sitekit import FIXTURE, SAMPLE, fork_as_on_two_cores, stamps
from tools import CHROMIUM, CHROMIUM_ARGS, in_ci, require, serve_directory

# No time limit on an example: speed is the benchmark's to judge, and with two test processes on two cores a slow
# moment failed a property test that had found nothing wrong (DeadlineExceeded).
settings.register_profile("fraudsite", deadline=None)
settings.load_profile("fraudsite")


def pytest_report_header(config):
    found = {name: bool(shutil.which(name)) for name in ("java", "node")}
    found["chromium"] = CHROMIUM.exists()
    missing = [name for name, ok in found.items() if not ok]
    return [f"CI={in_ci()}; external tools missing: {', '.join(missing) or 'none'}"]


@pytest.fixture(scope="session", autouse=True)
def sites_in_the_repository_stay_as_they_were():
    """Tests build private copies of the fixture and sample sites (``sitekit.copy_fixture``): a build of one in
    place leaves its cache there, and the next test, or the next run, would start from it."""
    # The sample site is the repository, which a developer may build meanwhile: only a first build shows there.
    watched = [FIXTURE / ".fraudsite-cache", FIXTURE / "build"] + [
        folder for folder in (SAMPLE / ".fraudsite-cache", SAMPLE / "build") if not folder.exists()]

    def state():
        return {str(folder): stamps(folder) for folder in watched if folder.is_dir()}

    before = state()
    yield
    assert state() == before, "a test built a site of the repository in place; build a copy (copy_fixture)"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium launched headless by Playwright (sync API), shared by the whole session."""
    require(f"Chromium at {CHROMIUM} (apt package chromium)", CHROMIUM.exists())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require("playwright (pip install -e '.[test]')", False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """Factory: new_page(**context_options) -> a page in a fresh browser context (closed after the test),
    e.g. new_page(viewport={"width": 1920, "height": 1080}) for a campus screen.
    Collected on the page for assertions (lists of str):
      page.js_errors      uncaught exceptions and console.error() messages;
      page.bad_responses  "STATUS URL" for every response >= 400 (missing CSS, images, scripts ...)."""
    contexts = []

    def make(**context_options):
        context = browser.new_context(**{"locale": "zh-CN", **context_options})
        contexts.append(context)
        page = context.new_page()
        page.js_errors, page.bad_responses = [], []
        page.on("pageerror", lambda exc: page.js_errors.append(f"pageerror: {exc}"))

        def on_console(msg):
            # Chromium also logs every failed load as a console error; those go to bad_responses instead.
            if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
                page.js_errors.append(f"console: {msg.text}")

        page.on("console", on_console)
        page.on("response", lambda r: r.status >= 400 and page.bad_responses.append(f"{r.status} {r.url}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh page (Playwright's default 1280x720 viewport, locale zh-CN); see new_page."""
    return new_page()


@pytest.fixture
def static_server():
    """Factory: static_server(root, prefix="/fzzl/") -> base URL (see tools.serve_directory);
    every server is stopped at the end of the test."""
    with contextlib.ExitStack() as stack:
        yield lambda root, prefix="/fzzl/": stack.enter_context(serve_directory(root, prefix))


@pytest.fixture(scope="session", autouse=True)
def children_take_ctrl_c():
    """A suite started in the background (``nohup``, ``&`` in a script) inherits SIGINT ignored, and so would every
    ``fraudsite serve`` it starts: Python installs no KeyboardInterrupt for an ignored SIGINT, and the tests stop
    the preview with Ctrl-C, as an editor does. Caught here, the signal is back to its default in each child."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session", autouse=True)
def own_cache_key(tmp_path_factory):
    """Cache files are signed with a key kept in the user's cache folder (``cache.machine_key``): the tests
    keep theirs in a folder of their own (the CLI runs they start inherit it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture
def forking(monkeypatch):
    """Work is forked as on a two-core machine from two items, whatever this machine and this session."""
    fork_as_on_two_cores(monkeypatch)
    # A wait on a forked process that never ends fails its test, not the whole run.
    previous = signal.signal(signal.SIGALRM, _waited_too_long)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _waited_too_long(*_) -> None:
    raise TimeoutError("waited two minutes for a forked process")
