"""What a real CommonMark + GFM parser (markdown-it-py, tables, strikethrough, linkify) finds active in text.

Allowed, and decided here: no link or image at all (the reports emit none of their own), and only the
report's own layout HTML (`<details>`, `<summary>`, `<sub>`). Anything else a renderer would turn into a
link, an image or markup is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markdown_it import MarkdownIt
from markdown_it.token import Token

OUR_HTML = frozenset({"<details>", "</details>", "<summary>", "</summary>", "<sub>", "</sub>"})
# Elements plain Markdown renders to; a, img and raw HTML elements are not among them.
SAFE_ELEMENTS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote",
     "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "s", "details", "summary", "sub"}
)  # fmt: skip
_TAG_RE = re.compile(r"<[^>]*>")
_ELEMENT_RE = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_PARSER = MarkdownIt("gfm-like", {"linkify": True, "html": True})
assert _PARSER.linkify is not None  # linkify-it-py is installed (a dev dependency)
_PARSER.linkify.set({"fuzzy_link": True, "fuzzy_email": True, "fuzzy_ip": True})
# markdown-it drops javascript:/vbscript:/file:/data: targets itself; other renderers may not, so count them.
_PARSER.validateLink = lambda url: True  # type: ignore[method-assign]


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _tokens(token.children)


def active_parts(markdown: str) -> list[str]:
    """Links, images and foreign HTML a GFM renderer (with linkify) would make of `markdown`."""
    found: list[str] = []
    for token in _tokens(_PARSER.parse(markdown)):
        if token.type in ("link_open", "image"):
            found.append(f"{token.type} {token.attrGet('href') or token.attrGet('src')!r} ({token.markup})")
        elif token.type in ("html_inline", "html_block"):
            foreign = [tag for tag in _TAG_RE.findall(token.content) if tag not in OUR_HTML]
            stray = _TAG_RE.sub("", token.content) if token.type == "html_inline" else ""
            if foreign or stray.strip():
                found.append(f"{token.type} {token.content!r}")
    html = _PARSER.render(markdown)
    found.extend(
        f"element <{name}>" for name in _ELEMENT_RE.findall(html) if name.lower() not in SAFE_ELEMENTS
    )
    return found
