"""The versioned JSON report (documented in docs/report-json.md)."""

from __future__ import annotations

import json
from typing import Any

import orjson  # Deliberate exception to the stdlib-only engine: big reports serialise several times faster.

from reviewer.engine.results import AIReview, EngineResult, to_json

SCHEMA_NAME = "tfreview.report"
SCHEMA_VERSION = "1.0"


def report_dict(
    result: EngineResult, *, ai: AIReview | None = None, title: str | None = None, plain: bool = True
) -> dict[str, Any]:
    """The report as JSON-able data; with plain=False the findings stay dataclasses (for orjson)."""
    findings: Any = result.findings
    suppressed: Any = result.suppressed
    if plain:
        findings, suppressed = to_json(findings), to_json(suppressed)
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": title,
        "engine_version": result.engine_version,
        "risk": to_json(result.risk),
        "plan": to_json(result.plan),
        "summary": to_json(result.summary),
        "destructive_changes": to_json(result.destructive_changes),
        "findings": findings,
        "suppressed": suppressed,
        "redaction": to_json(result.redaction),
        "custom_instructions": result.custom_instructions,
        "ai": to_json(ai) if ai is not None else None,
    }


def render_json(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> str:
    # Compact on purpose (one line, no spaces): big plans give big reports. orjson writes the findings
    # (dataclasses with enum fields, in field order) itself, the bulk of a big report.
    try:
        return orjson.dumps(report_dict(result, ai=ai, title=title, plain=False)).decode("utf-8") + "\n"
    except orjson.JSONEncodeError:  # a lone surrogate from the plan, or an integer beyond 64 bits
        data = report_dict(result, ai=ai, title=title)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
