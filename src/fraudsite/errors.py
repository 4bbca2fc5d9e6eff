"""Errors shown to editors: each names a file, a line, a field and what to do.

Messages read ``path:line: 字段: 问题；应当怎样 [E代码]``. Codes are stable so the
editor guide can explain each one.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in the input; several are collected before giving up. Sorted by file, line, column, then
    code: the order editors fix things in (two findings on one line by their columns, not their text)."""

    path: str
    line: int
    code: str
    field: str
    message: str
    severity: str = "error"  # "error" stops the build, "warning" does not
    column: int = 0  # 1-based character column where known (privacy findings), else 0

    def __lt__(self, other: Problem) -> bool:
        return self._order() < other._order()

    def _order(self) -> tuple:
        return self.path, self.line, self.column, self.code, self.field, self.message, self.severity

    def data(self) -> dict:
        """As the JSON outputs of ``check`` and ``build --json`` give it."""
        return {"path": self.path, "line": self.line, "column": self.column, "severity": self.severity,
                "code": self.code, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        where += f":{self.column}" if self.line and self.column else ""
        field = f" {self.field}:" if self.field else ""
        label = "" if self.severity == "error" else "（警告）"
        return f"{where}:{field} {label}{self.message} [{self.code}]"


class FraudsiteError(Exception):
    """Base class: an expected failure with a one-line Chinese reason, never a traceback."""


class BuildFailed(FraudsiteError):
    """The input has errors; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"发现 {len(errors)} 个错误。")

    def __reduce__(self):
        # Raised in a forked worker, it travels back pickled: keep the problems, not the message.
        return (BuildFailed, (self.problems,))


class OutputError(FraudsiteError):
    """The output folder cannot be written or replaced safely."""


class UsageError(FraudsiteError):
    """A command-line option has a value that cannot be used (exit code 2, as argparse's own errors)."""


def problem(path: str, line: int, code: str, field: str, message: str) -> Problem:
    """Make an error-level problem."""
    return Problem(path, line, code, field, message)


def warning(path: str, line: int, code: str, field: str, message: str) -> Problem:
    """Make a warning-level problem: reported, but the build goes on."""
    return Problem(path, line, code, field, message, "warning")


def did_you_mean(word: str, choices: list[str], listed: str = "") -> str:
    """A Chinese hint naming the closest valid choices, or all of them (as ``listed``, if given) if none is close."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.5)
    if close:
        return "是否想写 " + "、".join(f"“{c}”" for c in close) + "？"
    return "可选：" + (listed or "、".join(choices))


def key_list(valid: Mapping[str, str]) -> str:
    """Keys with their names (``valid``: key to name), as editors are shown the choices:
    ``students（在校生）、staff（教职工）``."""
    return "、".join(f"{key}（{name}）" for key, name in valid.items())


def key_hint(value: str, valid: Mapping[str, str], what: str) -> str:
    """What to write instead of an unknown key: the key of the name written (在校生 -> students), else the nearest
    keys, else every key with its name."""
    by_name = {name: key for key, name in valid.items()}
    if value in by_name:
        return f"“{value}”是{what}的名称，这里要写它的键：{by_name[value]}"
    return did_you_mean(value, list(valid), key_list(valid))


_OS_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有访问权限", errno.EPERM: "没有访问权限",
               errno.EROFS: "磁盘为只读", errno.EDQUOT: "超出磁盘配额", errno.EFBIG: "文件超出允许的大小",
               errno.ENOENT: "找不到这个文件或文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
               errno.EISDIR: "这是一个文件夹，不是文件", errno.ELOOP: "快捷方式（符号链接）互相指向",
               errno.ENAMETOOLONG: "路径太长", errno.EBUSY: "正被其他程序占用", errno.EIO: "读写出错，磁盘可能有故障",
               errno.EADDRINUSE: "端口已被占用", errno.EADDRNOTAVAIL: "本机没有这个地址"}


def describe_os_error(error: OSError, with_file: bool = True) -> str:
    """A Chinese reason for a file-system failure (the system's own words are English), naming the file."""
    if error.strerror and not error.strerror.isascii():  # our own wording
        reason = error.strerror
    elif error.errno is None:
        reason = str(error)
    else:
        reason = _OS_REASONS.get(error.errno, f"系统错误 {errno.errorcode.get(error.errno, error.errno)}")
    return f"{reason}：{error.filename}" if error.filename and with_file else reason
