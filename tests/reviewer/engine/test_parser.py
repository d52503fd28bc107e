"""The typed plan model."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import Action, parse_plan
from tests.reviewer.engine.plans import change, plan


@pytest.mark.parametrize(
    ("actions", "extra", "expected"),
    [
        (["create"], {}, Action.CREATE),
        (["update"], {}, Action.UPDATE),
        (["delete"], {}, Action.DELETE),
        (["delete", "create"], {}, Action.REPLACE_DESTROY_FIRST),
        (["create", "delete"], {}, Action.REPLACE_CREATE_FIRST),
        (["create", "forget"], {}, Action.REPLACE_FORGET),
        (["read"], {}, Action.READ),
        (["no-op"], {}, Action.NO_OP),
        (["forget"], {}, Action.FORGET),
        (["no-op"], {"previous_address": "aws_instance.old"}, Action.MOVE),
        (["no-op"], {"importing": {"id": "i-1"}}, Action.IMPORT),
        (["update"], {"importing": {"id": "i-1"}}, Action.UPDATE),
        (["bogus"], {}, Action.UNKNOWN),
    ],
)
def test_action_normalization(actions: list[str], extra: dict[str, Any], expected: Action) -> None:
    rc = change("aws_instance", {"ami": "a"}, before={"ami": "a"})
    rc["change"]["actions"] = actions
    if "previous_address" in extra:
        rc["previous_address"] = extra["previous_address"]
    if "importing" in extra:
        rc["change"]["importing"] = extra["importing"]
    parsed = parse_plan(plan(rc)).resource_changes[0]
    assert parsed.action is expected
    assert parsed.is_import is ("importing" in extra)
    assert parsed.is_move is ("previous_address" in extra)


def test_fields_and_plan_level_data() -> None:
    rc = change(
        "aws_instance",
        {"ami": "b"},
        before={"ami": "a"},
        action="replace",
        module="module.web",
        action_reason="replace_because_cannot_update",
        replace_paths=[["ami"]],
        index=2,
        after_unknown={"id": True},
        after_sensitive={"ami": False},
    )
    raw = plan(
        rc,
        terraform_version="1.8.0",
        resource_drift=[change("aws_s3_bucket", {"bucket": "b"}, before={"bucket": "a"})],
        output_changes={"out": {"actions": ["create"], "after": "x", "after_sensitive": True}},
        variables={"region": {"value": "eu-west-1"}},
        checks=[
            {
                "address": {"to_display": "check.x", "kind": "check"},
                "status": "fail",
                "instances": [{"problems": [{"message": "bad"}]}],
            }
        ],
        deferred_changes=[
            {"reason": "instance_count_unknown", "resource_change": change("aws_instance", {"ami": "c"})}
        ],
        errored=True,
        applyable=False,
        complete=False,
        configuration={"root_module": {"variables": {"token": {"sensitive": True}}}},
    )
    parsed = parse_plan(raw)
    first = parsed.resource_changes[0]
    assert (first.address, first.module, first.type, first.index) == (
        "module.web.aws_instance.this",
        "module.web",
        "aws_instance",
        2,
    )
    assert first.provider.endswith("/aws") and first.action_reason == "replace_because_cannot_update"
    assert first.replace_paths == [["ami"]] and first.after_unknown == {"id": True}
    assert parsed.resource_drift[0].type == "aws_s3_bucket"
    assert parsed.output_changes[0].sensitive and parsed.variables == {"region": "eu-west-1"}
    assert (
        parsed.checks[0].problems == ["bad"] and parsed.deferred_changes[0].reason == "instance_count_unknown"
    )
    assert (parsed.errored, parsed.applyable, parsed.complete) == (True, False, False)
    assert parsed.terraform_version == "1.8.0" and parsed.format_version == "1.2"
    assert parsed.sensitive_variables == {"token"}


def test_type_derived_from_address_when_missing() -> None:
    rc = change("aws_instance", {"ami": "a"}, module="module.a")
    del rc["type"]
    assert parse_plan(plan(rc)).resource_changes[0].type == "aws_instance"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ({}, "aws_instance.x"),
        ({"index": 0}, "aws_instance.x[0]"),
        ({"index": 'a "b"'}, 'aws_instance.x["a \\"b\\""]'),
        ({"mode": "data"}, "data.aws_instance.x"),
        ({"module_address": "module.net", "index": 2}, "module.net.aws_instance.x[2]"),
    ],
)
def test_address_derived_from_its_parts_when_missing(parts: dict[str, Any], expected: str) -> None:
    # Terraform 1.0 wrote resource_drift entries without an address: findings must still name the resource.
    drift = {
        "mode": "managed",
        "type": "aws_instance",
        "name": "x",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["update"], "before": {"ami": "a"}, "after": {"ami": "b"}},
        **parts,
    }
    parsed = parse_plan({"format_version": "0.2", "resource_changes": [], "resource_drift": [drift]})
    assert parsed.resource_drift[0].address == expected


def test_drift_findings_of_a_terraform_1_0_plan_name_their_resource() -> None:
    from reviewer.engine import review_plan

    drift = {
        "mode": "managed",
        "type": "aws_security_group",
        "name": "web",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["update"], "before": {"name": "a"}, "after": {"name": "b"}},
    }
    raw = {
        "format_version": "0.2",
        "terraform_version": "1.0.0",
        "resource_changes": [],
        "resource_drift": [drift],
    }
    findings = review_plan(raw).result.findings
    drifted = [f for f in findings if f.rule_id == "TFR-CHG-016"]
    assert [f.address for f in drifted] == ["aws_security_group.web"]
    assert drifted[0].message.startswith("aws_security_group.web ")
