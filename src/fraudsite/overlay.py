"""What ``fraudsite serve`` adds to HTML responses (never to files): reload script, error overlay, draft banner."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from fraudsite.errors import Problem

EPOCH_PATH = "/__fraudsite__/epoch"
_BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
_BODY_CLOSE = re.compile(rb"</body\s*>", re.IGNORECASE)

# ES5 on purpose: the campus screens' players run old browsers, and the preview should run where they do.
RELOAD_SCRIPT = """<script>
(function () {
  var epoch = %d;
  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", "%s?since=" + epoch, true);
    request.onload = function () {
      if (request.status === 200 && request.responseText !== String(epoch)) {
        window.location.reload();
        return;
      }
      window.setTimeout(poll, request.status === 200 ? 0 : 1000);
    };
    request.onerror = function () { window.setTimeout(poll, 1000); };
    request.send();
  }
  poll();
})();
</script>
"""

DRAFT_BANNER = (
    '<div id="fraudsite-draft" role="note" style="position:relative;z-index:2147483646;background:#6a3fb5;color:#fff;padding:10px 16px;'
    'font:bold 16px/1.5 sans-serif;text-align:center">草稿：这篇内容尚未发布，只在本机预览中显示。'
    "确认无误后，把文件头部的 draft: true 改为 draft: false 再发布。</div>\n"
)


# The preview's addresses are this machine's: a WeChat article copied here would show readers broken images
# and links, so its pages say where to copy from.
WECHAT_BANNER = (
    '<div id="fraudsite-wechat-local" role="note" style="background:#b35c00;color:#fff;padding:10px 16px;'
    'font:bold 16px/1.5 sans-serif;text-align:center">本机预览：这里的图片和链接指向本机，粘贴到公众号后读者打不开。'
    "请先发布网站，再到正式网站上的这一页复制。</div>\n"
)


def inject(html: bytes, epoch: int, problems: list[Problem], failure: str, draft: bool, has_site: bool = True,
           wechat: bool = False, notes: Sequence[Problem] = ()) -> bytes:
    """An HTML page with the preview's additions: banners after ``<body>`` (a draft's; a WeChat page's; the
    warnings of the item it shows), overlay and script before ``</body>``."""
    banners = (DRAFT_BANNER if draft else "") + (WECHAT_BANNER if wechat else "") + (notes_strip(notes) if notes else "")
    if banners:
        opening = _BODY_OPEN.search(html)
        at = opening.end() if opening else 0
        html = html[:at] + banners.encode("utf-8") + html[at:]
    tail = ""
    if problems or failure:
        tail += error_overlay(problems, failure, has_site)
    tail += RELOAD_SCRIPT % (epoch, EPOCH_PATH)
    closings = list(_BODY_CLOSE.finditer(html))
    at = closings[-1].start() if closings else len(html)
    return html[:at] + tail.encode("utf-8") + html[at:]


def notes_strip(notes: Sequence[Problem]) -> str:
    """The warnings of the item a page shows, folded under one line: they do not stop the build, so they do not
    cover the page as errors do."""
    items = "".join(_problem_item(note) for note in sorted(notes, key=lambda note: (note.line, note.column)))
    # Above the page's own layers too: a campus screen's page covers the whole window.
    return ('<details id="fraudsite-notes" style="position:relative;z-index:2147483646;background:#fff4d6;color:#3d2a00;padding:8px 16px;'
            'font:15px/1.6 sans-serif;text-align:left"><summary style="cursor:pointer;font-weight:bold">'
            f"这篇内容有 {len(notes)} 个警告：不影响发布，但建议改正（点开查看）</summary>"
            f'<ol style="padding-left:1.5em;margin:8px 0 0">{items}</ol></details>\n')


def error_page(epoch: int, problems: list[Problem], failure: str) -> bytes:
    """The whole page shown while no build has succeeded yet."""
    page = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            "<title>网站有错误 - fraudsite 预览</title>\n</head>\n<body>\n</body>\n</html>\n")
    return inject(page.encode("utf-8"), epoch, problems, failure, draft=False, has_site=False)


def error_overlay(problems: list[Problem], failure: str, has_site: bool = True) -> str:
    """A full-window panel listing each problem: file, line, what is wrong and how to fix it."""
    errors = [p for p in problems if p.severity == "error"] or problems
    items = "".join(_problem_item(p) for p in errors)
    if failure:
        items += f'<li style="margin:0 0 16px">{escape(failure)}</li>'
    count = f" {len(errors)} 个错误" if errors else "错误"
    shown = "下面显示的是上次成功生成的版本" if has_site else "还无法生成预览"
    return (
        '<div id="fraudsite-overlay" role="alertdialog" aria-modal="true" aria-labelledby="fraudsite-overlay-title"'
        ' style="position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483647;overflow:auto;'
        'background:rgba(25,25,25,.94);color:#fff;font:16px/1.6 sans-serif;padding:24px;text-align:left">'
        '<div style="max-width:60em;margin:0 auto">'
        f'<h2 id="fraudsite-overlay-title" style="color:#ffb4a8;font-size:22px;margin:0 0 8px">'
        f"网站有{count}，{shown}</h2>"
        '<p style="margin:0 0 16px">按提示改正并保存文件，页面会自动刷新。改好之前，网站不会生成新版本。</p>'
        f'<ol style="padding-left:1.5em;margin:0">{items}</ol>'
        '<button type="button" onclick="this.parentNode.parentNode.style.display=\'none\'"'
        ' style="margin-top:8px;font-size:16px;padding:6px 14px">暂时关闭提示</button>'
        "</div></div>\n"
    )


def _problem_item(item: Problem) -> str:
    what, _, fix = item.message.partition("；")
    what_path = "文件" if "." in item.path.rsplit("/", 1)[-1] else "文件夹"  # content/Cases: a folder's problem (E017)
    where = f"第 {item.line} 行" if item.line else f"整个{what_path}"
    field = f"，字段 <code>{escape(item.field)}</code>" if item.field else ""
    fix_text = fix or f"请参阅编辑指南中错误代码 {item.code} 的说明"
    kind = "警告" if item.severity == "warning" else "错误"
    return (
        '<li style="margin:0 0 16px">'
        f'<div><strong>{what_path}</strong>：<code>{escape(item.path)}</code>，{where}{field}</div>'
        f"<div><strong>问题</strong>：{escape(what)}</div>"
        f"<div><strong>怎样改正</strong>：{escape(fix_text)}</div>"
        f'<div style="opacity:.8">{kind}代码 {escape(item.code)}（编辑指南 docs/editor-guide.md 中有详细说明）</div>'
        "</li>"
    )
