"""The QR helper: codes decode back to the exact URL, non-ASCII percent-encoded."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from fraudsite.qrcode import qr_png, qr_svg


def decode_png(data: bytes) -> list[str]:
    """Every QR text found in a PNG."""
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


def test_png_decodes_to_the_url():
    url = "https://www.example.edu.cn/fzzl/cases/2026-11-shuadan/"
    assert decode_png(qr_png(url)) == [url]


def test_chinese_url_is_percent_encoded():
    assert decode_png(qr_png("https://www.example.edu.cn/fzzl/tags/校园贷/")) == [
        "https://www.example.edu.cn/fzzl/tags/%E6%A0%A1%E5%9B%AD%E8%B4%B7/"]


def test_svg_is_inline_and_scalable():
    svg = qr_svg("https://www.example.edu.cn/fzzl/", title="扫码阅读")
    assert svg.startswith("<svg ") and "<?xml" not in svg
    assert 'viewBox="0 0 ' in svg and "width=" not in svg
    assert "<title>扫码阅读</title>" in svg
