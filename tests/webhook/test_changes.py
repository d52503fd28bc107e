"""Spacelift change lists become plans the rule engine can review."""

from __future__ import annotations

from typing import Any

from reviewer.engine.loader import load_plan
from reviewer.engine.parser import parse_plan
from reviewer.engine.plan import Action
from reviewer.engine.redaction import redact_plan
from tests.webhook.payloads import POLICY_PAYLOAD
from webhook.changes import (
    address_parts,
    plan_from_changes_v3,
    plan_from_planning_log,
    plan_from_policy_changes,
    sensitive_marks,
)


def _by_address(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rc["address"]: rc for rc in plan["resource_changes"]}


def test_policy_changes_become_a_reviewable_plan() -> None:
    plan = plan_from_policy_changes(POLICY_PAYLOAD["run"]["changes"], terraform_version="1.9.8")
    assert plan["format_version"] == "1.2" and plan["terraform_version"] == "1.9.8"
    changes = _by_address(plan)
    # The apply-phase duplicate is skipped; one entry per address.
    assert len(plan["resource_changes"]) == 4
    sg = changes["aws_security_group.ssh"]
    assert sg["change"]["actions"] == ["create"] and sg["change"]["before"] is None
    assert sg["change"]["after"]["ingress"][0]["cidr_blocks"] == ["0.0.0.0/0"]
    assert sg["type"] == "aws_security_group" and sg["mode"] == "managed"
    db = changes["module.db.aws_db_instance.main"]
    assert db["module_address"] == "module.db" and db["change"]["actions"] == ["update"]
    assert changes["aws_s3_bucket.logs"]["change"] == {
        "actions": ["delete"],
        "before": {"bucket": "acme-logs"},
        "after": None,
        "after_unknown": {},
        "before_sensitive": {},
        "after_sensitive": False,
    }
    web = changes["aws_instance.web[0]"]
    assert web["change"]["actions"] == ["delete", "create"] and web["index"] == 0

    parsed = parse_plan(load_plan(plan))
    actions = {rc.address: rc.action for rc in parsed.resource_changes}
    assert actions == {
        "aws_security_group.ssh": Action.CREATE,
        "module.db.aws_db_instance.main": Action.UPDATE,
        "aws_s3_bucket.logs": Action.DELETE,
        "aws_instance.web[0]": Action.REPLACE_DESTROY_FIRST,
    }


def test_sanitized_values_are_marked_sensitive_and_redacted() -> None:
    plan = plan_from_policy_changes(POLICY_PAYLOAD["run"]["changes"])
    db = _by_address(plan)["module.db.aws_db_instance.main"]
    assert db["change"]["after_sensitive"] == {"password": True}
    redacted, report = redact_plan(plan)
    after = _by_address(redacted)["module.db.aws_db_instance.main"]["change"]["after"]
    assert after["password"] != "9f86d081884c7d65"
    assert after["publicly_accessible"] is True
    assert report.count >= 1


def test_sensitive_marks_mirror_nested_values() -> None:
    value = {"a": "plain", "b": ["0123456789abcdef", "x"], "c": {"d": "<sensitive>"}, "e": 3}
    assert sensitive_marks(value) == {"b": [True, False], "c": {"d": True}}


def test_unknown_actions_and_non_resources() -> None:
    plan = plan_from_policy_changes(
        [
            {"action": "teleported", "entity": {"address": "aws_x.a", "type": "aws_x"}, "phase": "plan"},
            {"action": "added", "entity": {"address": "out", "entity_type": "output"}, "phase": "plan"},
            {"action": "added", "entity": {"name": "no address"}},
            {"action": "import", "entity": {"address": "aws_y.b"}},
            {"action": "forget", "entity": {"address": "aws_z.c", "data": {"values": {"k": "v"}}}},
        ]
    )
    changes = _by_address(plan)
    assert set(changes) == {"aws_x.a", "aws_y.b", "aws_z.c"}
    assert changes["aws_x.a"]["change"]["actions"] == ["update"]
    assert changes["aws_y.b"]["change"]["importing"] == {}
    assert changes["aws_z.c"]["change"]["after"] is None
    parsed = {rc.address: rc.action for rc in parse_plan(load_plan(plan)).resource_changes}
    assert parsed["aws_y.b"] is Action.IMPORT and parsed["aws_z.c"] is Action.FORGET


def test_changes_v3_resources() -> None:
    plan = plan_from_changes_v3(
        [
            {"address": "spacelift_space.dev", "previousAddress": "", "metadata": {"type": "CHANGE"}},
            {
                "address": "aws_s3_bucket.new",
                "previousAddress": "aws_s3_bucket.old",
                "metadata": {"type": "MOVE"},
            },
            {"address": "aws_kms_key.k", "previousAddress": "", "metadata": {"type": "DELETE"}},
            {"address": "aws_odd.o", "metadata": {"type": "SOMETHING_NEW"}},
            {"previousAddress": "x"},
        ]
    )
    parsed = {rc.address: rc for rc in parse_plan(load_plan(plan)).resource_changes}
    assert parsed["spacelift_space.dev"].action is Action.UPDATE
    assert parsed["aws_s3_bucket.new"].action is Action.MOVE
    assert parsed["aws_kms_key.k"].action is Action.DELETE
    assert parsed["aws_odd.o"].action is Action.UPDATE
    assert len(parsed) == 4
    assert plan["tfreview_synthetic"] == {"source": "spacelift_changes_v3", "values": False}


def test_planning_log_headlines() -> None:
    log = "\n".join(
        [
            "\x1b[1mTerraform will perform the following actions:\x1b[0m",
            "  # aws_s3_bucket.b will be created",
            '  + resource "aws_s3_bucket" "b" {',
            "  # aws_db_instance.x must be replaced",
            '+/- resource "aws_db_instance" "x" {',
            "  # aws_instance.y must be replaced",
            '-/+ resource "aws_instance" "y" {',
            "  # aws_iam_role.r will be updated in-place",
            "  # (moved from aws_iam_role.old)",
            "  # aws_kms_key.k will be destroyed",
            "  # aws_vpc.v has moved to aws_vpc.w",
            "  # aws_ssm_parameter.p will be imported",
            "  # module.m.data.aws_ami.a will be read during apply",
            "  # aws_sqs_queue.q will no longer be managed by Terraform",
            "Plan: 2 to add, 1 to change, 1 to destroy.",
        ]
    )
    plan = plan_from_planning_log(log)
    parsed = {rc.address: rc for rc in parse_plan(load_plan(plan)).resource_changes}
    assert {a: rc.action for a, rc in parsed.items()} == {
        "aws_s3_bucket.b": Action.CREATE,
        "aws_db_instance.x": Action.REPLACE_CREATE_FIRST,
        "aws_instance.y": Action.REPLACE_DESTROY_FIRST,
        "aws_iam_role.r": Action.UPDATE,
        "aws_kms_key.k": Action.DELETE,
        "aws_vpc.w": Action.MOVE,
        "aws_ssm_parameter.p": Action.IMPORT,
        "module.m.data.aws_ami.a": Action.READ,
        "aws_sqs_queue.q": Action.FORGET,
    }
    assert parsed["aws_iam_role.r"].previous_address == "aws_iam_role.old"
    assert parsed["module.m.data.aws_ami.a"].mode.value == "data"


def test_address_parts() -> None:
    assert address_parts('module.a.module.b["x.y"].aws_s3_bucket.this["k.1"]') == {
        "mode": "managed",
        "type": "aws_s3_bucket",
        "name": "this",
        "module_address": 'module.a.module.b["x.y"]',
        "index": "k.1",
    }
    assert address_parts("data.aws_iam_policy_document.p") == {
        "mode": "data",
        "type": "aws_iam_policy_document",
        "name": "p",
    }


def test_an_index_of_digits_that_are_not_decimal_is_a_key() -> None:
    # "²".isdigit() is true but int("²") fails: such an index is a key, not a crash.
    assert address_parts("aws_instance.web[\u00b2]")["index"] == "\u00b2"
    assert address_parts("aws_instance.web[12]")["index"] == 12
