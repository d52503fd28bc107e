"""What IAM rules read: conditions that do not really restrict a public statement (NotIpAddress, networks no
one owns, ARN patterns any account matches) and policies built by a data.aws_iam_policy_document that is read
only during the apply."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from reviewer.engine import review_plan
from reviewer.engine.rules.policy import restricting_condition
from tests.reviewer.engine.plans import change, only, plan

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alerts"


@pytest.mark.parametrize(
    ("condition", "restricting"),
    [
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, False),  # everyone outside 10/8: the internet
        ({"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}, False),
        ({"IpAddress": {"aws:SourceIp": "::/1"}}, False),
        ({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:*:*:*:*"}}, False),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:*"}}, False),
        ({"ArnEquals": {"aws:SourceArn": "arn:aws:s3:::*"}}, False),
        ({"StringLike": {"aws:SourceArn": "arn:*"}}, False),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-uploads"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::acme-*"}}, True),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:*"}}, True),
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, True),
        ({"IpAddress": {"aws:SourceIp": "not-an-ip"}}, True),
    ],
)
def test_which_conditions_restrict_a_public_statement(condition: dict[str, Any], restricting: bool) -> None:
    assert restricting_condition(condition) is restricting


def topic_policy(condition: dict[str, Any]) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": TOPIC}
    document = json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Condition": condition}]})
    return plan(change("aws_sns_topic_policy", {"arn": TOPIC, "policy": document}))


def test_a_topic_open_outside_a_private_range_is_public_and_one_for_its_account_is_not() -> None:
    assert len(only(topic_policy({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), "TFR-AWS-IAM-009")) == 1
    assert (
        only(topic_policy({"StringEquals": {"aws:SourceAccount": "123456789012"}}), "TFR-AWS-IAM-009") == []
    )


# A policy document Terraform reads during the apply (it names a role this plan creates): `json` is unknown,
# the statements are in the plan.
DEFERRED_DOCUMENT: dict[str, Any] = {
    "address": "data.aws_iam_policy_document.admin",
    "mode": "data",
    "type": "aws_iam_policy_document",
    "name": "admin",
    "provider_name": "registry.terraform.io/hashicorp/aws",
    "action_reason": "read_because_dependency_pending",
    "change": {
        "actions": ["read"],
        "before": None,
        "after": {
            "version": "2012-10-17",
            "statement": [
                {
                    "sid": "",
                    "effect": "Allow",
                    "actions": ["*"],
                    "not_actions": [],
                    "resources": ["*"],
                    "not_resources": [],
                    "principals": [],
                    "not_principals": [],
                    "condition": [],
                }
            ],
        },
        "after_unknown": {"id": True, "json": True, "minified_json": True},
        "before_sensitive": False,
        "after_sensitive": {},
    },
}


def consumer(
    rtype: str = "aws_iam_policy", attribute: str = "policy", document: str = "admin"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A resource whose `attribute` is the document's unknown json, and its configuration block."""
    entry = change(rtype, {"name": "p"}, name="p", after_unknown={attribute: True})
    reference = {
        "references": [
            f"data.aws_iam_policy_document.{document}.json",
            f"data.aws_iam_policy_document.{document}",
        ]
    }
    block = {
        "address": f"{rtype}.p",
        "mode": "managed",
        "type": rtype,
        "name": "p",
        "expressions": {attribute: reference},
    }
    return entry, block


def with_configuration(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"configuration": {"root_module": {"resources": list(blocks)}}}


def test_a_deferred_document_granting_admin_is_read_through_the_policy_that_uses_it() -> None:
    entry, block = consumer()
    [found] = only(plan(DEFERRED_DOCUMENT, entry, **with_configuration(block)), "TFR-AWS-IAM-001")
    assert found.address == "aws_iam_policy.p" and found.introduced
    assert review_plan(plan(DEFERRED_DOCUMENT, entry, **with_configuration(block))).result.risk.verdict == (
        "Not safe to apply without review: grants full admin rights."
    )


def test_a_deferred_document_is_read_for_a_bucket_policy_too() -> None:
    public = copy.deepcopy(DEFERRED_DOCUMENT)
    statement = public["change"]["after"]["statement"][0]
    statement.update({"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::acme/*"]})
    statement["principals"] = [{"type": "*", "identifiers": ["*"]}]
    entry, block = consumer("aws_s3_bucket_policy")
    assert len(only(plan(public, entry, **with_configuration(block)), "TFR-AWS-IAM-009")) == 1
    statement["condition"] = [
        {"test": "StringEquals", "variable": "aws:PrincipalOrgID", "values": ["o-abc123"]}
    ]
    assert only(plan(public, entry, **with_configuration(block)), "TFR-AWS-IAM-009") == []


def test_a_scoped_deferred_document_an_unrelated_one_or_no_configuration_finds_nothing() -> None:
    scoped = copy.deepcopy(DEFERRED_DOCUMENT)
    scoped["change"]["after"]["statement"][0].update(
        {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::acme/*"]}
    )
    entry, block = consumer()
    assert only(plan(scoped, entry, **with_configuration(block)), "TFR-AWS-IAM-001") == []
    other_entry, other_block = consumer(document="other")
    assert (
        only(plan(DEFERRED_DOCUMENT, other_entry, **with_configuration(other_block)), "TFR-AWS-IAM-001") == []
    )
    assert only(plan(DEFERRED_DOCUMENT, entry), "TFR-AWS-IAM-001") == []


def test_a_deferred_document_with_unknown_statements_finds_nothing() -> None:
    unknown = copy.deepcopy(DEFERRED_DOCUMENT)
    unknown["change"]["after"]["statement"] = None
    unknown["change"]["after_unknown"]["statement"] = True
    entry, block = consumer()
    assert only(plan(unknown, entry, **with_configuration(block)), "TFR-AWS-IAM-001") == []


def test_a_role_whose_inline_policy_is_a_deferred_document_is_read() -> None:
    trust = json.dumps(
        {
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ]
        }
    )
    role = change(
        "aws_iam_role",
        {"name": "app", "assume_role_policy": trust, "inline_policy": [{"name": "all", "policy": None}]},
        name="p",
        after_unknown={"inline_policy": [{"policy": True}]},
    )
    reference = {
        "references": ["data.aws_iam_policy_document.admin.json", "data.aws_iam_policy_document.admin"]
    }
    block = {
        "address": "aws_iam_role.p",
        "mode": "managed",
        "type": "aws_iam_role",
        "name": "p",
        "expressions": {"inline_policy": [{"name": {"constant_value": "all"}, "policy": reference}]},
    }
    assert len(only(plan(DEFERRED_DOCUMENT, role, **with_configuration(block)), "TFR-AWS-IAM-001")) == 1
