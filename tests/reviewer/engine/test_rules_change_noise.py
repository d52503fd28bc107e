"""Churn of resources that hold no infrastructure (null_resource, random_*, time_*, test resources) is noise."""

from __future__ import annotations

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import RiskLevel, Severity
from tests.reviewer.engine.plans import change, plan


@pytest.mark.parametrize(
    ("rtype", "severity"),
    [
        ("null_resource", Severity.INFO),
        ("terraform_data", Severity.INFO),
        ("time_sleep", Severity.INFO),
        ("test_instance", Severity.INFO),
        ("random_password", Severity.LOW),
        ("local_file", Severity.LOW),
        ("aws_route53_record", Severity.MEDIUM),
    ],
)
def test_destroy_first_replacement_severity_by_what_the_resource_holds(
    rtype: str, severity: Severity
) -> None:
    # Before: every one of these was a MEDIUM "downtime" finding and made the plan MEDIUM.
    replaced = change(rtype, {"triggers": {"v": "2"}}, before={"triggers": {"v": "1"}}, action="replace")
    result = review_plan(plan(replaced)).result
    [found] = [f for f in result.findings if f.rule_id == "TFR-CHG-004"]
    assert found.severity is severity
    expected = RiskLevel.MEDIUM if severity is Severity.MEDIUM else RiskLevel.LOW
    assert result.risk.level is expected


def test_tainted_and_rekeyed_utility_resources_are_not_medium() -> None:
    tainted = change(
        "null_resource",
        {"id": "1"},
        before={"id": "1"},
        action="replace",
        action_reason="replace_because_tainted",
    )
    rekeyed = change(
        "random_id", None, before={"hex": "ab"}, action_reason="delete_because_each_key", name="k"
    )
    findings = review_plan(plan(tainted, rekeyed)).result.findings
    by_rule = {f.rule_id: f.severity for f in findings}
    assert by_rule["TFR-CHG-011"] is Severity.INFO and by_rule["TFR-CHG-010"] is Severity.LOW


def test_deleting_many_utility_resources_is_no_mass_deletion() -> None:
    gone = [change("null_resource", None, before={"id": str(i)}, name=f"n{i}") for i in range(12)]
    assert "TFR-CHG-005" not in {f.rule_id for f in review_plan(plan(*gone)).result.findings}
    real = [change("aws_instance", None, before={"ami": "a"}, name=f"i{i}") for i in range(12)]
    assert "TFR-CHG-005" in {f.rule_id for f in review_plan(plan(*real)).result.findings}
