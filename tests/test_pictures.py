"""A picture's width and height, read from its header (``pictures.picture_size``)."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from fraudsite.errors import BuildFailed
from fraudsite.pictures import picture_size
from sitekit import build_site
from test_check import NOW, case, notice
from test_privacy import make_site
from tools import run_fraudsite


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


HEIC = struct.pack(">I", 24) + b"ftypheic" + bytes(4) + b"mif1heic" + bytes(64)  # an iPhone photo's first bytes


def test_pictures_readers_browsers_would_not_show_are_refused_at_the_line_that_uses_them(tmp_path):
    body = ("![照片](img/photo.jpg)\n\n![空图](img/zero.png)\n\n<img src=\"img/scan.tif\" alt=\"扫描件\" width=\"9\">\n\n"
            "![回执](img/slip.png)\n\n![图标](img/icon.svg)\n\n![新图](img/new.avif)\n\n![好图](img/good.png)\n")
    site = make_site(tmp_path / "s", {"cases/a.md": case(body=body),
                                      "cases/b.md": case("封面", extra="cover: img/cover.png\ncover_alt: 封面\n")})
    pictures = site / "content/cases/img"
    pictures.mkdir()
    (pictures / "photo.jpg").write_bytes(HEIC)  # renamed, it is still HEIC
    (pictures / "zero.png").write_bytes(b"")
    Image.new("RGB", (4, 3)).save(pictures / "scan.tif")
    (pictures / "slip.png").write_bytes(b"PK\x03\x04" + bytes(60))  # a Word file
    (pictures / "cover.png").write_text("<!DOCTYPE html><html><body>403 Forbidden</body></html>")  # a web page
    (pictures / "icon.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')
    Image.new("RGB", (4, 3)).save(pictures / "new.avif")
    (pictures / "good.png").write_bytes(png_header(4, 3))
    lines = (site / "content/cases/a.md").read_text(encoding="utf-8").split("\n")
    line = {name: n for n, text in enumerate(lines, 1) for name in ("photo", "zero", "scan", "slip") if name in text}
    expected = {("a.md", line["photo"], "E306", "图片"), ("a.md", line["zero"], "E307", "图片"),
                ("a.md", line["scan"], "E306", "图片"), ("a.md", line["slip"], "E307", "图片"), ("b.md", 8, "E307", "cover")}
    checked = run_fraudsite("check", site, "--now", NOW, "--format", "json")
    found = {(Path(p["path"]).name, p["line"], p["code"], p["field"]) for p in json.loads(checked.stdout)["problems"]
             if p["severity"] == "error"}
    assert checked.returncode == 1 and found == expected
    built = run_fraudsite("build", site, "--now", NOW)
    assert built.returncode == 1 and not (site / "build").exists()
    said = built.stdout + built.stderr
    assert f"content/cases/a.md:{line['photo']}: 图片: “img/photo.jpg”是苹果手机的 HEIC（HEIF）格式照片" in said
    assert "请换成 JPG" in said and "“画图”" in said
    assert "content/cases/b.md:8: cover: 封面图片“img/cover.png”不是图片文件" in said


def test_a_cached_build_refuses_a_picture_replaced_by_one_readers_would_not_see(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="![照片](img/photo.jpg)\n"),
                                      "cases/b.md": case("封面", extra="cover: img/cover.jpg\ncover_alt: 封面\n")})
    (site / "content/cases/img").mkdir()
    for name in ("photo.jpg", "cover.jpg"):
        Image.new("RGB", (4, 3)).save(site / "content/cases/img" / name)
    build_site(site, now=NOW)
    for name in ("photo.jpg", "cover.jpg"):
        (site / "content/cases/img" / name).write_bytes(HEIC)  # AirDrop's copy put over the old one
    with pytest.raises(BuildFailed) as failed:
        build_site(site, now=NOW)
    assert {(p.path, p.code, p.field) for p in failed.value.problems} == {
        ("content/cases/a.md", "E306", "图片"), ("content/cases/b.md", "E306", "cover")}


def run_without_reading_others_files(*args: str | Path):
    """``fraudsite`` run as a user who may read only what permissions let them: root (who runs the tests here)
    reads every file, so it is run without that power."""
    if os.geteuid() != 0:
        return run_fraudsite(*args)
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to drop root's power to read every file")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUTF8": "1"}
    return subprocess.run(["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "fraudsite",
                           *map(str, args)], env=env, capture_output=True, text=True, encoding="utf-8", check=False)


def test_an_unreadable_picture_or_attachment_is_a_read_error_at_the_line_that_uses_it(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="![照片](img/photo.jpg)\n\n[名单](files/list.pdf)\n"),
                                      "cases/b.md": case("封面", extra="cover: img/cover.jpg\ncover_alt: 封面\n"),
                                      "notices/n.md": notice(extra="attachments:\n  - 回执: files/slip.pdf\n")})
    for name in ("cases/img/photo.jpg", "cases/img/cover.jpg", "cases/files/list.pdf", "notices/files/slip.pdf"):
        path = site / "content" / name
        path.parent.mkdir(exist_ok=True)
        Image.new("RGB", (4, 3)).save(path, format="JPEG")
    build_site(site, now=NOW)  # cached now: a file made unreadable since is seen all the same
    for name in ("cases/img/photo.jpg", "cases/img/cover.jpg", "cases/files/list.pdf", "notices/files/slip.pdf"):
        (site / "content" / name).chmod(0)
    before = {path: path.read_bytes() for path in (site / "build").rglob("*") if path.is_file()}
    expected = ["content/cases/a.md:10: 图片: “img/photo.jpg”无法读取（没有读取权限，或正被别的程序独占）",
                "content/cases/a.md:12: 链接: “files/list.pdf”无法读取",
                "content/cases/b.md:8: cover: 封面图片“img/cover.jpg”无法读取", "content/notices/n.md:8: attachments: 附件“files/slip.pdf”无法读取"]
    for command in ("check", "build"):
        result = run_without_reading_others_files(command, site, "--now", NOW)
        said = result.stdout + result.stderr
        assert result.returncode == 1 and all(line in said for line in expected), said
        assert said.count("[E014]") == 4 and "写入输出目录失败" not in said
    assert {path: path.read_bytes() for path in (site / "build").rglob("*") if path.is_file()} == before


def test_an_empty_attachment_or_linked_file_is_refused_at_the_line_that_links_it(tmp_path):
    site = make_site(tmp_path / "s", {"cases/a.md": case(body="请填写[回执](files/slip.docx)。\n"),
                                      "notices/n.md": notice(extra="attachments:\n  - files/plan.pdf\n  - files/list.xlsx\n")})
    for name in ("cases/files/slip.docx", "notices/files/plan.pdf", "notices/files/list.xlsx"):
        (site / "content" / name).parent.mkdir(exist_ok=True)
        (site / "content" / name).write_bytes(b"" if "plan" not in name else b"%PDF-1.4\n%%EOF\n")
    result = run_fraudsite("check", site, "--now", NOW)
    said = result.stdout + result.stderr
    assert result.returncode == 1 and said.count("[E307]") == 2, said
    assert "content/cases/a.md:10: 链接: “files/slip.docx”是空文件（0 字节）" in said
    assert "content/notices/n.md:9: attachments: 附件“files/list.xlsx”是空文件（0 字节）" in said
