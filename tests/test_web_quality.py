"""The built sample site passes the Nu Html Checker and axe-core in a real browser."""

from __future__ import annotations

import pytest

from sitekit import build_site, copy_sample_content
from tools import format_axe, format_vnu, run_axe, run_vnu, serious_violations, serve_directory

SAMPLE_NOW = "2026-11-28 09:00"


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    out = root / "out"
    build_site(copy_sample_content(root), out, now=SAMPLE_NOW)
    return out


def test_nu_html_checker_finds_no_errors_in_the_whole_sample_site(sample_out):
    errors = run_vnu(sample_out)
    assert not errors, format_vnu(errors)


@pytest.mark.parametrize("path", ["", "cases/", "cases/fake-refund-2024/", "notices/2026-09-letter-to-parents/"])
def test_axe_finds_no_serious_problem(sample_out, new_page, path):
    with serve_directory(sample_out) as base:
        page = new_page(viewport={"width": 360, "height": 740})
        page.goto(f"{base}{path}")
        assert page.title()
        violations = serious_violations(run_axe(page))
        assert not violations, format_axe(violations)
        assert not page.bad_responses, page.bad_responses
        # Readable on a 360 px phone: nothing forces horizontal scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # Links a finger can hit (WCAG 2.5.8: 24 px): the small type badges too.
        small = page.evaluate("""() => [...document.querySelectorAll('main a.badge')]
            .filter(a => a.getBoundingClientRect().height < 24).map(a => a.textContent)""")
        assert small == [], small


def test_pages_request_nothing_outside_the_site(sample_out):
    for path in sample_out.rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text.split("</head>")[0].replace('href="https://www.example.edu.cn/fzzl/', "") \
            .replace('content="https://www.example.edu.cn/fzzl/', ""), f"{path}: outside URL in <head>"
        assert "<script src=\"http" not in text and "fonts.googleapis" not in text
