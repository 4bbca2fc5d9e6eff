"""Golden output of the WeChat channel: the fixture site at a fixed clock builds to exactly the committed files.

Regenerate after an intended change, then review the diff:
    REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_wechat_golden.py
"""

from __future__ import annotations

from pathlib import Path

from sitekit import assert_matches_golden, build_site, copy_fixture, tree

GOLDEN = Path(__file__).parent / "golden" / "wechat"
OWN = ("wechat/",)  # static/wechat/ is copied verbatim from theme/static/wechat/


def wechat_files(root: Path) -> dict[str, bytes]:
    """The WeChat channel's files."""
    return {path: data for path, data in tree(root).items() if path.startswith(OWN)}


def test_fixture_site_builds_to_the_golden_wechat_tree(tmp_path):
    out = tmp_path / "out"
    build_site(copy_fixture(tmp_path), out)
    assert_matches_golden(wechat_files(out), GOLDEN)


def test_withdrawn_draft_and_future_items_get_no_wechat_article(tmp_path):
    out = tmp_path / "out"
    build_site(copy_fixture(tmp_path), out)
    articles = sorted(path.parent.name for path in (out / "wechat").glob("*/*/article.json"))
    assert articles == ["expired", "fake-refund", "letter", "older", "part-time", "urgent"]
    feed = (out / "wechat/feed.xml").read_text(encoding="utf-8")
    for title in ("已撤下的案例", "草稿案例", "寒假防骗提醒"):
        assert title not in feed
        assert title not in (out / "wechat/index.html").read_text(encoding="utf-8")
