"""The editor guide explains every error and warning code the program can emit, and the README links to it."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "editor-guide.md"
CODE = re.compile(r"\b[EW]\d{3}\b")


def emitted_codes() -> set[str]:
    """Every code written in the program's source (messages carry them literally)."""
    return {code for path in (REPO / "src").rglob("*.py") for code in CODE.findall(path.read_text(encoding="utf-8"))}


def test_every_emitted_code_has_a_row_in_the_guide():
    codes = emitted_codes()
    assert len(codes) > 40  # the grep itself works
    guide = GUIDE.read_text(encoding="utf-8")
    explained = set(re.findall(r"^\| ([EW]\d{3}) \| [^|]+ \| [^|]+ \|$", guide, re.MULTILINE))
    missing = sorted(codes - explained)
    assert not missing, f"docs/editor-guide.md has no row (| code | 意思 | 怎样改正 |) for: {', '.join(missing)}"


def test_readme_links_the_guide():
    assert "docs/editor-guide.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_worked_examples_in_the_guide_pass_check(tmp_path):
    import shutil

    from tools import run_fraudsite

    blocks = re.findall(r"```markdown\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 2  # the case, then the notice
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    shutil.copy(REPO / "fraudsite.yaml", site / "fraudsite.yaml")
    (site / "content/cases/guide-example.md").write_text(blocks[0], encoding="utf-8")
    (site / "content/notices/guide-example.md").write_text(blocks[1], encoding="utf-8")
    result = run_fraudsite("check", site, "--now", "2026-11-28 09:00")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "guide-example" not in result.stdout + result.stderr  # not even a warning
