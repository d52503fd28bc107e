"""Demo mode: an in-process fake OpenAI server that writes a review from the prompt it receives."""

from __future__ import annotations

import re
import threading
from typing import Any

from reviewer.engine.prompt import ENGINE_RISK_PREFIX, TOTALS_PREFIX
from reviewer.llm.fakes.script import RecordedRequest, Reply, ok, review_result
from reviewer.llm.fakes.server import FakeKind, FakeServer, start_fake

_server: FakeServer | None = None
_lock = threading.Lock()
_HEADER_RE = re.compile(r"^# (?P<address>[^:\n]+): (?P<label>DELETE|REPLACE[^;\n]*)", re.MULTILINE)
_LEVEL_RE = re.compile(re.escape(ENGINE_RISK_PREFIX) + r"\s*(LOW|MEDIUM|HIGH|CRITICAL)")
_TOTAL_RE = re.compile(r"(\w[\w-]*)=(\d+)")


def _user_text(request: RecordedRequest) -> str:
    try:
        body: Any = request.json()
    except ValueError:
        return ""
    messages = body.get("messages", []) if isinstance(body, dict) else []
    return "\n".join(
        str(m.get("content", "")) for m in messages if isinstance(m, dict) and m.get("role") == "user"
    )


def demo_reply(request: RecordedRequest) -> Reply:
    """A plausible, clearly fake review built only from the counts and names in the prompt."""
    text = _user_text(request)
    level_match = _LEVEL_RE.search(text)
    level = level_match.group(1) if level_match else "LOW"
    totals: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith(TOTALS_PREFIX):
            totals = {k: int(v) for k, v in _TOTAL_RE.findall(line)}
            break
    destructive = _HEADER_RE.findall(text)
    parts = [f"{n} to {name}" for name, n in totals.items() if n and name not in ("no-op", "read")]
    # run_ai_review puts the "fake" label on top; this text only has to be plausible.
    summary = ["This plan has " + (", ".join(parts) if parts else "no resource changes") + "."]
    recommendations = ["Configure a real LLM provider (TFR_LLM_PROVIDER) for an actual review."]
    if destructive:
        summary.append("")
        summary.append("Destroyed or replaced:")
        summary.extend(f"- `{address}`: {label.lower()}" for address, label in destructive[:10])
        recommendations.insert(0, "Confirm every destroy and replacement is intended before applying.")
    summary.append("")
    summary.append(f"The rule engine rates this plan **{level}**; see its findings for the details.")
    return ok(
        review_result(
            risk_level=level,
            summary_md="\n".join(summary),
            justification=f"Echoes the rule engine's level ({level}); the fake does not assess risk.",
            recommendations=recommendations,
        )
    )


def demo_server() -> FakeServer:
    """The process-wide demo fake, started on first use."""
    global _server
    with _lock:
        if _server is None:
            _server = start_fake(FakeKind.OPENAI, demo_reply)
        return _server


def stop_demo_server() -> None:
    """Stop the demo fake if it runs (tests, shutdown)."""
    global _server
    with _lock:
        if _server is not None:
            _server.stop()
            _server = None
