"""Golden output: the fixture site at a fixed clock must build to exactly the committed tree.

Regenerate after an intended change, then review the diff:
    REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

from pathlib import Path

from sitekit import assert_matches_golden, build_site, copy_fixture, tree

GOLDEN = Path(__file__).parent / "golden" / "site"
# Channels with their own golden subtree or tests; this golden covers the website channel.
OTHER_CHANNELS = tuple(f"{prefix}{channel}/" for channel in ("screen", "wechat", "search", "stats")
                       for prefix in ("", "static/"))


def website_files(root: Path) -> dict[str, bytes]:
    """The website channel's files (other channels are tested on their own)."""
    return {path: data for path, data in tree(root).items() if not path.startswith(OTHER_CHANNELS)}


def test_fixture_site_builds_to_the_golden_tree(tmp_path):
    out = tmp_path / "out"
    build_site(copy_fixture(tmp_path), out)
    assert_matches_golden(website_files(out), GOLDEN)
