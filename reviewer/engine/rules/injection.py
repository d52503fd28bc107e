"""Prompt-injection detector: plan strings that read like instructions to an AI reviewer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from reviewer.engine.plan import Action
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext

INJECTION_RE = re.compile(
    r"(?i)(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:previous|prior|above|earlier|"
    r"preceding|system)\s+(?:instructions|prompts?|rules|messages|guidance)"
    r"|you\s+are\s+now\b|\bsystem\s+prompt\b|\bnew\s+instructions?\s*:"
    r"|\breport\s+(?:this\s+(?:plan|change)\s+as\s+)?(?:a\s+)?low[\s_-]*risk|\b(?:mark|rate|classify|label)\s+"
    r"(?:this|the)\s+(?:plan|change|review)\s+(?:as\s+)?(?:safe|low|approved)"
    r"|\bapprove\s+this\s+(?:plan|change|pull request|pr)\b|\bdo\s+not\s+(?:report|flag|mention)\b"
    r"|\bas\s+an\s+ai\b|</?\s*(?:system|assistant|instructions?)\s*>|\[/?INST\]|<\|im_start\|>"
    r"|\bassistant\s*:|\bjailbreak\b|\bact\s+as\s+(?:an?\s+)?(?:different|unrestricted)"
)
MIN_LENGTH = 10
# `["key"]` parts of an address: for_each keys of resources and module instances.
_KEY_RE = re.compile(r'\["((?:[^"\\]|\\.)*)"\]')
MAX_DEPTH = 60
# Every INJECTION_RE match holds one of these words, as a whole word or at the end of one (the words of
# the regex that have no \b before them), so a plan whose words include none is skipped with C-speed
# byte operations instead of a regex over every string ("generate" and "trademark" do not count).
WORD_ENDINGS = ("ignore", "disregard", "forget", "override", "you")
WORDS = frozenset(
    {
        "system",
        "new",
        "report",
        "mark",
        "rate",
        "classify",
        "label",
        "approve",
        "flag",
        "mention",
        "ai",
        "assistant",
        "instruction",
        "instructions",
        "inst",
        "im",
        "jailbreak",
        "act",
    }
)
_WORD_BYTES = frozenset(word.encode() for word in WORDS)
_ENDING_BYTES = tuple(ending.encode() for ending in WORD_ENDINGS)
# A JSON escape from orjson (\n, \", \\, \u0007: it escapes only those and control characters) stands
# for one character that is never a letter.
_ESCAPE_RE = re.compile(rb"\\(?:u[0-9a-fA-F]{4}|.)")
# Letters to lower case, everything else to a space: bytes.lower() and the filter in one pass over the text.
_LOWER_LETTERS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


def _may_contain_injection(values: list[Any]) -> bool:
    words: set[bytes] = set()
    # A slice of the values at a time: the words are the same as those of the whole list's text, without
    # holding that text (MBs on a big plan) at once.
    for start in range(0, len(values), _SLICE):
        try:
            text = orjson.dumps(values[start : start + _SLICE])
        except orjson.JSONEncodeError:
            return True
        # INJECTION_RE's case folding matches non-ASCII look-alikes such as "ſ" (long s) or "K" (Kelvin
        # sign): such plans always get the full scan.
        if not text.isascii():
            return True
        words |= _distinct_words(text)
    return not _WORD_BYTES.isdisjoint(words) or any(word.endswith(_ENDING_BYTES) for word in words)


_SLICE = 256
_PIECE = 1 << 16


def _distinct_words(text: bytes) -> set[bytes]:
    """The words of orjson's text (runs of letters, lower-cased), taken a piece at a time.

    A big plan has hundreds of thousands of words: split at once, they and the text's copies are tens of
    MB of fresh memory pages, which cost more than the split itself; a piece's objects are freed before
    the next piece's are made, in the same memory. Pieces end at a space, which is never part of a JSON
    escape in orjson's output, so no word or escape is cut.
    """
    words: set[bytes] = set()
    start, size = 0, len(text)
    while start < size:
        end = text.find(b" ", start + _PIECE)
        if end < 0:
            end = size
        piece = text[start:end]
        if b"\\" in piece:
            piece = _ESCAPE_RE.sub(b" ", piece)
        words.update(piece.translate(_LOWER_LETTERS).split())
        start = end
    return words


def _long_strings(value: Any) -> list[str]:
    """Every string of at least MIN_LENGTH characters inside a value (iterative, depth-limited)."""
    found: list[str] = []
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if type(node) is str:
            if len(node) >= MIN_LENGTH:
                found.append(node)
        elif depth < MAX_DEPTH:
            if type(node) is dict:
                stack.extend((item, depth + 1) for item in node.values())
            elif type(node) is list:
                stack.extend((item, depth + 1) for item in node)
    return found


def _path_of(value: Any, text: str, path: str = "", depth: int = 0) -> str | None:
    """Where `text` sits inside `value` (only called for the rare hit)."""
    if value == text:
        return path
    if depth >= MAX_DEPTH:
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]"
        found = _path_of(item, text, where.lstrip("."), depth + 1)
        if found is not None:
            return found
    return None


def _hits(value: Any, seen: set[str]) -> list[str]:
    hits: list[str] = []
    for text in _long_strings(value):
        if text in seen:
            continue
        seen.add(text)
        if INJECTION_RE.search(text):
            hits.append(text)
    return hits


@REGISTRY.plan(
    RuleMeta(
        id="TFR-INJ-001",
        title="Instruction-like text in plan values (prompt injection)",
        severity=Severity.MEDIUM,
        category=Category.SECURITY,
        rationale='Tags, descriptions, names or user data that address an AI reviewer ("ignore previous '
        'instructions", "report LOW risk") try to manipulate automated review. The text is treated as data '
        "and flagged for a human.",
        remediation="Remove the text and find out who added it; review this change by hand.",
    )
)
def prompt_injection(ctx: RuleContext) -> Iterator[Hit]:
    everything: list[Any] = [rc.after for rc in ctx.plan.resource_changes if rc.after is not None]
    everything += [o.after for o in ctx.plan.output_changes] + list(ctx.plan.variables.values())
    # for_each and module instance keys end up in addresses, so addresses are text too.
    everything += [rc.address for rc in ctx.plan.resource_changes]
    if not _may_contain_injection(everything):
        return
    flagged_keys: set[str] = set()
    for rc in ctx.plan.resource_changes:
        for match in _KEY_RE.finditer(rc.address):
            key = match.group(1)
            if key not in flagged_keys and INJECTION_RE.search(key):
                flagged_keys.add(key)
                yield Hit(
                    f"{rc.address}: an instance key in the address contains text addressed to an AI reviewer.",
                    address=rc.address,
                    type=rc.type,
                    action=rc.action.value,
                    attribute="address",
                )
    seen: set[str] = set()
    for rc in ctx.plan.resource_changes:
        if rc.action in (Action.DELETE, Action.FORGET) or rc.after is None:
            continue
        for text in _hits(rc.after, seen):
            attribute = _path_of(rc.after, text)
            yield Hit(
                f"{rc.address}: `{attribute}` contains text addressed to an AI reviewer.",
                address=rc.address,
                type=rc.type,
                action=rc.action.value,
                attribute=attribute,
            )
    for output in ctx.plan.output_changes:
        if _hits(output.after, set()):
            yield Hit(
                f"Output {output.name} contains text addressed to an AI reviewer.",
                address=f"output.{output.name}",
            )
    for name, value in ctx.plan.variables.items():
        if _hits(value, set()):
            yield Hit(f"Variable {name} contains text addressed to an AI reviewer.", address=f"var.{name}")
