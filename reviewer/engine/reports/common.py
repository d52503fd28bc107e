"""Pieces shared by the renderers: action groups, labels and ordering."""

from __future__ import annotations

from collections import Counter

from reviewer.engine.results import ChangeSummary, EngineResult, Finding, Severity
from reviewer.engine.scoring import severity_counts

DESTRUCTIVE_RULES = frozenset({"TFR-CHG-001", "TFR-CHG-002", "TFR-CHG-003", "TFR-CHG-004", "TFR-CHG-010"})
DESTRUCTIVE_ACTIONS = frozenset({"delete", "replace_destroy_first", "replace_create_first", "replace_forget"})
SEVERITY_ICON = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}
RISK_ICON = {"LOW": "🟢", "MEDIUM": "🟡", "HIGH": "🟠", "CRITICAL": "🔴"}


def summary_line(summary: ChangeSummary) -> str:
    """`3 to create, 1 to replace, ...` with zero counts left out."""
    parts = [
        (summary.create, "to create"),
        (summary.update, "to update"),
        (summary.replace, "to replace"),
        (summary.delete, "to destroy"),
        (summary.import_, "to import"),
        (summary.move, "moved"),
        (summary.forget, "to forget"),
        (summary.read, "data reads"),
        (summary.drift, "drifted outside Terraform"),
    ]
    text = ", ".join(f"{count} {label}" for count, label in parts if count)
    return text or "no changes"


def _changes_resources(summary: ChangeSummary) -> bool:
    """Whether any resource changes (Terraform marks a plan with nothing to change applyable: false, which
    alone is no problem: Plan.not_applyable; a stored result keeps only these counts, not output changes)."""
    s = summary
    return any((s.create, s.update, s.delete, s.replace, s.read, s.import_, s.move, s.forget))


def plan_health(result: EngineResult) -> list[str]:
    problems: list[str] = []
    if result.plan.errored:
        problems.append("errored")
    if result.plan.applyable is False and _changes_resources(result.summary):
        problems.append("not applyable")
    if result.plan.complete is False:
        problems.append("incomplete")
    return problems


def is_priority(finding: Finding) -> bool:
    """Findings that always make it into a size-limited report."""
    return finding.severity.rank >= Severity.HIGH.rank or finding.rule_id in DESTRUCTIVE_RULES


def status_label(finding: Finding) -> str:
    if finding.introduction is not None:
        return finding.introduction.value.replace("_", "-")
    return "this plan" if finding.introduced else "pre-existing"


def location(finding: Finding) -> str:
    if finding.address and finding.attribute:
        return f"{finding.address} ({finding.attribute})"
    return finding.address or "plan"


def posture_findings(result: EngineResult) -> list[Finding]:
    """Findings already present before this plan: posture, which never raises the level."""
    return [f for f in result.findings if not f.introduced]


def posture_section(result: EngineResult) -> dict[str, object]:
    """The JSON/SARIF posture section: counts of the findings already present, which never raise the level."""
    posture = posture_findings(result)
    return {
        "count": len(posture),
        "by_severity": severity_counts(posture),
        "rules": dict(Counter(f.rule_id for f in posture).most_common()),
    }
