"""A picture's width and height as a browser shows it, for the ``width`` and ``height`` of its ``<img>``: with
them a phone keeps the picture's room while it loads, and the text a reader is in does not jump down."""

from __future__ import annotations

import threading
from pathlib import Path

# Pillow's limit is one value for the whole process: two builds in threads (a preview's, a test's) lifting and
# putting it back at once could leave it lifted.
_LIMIT_LIFTED = threading.Lock()
_TURNED = (5, 6, 7, 8)  # EXIF orientations a quarter turn away: a phone's upright photo stored lying down


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, turned as the photo's EXIF orientation says (browsers turn it); (0, 0) for a
    file Pillow does not read as a picture (an SVG, a damaged file), which then gets no size."""
    # Pillow reads only the header here, not the pixels: a 12-megapixel photo costs a millisecond. So its guard
    # against pictures too large to decode (a warning in English from 89 megapixels, an error from 179) is
    # not needed: a phone's 108-megapixel photo is measured, and nothing is said.
    from PIL import Image

    try:
        with _LIMIT_LIFTED:
            limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                image = Image.open(path)
            finally:
                Image.MAX_IMAGE_PIXELS = limit
        with image:
            width, height = image.size
            # The EXIF block as the header gave it: ``getexif`` decodes a PNG's pixels to look for one at its end
            exif = Image.Exif()
            if image.info.get("exif"):
                exif.load(image.info["exif"])
            return (height, width) if exif.get(0x0112) in _TURNED else (width, height)
    except Exception:  # any file Pillow cannot read (its plugins raise SyntaxError, ValueError, OSError…)
        return 0, 0
