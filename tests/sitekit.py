"""Helpers for tests that build small sites: copy a fixture, write files, build in process."""

from __future__ import annotations

import difflib
import os
import shutil
import textwrap
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fraudsite.build import BuildOptions, BuildReport, build

FIXTURE = Path(__file__).parent / "fixtures" / "site"
SAMPLE = Path(__file__).parent.parent  # the repository is the sample site
FIXTURE_NOW = "2026-03-15 12:00"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A moment in Shanghai time, as --now takes it."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def copy_fixture(tmp_path: Path, source: Path = FIXTURE, name: str = "site") -> Path:
    """A private copy of a site: a test may edit it, and its builds keep their cache there, not in the
    repository (where one test's cache, or one run's, would be the next one's)."""
    site = tmp_path / name
    shutil.copytree(source, site, ignore=shutil.ignore_patterns("build", ".fraudsite-cache"))
    return site


def copy_sample_content(tmp_path: Path) -> Path:
    """The sample site's content and configuration (not the whole repository) in a private folder."""
    site = tmp_path / "site"
    shutil.copytree(SAMPLE / "content", site / "content")
    shutil.copy(SAMPLE / "fraudsite.yaml", site / "fraudsite.yaml")
    return site


def add_drill_notice(site: Path) -> Path:
    """A new notice (content/notices/new-drill.md), as an editor publishes one."""
    return write(site, "content/notices/new-drill.md", """\
        ---
        id: notice-drill
        title: 关于开展反诈应急演练的通知
        date: 2026-11-27
        issuer: 保卫处
        ---

        周五下午开展反诈应急演练。
        """)


def write(site: Path, relative: str, text: str) -> Path:
    """Write a file (dedented, UTF-8) into a site."""
    path = site / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def fork_as_on_two_cores(monkeypatch) -> None:
    """Work is forked as on a two-core machine from two items, whatever this machine and this session."""
    from fraudsite import parallel

    monkeypatch.setenv("FRAUDSITE_WORKERS", "2")
    monkeypatch.setenv("FRAUDSITE_PARALLEL_MINIMUM", "1")
    # A process with other threads does not fork; the session's browser (Playwright's driver thread) may be
    # running, and none of this work touches what that thread holds.
    monkeypatch.setattr(parallel.threading, "active_count", lambda: 1)


def build_site(site: Path, out: Path | None = None, now: str = FIXTURE_NOW, **options) -> BuildReport:
    """Build in process with a fixed clock."""
    return build(BuildOptions(site_dir=site, out_dir=out or site / "build", config_path=site / "fraudsite.yaml",
                              now=at(now), **options))


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, by relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    """Every file's inode and modification time, to prove a build touched nothing."""
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_matches_golden(built: dict[str, bytes], golden: Path) -> None:
    """Compare built files with a committed golden tree, showing a real diff; REGENERATE_GOLDEN=1 accepts them."""
    if os.environ.get("REGENERATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        for path, data in built.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            (golden / path).write_bytes(data)
    expected = tree(golden)
    assert built and sorted(built) == sorted(expected), "files added or missing: " + ", ".join(
        sorted(set(built) ^ set(expected)))
    diffs = []
    for path in sorted(built):
        if built[path] != expected[path]:
            diff = difflib.unified_diff(expected[path].decode(errors="replace").splitlines(),
                                        built[path].decode(errors="replace").splitlines(),
                                        f"golden/{path}", f"built/{path}", lineterm="", n=2)
            diffs.append("\n".join(list(diff)[:40]))
    assert not diffs, f"output differs from {golden} (REGENERATE_GOLDEN=1 to accept):\n" + "\n".join(diffs)
