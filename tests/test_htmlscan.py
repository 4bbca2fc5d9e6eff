"""The quick HTML reader gives its handlers exactly the calls html.parser would."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsite.htmlscan import _events, read_html
from fraudsite.markup import LinkContext, render_body
from test_markup import MARKDOWN_PIECES


class Recorder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.calls: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.calls.append(("start", tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.calls.append(("startend", tag, attrs))

    def handle_endtag(self, tag):
        self.calls.append(("end", tag))

    def handle_data(self, data):
        self.calls.append(("data", data))


def calls(html: str, quick: bool) -> list[tuple]:
    recorder = Recorder()
    if quick:
        read_html(recorder, html)
    else:
        recorder.feed(html)
        recorder.close()
    return recorder.calls


HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<P>", "</P >", "<br>", "<br/>", "<br />", "<img src=\"a.png\" alt=\"图\">", '<td style="text-align: center">',
    "<a href=\"https://a.example/?x=1&amp;y=2\" title=\"a>b\">", "</a>", "<div class=\"footnote\">", "</div>",
    "<input disabled>", '<sup id="fnref:1">', "</sup>", "诈骗", "转账 ", "\n", "&amp;", "&lt;", "&nbsp;", "&#12345;",
    "&bogus", "a&b", "<", ">", "<!-- 注释 -->", "<script>x<y</script>", "<style>p{}</style>", "<!doctype html>",
    "<h1-x>", "</a b>", "<a title='单引号'>", "<a href=x>", '"', "'", '<p\u3000class="x">', "</p\u3000>", "\u3000",
    "\xa0", '<b\x0bid="y">', "<title>", "</title>", "<textarea>", "</textarea>",
])


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(HTML_PIECES, max_size=30).map("".join))
def test_the_quick_reader_makes_html_parsers_calls_for_any_html(html):
    assert calls(html, quick=True) == calls(html, quick=False)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(MARKDOWN_PIECES, max_size=40).map("".join))
def test_rendered_bodies_take_the_quick_path(body):
    context = LinkContext("content/cases/a.md", body + "\n\n| 表 | 格 |\n|:-:|--|\n| 1 | 2 |\n", 1, "/fzzl/", {},
                          lambda path: True)
    html = render_body(context).html
    assert _events(html) is not None  # nh3's output is always of the shape the quick reader reads itself
    assert calls(html, quick=True) == calls(html, quick=False)
