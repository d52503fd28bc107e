"""Prompt-injection detector: plan strings that read like instructions to an AI reviewer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

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
MAX_DEPTH = 60


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(attribute path, text) of every long-enough string; paths are only built on the way down."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        if len(value) >= MIN_LENGTH:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if type(item) is str and len(item) < MIN_LENGTH:
                continue
            yield from _strings(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if type(item) is str and len(item) < MIN_LENGTH:
                continue
            yield from _strings(item, f"{path}[{i}]", depth + 1)


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
    seen: set[str] = set()
    for rc in ctx.plan.resource_changes:
        if rc.action in (Action.DELETE, Action.FORGET) or rc.after is None:
            continue
        for attribute, text in _strings(rc.after, ""):
            if text in seen:
                continue
            if INJECTION_RE.search(text):
                yield Hit(
                    f"{rc.address}: `{attribute}` contains text addressed to an AI reviewer.",
                    address=rc.address,
                    type=rc.type,
                    action=rc.action.value,
                    attribute=attribute,
                )
            else:
                seen.add(text)
    for output in ctx.plan.output_changes:
        for attribute, text in _strings(output.after, output.name):
            if INJECTION_RE.search(text):
                yield Hit(
                    f"Output `{attribute}` contains text addressed to an AI reviewer.",
                    address=f"output.{output.name}",
                )
    for name, value in ctx.plan.variables.items():
        for attribute, text in _strings(value, name):
            if INJECTION_RE.search(text):
                yield Hit(
                    f"Variable `{attribute}` contains text addressed to an AI reviewer.",
                    address=f"var.{name}",
                )
