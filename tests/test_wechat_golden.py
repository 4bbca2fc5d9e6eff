"""Golden output of the WeChat channel: the fixture site at a fixed clock builds to exactly the committed files.

Regenerate after an intended change, then review the diff:
    REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_wechat_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from sitekit import FIXTURE, build_site, tree

GOLDEN = Path(__file__).parent / "golden" / "wechat"
OWN = ("wechat/",)  # static/wechat/ is copied verbatim from theme/static/wechat/


def wechat_files(root: Path) -> dict[str, bytes]:
    """The WeChat channel's files."""
    return {path: data for path, data in tree(root).items() if path.startswith(OWN)}


def test_fixture_site_builds_to_the_golden_wechat_tree(tmp_path):
    out = tmp_path / "out"
    build_site(FIXTURE, out)
    built = wechat_files(out)
    if os.environ.get("REGENERATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, data in built.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(data)
    expected = wechat_files(GOLDEN)
    assert built and sorted(built) == sorted(expected), "files added or missing: " + ", ".join(
        sorted(set(built) ^ set(expected)))
    diffs = []
    for path in sorted(built):
        if built[path] != expected[path]:
            diff = difflib.unified_diff(expected[path].decode(errors="replace").splitlines(),
                                        built[path].decode(errors="replace").splitlines(),
                                        f"golden/wechat/{path}", f"built/{path}", lineterm="", n=2)
            diffs.append("\n".join(list(diff)[:40]))
    assert not diffs, "output differs from tests/golden/wechat (REGENERATE_GOLDEN=1 to accept):\n" + "\n".join(diffs)


def test_withdrawn_draft_and_future_items_get_no_wechat_article(tmp_path):
    out = tmp_path / "out"
    build_site(FIXTURE, out)
    articles = sorted(path.parent.name for path in (out / "wechat").glob("*/*/article.json"))
    assert articles == ["expired", "fake-refund", "letter", "older", "part-time", "urgent"]
    feed = (out / "wechat/feed.xml").read_text(encoding="utf-8")
    for title in ("已撤下的案例", "草稿案例", "寒假防骗提醒"):
        assert title not in feed
        assert title not in (out / "wechat/index.html").read_text(encoding="utf-8")
