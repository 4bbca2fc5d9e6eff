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
    """A parsed mapping plus the line of every key and list element (``key`` or ``key.N``)."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str, default: int = 0) -> int:
        """The 1-based line of a key, or ``default`` if the key is absent."""
        return self.lines.get(key, default)


# libyaml's parser where installed (PyYAML's wheels carry it): several times faster, same nodes.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Located:
    """Parse YAML text into plain Python values with line numbers; raise YamlProblem."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        line, message = _explain(text, _error_line(error, text.count("\n") + 1), error.problem or "")
        raise YamlProblem(line, message) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, max(error.position, 0)) + 1
        raise YamlProblem(line, f"含有不允许的控制字符（U+{error.character:04X}）；请删除它，或改用引号内的转义写法",
                          "E008") from None
    except yaml.YAMLError:
        raise YamlProblem(1, "YAML 无法读取；请检查格式") from None
    located = Located(None)
    if node is not None:
        located.data = _convert(node, "", located.lines, set(), 0)
    return located


# The usual slips, which PyYAML reports a line later and in English: a key followed by a full-width colon, or by
# a colon with no space (both leave the line a plain text, so the parser stumbles on the next one).
_WIDE_COLON = re.compile(r"[ \t]*[A-Za-z_][\w.-]*[ \t]*：")
_TIGHT_COLON = re.compile(r"[ \t]*[A-Za-z_][\w.-]*:(?=[^\s/])")
_REASONS = {  # PyYAML's problem (libyaml's words, or the pure-Python reader's) -> what to tell an editor
    "could not find expected ':'": "找不到应有的英文冒号“:”",
    "mapping values are not allowed in this context": "这里不能出现“键: 值”：可能这一行多了缩进，或值里有冒号（那就给整个值加英文引号）",
    "mapping values are not allowed here": "这里不能出现“键: 值”：可能这一行多了缩进，或值里有冒号（那就给整个值加英文引号）",
    "found a tab character that violates indentation": "用了制表符（Tab）缩进；请改用空格",
    "found character '\\t' that cannot start any token": "用了制表符（Tab）；请改用空格",
    "found unexpected end of stream": "引号没有成对",
    "did not find expected key": "缩进不一致",
    "did not find expected ',' or ']'": "方括号 [ ] 没有成对，或列表项之间少了英文逗号",
    "did not find expected '-' indicator": "列表各项“- ”的缩进不一致",
}


def _explain(text: str, line: int, reason: str) -> tuple[int, str]:
    """The line to blame and what to do: a slip found on that line or the three before it, else PyYAML's reason."""
    lines = text.split("\n")
    for number in range(min(line, len(lines)), max(0, line - 4), -1):
        if _WIDE_COLON.match(lines[number - 1]):
            return number, "YAML 格式错误：键后面用了中文冒号“：”；请改为英文冒号加一个空格，例如 type: shuadan"
        if _TIGHT_COLON.match(lines[number - 1]):
            return number, "YAML 格式错误：冒号后面少了一个空格；请写成“键: 值”，例如 title: 标题"
    said = _REASONS.get(reason, reason or "格式错误")
    return line, f"YAML 格式错误（{said}）；请检查缩进、冒号后的空格和引号是否成对"


def _error_line(error: yaml.MarkedYAMLError, last_line: int) -> int:
    """The line to blame: where the problem is, or where the unclosed construct began if that is past the end."""
    problem_line = error.problem_mark.line + 1 if error.problem_mark else 0
    if 0 < problem_line <= last_line:
        return problem_line
    if error.context_mark:
        return error.context_mark.line + 1
    return min(problem_line, last_line) or 1


def _convert(node: yaml.Node, path: str, lines: dict[str, int], seen: set[int], depth: int) -> Any:
    # An alias is the same node object met twice: refusing it also rules out "billion laughs".
    if id(node) in seen:
        raise YamlProblem(node.start_mark.line + 1, "不支持 YAML 锚点和别名（& 与 *）；请直接写出内容", "E005")
    seen.add(id(node))
    if len(seen) > MAX_NODES or depth > MAX_DEPTH:
        raise YamlProblem(node.start_mark.line + 1, "YAML 内容过多或嵌套过深；请精简头部信息", "E006")
    if path:
        lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, f"{path}.{i}", lines, seen, depth + 1) for i, child in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(key_node.start_mark.line + 1, "键必须是简单文字；请检查这一行的格式")
            key = str(key_node.value)
            if key in result:
                raise YamlProblem(key_node.start_mark.line + 1, f"键“{key}”重复出现；每个键只能写一次", "E007")
            child_path = f"{path}.{key}" if path else key
            lines[child_path] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child_path, lines, seen, depth + 1)
        return result
    raise YamlProblem(node.start_mark.line + 1, "无法识别的 YAML 内容")


def _scalar(node: yaml.ScalarNode) -> Any:
    text = node.value
    if node.style:  # quoted or block scalars are always text
        return text
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.match(text):
        return int(text)
    return text
