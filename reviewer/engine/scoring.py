"""Turn findings and plan health into a 0-100 score, a level and the reasons for both."""

from __future__ import annotations

from collections import Counter

from reviewer.engine.plan import Plan
from reviewer.engine.results import SEVERITY_RANK, Finding, Risk, RiskLevel, Severity

SEVERITY_POINTS = {
    Severity.INFO: 0,
    Severity.LOW: 3,
    Severity.MEDIUM: 10,
    Severity.HIGH: 25,
    Severity.CRITICAL: 45,
}
# Problems that were already there are worth noting, but this plan did not cause them: they count a
# quarter, capped, and never raise the level by score alone.
PRE_EXISTING_WEIGHT = 0.25
PRE_EXISTING_CAP = 20.0
LEVEL_FLOOR = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 30, RiskLevel.HIGH: 60, RiskLevel.CRITICAL: 90}
INTRODUCED_LEVEL = {
    Severity.INFO: RiskLevel.LOW,
    Severity.LOW: RiskLevel.LOW,
    Severity.MEDIUM: RiskLevel.MEDIUM,
    Severity.HIGH: RiskLevel.HIGH,
    Severity.CRITICAL: RiskLevel.CRITICAL,
}
PRE_EXISTING_LEVEL = {
    Severity.INFO: RiskLevel.LOW,
    Severity.LOW: RiskLevel.LOW,
    Severity.MEDIUM: RiskLevel.LOW,
    Severity.HIGH: RiskLevel.MEDIUM,
    Severity.CRITICAL: RiskLevel.HIGH,
}
# Repeats of one rule add less and less: ten open security groups are not ten times one.
REPEAT_DECAY = 0.5


def level_for_score(score: int) -> RiskLevel:
    level = RiskLevel.LOW
    for candidate, floor in LEVEL_FLOOR.items():
        if score >= floor:
            level = candidate
    return level


def _max_level(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return a if a.rank >= b.rank else b


def _severity_first(finding: Finding) -> int:
    return -SEVERITY_RANK[finding.severity]


def score_plan(plan: Plan, findings: list[Finding]) -> Risk:
    """Score findings (introduced > pre-existing); unhealthy plans are never LOW."""
    introduced_points = 0.0
    pre_points = 0.0
    seen: dict[tuple[str, bool], int] = {}
    level = RiskLevel.LOW
    # Most severe first, so a rule's repeats (worth less and less) are its least severe findings.
    for finding in sorted(findings, key=_severity_first):
        key = (finding.rule_id, finding.introduced)
        repeats = seen.get(key, 0)
        seen[key] = repeats + 1
        points = SEVERITY_POINTS[finding.severity] * (REPEAT_DECAY**repeats)
        if finding.introduced:
            introduced_points += points
        else:
            pre_points += points * PRE_EXISTING_WEIGHT
    for introduced, severity in {(f.introduced, f.severity) for f in findings}:
        table = INTRODUCED_LEVEL if introduced else PRE_EXISTING_LEVEL
        level = _max_level(level, table[severity])
    reasons = _reasons(findings)
    unhealthy = [
        text
        for flag, text in (
            (plan.errored, "the plan errored"),
            (plan.applyable is False, "the plan is not applyable"),
            (plan.complete is False, "the plan is incomplete (more changes will follow)"),
        )
        if flag
    ]
    if unhealthy:
        level = _max_level(level, RiskLevel.MEDIUM)
        reasons.insert(0, f"Never safe: {', '.join(unhealthy)}.")
    score = min(100, round(introduced_points + min(pre_points, PRE_EXISTING_CAP)))
    level = _max_level(level, level_for_score(round(introduced_points)))
    score = max(score, LEVEL_FLOOR[level])
    if not reasons:
        reasons.append("No risky changes or posture problems found.")
    return Risk(score=score, level=level, reasons=reasons)


def _reasons(findings: list[Finding]) -> list[str]:
    reasons: list[str] = []
    # One pass: the rule IDs of each (introduced, severity) group, in finding order.
    groups: dict[tuple[bool, Severity], list[str]] = {}
    for f in findings:
        groups.setdefault((f.introduced, f.severity), []).append(f.rule_id)
    for introduced, label in ((True, "introduced by this plan"), (False, "already present")):
        for severity in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM):
            group = groups.get((introduced, severity))
            if not group:
                continue
            rules = Counter(group)
            top = ", ".join(f"{rule} x{n}" if n > 1 else rule for rule, n in rules.most_common(4))
            more = f" and {len(rules) - 4} more rules" if len(rules) > 4 else ""
            reasons.append(f"{len(group)} {severity.value} finding(s) {label}: {top}{more}.")
    return reasons
