"""A picture's width and height, read from its header (``pictures.picture_size``)."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib

from PIL import Image

from fraudsite.pictures import picture_size


def png_header(width: int, height: int) -> bytes:
    """A PNG of that size with no pixel data: whatever reads more than the header fails on it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


def test_a_phones_largest_photos_are_measured_from_the_header_without_a_word_in_english(tmp_path):
    # Pillow's guard against decoding huge pictures printed a DecompressionBombWarning from 89 megapixels and
    # refused from 179 (no size); and a PNG's EXIF was looked for by decoding every pixel.
    for width, height in ((12000, 9000), (16000, 12500)):
        (tmp_path / f"{width}.png").write_bytes(png_header(width, height))
    script = ("import sys; from pathlib import Path; from fraudsite.pictures import picture_size; "
              f"print([picture_size(Path(r'{tmp_path}') / n) for n in ('12000.png', '16000.png')])")
    result = subprocess.run([sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[(12000, 9000), (16000, 12500)]" and result.stderr == ""
    # The guard is lifted while the header is read, then put back: also by builds in several threads at once
    from concurrent.futures import ThreadPoolExecutor

    limit = Image.MAX_IMAGE_PIXELS
    with ThreadPoolExecutor(8) as pool:
        sizes = list(pool.map(picture_size, [tmp_path / "12000.png"] * 400))
    assert set(sizes) == {(12000, 9000)} and Image.MAX_IMAGE_PIXELS == limit is not None


def test_a_photo_stored_lying_down_is_measured_upright_as_browsers_show_it(tmp_path):
    for orientation, upright in ((1, (400, 300)), (6, (300, 400)), (8, (300, 400)), (3, (400, 300))):
        photo = Image.new("RGB", (400, 300))
        exif = photo.getexif()
        exif[0x0112] = orientation
        for suffix in ("jpg", "webp"):
            photo.save(tmp_path / f"{orientation}.{suffix}", exif=exif)
            assert picture_size(tmp_path / f"{orientation}.{suffix}") == upright, (orientation, suffix)
    (tmp_path / "damaged.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    assert picture_size(tmp_path / "damaged.png") == picture_size(tmp_path / "icon.svg") == (0, 0)
