"""QR codes made at build time (no network): SVG for pages, PNG for channels that need a bitmap."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from fraudsite.urls import ascii_url

if TYPE_CHECKING:
    import segno

# Medium error correction survives a smudged screen or a creased print and keeps the code small.
ERROR_LEVEL = "m"
QUIET_ZONE = 4  # modules of white border the QR standard asks for


def _make(url: str) -> segno.QRCode:
    """A regular (not Micro) QR code for ``url``, non-ASCII percent-encoded."""
    import segno  # here, not above: a build whose codes are all kept needs none (with its imports, 14 ms)

    # Some phone scanners misread UTF-8 in byte mode; a percent-encoded URL is plain ASCII.
    return segno.make(ascii_url(url), error=ERROR_LEVEL, micro=False, boost_error=False)


def qr_svg(url: str, title: str = "") -> str:
    """An inline SVG element (no XML declaration, no fixed size) that scales to its box."""
    buffer = io.BytesIO()
    _make(url).save(buffer, kind="svg", xmldecl=False, svgns=True, scale=1, border=QUIET_ZONE, dark="#000",
                    light="#fff", omitsize=True, svgclass=None, lineclass=None, title=title or None)
    svg = buffer.getvalue().decode("utf-8")
    # Sharp module edges when an old engine scales the code up by a non-integer factor.
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)


def qr_png(url: str, scale: int = 8) -> bytes:
    """A PNG of the code, ``scale`` pixels per module, with the quiet zone."""
    buffer = io.BytesIO()
    _make(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return buffer.getvalue()
