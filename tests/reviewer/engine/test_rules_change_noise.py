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
        ("aws_ecs_task_definition", Severity.INFO),
        ("aws_api_gateway_deployment", Severity.INFO),
        ("aws_lambda_layer_version", Severity.INFO),
        ("aws_security_group_rule", Severity.LOW),
        ("aws_vpc_security_group_ingress_rule", Severity.LOW),
        ("aws_iam_role_policy_attachment", Severity.LOW),
        ("google_project_iam_member", Severity.LOW),
        ("aws_lambda_permission", Severity.LOW),
        ("aws_route53_record", Severity.MEDIUM),
        ("aws_instance", Severity.MEDIUM),
        ("aws_iam_role", Severity.MEDIUM),
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


def test_an_ecs_deployment_is_safe_to_apply() -> None:
    # Every ECS deployment replaces the task definition destroy-first: a new revision, no outage.
    old = {"family": "api", "container_definitions": '[{"name":"api","image":"acme/api:1"}]'}
    new = {"family": "api", "container_definitions": '[{"name":"api","image":"acme/api:2"}]'}
    task = change("aws_ecs_task_definition", new, before=old, action="replace", name="api")
    service = change(
        "aws_ecs_service",
        {"name": "api", "desired_count": 3, "task_definition": None},
        before={"name": "api", "desired_count": 3, "task_definition": "api:41"},
        after_unknown={"task_definition": True},
        name="api",
    )
    risk = review_plan(plan(task, service)).result.risk
    assert risk.level is RiskLevel.LOW
    assert risk.verdict == "Safe to apply: 1 update and 1 replacement, no risky change."


def test_a_rule_replaced_destroy_first_reads_as_a_brief_gap() -> None:
    rule = {
        "type": "ingress",
        "from_port": 443,
        "to_port": 443,
        "protocol": "tcp",
        "cidr_blocks": ["10.0.0.0/8"],
    }
    replaced = change(
        "aws_security_group_rule",
        {**rule, "description": "new"},
        before={**rule, "description": "old"},
        action="replace",
        name="https",
    )
    risk = review_plan(plan(replaced)).result.risk
    assert risk.verdict == (
        "Safe to apply: 1 replacement; minor: briefly removes a security group rule while replacing it."
    )
