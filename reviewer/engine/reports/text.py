"""Terminal text, with ANSI colours only when asked (the CLI asks when stdout is a TTY)."""

from __future__ import annotations

from collections.abc import Callable

from reviewer.engine.reports.common import (
    is_priority,
    location,
    plan_health,
    posture_findings,
    status_label,
    summary_line,
)
from reviewer.engine.results import AIReview, AIStatus, EngineResult, Finding, RiskLevel, Severity
from reviewer.engine.scoring import posture_line

RESET = "\033[0m"
BOLD = "\033[1m"
DIM = "\033[2m"
SEVERITY_COLOR = {
    Severity.CRITICAL: "\033[1;37;41m",
    Severity.HIGH: "\033[1;31m",
    Severity.MEDIUM: "\033[33m",
    Severity.LOW: "\033[36m",
    Severity.INFO: "\033[2m",
}
RISK_COLOR = {
    RiskLevel.LOW: "\033[1;32m",
    RiskLevel.MEDIUM: "\033[1;33m",
    RiskLevel.HIGH: "\033[1;31m",
    RiskLevel.CRITICAL: "\033[1;37;41m",
}
MAX_MESSAGE = 500


def _clean(text: str | None) -> str:
    """Drop control characters from plan-derived text so it cannot drive the terminal."""
    value = "".join(ch if ch.isprintable() or ch == " " else " " for ch in (text or ""))
    return value if len(value) <= MAX_MESSAGE else value[: MAX_MESSAGE - 1] + "…"


def _finding_lines(finding: Finding, paint: Callable[[str, str], str]) -> list[str]:
    tag = paint(SEVERITY_COLOR[finding.severity], f"{finding.severity.value:<8}")
    return [
        f"  {tag} {finding.rule_id:<16} {_clean(location(finding))}  {paint(DIM, status_label(finding))}",
        f"           {_clean(finding.message)}",
    ]


def render_text(
    result: EngineResult, *, ai: AIReview | None = None, title: str | None = None, color: bool = False
) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    risk = result.risk
    lines = [
        f"{paint(BOLD, _clean(title) if title else 'tfreview')}  "
        f"{paint(RISK_COLOR[risk.level], f' {risk.level.value} RISK ')}  score {risk.score}/100",
        f"Plan: Terraform {_clean(result.plan.terraform_version) or '?'}, format {_clean(result.plan.format_version) or '?'}, "
        f"sha256 {result.plan.sha256[:12]}",
        f"Changes: {summary_line(result.summary)}",
    ]
    health = plan_health(result)
    if health:
        lines.append(paint(SEVERITY_COLOR[Severity.HIGH], f"Plan is {', '.join(health)}: not safe to apply."))
    if risk.verdict:
        lines.append("")
        lines.append(paint(BOLD, _clean(risk.verdict)))
    lines.append("")
    lines.append(paint(BOLD, "Why:"))
    lines.extend(f"  - {_clean(reason)}" for reason in risk.reasons)
    if ai is not None and ai.status is AIStatus.OK and ai.summary_md.strip():
        lines.append("")
        lines.append(paint(BOLD, f"AI review ({_clean(ai.provider)}):"))
        lines.extend(f"  {_clean(line)}" for line in ai.summary_md.strip().splitlines())
    lines.append("")
    changed = sorted((f for f in result.findings if f.introduced), key=lambda f: 0 if is_priority(f) else 1)
    posture = posture_findings(result)
    if changed:
        lines.append(paint(BOLD, f"Findings of this plan ({len(changed)}):"))
    else:
        lines.append("No findings introduced by this plan." if posture else "No findings.")
    for finding in changed:
        lines.extend(_finding_lines(finding, paint))
    if posture:
        lines.append("")
        lines.append(paint(BOLD, f"Posture: {posture_line(posture)} (they do not raise the level):"))
        for finding in posture:
            lines.extend(_finding_lines(finding, paint))
    if result.suppressed:
        lines.append("")
        lines.append(paint(DIM, f"{len(result.suppressed)} finding(s) suppressed by configuration."))
    if result.redaction.count:
        lines.append(paint(DIM, f"{result.redaction.count} secret value(s) redacted before review."))
    return "\n".join(lines) + "\n"
