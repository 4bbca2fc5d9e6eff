"""Split a content file into its YAML front matter and Markdown body."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fraudsite.errors import Problem, problem
from fraudsite.yamltext import Located, YamlProblem, colon_slip, drop_control, read_yaml

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """A content file's front matter (with lines) and body, as read from disk."""

    path: str  # relative to the site folder, with forward slashes
    meta: Located
    body: str
    body_line: int  # 1-based line where the body starts


def decode_source(path: str, raw: bytes) -> tuple[str | None, Problem | None]:
    """Decode bytes as UTF-8 (BOM and CRLF accepted) or explain what to do."""
    if len(raw) > MAX_FILE_BYTES:
        size = f"{math.ceil(len(raw) / 1024 / 1024 * 10) / 10:g}"  # rounded up (2.1): never the limit it is over
        return None, problem(path, 0, "E012", "", f"文件过大（{size} MB）；单篇内容请控制在 2 MB 以内，图片等请作为单独文件引用")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Notepad's "Unicode": text, but not UTF-8
        return None, problem(path, 1, "E010", "", "文件是 UTF-16 编码（记事本里叫“Unicode”）；请“另存为”，编码选 UTF-8")
    if b"\x00" in raw[:8192]:
        return None, problem(path, 0, "E011", "", "这不是文本文件（可能是图片或其他二进制文件被命名为 .md）；请改回原来的扩展名")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, problem(path, line, "E010", "", "文件不是 UTF-8 编码（可能是 GBK）；请在编辑器中以 UTF-8 编码重新保存")
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


# "---" typed with a Chinese input method: dashes (——), full-width hyphen-minus (－－－), box lines, mixed with "-".
_WIDE_DASHES = re.compile(r"[-—–―－─━‐‑‒]*[—–―－─━‐‑‒][-—–―－─━‐‑‒]*")


# git's merge-conflict markers, each a whole line: "<<<<<<< HEAD", "=======", ">>>>>>> 5f3a2c1 (修改金额)".
_CONFLICT_OPENS = re.compile(r"<{7}(?: |$)")
_CONFLICT_CLOSES = re.compile(r">{7}(?: |$)")


def conflict_markers(lines: list[str]) -> list[int]:
    """The 1-based numbers of the lines that mark a git merge conflict. A ``=======`` or ``>>>>>>>`` counts only
    after a ``<<<<<<<``: alone, it may underline a Markdown heading, or quote seven deep."""
    found, opened = [], False
    for number, line in enumerate(lines, start=1):
        if _CONFLICT_OPENS.match(line):
            found.append(number)
            opened = True
        elif opened and line == "=======":
            found.append(number)
        elif opened and _CONFLICT_CLOSES.match(line):  # alone, it may be a quote seven deep
            found.append(number)
            opened = False
    return found


def split_front_matter(path: str, text: str) -> tuple[SourceFile | None, Problem | None]:
    """Separate the ``---`` delimited YAML header from the body and parse it."""
    lines = text.split("\n")
    if not text.strip():
        return None, problem(path, 1, "E001", "", "文件是空的；请写上头部信息（第一行 ---，随后是 title、date 等字段，再以 --- "
                                                  "结束）和正文，或用 fraudsite new 新建；不要的文件请删除")
    # Before YAML, which would blame the markers' syntax (E003); looked for line by line only where one may be
    if "<<<<<<<" in text and (markers := conflict_markers(lines)):
        return None, problem(path, markers[0], "E019", "", f"文件里有未解决的 git 合并冲突：第 {'、'.join(map(str, markers))} "
                             "行是冲突标记（<<<<<<<、=======、>>>>>>> 开头的行），标记之间是两个版本；请保留要的那一版，"
                             "删掉另一版和这些标记行")
    if lines[0].strip() != "---":
        first = next(number for number, line in enumerate(lines, start=1) if line.strip())
        if lines[first - 1].strip().lstrip("\ufeff\u200b") == "---":  # after blank lines or invisible characters
            return None, problem(path, first, "E001", "", "第一行应为 ---：请删掉 --- 之前的空行或看不见的字符（如多余的 BOM）")
        if _WIDE_DASHES.fullmatch(lines[first - 1].strip()):
            return None, problem(path, first, "E001", "", f"“{lines[first - 1].strip()}”不是 ---：头部信息的首尾两行要用"
                                                          "三个英文减号（半角 -）；请切换到英文输入法重打这一行")
        return None, problem(path, 1, "E001", "", "缺少头部信息；文件第一行应为 ---，随后是 title、date 等字段，再以 --- 结束")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    except StopIteration:
        wide = next((i for i in range(1, len(lines)) if _WIDE_DASHES.fullmatch(lines[i].strip())), None)
        if wide is not None:
            return None, problem(path, wide + 1, "E002", "", f"“{lines[wide].strip()}”不是 ---：头部信息的结束行要用"
                                                             "三个英文减号（半角 -）；请切换到英文输入法重打这一行")
        return None, problem(path, 1, "E002", "", "头部信息没有结束；请在字段之后单独一行写 ---")
    header = "\n".join(lines[1:end])
    try:
        meta = read_yaml(header)
    except YamlProblem as error:
        return None, problem(path, error.line + 1, error.code, "", error.message)
    for noted in (meta.lines, meta.commented):  # the header starts on the file's second line
        for key, line in noted.items():
            noted[key] = line + 1
    if meta.data is None:  # "---" straight after "---", or only comments between
        return None, problem(path, 2, "E004", "", "头部信息是空的；请在两行 --- 之间写上 title、date 等字段，每行一个“键: 值”，"
                                                  "或用 fraudsite new 新建一篇照着填")
    if not isinstance(meta.data, dict):
        if slip := colon_slip(header):  # typed with a Chinese input method: no line is a key, so it parsed as text
            return None, problem(path, slip[0] + 1, "E003", "", slip[1])
        return None, problem(path, 2, "E004", "", "头部信息应为“键: 值”形式的字段列表，而不是单个值或列表")
    # Pasted from Word: its line break (VT), page break (FF), a bell. No page, feed or zip may carry them (not valid
    # XML), and none shows in an editor's window: dropped, the lines kept as they are.
    body = drop_control("\n".join(lines[end + 1 :]))
    return SourceFile(path, meta, body, end + 2), None
