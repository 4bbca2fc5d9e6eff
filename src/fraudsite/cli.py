"""The ``fraudsite`` command line. Imports stay inside commands so ``--version`` starts fast."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from fraudsite import __version__


def run() -> None:
    """The program's entry point: ``main``, then the process ends without tearing down what it built.

    Freeing a loaded site object by object takes half a second at 10,000 items, after the work is done and
    reported; everything written is closed by then (files are written in ``with`` blocks, the build lock is
    the kernel's), so only the standard streams are flushed.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a reader that went away (``| head``): nothing more to say to it
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run one command; expected failures print a Chinese reason and return non-zero."""
    _utf8_console()
    parser = make_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # as parse_args says it, with what is most often behind it
        from fraudsite.newitem import misquoted_hint

        words = [str(getattr(args, "site_dir", "")), *unknown]  # the site folder may be a word of the title too
        hint = misquoted_hint(getattr(args, "kind", None), getattr(args, "title", ""), words)
        parser.error(f"不认识的参数：{' '.join(unknown)}{hint}")
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    from fraudsite.errors import BuildFailed, FraudsiteError, UsageError

    if getattr(args, "debug", False):  # a process the build starts afresh shows its traceback too
        os.environ["FRAUDSITE_DEBUG"] = "1"
    try:
        return args.run(args)
    except BuildFailed as failure:
        for item in failure.problems:
            print(item, file=sys.stderr)
        print(f"错误：{failure}{getattr(args, 'on_failure', '')}", file=sys.stderr)
        return 1
    except FraudsiteError as failure:
        print(f"错误：{failure}", file=sys.stderr)
        if args.debug:
            raise
        return 2 if isinstance(failure, UsageError) else 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as failure:  # an unexpected bug: one line by default, the traceback with --debug
        if args.debug:
            raise
        print(f"内部错误：{type(failure).__name__}: {failure}（加 --debug 查看详细信息，并请报告此问题）", file=sys.stderr)
        return 2


def _utf8_console() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


# argparse's own messages (English), as editors should read them.
_ARGPARSE_MESSAGES = (
    (r"unrecognized arguments: (.*)", r"不认识的参数：\1"),
    (r"the following arguments are required: (.*)", r"缺少必须写的参数：\1"),
    (r"argument (.*?): invalid choice: (.*?) \(choose from (.*)\)", r"参数 \1 的值 \2 无效；可选：\3"),
    (r"argument (.*?): expected one argument", r"参数 \1 后面要写一个值"),
    (r"argument (.*?): expected at least one argument", r"参数 \1 后面至少要写一个值"),
    (r"argument (.*?): invalid int value: (.*)", r"参数 \1 的值 \2 不是整数"),
    (r"argument (.*?): invalid \w+ value: (.*)", r"参数 \1 的值 \2 无效"),
    (r"argument (.*?): ignored explicit argument (.*)", r"参数 \1 后面不能写值 \2"),
    (r"argument (.*?): (.*[^\x00-\x7f].*)", r"参数 \1：\2"),  # a reason of our own (``_port``), in Chinese already
    (r"ambiguous option: (.*?) could match (.*)", r"选项 \1 不明确，可能是：\2"),
)


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: headings, the help option and the usage errors (exit code 2)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        add_help, parents = kwargs.pop("add_help", True), kwargs.pop("parents", [])
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title, self._optionals.title = "参数", "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", help="显示本说明后退出")
        # The shared options join this parser's own headings only once those are in Chinese, as theirs are: added
        # by argparse before, they came under a second "选项" heading.
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str):
        import re

        for pattern, chinese in _ARGPARSE_MESSAGES:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, chinese, message)
                break
        if message == "缺少必须写的参数：title":  # or one starting with "-", taken for an option
            message = (f"缺少标题；请把标题用英文引号括起来，例如 {self.prog} \"兼职刷单被骗\"；标题以“-”开头时，"
                       f"把它写在命令最后并在前面加上 --，例如 {self.prog} … -- \"-标题\"")
        if chosen := re.fullmatch(r"参数 COMMAND 的值 '(.*?)' 无效；可选：(.*)", message):  # fraudsite bulid
            from fraudsite.errors import did_you_mean

            hint = did_you_mean(chosen.group(1), re.findall(r"'([^']+)'", chosen.group(2)))
            message = f"没有“{chosen.group(1)}”这个命令；{hint}" if hint.startswith("是否想写") else message
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{message}（{self.prog} --help 列出全部用法）\n")


def _port(text: str) -> int:
    """A TCP port number, as argparse's ``type``."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"端口应为 0 到 65535 之间的整数，而不是“{text}”")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    """All commands and their options."""
    shared = _Parser(add_help=False)
    shared.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR", help="网站目录（默认：当前目录）")
    shared.add_argument("--config", type=Path, help="配置文件（默认：SITE_DIR/fraudsite.yaml）")
    shared.add_argument("--now", help="把当前时间固定为 \"YYYY-MM-DD HH:MM\"（测试、预览未来某天）")
    shared.add_argument("--drafts", action="store_true", help="包含草稿")
    shared.add_argument("--future", action="store_true", help="包含尚未到发布时间的内容")
    shared.add_argument("-q", "--quiet", action="store_true", help="只输出错误")
    shared.add_argument("--debug", action="store_true", help="出错时显示详细的调用栈")

    parser = _Parser(prog="fraudsite", description="反诈防骗宣传专栏的静态网站生成器")
    parser.add_argument("--version", action="version", version=f"fraudsite {__version__}", help="显示版本号后退出")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", parents=[shared], help="生成网站到输出目录")
    build.add_argument("-o", "--output", type=Path, help="输出目录（默认：SITE_DIR/build）")
    build.add_argument("--base-url", help="覆盖配置中的 base_url")
    build.add_argument("--force", action="store_true", help="允许替换不是 fraudsite 生成的输出目录")
    build.add_argument("--json", action="store_true", help="以 JSON 输出构建摘要")
    build.set_defaults(run=run_build, on_failure="未生成网站，原有输出保持不变。")

    init = commands.add_parser("init", help="创建一个新网站（配置和两篇示例）")
    init.add_argument("directory", type=Path, metavar="DIR", help="新网站的目录")
    init.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    init.set_defaults(run=run_init)

    check = commands.add_parser("check", parents=[shared], help="检查全部内容（含个人信息扫描），不写任何文件")
    check.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    check.add_argument("--strict", action="store_true", help="有警告也以 1 退出")
    check.set_defaults(run=run_check)

    report = commands.add_parser("report", parents=[shared], help="宣传工作月报：每周发布、案例与损失、当前通知")
    report.add_argument("--month", metavar="YYYY-MM", help="整个月的报表，如 --month 2026-11（上个月的月报就写上个月）")
    report.add_argument("--from", dest="start", metavar="DATE", help="起始日期 YYYY-MM-DD，或月份 YYYY-MM（默认：本月 1 日）")
    report.add_argument("--to", dest="end", metavar="DATE", help="截止日期 YYYY-MM-DD（含当天），或月份 YYYY-MM（到月底）（默认：今天）")
    report.add_argument("--format", choices=("text", "csv", "json", "html"), default="text", help="输出格式（默认 text）")
    report.set_defaults(run=run_report)

    serve = commands.add_parser("serve", parents=[shared], help="本机预览：保存文件后自动重新生成并刷新浏览器")
    serve.add_argument("--port", type=_port, default=8000, help="端口（默认 8000）")
    serve.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，只有本机能打开）")
    serve.add_argument("--no-drafts", action="store_true", help="不显示草稿（默认显示，并标出“草稿”）")
    serve.set_defaults(run=run_serve)

    new = commands.add_parser("new", help="新建一篇案例或通知（草稿），并显示文件位置")
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    new_case = kinds.add_parser("case", help="新建典型案例")
    new_case.add_argument("--type", help="诈骗类型的键，例如 shuadan")
    new_case.add_argument("--audience", nargs="+", metavar="KEY", help="受众的键，可写多个，例如 students parents")
    new_notice = kinds.add_parser("notice", help="新建通知公告")
    new_notice.add_argument("--issuer", help="发布单位（默认：配置中的 office.name）")
    new_notice.add_argument("--expires", metavar="DATE", help="失效日期 YYYY-MM-DD")
    new_notice.add_argument("--urgent", action="store_true", help="紧急通知（必须有失效日期，默认 7 天后）")
    for kind in (new_case, new_notice):
        kind.add_argument("title", help="标题（用引号括起来）")
        kind.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR", help="网站目录（默认：当前目录）")
        kind.add_argument("--slug", help="网址的最后一段（默认：日期加标题拼音）")
        kind.add_argument("--date", metavar="DATE", help="发布日期 YYYY-MM-DD，或加时间 \"YYYY-MM-DD HH:MM\"（默认：今天）")
        kind.add_argument("--config", type=Path, help="配置文件（默认：SITE_DIR/fraudsite.yaml）")
        kind.add_argument("-q", "--quiet", action="store_true", help="只输出文件路径")
        kind.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    new.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    new.set_defaults(run=run_new)

    clean = commands.add_parser("clean", parents=[shared], help="删除输出目录和缓存")
    clean.add_argument("-o", "--output", type=Path, help="输出目录（默认：SITE_DIR/build）")
    clean.set_defaults(run=run_clean)
    return parser


def build_options(args: argparse.Namespace):
    """BuildOptions from the shared command-line options."""
    from fraudsite.build import BuildOptions

    site_dir = args.site_dir
    config_path = args.config or site_dir / "fraudsite.yaml"
    return BuildOptions(
        site_dir=site_dir,
        out_dir=getattr(args, "output", None) or site_dir / "build",
        config_path=config_path,
        now=parse_now_option(args.now, config_path, getattr(args, "base_url", None)) if args.now else None,
        drafts=args.drafts,
        future=args.future,
        base_url=getattr(args, "base_url", None),
        force=getattr(args, "force", False),
    )


def parse_now_option(text: str, config_path: Path, base_url: str | None):
    """``--now`` in the site's time zone."""
    from fraudsite.clock import BadWhen, parse_now
    from fraudsite.config import load_config
    from fraudsite.errors import UsageError

    config = load_config(config_path, base_url)
    try:
        return parse_now(text, config.tz)
    except BadWhen as error:
        raise UsageError(f"--now：{error}") from None


def run_build(args: argparse.Namespace) -> int:
    """``fraudsite build``"""
    from fraudsite.build import build

    report = build(build_options(args))
    if not args.quiet:  # with --json too: stdout is the JSON alone, and a warning said once (W206) is not lost
        for item in report.warnings:
            print(item, file=sys.stderr)
    if args.json:
        print(json.dumps(summary_data(report), ensure_ascii=False, sort_keys=True))
    elif not args.quiet:
        print(summary_line(report))
    return 0


def summary_data(report) -> dict:
    """The build summary as plain data (for ``--json``)."""
    return {
        "items": report.items,
        "pages": report.pages,
        "rendered": report.rendered,
        "written": report.stats.written,
        "unchanged": report.stats.unchanged,
        "removed": report.stats.removed,
        "warnings": len(report.warnings),
        "problems": [warning.data() for warning in report.warnings],
        "seconds": round(report.seconds, 3),
        "next_change": report.next_change.isoformat() if report.next_change else None,
    }


def summary_line(report) -> str:
    """One line: what was built, and when the clock alone will change the site next."""
    from fraudsite.clock import chinese_datetime

    stats = report.stats
    line = (f"完成：{report.items} 篇内容，{report.pages} 个页面（渲染 {report.rendered}）；写入 {stats.written}，未变 {stats.unchanged}，"
            f"删除 {stats.removed}；警告 {len(report.warnings)}；用时 {report.seconds:.2f} 秒。")
    if report.next_change:
        line += f"下次因时间变化需重新构建：{chinese_datetime(report.next_change)}"
        line += f"（{report.next_change.isoformat()}）。"
    return line


def run_check(args: argparse.Namespace) -> int:
    """``fraudsite check``"""
    from fraudsite.check import check_site, result_data, summary_line

    result = check_site(build_options(args))
    if args.format == "json":
        print(json.dumps(result_data(result, args.strict), ensure_ascii=False, indent=2))
    else:
        for item in result.problems:  # quiet: what fails the check, which with --strict a warning does too
            if not args.quiet or item.severity == "error" or args.strict:
                print(item)
        if not args.quiet:
            print(summary_line(result))
    return result.exit_code(args.strict)


def run_report(args: argparse.Namespace) -> int:
    """``fraudsite report``"""
    from datetime import timedelta

    from fraudsite.errors import UsageError
    from fraudsite.report import write_report

    if args.drafts or args.future:  # the shared options: a report counts what readers could see, and no more
        raise UsageError("报告只统计已经发布的内容，不能加 --drafts 或 --future；要看某一时刻的情况，请用 --now")
    text, first, last = write_report(build_options(args), args.start, args.end, args.format, args.month)
    sys.stdout.write(text)
    if not (args.start or args.end or args.month) and last.day < 7:  # the days a monthly report is usually due
        previous = first - timedelta(days=1)
        print(f"提示：这是本月 {first.day} 日至 {last.day} 日的报表；上个月的月报请用 "
              f"fraudsite report --month {previous:%Y-%m}", file=sys.stderr)
    return 0


def run_init(args: argparse.Namespace) -> int:
    """``fraudsite init DIR``"""
    from fraudsite.scaffold import create_site

    for path in create_site(args.directory):
        print(f"已创建 {path}")
    directory = shell_word(str(args.directory))
    print(f"两篇示例是草稿，不会发布；预览会显示草稿：fraudsite serve {directory}")
    # Each command names the site folder: pasted where init was run (its parent), each works as shown.
    print(f"下一步：改好 fraudsite.yaml 中标了“请修改”“请填写”的几项，写第一篇："
          f"fraudsite new case \"标题\" {directory} --type shuadan --audience students（换成实际的标题、类型和受众），"
          f"再 fraudsite build {directory}")
    return 0


def shell_word(text: str) -> str:
    """``text`` as one word of a command to copy: in double quotes if it holds a space or a shell's special
    character (a Windows folder name often has a space), which bash, PowerShell and cmd all read as one word."""
    return f'"{text}"' if not text or any(c.isspace() or c in "&;|<>()$`'\"*?[]#~!{}" for c in text) else text


def run_serve(args: argparse.Namespace) -> int:
    """``fraudsite serve``"""
    from dataclasses import replace

    from fraudsite.serve import run_server

    options = replace(build_options(args), drafts=not args.no_drafts)
    return run_server(options, args.host, args.port, quiet=args.quiet)


def run_new(args: argparse.Namespace) -> int:
    """``fraudsite new case|notice "标题"``"""
    from fraudsite.newitem import create_item

    path = create_item(args)
    print(path if args.quiet else f"已创建 {path}\n请用文本编辑器打开它，按注释填写；写好后把 draft: true 改为 draft: false。")
    return 0


def run_clean(args: argparse.Namespace) -> int:
    """``fraudsite clean``"""
    import contextlib

    from fraudsite.build import CACHE_DIR
    from fraudsite.config import require_site
    from fraudsite.errors import FraudsiteError
    from fraudsite.lock import LOCK_FILE, try_build_lock
    from fraudsite.output import remove_output, remove_tree
    from fraudsite.serve import forget_kept_preview

    require_site(args.config or args.site_dir / "fraudsite.yaml")  # a mistyped folder: not "nothing to delete"
    cache = args.site_dir / CACHE_DIR
    had_cache = cache.is_dir()
    held = try_build_lock(cache)  # a build running now would make both again, and be cut short
    if held is None:
        raise FraudsiteError(f"没有删除任何文件：这个网站正在生成（fraudsite build 或预览正在写入），或者 {cache} 无法写入；"
                             "请等生成结束，或检查那个文件夹的权限，再运行 fraudsite clean")
    out_dir = args.output or args.site_dir / "build"
    with held:
        removed = [f"输出目录 {out_dir}"] if remove_output(out_dir) else []
        for entry in cache.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                remove_tree(entry)
            elif entry.name != LOCK_FILE:
                entry.unlink()
        with contextlib.suppress(OSError):  # while held, so no build takes it between (``lock.build_lock``)
            (cache / LOCK_FILE).unlink()
    with contextlib.suppress(OSError):  # Windows deletes no file held open: once let go
        (cache / LOCK_FILE).unlink(missing_ok=True)
        cache.rmdir()
    if had_cache:
        removed.append(f"缓存 {cache}")
    preview = forget_kept_preview(args.site_dir)  # kept outside the site, in this user's cache
    if preview:
        removed.append("上次预览留下的文件")
    if not args.quiet:
        print(f"已删除{'、'.join(removed)}。" if removed else "没有需要删除的内容。")
        if preview is None:
            print("这个网站的预览正在运行，它的文件没有删除；停止预览后再运行 fraudsite clean 即可删除。")
    return 0
