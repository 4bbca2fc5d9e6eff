"""A strict YAML reader for front matter and configuration.

PyYAML's ``safe_load`` turns ``no`` into False, ``1.10`` into 1.1 and an impossible
date into a bare ValueError without a line. We compose nodes ourselves instead: only
``true``/``false`` are booleans, only plain integers are numbers, every other scalar
stays text (dates included, checked later with their line), and each value keeps the
line it came from. Aliases are refused, which also rules out "billion laughs".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")  # what XML cannot carry (tab, newline can)
_SEPARATORS = re.compile("[\u0085\u2028\u2029]")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")  # "007" or a phone "0517…" stays text
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
MAX_NODES = 20_000
MAX_DEPTH = 50


class YamlProblem(Exception):
    """YAML that cannot be read; ``line`` is 1-based within the YAML text."""

    def __init__(self, line: int, message: str, code: str = "E003"):
        super().__init__(message)
        self.line = line
        self.message = message
        self.code = code


@dataclass
class Located:
    """A parsed mapping plus the line of every key and list element (``key`` or ``key.N``).

    ``commented``: the keys (``key`` or ``key.N``) whose plain value is followed by a ``#`` comment on its line,
    with that line. YAML drops the comment, so ``title: 新生被骗 #刷单`` reads as ``新生被骗``: the editor may
    have meant that text.
    """

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    commented: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str, default: int = 0) -> int:
        """The 1-based line of a key, or ``default`` if the key is absent."""
        return self.lines.get(key, default)


# libyaml's parser where installed (PyYAML's wheels carry it): several times faster, same nodes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Located:
    """Parse YAML text into plain Python values with line numbers; raise YamlProblem."""
    if _SEPARATORS.search(text):
        # A line or paragraph separator pasted with a title (from Word, a web page) is a line break to YAML but
        # none in the editor's window: the line after it was "missing its colon" (E003), at a line the editor
        # could not find. It is a space in the text, as the pages show it; the lines stay the editor's.
        text = _SEPARATORS.sub(" ", text)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        line, message = _explain(text, error)
        raise YamlProblem(line, message) from None
    except yaml.reader.ReaderError as error:
        # libyaml gives the position in UTF-8 bytes, PyYAML's own reader in characters: found by the character, the
        # first of which stopped either, a line after Chinese text is not blamed on one below.
        at = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        line = text.count("\n", 0, at if at >= 0 else max(error.position, 0)) + 1
        raise YamlProblem(line, f"含有不允许的控制字符（U+{error.character:04X}）；请删除它，或改用引号内的转义写法",
                          "E008") from None
    except yaml.YAMLError:
        raise YamlProblem(1, "YAML 无法读取；请检查格式") from None
    located = Located(None)
    if node is not None:
        converter = _Converter(text, located)
        located.data = converter.convert(node, "", 0)
        if converter.anchored:  # ``title: &x 文字`` parses, the anchor silently eating "&x"
            raise YamlProblem(converter.anchored, "YAML 格式错误：" + converter.reserved(converter.anchored, "&"))
    return located


# Slips found in the text itself, since PyYAML reports them a line late, in English, or not at all. A key
# followed by a full-width colon, by no space, or by a space YAML does not count as one (U+3000, U+00A0)
# leaves its line a plain text, so the parser stumbles only on the next line.
_WIDE_COLON = re.compile(r"[ \t]*[A-Za-z_][\w.-]*[ \t]*：")
_ODD_SPACE = re.compile(r"[ \t]*[A-Za-z_][\w.-]*:(?P<space>[^\S \t\n])")
_TIGHT_COLON = re.compile(r"[ \t]*[A-Za-z_][\w.-]*:(?=[^\s/])")
_ODD_INDENT = re.compile(r"[ \t]*(?P<space>[^\S \t\n])")
_TAB_INDENT = re.compile(r"[ -]*\t")  # in the indentation, or after a list item's dash
# A line as indentation, list dashes and a key (each optional; a key begins with no reserved character), then its value.
_VALUE = re.compile(r"(?P<lead>[ \t]*(?:-[ \t]+)*(?:[^\s#:\"'@`%!&*|>,\]}\[{-][^:]*?:[ \t]+)?)(?P<value>\S.*?)[ \t]*\Z")
_CLOSED = {'"': re.compile(r'"(?:[^"\\]|\\.)*"'), "'": re.compile(r"'(?:[^']|'')*'")}
_RESERVED = "@`%!&*|>-,]}"  # cannot begin a plain value (a dash only when a space follows)
_BLOCK_HEADER = re.compile(r"[|>](?:[1-9]?[-+]?|[-+][1-9])[ \t]*(?:#.*)?\Z")  # ``summary: |`` begins a block of lines: fine
_TRAILING_COMMENT = re.compile(r"[ \t]+#[ \t]")
_COMMENT = re.compile(r"[ \t]+#(?=\S)")  # "#刷单" reads as text; "# 说明", as fraudsite new writes, as a comment
_ESCAPE = re.compile(r"escape|hexa?decimal")
_REGEX_KEY = re.compile(r"(?:^|[\s{,])student_number[ \t]*:")  # the one value that is a regular expression
_BEGAN = ("quoted scalar", "flow", "tag", "anchor", "alias", "simple key")  # contexts marking where a slip began
_TAB = "用了制表符（Tab）缩进；请改用空格"
_REASONS = (  # words of PyYAML's problem (libyaml's, or the pure-Python parser's) -> what to tell an editor
    ("could not find expected ':'", "这一行缺少“键: 值”里的英文冒号“:”；如果它是上一行的续写，请接到上一行的值后面"),
    ("mapping values are not allowed", "这里不能出现“键: 值”：可能这一行多了缩进，或值里有英文冒号（那就给整个值加英文引号）"),
    ("mapping keys are not allowed", "值不能以“? ”开头；请给整个值加英文引号"),
    ("tab character", _TAB),
    ("'\\t'", _TAB),
    ("end of stream", "引号或括号没有成对；请检查这一行的引号和括号"),
    ("another document", "单独一行的“---”表示另一份内容的开始，这个文件里只能有一份设置；请删掉这一行"
                         "（--config 应指向 fraudsite.yaml，而不是 .md 内容文件）"),
    ("expected key", "缩进不一致；同一层的键要左端对齐，列表项“- ”要比它上面的键多缩进"),
    ("<block end>", "缩进不一致；同一层的键要左端对齐，列表项“- ”要比它上面的键多缩进"),
    ("',' or ']'", "方括号 [ ] 没有成对，或列表项之间少了英文逗号"),
    ("',' or '}'", "花括号 { } 没有成对，或各项之间少了英文逗号"),
    ("node content", "列表里有空的一项（两个英文逗号连在一起），或某一项以特殊符号开头；请删掉多余的逗号，或给这一项加英文引号"),
    ("'-' indicator", "列表各项“- ”的缩进不一致；请让它们左端对齐"),
    ("sequence entries are not allowed", "列表项“- ”的位置不对：应另起一行，比它的键多缩进两个空格"),
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # as YAML counts lines: its marks index these
_UNKNOWN = "无法识别的写法；请检查缩进、冒号后的空格和引号是否成对"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width characters (and the soft hyphen) pasted with text
# Pasted from Word, WPS or WeChat with a value, and meaning nothing in one: zero-width space, word joiner, a BOM
# mid-text. Dropped from every value (not U+200D, which joins an emoji's parts, nor U+200C).
_DROPPED = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
_SPACE_NAMES = {"\u200b": "零宽空格（U+200B，常见于从网页或微信复制的文字）", "\ufeff": "零宽字符（U+FEFF）",
                "\u00a0": "不换行空格（U+00A0，常见于从网页或微信复制的文字）", "\u3000": "全角空格（U+3000）"}


def _explain(text: str, error: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line to blame and what to do: a slip found in the text there (or, for a colon, up to three lines
    before), else PyYAML's reason in Chinese: never its English, which differs between its two parsers."""
    lines = _LINE_BREAK.split(text)
    line = _error_line(error, next((n for n in range(len(lines), 0, -1) if lines[n - 1].strip()), 1))
    for number in range(line, max(0, line - 4), -1):
        if slip := _colon_slip(lines[number - 1]):
            return number, f"YAML 格式错误：{slip}"
    if opened := _quote_left_open(lines, line):
        return opened, f"YAML 格式错误：{_value_slip(lines[opened - 1])}"
    problem = error.problem or ""
    if _ESCAPE.search(problem) and _REGEX_KEY.search(lines[line - 1]):  # \d in fraudsite.yaml's privacy pattern
        return line, ("YAML 格式错误：在英文双引号里，反斜杠“\\”表示转义；正则表达式请改用单引号，"
                      "例如 student_number: '20\\d{8}'")
    if _ESCAPE.search(problem):  # a Windows path: its quotes are closed, so this comes before the quote checks
        return line, ("YAML 格式错误：在英文双引号里，反斜杠“\\”表示转义，不能直接写 Windows 路径；请改用单引号"
                      "（例如 'C:\\图片\\a.jpg'）或正斜杠 /；图片请放进网站文件夹，用相对路径引用，例如 cover: images/a.jpg")
    if _TAB_INDENT.match(lines[line - 1]):
        return line, f"YAML 格式错误：{_TAB}"
    if odd := _ODD_INDENT.match(lines[line - 1]):
        return line, f"YAML 格式错误：这一行开头有一个看不见的{_space_name(odd['space'])}；缩进请只用英文空格"
    said = (_value_slip(lines[line - 1]) or _item_slip(lines, error)
            or next((said for words, said in _REASONS if words in problem), _UNKNOWN))
    return line, f"YAML 格式错误：{said}"


def _error_line(error: yaml.MarkedYAMLError, last_line: int) -> int:
    """The line to blame: where an unclosed quote or bracket, a tag or a key without its colon began, else
    where the problem is (at most the last line written: an unclosed construct runs on to the end)."""
    mark = error.problem_mark
    if error.context_mark and any(words in (error.context or "") for words in _BEGAN):
        mark = error.context_mark
    return min(mark.line + 1, last_line) if mark else 1


def colon_slip(text: str) -> tuple[int, str] | None:
    """The first line of YAML text (1-based) whose key's colon is wrong, with what to do: for text that parsed,
    but not as keys and values (every key written ``title：…`` reads as one long value)."""
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if slip := _colon_slip(line):
            return number, f"YAML 格式错误：{slip}"
    return None


def _colon_slip(line: str) -> str | None:
    """What is wrong with a key's colon or the space around it, if anything."""
    if _WIDE_COLON.match(line):
        return "键后面用了中文冒号“：”；请改为英文冒号加一个空格，例如 type: shuadan"
    if odd := _ODD_SPACE.match(line):
        return f"冒号后面是一个看不见的{_space_name(odd['space'])}，YAML 不把它当作空格；请删掉它，改为英文空格，例如 title: 标题"
    if _TIGHT_COLON.match(line):
        return "冒号后面少了一个空格；请写成“键: 值”，例如 title: 标题"
    return None


def _value_slip(line: str) -> str | None:
    """What is wrong with how the value on this line begins, if anything: a quote that does not enclose it
    all, a bracket not closed, a character YAML reserves."""
    match = _VALUE.match(line)
    if not match:
        return None
    lead, value = match["lead"].lstrip(), match["value"]
    first, fixed = value[0], lead + quoted(value)
    if first in _CLOSED:
        closed = _CLOSED[first].match(value)
        if closed is None:
            # Before a comment (" # 请修改", as fraudsite init writes them), which the quote would take into the value.
            comment = _TRAILING_COMMENT.search(value)
            ending, after = (value[:comment.start()], value[comment.start():]) if comment else (value, "")
            ending = ending[:-1] if ending[-1] in "”’" else ending
            return (f"值以英文引号 {first} 开头，却没有结束的英文引号（中文引号不算）；请在值的末尾补上 {first}，"
                    f"例如 {lead}{ending}{first}{after}")
        rest = value[closed.end():]
        if rest.strip() and not rest.strip().startswith("#"):
            if first in rest:  # more quotes further on: only quoting the whole value keeps them all
                return (f"值以英文引号 {first} 开头时，引号必须包住整个值，这里结束的 {first} 后面还有文字；"
                        f"请给整个值加上另一种引号，例如 {lead}{quoted(value)}，或把其中的英文引号都改为中文引号“”")
            return (f"值以英文引号 {first} 开头时，引号必须包住整个值，这里结束的 {first} 后面还有文字；"
                    f"请把这对引号改为中文引号“”或「」，例如 {lead}“{closed.group()[1:-1]}”{rest}")
        return None
    if first in "[{":
        close, kind = ("]", "列表") if first == "[" else ("}", "一组设置")
        end = _bracket_end(value)
        if end < 0:
            return (f"“{first}”没有对应的“{close}”：以“{first}”开头的值是{kind}，要在同一行用“{close}”结束；"
                    f"如果“{first}”是文字的一部分，请给整个值加英文引号，例如 {fixed}")
        rest = value[end:].strip()
        if rest and not rest.startswith("#"):
            return (f"以“{first}”开头的值是{kind}，“{close}”后面不能再有文字；"
                    f"如果“{first}”是文字的一部分，请给整个值加英文引号，例如 {fixed}")
        return None
    if first in _RESERVED and not _BLOCK_HEADER.match(value) and (first != "-" or value[1:2] in ("", " ", "\t")):
        return f"值不能以“{first}”开头（它在 YAML 里有特殊含义）；请给整个值加英文引号，例如 {fixed}"
    return None


def _quote_left_open(lines: list[str], line: int) -> int | None:
    """The line above ``line`` whose value opened a quote the parser was still in when it reached ``line``: the
    quote ran on over the lines between and was closed there by the next value's opening quote, so the parser's
    own complaint (about indentation, say) names the innocent line."""
    for number in range(line - 1, 0, -1):
        text = lines[number - 1]
        match = _VALUE.match(text)
        if match and match["value"][0] in _CLOSED and not _CLOSED[match["value"][0]].match(match["value"]):
            return number if match["value"][0] in lines[line - 1] else None
        if any(quote in text for quote in _CLOSED):
            return None  # a quote on a line between would have closed it, or opened another
    return None


def _item_slip(lines: list[str], error: yaml.MarkedYAMLError) -> str | None:
    """What is wrong with an item of a ``[…]`` list beginning with a character YAML reserves, if that is it:
    the character where the parser stopped, or where it began reading the anchor, alias or tag."""
    for mark in (error.problem_mark, error.context_mark):
        char = lines[mark.line][mark.column:mark.column + 1] if mark and mark.line < len(lines) else ""
        if char and char in "@`%!&*|>":
            return f"“{char}”不能放在一项的开头（它在 YAML 里有特殊含义）；请给这一项加英文引号，例如 \"{char}……\""
    return None


def _bracket_end(value: str) -> int:
    """The index just past the bracket that closes the one ``value`` begins with, or -1."""
    depth = 0
    for index, char in enumerate(value):
        depth += (char in "[{") - (char in "]}")
        if depth == 0:
            return index + 1
    return -1


def quoted(value: str) -> str:
    """``value`` as a YAML text an editor can copy: in double quotes unless it holds one or a backslash."""
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    return "'" + value.replace("'", "''") + "'"


def _space_name(char: str) -> str:
    return _SPACE_NAMES.get(char, f"特殊空白字符（U+{ord(char):04X}）")


class _Converter:
    """Turns composed nodes into plain values, noting in ``located`` the line of each key and list element, and
    of each plain value followed by a comment."""

    def __init__(self, text: str, located: Located):
        self.text = text  # marks' ``index`` is a character offset in it
        self.lines, self.commented = located.lines, located.commented
        self.seen: set[int] = set()
        self.anchored = 0  # the first line with an anchor: an error unless an alias (E005) is found first

    def convert(self, node: yaml.Node, path: str, depth: int) -> Any:
        # An alias is the same node object met twice: refusing it also rules out "billion laughs".
        if id(node) in self.seen:
            raise YamlProblem(node.start_mark.line + 1, "不支持 YAML 锚点和别名（& 与 *）；请直接写出内容", "E005")
        self.seen.add(id(node))
        if len(self.seen) > MAX_NODES or depth > MAX_DEPTH:
            raise YamlProblem(node.start_mark.line + 1, "YAML 内容过多或嵌套过深；请精简头部信息", "E006")
        if path:
            self.lines.setdefault(path, node.start_mark.line + 1)
        start = node.start_mark
        if node.tag.startswith("!"):  # ``title: !重要 …`` parses, the tag silently eating its first word
            raise YamlProblem(start.line + 1, "YAML 格式错误：" + self.reserved(start.line + 1, "!"))
        if self.text.startswith("&", start.index):
            if not isinstance(node, yaml.ScalarNode):  # ``w: &a`` over a block: no quotes would help
                raise YamlProblem(start.line + 1, "不支持 YAML 锚点“&”；请删掉“&”和它后面的名称", "E005")
            self.anchored = self.anchored or start.line + 1
        if isinstance(node, yaml.ScalarNode):
            self.note_comment(node, path)
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(child, f"{path}.{i}", depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        raise YamlProblem(node.start_mark.line + 1, "无法识别的 YAML 内容")

    def mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(line, "键必须是简单文字；请检查这一行的格式")
            key = str(key_node.value)
            if key != key.strip():  # a pasted invisible space: on screen the key looks right
                space = key[0] if key[0].isspace() else key[-1]
                where = "前面" if key[0].isspace() else "后面"
                raise YamlProblem(line, f"YAML 格式错误：键“{key.strip()}”{where}有一个看不见的{_space_name(space)}；"
                                        "请删掉它（可以删掉整行后重新输入）")
            if hidden := [char for char in key if char in _INVISIBLE]:  # ti\u200btle: shows as title
                raise YamlProblem(line, f"YAML 格式错误：键“{''.join(c for c in key if c not in _INVISIBLE)}”里有一个看不见的"
                                        f"{_space_name(hidden[0])}；请删掉整行后重新输入")
            if key in result:
                raise YamlProblem(line, f"键“{key}”重复出现，上面已经有一行 {key}:；每个键只能写一次：请把要保留的内容并到一处，删掉另一处", "E007")
            child_path = f"{path}.{key}" if path else key
            self.lines[child_path] = line
            result[key] = self.convert(value_node, child_path, depth + 1)
        return result

    def reserved(self, line: int, char: str) -> str:
        """Why the value on this line cannot begin with ``char`` (a tag's or an anchor's), and the fix."""
        return _value_slip(_LINE_BREAK.split(self.text)[line - 1]) or f"值不能以“{char}”开头；请给整个值加英文引号"

    def note_comment(self, node: yaml.ScalarNode, path: str) -> None:
        """Note a plain value followed by a ``#`` comment on its line: the editor may have meant that text."""
        end = node.end_mark
        if path and not node.style and _COMMENT.match(self.text, end.index):
            self.commented[path] = end.line + 1


def strip_control(text: str) -> str:
    """Remove control characters that XML cannot carry (tab and newline stay); a line or paragraph separator
    (U+2028, U+2029, U+0085, pasted from Word or a web page) becomes a space, as the pages show it: in a feed's
    title a reader broke the line there, or took it for the end of the entry's text."""
    text = drop_control(text)
    return _SEPARATORS.sub(" ", text) if _SEPARATORS.search(text) else text


def drop_control(text: str) -> str:
    """Remove control characters that XML cannot carry (tab, newline and carriage return stay)."""
    return _CONTROL.sub("", text)


def _scalar(node: yaml.ScalarNode) -> Any:
    text = node.value if node.value.isascii() else node.value.translate(_DROPPED)
    if node.style:  # quoted or block scalars are always text; escapes ("\x0b") bring no control character in
        return strip_control(text)
    return plain_scalar(text)


def plain_scalar(text: str) -> Any:
    """What ``text`` written without quotes is: None, true or false, a whole number, else the text itself."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    return text
