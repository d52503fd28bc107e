"""The versioned JSON report (documented in docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

import orjson  # Deliberate exception to the stdlib-only engine: big reports serialise several times faster.

from reviewer.engine.reports.common import posture_section
from reviewer.engine.results import AIReview, EngineResult, to_json

SCHEMA_NAME = "tfreview.report"
SCHEMA_VERSION = "1.2"


def report_dict(
    result: EngineResult, *, ai: AIReview | None = None, title: str | None = None, plain: bool = True
) -> dict[str, Any]:
    """The report as JSON-able data; with plain=False the findings and destructive changes stay
    dataclasses, which orjson writes itself (in field order, enums as values): the bulk of a big report."""
    convert = to_json if plain else _as_is
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "engine_version": result.engine_version,
        "risk": to_json(result.risk),
        "posture": posture_section(result),
        "plan": to_json(result.plan),
        "summary": to_json(result.summary),  # always converted: its `import_` field is written "import"
        "destructive_changes": convert(result.destructive_changes),
        "findings": convert(result.findings),
        "suppressed": convert(result.suppressed),
        "redaction": to_json(result.redaction),
        "custom_instructions": result.custom_instructions,
        "ai": to_json(ai) if ai is not None else None,
    }


def _as_is(value: Any) -> Any:
    return value


def render_json_bytes(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> bytes:
    """The JSON report as UTF-8 bytes, one line plus a newline (compact on purpose: big plans give big
    reports)."""
    try:
        return orjson.dumps(
            report_dict(result, ai=ai, title=title, plain=False), option=orjson.OPT_APPEND_NEWLINE
        )
    except orjson.JSONEncodeError:  # a lone surrogate from the plan, or an integer beyond 64 bits
        text = json.dumps(report_dict(result, ai=ai, title=title), ensure_ascii=False, separators=(",", ":"))
        # A lone surrogate can only sit inside a JSON string, where its \udxxx escape is valid JSON and
        # valid UTF-8 (the raw code point is neither).
        return (text + "\n").encode("utf-8", "backslashreplace")


def render_json(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> str:
    return render_json_bytes(result, ai=ai, title=title).decode("utf-8")
