"""The versioned JSON report (documented in docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

import orjson  # Deliberate exception to the stdlib-only engine: big reports serialise several times faster.

from reviewer.engine.results import AIReview, EngineResult

SCHEMA_NAME = "tfreview.report"
SCHEMA_VERSION = "1.0"


def report_dict(
    result: EngineResult, *, ai: AIReview | None = None, title: str | None = None
) -> dict[str, Any]:
    """The report as plain JSON-able data."""
    data = result.model_dump(mode="json", by_alias=True)
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "engine_version": data.pop("engine_version"),
        "risk": data.pop("risk"),
        "plan": data.pop("plan"),
        "summary": data.pop("summary"),
        "destructive_changes": data.pop("destructive_changes"),
        "findings": data.pop("findings"),
        "suppressed": data.pop("suppressed"),
        "redaction": data.pop("redaction"),
        "custom_instructions": data.pop("custom_instructions"),
        "ai": ai.model_dump(mode="json") if ai is not None else None,
    }


def render_json(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> str:
    # Compact on purpose (one line, no spaces): big plans give big reports.
    data = report_dict(result, ai=ai, title=title)
    try:
        return orjson.dumps(data).decode("utf-8") + "\n"
    except orjson.JSONEncodeError:  # a lone surrogate from the plan, or an integer beyond 64 bits
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
