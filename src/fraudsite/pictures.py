"""A picture's width and height as a browser shows it, for the ``width`` and ``height`` of its ``<img>``: with
them a phone keeps the picture's room while it loads, and the text a reader is in does not jump down. And
whether readers' browsers show it at all: the file's first bytes say what it is, whatever its name says."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import BinaryIO, NamedTuple

# Pillow's limit is one value for the whole process: two builds in threads (a preview's, a test's) lifting and
# putting it back at once could leave it lifted.
_LIMIT_LIFTED = threading.Lock()
_TURNED = (5, 6, 7, 8)  # EXIF orientations a quarter turn away: a phone's upright photo stored lying down

# What keeps readers from seeing a picture, FINE for nothing: a number, as a body's cached lookups keep it
# (``AssetCheck.picture``).
FINE, UNREADABLE, EMPTY, NOT_PICTURE, HEIF, TIFF, UNSHOWN_FORMAT = range(7)
# Pillow's names of the formats every reader's browser shows: Android's Chrome, WeChat's, iPhones' Safari
# (an MPO is a camera's JPEG with a second picture inside; browsers show the first).
BROWSER_FORMATS = {"JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "ICO", "AVIF"}
# HEIF's brands (an iPhone's photo is "heic"): Safari alone shows them; an AVIF, HEIF's cousin, has its own brand.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_HEAD = 4096  # bytes read to tell what a file is: an SVG's <svg> tag comes after its XML declaration and comments


class Picture(NamedTuple):
    """A picture file as readers' browsers see it."""

    width: int  # pixels as shown, 0 if not read (an SVG, a damaged file)
    height: int
    trouble: int  # FINE, or what keeps it from being shown


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels, turned as the photo's EXIF orientation says (browsers turn it); (0, 0) for a
    file Pillow does not read as a picture (an SVG, a damaged file), which then gets no size."""
    return read_picture(path)[:2]


def read_picture(path: Path) -> Picture:
    """A picture's size and whether browsers show it, from its first bytes and its header."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_HEAD)
            if not head:
                return Picture(0, 0, EMPTY)
            if _brands(head) & _HEIF_BRANDS and not _brands(head) & _AVIF_BRANDS:  # Pillow would not know it
                return Picture(0, 0, HEIF)
            stream.seek(0)
            return _measured(stream, head)
    except OSError:  # no permission (to the file or its folder), or locked by another program (Windows)
        return Picture(0, 0, UNREADABLE)


def file_trouble(path: Path) -> int:
    """What keeps readers from getting a file they download (an attachment, a linked file): UNREADABLE, EMPTY (a
    copy, download or sync not finished: parents would print an empty reply slip), or FINE."""
    try:
        with open(path, "rb") as stream:
            return FINE if stream.read(1) else EMPTY
    except OSError:
        return UNREADABLE


def _measured(stream: BinaryIO, head: bytes) -> Picture:
    """Size and format as Pillow reads them from the header (not the pixels: a 12-megapixel photo costs a
    millisecond)."""
    # So Pillow's guard against pictures too large to decode (a warning in English from 89 megapixels, an error
    # from 179) is not needed: a phone's 108-megapixel photo is measured, and nothing is said.
    from PIL import Image

    try:
        with _LIMIT_LIFTED:
            limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                image = Image.open(stream)
            finally:
                Image.MAX_IMAGE_PIXELS = limit
        with image:
            if image.format not in BROWSER_FORMATS:
                return Picture(0, 0, TIFF if image.format == "TIFF" else UNSHOWN_FORMAT)
            width, height = image.size
            # The EXIF block as the header gave it: ``getexif`` decodes a PNG's pixels to look for one at its end
            exif = Image.Exif()
            if image.info.get("exif"):
                exif.load(image.info["exif"])
            return Picture(*((height, width) if exif.get(0x0112) in _TURNED else (width, height)), FINE)
    except Exception:  # any file Pillow cannot read (its plugins raise SyntaxError, ValueError, OSError…)
        # A browser's own kind Pillow finds fault with (an SVG, which it does not read; a damaged header) is left
        # to the browser, without a size.
        return Picture(0, 0, FINE if _browser_kind(head) else NOT_PICTURE)


def _brands(head: bytes) -> set[bytes]:
    """The brands an ISO media file's ``ftyp`` box names (HEIF, AVIF, MP4), its major brand first."""
    if head[4:8] != b"ftyp":
        return set()
    end = min(int.from_bytes(head[:4], "big"), len(head))
    return {head[8:12]} | {head[at:at + 4] for at in range(16, end - 3, 4)}


def _browser_kind(head: bytes) -> bool:
    """Whether a file begins as a picture of a kind browsers show."""
    return (head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"\x00\x00\x01\x00"))
            or head[:4] == b"RIFF" and head[8:12] == b"WEBP" or bool(_brands(head) & _AVIF_BRANDS)
            or b"<svg" in head.lower())


# What editors are told about a picture readers would not see: the code and the words after its quoted name.
_REFUSALS = {
    UNREADABLE: ("E014", "无法读取（没有读取权限，或正被别的程序独占），生成时复制不了；请检查这个文件和它所在文件夹的权限，"
                         "或关闭占用它的程序"),
    EMPTY: ("E307", "是空文件（0 字节），多半是复制、下载或同步没有完成，读者打开什么也看不到；请重新放一份完整的文件"),
    NOT_PICTURE: ("E307", "不是图片文件（可能是别的文件改成了图片的扩展名，或下载来的其实是一个网页），读者看到的是一块空白；"
                          "请换成 JPG 或 PNG 图片"),
    HEIF: ("E306", "是苹果手机的 HEIC（HEIF）格式照片，安卓手机、Windows 电脑和微信里都显示不出来；请换成 JPG：在手机上用“分享”"
                   "或“导出”存成 JPEG（iPhone 可在“设置 → 相机 → 格式”选“兼容性最佳”，以后拍的都是 JPEG），"
                   "或在 Windows 上用“画图”打开，“另存为”JPEG 图片，再改正这里的文件名"),
    TIFF: ("E306", "是 TIFF 格式（扫描仪、Photoshop 常存成这种），手机、电脑的浏览器和微信里都显示不出来；请在 Windows 上用"
                   "“画图”打开，“另存为”JPEG 或 PNG 图片，再改正这里的文件名"),
    UNSHOWN_FORMAT: ("E306", "的图片格式（如 Photoshop 的 PSD）浏览器和微信都显示不出来；请另存为 JPEG 或 PNG 图片，"
                             "再改正这里的文件名"),
}


def refusal(trouble: int, picture: bool = True) -> tuple[str, str] | None:
    """The error code and the words (after the file's quoted name) for a picture readers would not see, or (not
    ``picture``) a file they would not get: only what keeps any file from them counts for that."""
    return _REFUSALS.get(trouble) if picture or trouble in (UNREADABLE, EMPTY) else None
