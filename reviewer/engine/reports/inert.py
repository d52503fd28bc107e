"""Hostile text made inert in Markdown: the one mechanism every report uses for plan text and model output.

Plan text (addresses, values, policy messages, commit messages) and model output are written by
people we do not trust. Wherever they land in Markdown (reports, Spacelift comments, SARIF), nothing in
them may become a link, an image, HTML or an autolink, and nothing may break out of the structure we
put it in (a table cell, a code span, a fenced block). The rules, for any CommonMark/GFM renderer:

- `[`, `]`, `<`, `>`, `&`, `\\` (and `|` in one-line text, whose backticks become `'`) are escaped, so no
  inline, reference, shortcut or footnote link or image, no link definition, no raw HTML or comment,
  no `<scheme:...>` autolink and no entity can form, whatever scheme, case, encoding or look-alike the
  target uses: there is no target left to parse;
- a word that a linkifier could turn into a link (it holds `.`, `@` or `:` followed by more text,
  including look-alike dots) becomes a code span, which no renderer linkifies (GitHub's bare-URL
  autolinks, markdown-it's linkify with fuzzy domains);
- model Markdown keeps its code: inline code spans as they are, fenced blocks re-emitted at column 0
  with a fence longer than any run inside and always closed, so a block can neither swallow what
  follows nor be closed early.

Backslash escapes and code spans survive a second pass unchanged, so the text stored on a review can
be made inert once and rendered again by every report (the transformation is idempotent).
"""

from __future__ import annotations

import re

# Characters after a backslash that make a CommonMark escape (ASCII punctuation).
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_BLOCK_SPECIAL = frozenset("\\[]<>&")
_INLINE_SPECIAL = _BLOCK_SPECIAL | frozenset("|")
# A word a linkifier might read as a URL, domain, e-mail or scheme: a dot, @ or colon followed by a letter,
# digit or slash (also full-width and ideographic look-alikes of `.`, `@` and `:`).
_LINKABLE_RE = re.compile(r"[.@:\u3002\uff0e\uff61\uff20\uff1a\u2024\ufe52\ufe55](?:[^\W_]|/)")
_WHITESPACE_RE = re.compile(r"(\s+)")
_FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_INFO_RE = re.compile(r"[^A-Za-z0-9_+.#-]")
_BACKTICK_RUN_RE = re.compile(r"`+")
_LINE_BREAK_RE = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")
# Markup that would have been active: links, images, definitions, HTML, entities, autolinks.
_ACTIVE_RE = re.compile(
    r"!?\[[^\]\n]*\]\s*[\[(]|(?m:^\s{0,3}\[[^\]\n]+\]:)|<\s*[A-Za-z!?/]|&#?[A-Za-z0-9]+;"
    r"|(?i:\b(?:javascript|vbscript|data|file)\s*:)|(?i:\bhttps?://|\bwww\.)"
)


def code(text: str | None, limit: int | None = None) -> str:
    """`text` as one code span that nothing in it can close early, safe in a table cell ('' for none)."""
    value = _LINE_BREAK_RE.sub(" ", text or "")
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    if not value:
        return ""
    # GFM splits table cells on every unescaped pipe, inside code spans too.
    value = value.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICK_RUN_RE.findall(value)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side when both have one, and needs one beside a backtick.
    pad = " " if value[0] in "` " or value[-1] in "` " else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _escape(text: str, special: frozenset[str]) -> str:
    """Backslash-escape `special` characters, keeping escapes already there (so a second pass is a no-op)."""
    out: list[str] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char == "\\" and i + 1 < size and text[i + 1] in _ASCII_PUNCT:
            out.append(text[i : i + 2])
            i += 2
            continue
        out.append("\\" + char if char in special else char)
        i += 1
    return "".join(out)


def _prose(text: str, special: frozenset[str]) -> list[str]:
    """Words of prose: linkable ones as code spans, the rest escaped."""
    return [
        _linkable(word)
        if word and not word.isspace() and _LINKABLE_RE.search(word)
        else _escape(word, special)
        for word in _WHITESPACE_RE.split(text)
    ]


_OPENING, _CLOSING = "(", ",;:."


def _linkable(word: str) -> str:
    """A linkable word as a code span, with the brackets and punctuation around it outside the span:
    `(a.b);` reads (`a.b`);, not `(a.b);`. None of them can make anything active. A closing bracket whose
    opening one is inside the word stays with it (`f(a.b)` is one span)."""
    core = word.lstrip(_OPENING)
    end = len(core)
    while end and (
        core[end - 1] in _CLOSING
        or (core[end - 1] == ")" and core.count(")", 0, end) > core.count("(", 0, end))
    ):
        end -= 1
    body = core[:end]
    if not _LINKABLE_RE.search(body):
        return code(word)
    return word[: len(word) - len(core)] + code(body) + core[end:]


def _join(pieces: list[str]) -> str:
    """Concatenate, keeping two code spans (or a code span and a backtick) from merging into one run."""
    out: list[str] = []
    for piece in pieces:
        if piece and out and out[-1] and out[-1][-1] == "`" and piece[0] == "`":
            out.append(" ")
        out.append(piece)
    return "".join(out)


def inline(text: str | None, limit: int | None = None) -> str:
    """Plan text or one line of model text as inert inline Markdown, safe in a table cell."""
    value = _LINE_BREAK_RE.sub(" ", text or "")
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    # Backticks become `'`: the only backticks of a line are then its code spans' own, single ones,
    # which every renderer (Slack's mrkdwn too) pairs the same way.
    return _join(_prose(value.replace("`", "'"), _INLINE_SPECIAL))


def _line(line: str) -> str:
    """One line of model Markdown outside fences: its code spans kept, the rest as prose."""
    pieces: list[str] = []
    prose: list[str] = []
    i, size = 0, len(line)
    while i < size:
        char = line[i]
        if char == "\\" and i + 1 < size and line[i + 1] in _ASCII_PUNCT:
            prose.append(line[i : i + 2])
            i += 2
            continue
        if char != "`":
            prose.append(char)
            i += 1
            continue
        run = _BACKTICK_RUN_RE.match(line, i)
        assert run is not None
        width = len(run.group(0))
        closing = next(
            (m for m in _BACKTICK_RUN_RE.finditer(line, run.end()) if len(m.group(0)) == width), None
        )
        if closing is None:
            prose.append("\\`" * width)
            i = run.end()
            continue
        pieces.extend(_prose("".join(prose), _BLOCK_SPECIAL))
        prose = []
        pieces.append(line[i : closing.end()])
        i = closing.end()
    pieces.extend(_prose("".join(prose), _BLOCK_SPECIAL))
    return _join(pieces)


def block(text: str | None) -> str:
    """Model Markdown made inert, its formatting (emphasis, lists, tables, code) kept."""
    lines = _LINE_BREAK_RE.split(text or "")
    out: list[str] = []
    i = 0
    while i < len(lines):
        opener = _FENCE_RE.match(lines[i])
        if opener is None:
            out.append(_line(lines[i]))
            i += 1
            continue
        mark = opener.group(1)
        body: list[str] = []
        i += 1
        while i < len(lines):
            closer = _FENCE_RE.match(lines[i])
            if (
                closer
                and closer.group(1)[0] == mark[0]
                and len(closer.group(1)) >= len(mark)
                and not closer.group(2).strip()
            ):
                i += 1
                break
            body.append(lines[i])
            i += 1
        runs = [len(m.group(0)) for line in body for m in re.finditer(re.escape(mark[0]) + "+", line)]
        fence = mark[0] * max(3, len(mark), max(runs, default=0) + 1)
        info = _INFO_RE.sub("", opener.group(2))[:30]
        # At column 0 and always closed: no container or missing fence decides where the code ends.
        out.extend([f"{fence}{info}", *body, fence])
    return "\n".join(out)


def has_active_markup(text: str) -> bool:
    """True when text holds what would have been a link, image, HTML, entity or autolink."""
    return _ACTIVE_RE.search(text) is not None


def sarif_text(text: str | None) -> str:
    """Text for a SARIF plain-text message: viewers render `[text](uri)` there, so brackets are escaped."""
    return (text or "").replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
