"""Render an EngineResult (plus optional AI review) as Markdown, JSON, SARIF or terminal text."""

from __future__ import annotations

from typing import Literal

from reviewer.engine.reports.json_report import render_json, render_json_bytes
from reviewer.engine.reports.markdown import render_markdown
from reviewer.engine.reports.sarif import render_sarif
from reviewer.engine.reports.text import render_text
from reviewer.engine.results import AIReview, EngineResult

ReportFormat = Literal["md", "json", "sarif", "text"]
FORMATS: tuple[ReportFormat, ...] = ("text", "md", "json", "sarif")

__all__ = [
    "FORMATS",
    "ReportFormat",
    "render",
    "render_json",
    "render_json_bytes",
    "render_markdown",
    "render_sarif",
    "render_text",
]


def render(
    fmt: ReportFormat,
    result: EngineResult,
    *,
    ai: AIReview | None = None,
    title: str | None = None,
    color: bool = False,
) -> str:
    """Render one report; `color` only affects the text format."""
    if fmt == "md":
        return render_markdown(result, ai=ai, title=title)
    if fmt == "json":
        return render_json(result, ai=ai, title=title)
    if fmt == "sarif":
        return render_sarif(result, ai=ai, title=title)
    if fmt == "text":
        return render_text(result, ai=ai, title=title, color=color)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
