"""A picture's width and height as a browser shows it, for the ``width`` and ``height`` of its ``<img>``: with
them a phone keeps the picture's room while it loads, and the text a reader is in does not jump down."""

from __future__ import annotations

from pathlib import Path

_TURNED = (5, 6, 7, 8)  # EXIF orientations a quarter turn away: a phone's upright photo stored lying down


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, turned as the photo's EXIF orientation says (browsers turn it); (0, 0) for a
    file Pillow does not read as a picture (an SVG, a damaged file), which then gets no size."""
    # Pillow reads only the header here, not the pixels: a 12-megapixel photo costs a millisecond.
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            if image.getexif().get(0x0112) in _TURNED:
                return height, width
            return width, height
    except Exception:  # any file Pillow cannot read (its plugins raise SyntaxError, ValueError, OSError…)
        return 0, 0
