"""Turn findings and plan health into the risk of applying this change: a 0-100 score, a level, the verdict.

Only findings this plan introduces or worsens count. Findings already present are the infrastructure's
posture: counted and listed apart, they never raise the score or the level (docs/engine.md, Scoring).
"""

from __future__ import annotations

from collections import Counter

from reviewer.engine.plan import Plan
from reviewer.engine.results import SEVERITY_ORDER, SEVERITY_RANK, Finding, Risk, RiskLevel, Severity
from reviewer.engine.verdict import build_verdict, health_words

SEVERITY_POINTS = {
    Severity.INFO: 0,
    Severity.LOW: 3,
    Severity.MEDIUM: 10,
    Severity.HIGH: 25,
    Severity.CRITICAL: 45,
}
LEVEL_FLOOR = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 30, RiskLevel.HIGH: 60, RiskLevel.CRITICAL: 90}
SEVERITY_LEVEL = {
    Severity.INFO: RiskLevel.LOW,
    Severity.LOW: RiskLevel.LOW,
    Severity.MEDIUM: RiskLevel.MEDIUM,
    Severity.HIGH: RiskLevel.HIGH,
    Severity.CRITICAL: RiskLevel.CRITICAL,
}
# Repeats of one rule add less and less: ten open security groups are not ten times one.
REPEAT_DECAY = 0.5


def level_for_score(score: int) -> RiskLevel:
    level = RiskLevel.LOW
    for candidate, floor in LEVEL_FLOOR.items():
        if score >= floor:
            level = candidate
    return level


def _ceiling(level: RiskLevel) -> int:
    """The highest score of a level (the next level's floor minus one; 100 for the top)."""
    above = [floor for candidate, floor in LEVEL_FLOOR.items() if candidate.rank > level.rank]
    return min(above) - 1 if above else 100


def _max_level(a: RiskLevel, b: RiskLevel) -> RiskLevel:
    return a if a.rank >= b.rank else b


def _severity_first(finding: Finding) -> int:
    return -SEVERITY_RANK[finding.severity]


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """How many findings of each severity, most severe first; severities with none are left out."""
    by_severity = Counter(f.severity for f in findings)
    return {s.value: by_severity[s] for s in reversed(SEVERITY_ORDER) if by_severity[s]}


def posture_line(posture: list[Finding]) -> str:
    """`12 finding(s) already present before this plan (3 HIGH, 9 LOW)`."""
    counts = ", ".join(f"{n} {severity}" for severity, n in severity_counts(posture).items())
    return f"{len(posture)} finding(s) already present before this plan ({counts})"


def score_plan(plan: Plan, findings: list[Finding]) -> Risk:
    """The risk of applying this plan: introduced/worsened findings only; unhealthy plans are never LOW."""
    introduced = [f for f in findings if f.introduced]
    posture = [f for f in findings if not f.introduced]
    points = serious = 0.0
    repeats: dict[str, int] = {}
    # Most severe first, so a rule's repeats (worth less and less) are its least severe findings.
    for finding in sorted(introduced, key=_severity_first):
        seen = repeats.get(finding.rule_id, 0)
        repeats[finding.rule_id] = seen + 1
        worth = SEVERITY_POINTS[finding.severity] * (REPEAT_DECAY**seen)
        points += worth
        if SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[Severity.MEDIUM]:
            serious += worth
    level = RiskLevel.LOW
    for severity in {f.severity for f in introduced}:
        level = _max_level(level, SEVERITY_LEVEL[severity])
    # Several serious findings add up to a higher level; minor ones (hygiene a new stack is full of:
    # no access logging, default encryption, all egress) never raise it: they are said, and scored.
    level = _max_level(level, level_for_score(round(serious)))
    unhealthy = health_words(plan)
    if unhealthy:
        level = _max_level(level, RiskLevel.MEDIUM)
    verdict = build_verdict(plan, introduced, level, posture)
    # Plain words only: the rule IDs behind each reason travel in `why`, for machines.
    reasons = [f"{reason.title}: {reason.text}" for reason in verdict.reasons]
    if unhealthy:
        reasons.insert(0, f"Never safe: {', '.join(unhealthy)}.")
    if not reasons:
        reasons.append("No risky changes found in this plan.")
    if posture:
        reasons.append(f"Posture: {posture_line(posture)}; listed apart, they do not raise the level.")
    score = min(max(min(100, round(points)), LEVEL_FLOOR[level]), _ceiling(level))
    return Risk(
        score=score,
        level=level,
        reasons=reasons,
        introduced=len(introduced),
        posture=len(posture),
        posture_by_severity=severity_counts(posture),
        verdict=verdict.sentence,
        why=verdict.reasons,
    )
