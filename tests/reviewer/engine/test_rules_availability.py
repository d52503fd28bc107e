"""TFR-CHG-018: a running service scaled to zero, stopped or disabled by an update is an outage."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, Severity
from reviewer.engine.rules.availability import SWITCHES, TRAFFIC_PATH_TYPES, Path
from tests.reviewer.engine.plans import change, plan

RULE = "TFR-CHG-018"


def nested(path: Path, value: Any) -> dict[str, Any]:
    """{"spec": [{"replicas": value}]} for ("spec", 0, "replicas")."""
    node: Any = value
    for part in reversed(path):
        node = [node] if type(part) is int else {part: node}
    assert isinstance(node, dict)
    return node


# One (type, path, value before, value after) per switch and path: the values each provider writes.
ON_OFF: dict[str, tuple[Any, Any]] = {
    "aws_lambda_function": (-1, 0),
    "aws_kms_key": (True, False),
    "google_kms_crypto_key_version": ("ENABLED", "DISABLED"),
    "aws_cloudfront_distribution": (True, False),
    "aws_ec2_instance_state": ("running", "stopped"),
    "azurerm_linux_web_app": (True, False),
    "azurerm_windows_web_app": (True, False),
    "azurerm_linux_function_app": (True, False),
    "azurerm_windows_function_app": (True, False),
}
SCENARIOS = [
    (rtype, path, *ON_OFF.get(rtype, ("3" if rtype.startswith("kubernetes_") else 3, "0" if rtype.startswith("kubernetes_") else 0)))
    for switch in SWITCHES
    for rtype in switch.types
    for path in switch.paths
]  # fmt: skip


def found(raw: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(raw).result.findings if f.rule_id == RULE]


@pytest.mark.parametrize(
    ("rtype", "path", "on", "off"), SCENARIOS, ids=[f"{s[0]}.{s[1][-1]}" for s in SCENARIOS]
)
def test_switching_off_is_reported_once_with_its_attribute(rtype: str, path: Path, on: Any, off: Any) -> None:
    hits = found(plan(change(rtype, nested(path, off), before=nested(path, on), name="svc")))
    assert len(hits) == 1
    assert hits[0].address == f"{rtype}.svc" and hits[0].introduced
    assert str(path[-1]) in (hits[0].attribute or "")


@pytest.mark.parametrize(
    ("rtype", "path", "on", "off"), SCENARIOS, ids=[f"{s[0]}.{s[1][-1]}" for s in SCENARIOS]
)
def test_what_is_not_a_switch_off_is_not_reported(rtype: str, path: Path, on: Any, off: Any) -> None:
    # Created off (nothing ran before), already off (nothing changes), off but unknown, and still on.
    assert found(plan(change(rtype, nested(path, off), name="svc"))) == []
    assert (
        found(plan(change(rtype, {**nested(path, off), "tags": {"a": "b"}}, before=nested(path, off)))) == []
    )
    unknown = nested(path, None)
    marks = nested(path, True)
    assert found(plan(change(rtype, unknown, before=nested(path, on), after_unknown=marks))) == []
    assert found(plan(change(rtype, nested(path, on), before=nested(path, on), name="same"))) == []


def test_a_scaled_down_group_is_not_switched_off() -> None:
    raw = plan(
        change(
            "aws_autoscaling_group",
            {"max_size": 2, "desired_capacity": 1},
            before={"max_size": 6, "desired_capacity": 3},
        )
    )
    assert found(raw) == []


def test_verdicts_say_what_stops() -> None:
    # Before: each of these was "Safe to apply: 1 update, no risky change."
    asg = plan(
        change(
            "aws_autoscaling_group",
            {"max_size": 0, "desired_capacity": 0},
            before={"max_size": 6, "desired_capacity": 3},
        )
    )
    result = review_plan(asg).result
    assert result.risk.level.value == "MEDIUM"
    assert result.risk.verdict == "Review before applying: switches off a server group."
    [hit] = found(asg)
    assert hit.message.startswith("aws_autoscaling_group.this: scaled to zero (max_size = 0)")
    key = plan(
        change(
            "aws_kms_key",
            {"is_enabled": False, "enable_key_rotation": True},
            before={"is_enabled": True, "enable_key_rotation": True},
        )
    )
    result = review_plan(key).result
    assert result.risk.level.value == "HIGH" and found(key)[0].severity is Severity.HIGH
    assert "switches off a key" in result.risk.verdict


DELETED = "TFR-CHG-019"


def deleted(raw: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(raw).result.findings if f.rule_id == DELETED]


@pytest.mark.parametrize("rtype", sorted(TRAFFIC_PATH_TYPES))
def test_deleting_a_traffic_path_is_an_outage(rtype: str) -> None:
    [hit] = deleted(plan(change(rtype, None, before={"name": "edge"}, name="edge")))
    assert hit.address == f"{rtype}.edge" and hit.severity is Severity.MEDIUM and hit.introduced
    assert hit.message == f"{rtype}.edge is deleted: {TRAFFIC_PATH_TYPES[rtype]}."


@pytest.mark.parametrize("rtype", sorted(TRAFFIC_PATH_TYPES))
def test_only_a_plain_delete_of_a_managed_traffic_path_counts(rtype: str) -> None:
    # Created, updated, replaced (TFR-CHG-004 speaks of downtime there), forgotten, data sources, deposed.
    before, after = {"name": "a"}, {"name": "b"}
    for entry in (
        change(rtype, after),
        change(rtype, after, before=before),
        change(rtype, after, before=before, action="replace"),
        change(rtype, after, before=before, action="replace_cbd"),
        change(rtype, None, before=before, action="forget"),
        change(rtype, None, before=before, deposed="d1"),
    ):
        assert deleted(plan(entry)) == []
    assert (
        deleted(plan(change("aws_iam_role", None, before=before), change("null_resource", None, before={})))
        == []
    )


def test_the_verdict_names_what_goes_out_of_service() -> None:
    # Before: "Safe to apply: 2 deletions, no risky change."
    raw = plan(
        change("aws_lb", None, before={"name": "web"}, name="web"),
        change("aws_route53_record", None, before={"name": "www.example.com", "type": "A"}, name="www"),
    )
    result = review_plan(raw).result
    assert result.risk.level.value == "MEDIUM"
    assert (
        result.risk.verdict
        == "Review before applying: takes a load balancer and a DNS record out of service."
    )
