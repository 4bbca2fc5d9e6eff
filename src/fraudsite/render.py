"""Jinja rendering shared by every channel: one environment, strict about undefined names."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from fraudsite import clock
from fraudsite.config import Config
from fraudsite.errors import BuildFailed, problem
from fraudsite.litter import is_litter
from fraudsite.output import Written, write_fresh
from fraudsite.scriptjson import escape_for_script
from fraudsite.theme import theme_dirs
from fraudsite.urls import base_href, host_key, site_url, url_path


@dataclass(frozen=True)
class Page:
    """An output made from a template and the values it needs."""

    path: str  # site-relative output path, such as cases/x/index.html
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    shows: str = ""  # the source of the one item the page is about: the preview marks its drafts and warnings


@dataclass(frozen=True)
class Copy:
    """An output copied from a file as is (theme static files, images, attachments)."""

    path: str
    source: Path


@dataclass(frozen=True)
class Data:
    """An output whose bytes are made already, or by a function when it is written (large, plentiful files)."""

    path: str
    content: bytes | Callable[[], bytes]
    key: Any = None  # for a function: the values it makes the bytes from; while they are as last time, OUT's file stays

    def bytes(self) -> bytes:
        """The output's bytes."""
        return self.content() if callable(self.content) else self.content


@dataclass(frozen=True)
class Bundle:
    """An output made from other outputs once they are rendered (such as a zip of a page)."""

    path: str
    make: Callable[[Mapping[str, bytes | Path]], bytes]  # gets every rendered output by path


Output = Page | Copy | Data | Bundle


@dataclass(frozen=True)
class Deferred:
    """A channel's plan finished later, once work it started in the background is done (see channels/)."""

    finish: Callable[[], list[Output]]
    cancel: Callable[[], None]  # when the build fails before ``finish``


def make_environment(site_dir: Path, config: Config, compiled_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: site theme over default theme, autoescaping, StrictUndefined.

    With ``compiled_dir`` the compiled templates are kept there for the next build: compiling the theme
    costs a tenth of a second that an edit build otherwise spends on every run.
    """
    loader = _Loader([str(d / "templates") for d in theme_dirs(site_dir)])
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_CompiledTemplates(compiled_dir) if compiled_dir else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    base_path, base_url = base_href(config.base_path), config.base_url
    site_address = site_url(base_url, "")  # as pictures' full addresses begin (``local_images``)
    env.globals.update(
        config=config,
        url=lambda path="": base_path + url_path(path),  # a page's link: Chinese kept, as browsers show it
        abs_url=lambda path="": site_url(base_url, path),  # feeds, sitemap, og: tags: plain ASCII, RFC 3986
    )
    env.filters.update(
        date_zh=clock.chinese_date,
        datetime_zh=clock.chinese_datetime,
        until_zh=clock.chinese_until,
        iso_date=clock.iso_date,
        rfc822=clock.rfc822,
        isoformat=lambda moment: moment.isoformat(),
        yuan=format_yuan,
        filesize=format_size,
        script_json=script_json,
        epoch_ms=epoch_ms,
        scrollable=scrollable,
        lazy_images=partial(lazy_images, own_hosts=frozenset(config.own_hosts)),
        local_images=lambda html: Markup(str(html).replace(f' src="{site_address}', f' src="{base_path}')),
    )
    return env


_SCROLLED = re.compile(r"<(table|pre)(?=[ >])")


def scrollable(html: str) -> Markup:
    """A body's tables and code blocks reachable by keyboard (``tabindex="0"``): on a phone they scroll sideways,
    and a region that scrolls must take focus for those who cannot swipe. For the website's pages only."""
    return Markup(_SCROLLED.sub(r'<\1 tabindex="0"', str(html)))


def lazy_images(html: str, own_hosts: Collection[str] = ()) -> Markup:
    """A body's images fetched as the reader scrolls to them, not all with the page: a long case with photos
    costs a phone on mobile data only what is read; one on another website a link to it (``outside_images``).
    For the website's pages only."""
    return Markup(outside_images(str(html), own_hosts, '<img loading="lazy" decoding="async"'))


def outside_images(html: str, own_hosts: Collection[str], opening: str = "<img") -> str:
    """A body's pictures on another website (W306) as links to them: loaded, each would tell that site of every
    reader, which the column promises no page or website feed does, and show nothing on an intranet. Inside a
    link already (a screenshot linked to its source), its words alone: a link in a link is no HTML. The others
    begin with ``opening``. Not for WeChat: an article keeps an image WeChat itself serves."""
    in_link = 0

    def shown(tag: re.Match) -> str:
        nonlocal in_link
        if not tag.group().lower().startswith("<img"):
            in_link = max(0, in_link + (1 if tag.group()[1] != "/" else -1))
            return tag.group()
        source = _SOURCE.search(tag.group())
        address = unescape(source.group(1)) if source else ""
        if _ELSEWHERE.match(address) and host_key(urlsplit(address).netloc) not in own_hosts:
            alt = _ALT.search(tag.group())
            words = f"{(alt.group(1).strip() if alt else '') or '图片'}（别的网站上的图片"
            if in_link:
                return f'<span class="outside-image">{words}）</span>'
            return f'<a class="outside-image" href="{source.group(1)}">{words}，点击查看）</a>'
        return opening + tag.group()[4:]

    return _IMAGE_TAG.sub(shown, html)


_IMAGE_TAG = re.compile(r"<img(?=[ >/])[^>]*>|<a(?=[ >])[^>]*>|</a>", re.IGNORECASE)
_SOURCE = re.compile(r'\ssrc="([^"]*)"')
_ALT = re.compile(r'\salt="([^"]*)"')
_ELSEWHERE = re.compile(r"(?:https?:)?//", re.IGNORECASE)


def script_json(value: Any) -> Markup:
    """JSON safe inside an HTML ``<script>`` element (made when a page is rendered, not when it is planned)."""
    return Markup(escape_for_script(json.dumps(value, ensure_ascii=False, sort_keys=True)))


def epoch_ms(moment: datetime | None) -> int | None:
    """Milliseconds since 1970 (UTC), as JavaScript counts; None stays None."""
    return None if moment is None else int(moment.timestamp() * 1000)


def format_yuan(amount: int) -> str:
    """12345 -> 12,345 元; large amounts in 万元."""
    if amount >= 100_000:
        return f"{amount / 10_000:,.2f}".rstrip("0").rstrip(".") + " 万元"
    return f"{amount:,} 元"


def format_size(size: int) -> str:
    """A file size for readers: 532 KB, 1.2 MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / 1024 / 1024:.1f} MB"


class _NotUtf8(jinja2.TemplateError):
    """A template file that is not UTF-8 (saved in GBK by an editor), named: Jinja's own error named none."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _Loader(jinja2.FileSystemLoader):
    """The theme's folders, a file that cannot be read as UTF-8 named as such."""

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError:
            raise _NotUtf8(template) from None


def render_page(env: jinja2.Environment, page: Page) -> bytes:
    """Render one page to UTF-8 bytes; a template mistake names the template and line. A JSON template's output
    must be JSON: a screen's data file that is not stops every screen showing it."""
    with _template_mistakes(page.template):
        text = env.get_template(page.template).render(page.context)
        if page.template.endswith(".json"):
            _check_json(text, page.template)
        return text.encode("utf-8")


def template_problems(env: jinja2.Environment) -> list:
    """Every theme template that does not even load (a syntax error, not UTF-8), whether or not a page uses it:
    ``check`` renders only the templates the site's pages use, and a theme's other ones (the monthly report's,
    a screen profile not configured yet) would fail only on the day they are first used."""
    problems = []
    for name in env.list_templates(filter_func=is_template):
        try:
            with _template_mistakes(name):
                env.get_template(name)
        except BuildFailed as failure:
            problems += failure.problems
    return problems


def is_template(name: str) -> bool:
    """A file of the theme's templates folder that pages could use: not an editor's backup or swap file, nor one
    in a hidden folder (a notebook's .ipynb_checkpoints/)."""
    parts = tuple(name.split("/"))
    return (not is_litter(parts) and not any(part.startswith(".") for part in parts)
            and name.rpartition(".")[2] in ("html", "xml", "json", "js", "css"))


@contextmanager
def _template_mistakes(template: str) -> Iterator[None]:
    """Jinja's errors in ``template`` (or one it uses) as the problem to show the theme's editor, in Chinese."""
    try:
        yield
    except _NotUtf8 as error:
        raise BuildFailed([problem(f"theme/templates/{error.name}", 0, "E401", "",
                                   "模板文件不是 UTF-8 编码（可能是 GBK）；请在编辑器中以 UTF-8 编码重新保存")]) from None
    except RecursionError:  # {% include %} or {% extends %} coming back to a template it came from
        raise BuildFailed([problem(f"theme/templates/{template}", 0, "E404", "",
                                   "模板互相引用（include、extends 或 import）绕成了一个圈，永远渲染不完；"
                                   "请检查这个模板和它引用的模板")]) from None
    except jinja2.TemplateSyntaxError as error:
        raise BuildFailed([problem(f"theme/templates/{error.name or template}", error.lineno or 0, "E401", "",
                                   f"模板语法错误：{_in_chinese(error.message or '')}")]) from None
    except jinja2.UndefinedError as error:
        name, line = _template_place(error, template)
        raise BuildFailed([problem(f"theme/templates/{name}", line, "E402", "",
                                   f"模板使用了不存在的变量（{_in_chinese(error.message or '')}）；请检查拼写")]) from None
    except jinja2.TemplateNotFound as error:
        name, line = _template_place(error, template)
        raise BuildFailed([problem(f"theme/templates/{error.name}", 0, "E403", "",
                                   f"找不到模板文件（theme/templates/{name} 第 {line} 行引用了它）")]) from None
    except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, AttributeError, KeyError, IndexError) as error:
        name, line = _template_place(error, template)
        raise BuildFailed([problem(f"theme/templates/{name}", line, "E404", "",
                                   f"模板运行出错（{type(error).__name__}: {error}）；请检查这一行的写法")]) from None


def _check_json(text: str, template: str) -> None:
    """A JSON template's output parsed, its first mistake said at the line of the output it is on."""
    try:
        json.loads(text)
    except ValueError as error:
        line = getattr(error, "lineno", 0)
        raise BuildFailed([problem(f"theme/templates/{template}", 0, "E404", "",
                                   f"模板生成的不是有效的 JSON（生成结果第 {line} 行：{getattr(error, 'msg', error)}）；"
                                   "请检查逗号、引号和括号")]) from None


# Jinja's usual words for a template mistake, said in Chinese (anything else is shown as Jinja says it). Matched
# only when a template fails: a build that renders fine compiles none of them.
_JINJA_SAYS = [
    (r"'(.+)' has no attribute '(\w+)'", r"没有“\2”这一项"),
    (r"'(\w+)' is undefined", r"“\1”没有定义"),
    (r"No filter named '(\w+)'\.?", r"没有名为“\1”的过滤器"),
    (r"No test named '(\w+)'\.?", r"没有名为“\1”的测试"),
    (r"unexpected '([^']+)'", r"这里不该出现“\1”（括号或标签可能没有成对）"),
    (r"expected token '([^']+)', got '([^']+)'", r"这里应当是“\1”，却是“\2”（括号或标签可能没有成对）"),
    (r"(?s)Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.+?)\..*",
     r"这里不该出现“\1”：应当先写完 \2（标签可能没有成对）"),
    (r"(?s)Encountered unknown tag '(\w+)'.*", r"不认识的标签“\1”（可能拼错了，或前面的标签没有成对）"),
    (r"(?s)Unexpected end of template\..*", "模板意外结束（可能少了 endif、endfor 或 endblock）"),
    (r"Expected an expression, got 'end of statement block'", "这里缺少表达式（如 if 后面的条件），却已到了“%}”"),
    (r"Expected an expression, got 'end of print statement'", "这里缺少要显示的内容，却已到了“}}”"),
    (r"Expected an expression, got '(.+)'", r"这里缺少表达式，却是“\1”"),
]


def _in_chinese(message: str) -> str:
    import re

    for pattern, said in _JINJA_SAYS:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, said, message)
    return message


def compiled_any(directory: Path) -> bool:
    """Whether ``directory`` holds a template compiled by this code (``_CompiledTemplates``)."""
    try:
        return any(name.startswith(_compiled_prefix()) for name in os.listdir(directory))
    except OSError:  # none yet
        return False


def _compiled_prefix() -> str:
    from fraudsite.stamp import code_stamp

    return code_stamp() + "-"


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates (keyed by the template's source, checked on load), best effort:
    a folder that cannot be made or written only means compiling again.

    A compiled template also depends on the code (how a filter is called is fixed when it is compiled), so
    the files are named by the code stamp, and those of other code are removed.
    """

    def __init__(self, directory: Path):
        prefix = _compiled_prefix()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for stale in directory.iterdir():
                if not stale.name.startswith(prefix):
                    stale.unlink()
        except OSError:
            pass
        super().__init__(str(directory), f"{prefix}%s.cache")

    # Compiled templates are code: each file is signed like the content cache's (``cache.write_checked``), and
    # one that is damaged, from another machine or planted in the site folder is compiled again rather than run.

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from fraudsite.cache import read_checked

        body = read_checked(Path(self._get_cache_filename(bucket)), "")
        try:
            if body is not None:
                bucket.bytecode_from_string(body)
        except (ValueError, EOFError, pickle.UnpicklingError):  # damaged: compile
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from fraudsite.cache import write_checked

        try:
            write_checked(Path(self._get_cache_filename(bucket)), "", bucket.bytecode_to_string())
        except OSError:  # a folder that cannot be written: compiled again next time
            pass


def load_templates(env: jinja2.Environment) -> None:
    """Load every template of the theme into ``env`` now, before workers are forked: each worker of each round
    loaded the ones it used again (90 ms at most). Every one, since a page's template loads those it extends,
    includes or imports only as it renders. One that fails to load (a syntax error, a file saved in GBK) is left
    to ``render_page``, which says what is wrong when a page uses it."""
    for name in env.list_templates():
        try:
            env.get_template(name)
        except Exception:
            pass


def make_output(env: jinja2.Environment, output: Page | Data) -> bytes:
    """A page's or data file's bytes (in a worker, for a build that compares them with OUT's)."""
    return render_page(env, output) if isinstance(output, Page) else output.bytes()


def write_output(env: jinja2.Environment, folders: tuple[Path, Path], output: Page | Data) -> Written:
    """Make a page or data file and write it straight into a fresh staging folder (in the worker that makes it),
    linked into the spare too: ``folders`` is (staging, spare), see ``output.write_fresh``.

    A data file without a key comes back with its bytes' digest, which the page memo keeps for the next build.
    """
    root, spare = folders
    content = make_output(env, output)
    written = write_fresh(root, output.path, content, spare)
    if isinstance(output, Page) or output.key is not None:
        return written
    return replace(written, sha256=hashlib.sha256(content).hexdigest())


def _template_place(error: Exception, template: str) -> tuple[str, int]:
    """The template (its name in the theme) and line the error happened in: the innermost template's, so a mistake
    in an included or extended one is not blamed on the page's own."""
    traceback = error.__traceback__
    name, line = template, 0
    while traceback is not None:  # a template's frames run its file (theme/templates/…), Jinja's own its .py files
        filename = traceback.tb_frame.f_code.co_filename.replace("\\", "/")
        if "/templates/" in filename and not filename.endswith(".py"):
            line = traceback.tb_lineno
            name = filename.rsplit("/templates/", 1)[1]
        traceback = traceback.tb_next
    return name, line
