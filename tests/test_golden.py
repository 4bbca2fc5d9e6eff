"""Golden output: the fixture site at a fixed clock must build to exactly the committed tree.

Regenerate after an intended change, then review the diff:
    REGENERATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from sitekit import FIXTURE, build_site, tree

GOLDEN = Path(__file__).parent / "golden" / "site"
# Channels with their own golden subtree or tests; this golden covers the website channel.
OTHER_CHANNELS = tuple(f"{prefix}{channel}/" for channel in ("screen", "wechat", "search", "stats")
                       for prefix in ("", "static/"))


def website_files(root: Path) -> dict[str, bytes]:
    """The website channel's files (other channels are tested on their own)."""
    return {path: data for path, data in tree(root).items() if not path.startswith(OTHER_CHANNELS)}


def test_fixture_site_builds_to_the_golden_tree(tmp_path):
    out = tmp_path / "out"
    build_site(FIXTURE, out)
    built = website_files(out)
    if os.environ.get("REGENERATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for path, data in built.items():
            (GOLDEN / path).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / path).write_bytes(data)
    expected = website_files(GOLDEN)
    assert sorted(built) == sorted(expected), "files added or missing: " + ", ".join(
        sorted(set(built) ^ set(expected)))
    diffs = []
    for path in sorted(built):
        if built[path] != expected[path]:
            diff = difflib.unified_diff(expected[path].decode(errors="replace").splitlines(),
                                        built[path].decode(errors="replace").splitlines(),
                                        f"golden/{path}", f"built/{path}", lineterm="", n=2)
            diffs.append("\n".join(list(diff)[:40]))
    assert not diffs, "output differs from tests/golden (REGENERATE_GOLDEN=1 to accept):\n" + "\n".join(diffs)
