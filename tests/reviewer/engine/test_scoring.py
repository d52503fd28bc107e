"""Scoring: the level is the risk of applying this change; findings already present are posture."""

from __future__ import annotations

import json
from typing import Any

from reviewer.engine import review_plan
from reviewer.engine.parser import parse_plan
from reviewer.engine.reports import render
from reviewer.engine.results import Category, Finding, Introduction, RiskLevel, Severity
from reviewer.engine.scoring import score_plan
from tests.reviewer.engine.plans import change, plan

OPEN_SSH: dict[str, Any] = {
    "name": "web",
    "tags": {"Team": "a"},
    "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}],
}
PLAIN_DB = {
    "identifier": "orders",
    "storage_encrypted": False,
    "publicly_accessible": True,
    "deletion_protection": False,
    "tags": {"Team": "a"},
}


def tagged(values: dict[str, Any], team: str) -> dict[str, Any]:
    return {**values, "tags": {"Team": team}}


def tags_only_plan(count: int = 30) -> dict[str, Any]:
    """Risky resources that already exist; the plan only changes their tags (the rest is no-op)."""
    changes = []
    for i in range(count):
        changes.append(change("aws_security_group", tagged(OPEN_SSH, "b"), before=OPEN_SSH, name=f"sg{i}"))
        changes.append(change("aws_db_instance", PLAIN_DB, before=PLAIN_DB, action="no-op", name=f"db{i}"))
    return plan(*changes)


def test_tags_only_plan_over_risky_infrastructure_is_low() -> None:
    # Before: the pre-existing HIGH findings raised this plan to MEDIUM.
    result = review_plan(tags_only_plan()).result
    assert result.findings and not any(f.introduced for f in result.findings)
    risk = result.risk
    assert (risk.level, risk.score, risk.introduced) == (RiskLevel.LOW, 0, 0)
    assert risk.posture == len(result.findings) and risk.posture_by_severity["HIGH"] >= 30
    assert risk.reasons[0] == "No risky changes found in this plan."
    assert risk.reasons[-1].startswith(f"Posture: {risk.posture} finding(s) already present")


def test_posture_never_changes_score_or_level() -> None:
    opened = change("aws_security_group", OPEN_SSH, before={**OPEN_SSH, "ingress": []}, name="new")
    alone = review_plan(plan(opened)).result.risk
    with_posture = review_plan(plan(opened, *tags_only_plan()["resource_changes"])).result.risk
    assert alone.level is RiskLevel.HIGH and alone.introduced == 1
    assert (with_posture.level, with_posture.score, with_posture.introduced) == (
        alone.level,
        alone.score,
        alone.introduced,
    )
    assert with_posture.posture > 0 == alone.posture


def test_worsened_counts_as_introduced() -> None:
    wider = {**OPEN_SSH, "ingress": [{**OPEN_SSH["ingress"][0], "ipv6_cidr_blocks": ["::/0"]}]}
    result = review_plan(plan(change("aws_security_group", wider, before=OPEN_SSH))).result
    worsened = [f for f in result.findings if f.introduction is Introduction.WORSENED]
    assert worsened and result.risk.level is RiskLevel.HIGH


def finding(severity: Severity, introduced: bool, rule_id: str = "R") -> Finding:
    return Finding(
        rule_id=rule_id,
        title="t",
        severity=severity,
        category=Category.SECURITY,
        message="m",
        introduced=introduced,
    )


def test_level_comes_from_introduced_findings_only() -> None:
    healthy = parse_plan(plan())
    posture = [finding(Severity.CRITICAL, False, f"P{i}") for i in range(10)]
    assert score_plan(healthy, posture).level is RiskLevel.LOW
    mixed = [finding(Severity.MEDIUM, True), *posture]
    assert score_plan(healthy, mixed).level is RiskLevel.MEDIUM
    assert score_plan(healthy, mixed).score == score_plan(healthy, mixed[:1]).score
    # Many introduced findings of different rules add up; repeats of one rule add less and less.
    many_rules = [finding(Severity.MEDIUM, True, f"R{i}") for i in range(6)]
    assert score_plan(healthy, many_rules).level is RiskLevel.HIGH
    one_rule = [finding(Severity.MEDIUM, True) for _ in range(6)]
    assert score_plan(healthy, one_rule).level is RiskLevel.MEDIUM
    # Minor findings are scored but never lift the level: a MEDIUM with twenty LOW rules stays MEDIUM.
    minor = [finding(Severity.LOW, True, f"L{i}") for i in range(20)]
    assert score_plan(healthy, minor).level is RiskLevel.LOW
    assert score_plan(healthy, minor).score == 29
    with_medium = score_plan(healthy, [finding(Severity.MEDIUM, True), *minor])
    assert with_medium.level is RiskLevel.MEDIUM and with_medium.score == 59


def test_unhealthy_plan_with_only_posture_is_medium() -> None:
    risk = score_plan(parse_plan(plan(errored=True)), [finding(Severity.HIGH, False)])
    assert risk.level is RiskLevel.MEDIUM and risk.reasons[0].startswith("Never safe")


def test_reports_show_posture_apart() -> None:
    opened = change("aws_security_group", OPEN_SSH, name="new")
    result = review_plan(plan(opened, *tags_only_plan(2)["resource_changes"])).result
    markdown = render("md", result)
    assert "**Posture:**" in markdown
    assert markdown.index("findings of this plan (1)") < markdown.index("### Posture:")
    assert markdown.index("aws_security_group.new") < markdown.index("aws_security_group.sg0")
    text = render("text", result)
    assert text.index("Findings of this plan (1):") < text.index("\nPosture: ") < text.index("sg0")
    report = json.loads(render("json", result))
    posture = report["posture"]
    assert posture["count"] == result.risk.posture == report["risk"]["posture"] > 0
    assert posture["by_severity"]["HIGH"] == result.risk.posture_by_severity["HIGH"] >= 2
    assert posture["rules"]["TFR-AWS-NET-001"] == 2
    sarif = json.loads(render("sarif", result))["runs"][0]
    states = {
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["baselineState"]
        for r in sarif["results"]
    }
    assert states["aws_security_group.new"] == "new" and states["aws_security_group.sg0"] == "unchanged"
    assert sarif["properties"]["posture"] == posture


def test_markdown_says_when_nothing_is_introduced() -> None:
    markdown = render("md", review_plan(tags_only_plan(1)).result)
    assert "No findings introduced by this plan" in markdown and "### Posture: " in markdown
    assert "HIGH/CRITICAL" not in markdown


def test_unchanged_output_with_a_secret_is_posture() -> None:
    url = "postgres://app:Sup3rSecret@db:5432/app"
    output = {
        "actions": ["no-op"],
        "before": url,
        "after": url,
        "after_unknown": False,
        "before_sensitive": False,
        "after_sensitive": False,
    }
    result = review_plan(plan(output_changes={"url": output})).result
    [found] = [f for f in result.findings if f.rule_id == "TFR-SEC-005"]
    assert not found.introduced and "already present" in found.message
    assert result.risk.level is RiskLevel.LOW
    created = {**output, "actions": ["create"], "before": None}
    [new] = [
        f
        for f in review_plan(plan(output_changes={"url": created})).result.findings
        if f.rule_id == "TFR-SEC-005"
    ]
    assert new.introduced
