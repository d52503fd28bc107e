"""Markdown for PR/run comments: always under 65,000 characters, most important content first."""

from __future__ import annotations

from reviewer.engine.reports.common import (
    RISK_ICON,
    SEVERITY_ICON,
    is_priority,
    location,
    plan_health,
    posture_findings,
    status_label,
    summary_line,
)
from reviewer.engine.reports.inert import block, code, inline
from reviewer.engine.results import AIReview, AIStatus, EngineResult, Finding
from reviewer.engine.rules.catalog_types import STATEFUL_TYPES
from reviewer.engine.scoring import posture_line

MAX_CHARS = 65_000
# Room kept for the closing sections and the truncation note.
RESERVE = 3_000
MAX_CELL = 400
TRUNCATION_NOTE = (
    "\n> ✂️ This comment was shortened to stay under GitHub/Spacelift's 65,000-character limit: "
    "{omitted} more finding(s) and {changes} more destroy/replace row(s) are not shown. "
    "The JSON or SARIF report has everything.\n"
)


def cell(text: str | None, limit: int = MAX_CELL) -> str:
    """Plan or model text made inert for a table cell or a line (see reports.inert)."""
    return inline(text, limit)


def words(text: str | None, limit: int = MAX_CELL) -> str:
    """The engine's words (the verdict, its reasons) with plan addresses in them: cell(), whose code spans
    leave the brackets and punctuation around an address outside (`(a.b);` reads (`a.b`);)."""
    return inline(text, limit)


def _row(finding: Finding) -> str:
    return (
        f"| {SEVERITY_ICON[finding.severity]} {finding.severity.value} | {code(finding.rule_id, 80)} | "
        f"{code(location(finding), 200)} | {cell(finding.message)} | {status_label(finding)} |"
    )


ACTION_LABEL = {
    "delete": "🗑️ destroy",
    "replace_destroy_first": "♻️ replace (destroy first)",
    "replace_create_first": "♻️ replace (create first)",
    "replace_forget": "♻️ replace (old object forgotten)",
}
ACTION_ORDER = {"delete": 0, "replace_destroy_first": 1, "replace_create_first": 2, "replace_forget": 3}
TABLE_HEAD = "| Severity | Rule | Resource | Finding | Status |\n|---|---|---|---|---|"


class _Budget:
    """Accumulates lines while the total stays under a limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self.size = 0

    def fits(self, text: str) -> bool:
        return self.size + len(text) + 1 <= self.limit

    def add(self, text: str) -> bool:
        if not self.fits(text):
            return False
        self.lines.append(text)
        self.size += len(text) + 1
        return True


def _rows_within(findings: list[Finding], limit: int) -> list[str]:
    """Table rows of the leading findings that fit in `limit` characters."""
    body = _Budget(limit)
    for finding in findings:
        if not body.add(_row(finding)):
            break
    return body.lines


def _add_details(out: _Budget, summary: str, rows: list[str]) -> None:
    """A findings table folded in a <details> block."""
    out.add(f"<details><summary>{summary}</summary>")
    out.add("")
    out.add(TABLE_HEAD)
    for line in rows:
        out.add(line)
    out.add("")
    out.add("</details>")
    out.add("")


def render_markdown(result: EngineResult, *, ai: AIReview | None = None, title: str | None = None) -> str:
    """The review as a Markdown comment (destroys, replaces and HIGH/CRITICAL first)."""
    out = _Budget(MAX_CHARS - RESERVE)
    risk = result.risk
    posture = posture_findings(result)
    heading = cell(title, 200) if title else "tfreview plan review"
    out.add(f"## {RISK_ICON[risk.level.value]} {heading}: {risk.level.value} risk ({risk.score}/100)")
    out.add("")
    if risk.verdict:
        # The engine's words hold resource addresses from the plan: inert like every plan text.
        out.add(f"**{words(risk.verdict, 1000)}**")
        out.add("")
    plan = result.plan
    facts = [
        f"Terraform {cell(plan.terraform_version or '?', 40)}",
        f"format {cell(plan.format_version or '?', 20)}",
    ]
    health = plan_health(result)
    if health:
        facts.append(f"⚠️ plan {', '.join(health)}: not safe to apply")
    out.add(f"**Plan:** {' · '.join(facts)} · sha256 `{plan.sha256[:12]}`  ")
    out.add(f"**Changes:** {summary_line(result.summary)}  ")
    if posture:
        out.add(f"**Posture:** {posture_line(posture)}; not caused by this plan, listed at the end.")
    out.add("")
    out.add("### Why this risk level")
    for reason in risk.reasons:
        out.add(f"- {words(reason, 600)}")
    out.add("")

    if ai is not None and ai.status is AIStatus.OK and ai.summary_md.strip():
        out.add(f"### AI review ({cell(ai.provider, 40)}{' · ' + cell(ai.model, 60) if ai.model else ''})")
        summary = ai.summary_md.strip()
        # Cut before making it inert, so the cut can never leave a fence or a code span open.
        out.add(block(summary[:20_000] + ("…" if len(summary) > 20_000 else "")))
        out.add("")
        for item in ai.recommendations[:20]:
            out.add(f"- {cell(item, 600)}")
        out.add("")
    elif ai is not None and ai.status is not AIStatus.OK:
        out.add(f"_AI review {ai.status.value}{': ' + cell(ai.error, 300) if ai.error else ''}._")
        out.add("")

    findings = result.findings
    # The level is about this change; findings already present are posture, shown last and apart.
    changed = [f for f in findings if f.introduced]
    # Plan-wide findings (mass deletion, plan health) first: one row each that a shortened table keeps.
    priority = sorted((f for f in changed if is_priority(f)), key=lambda f: f.address is not None)
    rest = [f for f in changed if not is_priority(f)]
    omitted = 0
    omitted_changes = 0

    # Data-bearing resources first, then downtime (destroy-first), then the rest.
    destructive = sorted(
        result.destructive_changes,
        key=lambda c: (c.type not in STATEFUL_TYPES, ACTION_ORDER.get(c.action, 9), c.address),
    )
    if destructive:
        out.add(f"### Destroys and replacements ({len(destructive)})")
        out.add("| Action | Resource | Why |\n|---|---|---|")
        # Keep at least half the budget for findings however many resources are destroyed.
        limit = out.size + (out.limit - out.size) // 2
        for i, change in enumerate(destructive):
            why = change.reason or ""
            if change.replace_paths:
                why = f"{why}; forced by {', '.join(change.replace_paths[:3])}".lstrip("; ")
            row = f"| {ACTION_LABEL.get(change.action, change.action)} | {code(change.address, 200)} | {cell(why, 200)} |"
            if out.size + len(row) > limit or not out.add(row):
                out.add(f"| … | {len(destructive) - i} more destroy/replace(s) not shown | |")
                omitted_changes = len(destructive) - i
                break
        out.add("")

    if priority:
        out.add(f"### HIGH/CRITICAL and destructive findings of this plan ({len(priority)})")
        out.add(TABLE_HEAD)
        for i, finding in enumerate(priority):
            if not out.add(_row(finding)):
                omitted += len(priority) - i
                break
        out.add("")
    if rest:
        rows = _rows_within(rest, out.limit - out.size - 200)
        omitted += len(rest) - len(rows)
        if rows:
            _add_details(out, f"{len(rest)} other finding(s) of this plan (MEDIUM, LOW, INFO)", rows)
    if not changed and findings:
        out.add("No findings introduced by this plan. ✅")
        out.add("")
    if posture:
        rows = _rows_within(posture, out.limit - out.size - 400)
        omitted += len(posture) - len(rows)
        out.add(f"### Posture: {len(posture)} finding(s) already present")
        out.add(
            "These were there before this plan; applying it does not change them, so they do not raise the level."
        )
        out.add("")
        if rows:
            _add_details(out, posture_line(posture), rows)
    if not findings:
        out.add("No findings. ✅" if not health else "No findings, but the plan itself is not healthy.")
        out.add("")

    tail: list[str] = []
    if omitted or omitted_changes:
        tail.append(TRUNCATION_NOTE.format(omitted=omitted, changes=omitted_changes))
    if result.suppressed:
        tail.append(f"_{len(result.suppressed)} finding(s) suppressed by configuration._  ")
    if result.redaction.count:
        reasons = ", ".join(
            f"{n} {reason.replace('_', ' ')}" for reason, n in result.redaction.by_reason.items()
        )
        tail.append(f"_{result.redaction.count} secret value(s) redacted before review ({reasons})._  ")
    tail.append(f"<sub>tfreview engine {result.engine_version} · rules decide, the AI explains</sub>")
    text = "\n".join(out.lines) + "\n" + "\n".join(tail) + "\n"
    return text[:MAX_CHARS]
