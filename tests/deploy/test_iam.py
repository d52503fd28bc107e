"""Least privilege, checked on every IAM statement in deploy/: no "*" action, "*" resources only
for actions AWS cannot scope (each with a comment saying why), each role only what it uses."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.deploy.terraform import expression, load_module, policy_statements, string_list

# Actions that support no resource-level permissions, so AWS requires Resource "*".
ACTIONS_REQUIRING_STAR = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:DescribeLogGroups",
}


def documents():
    module = load_module()
    return [
        (name, body)
        for (type_, name), body in sorted(module.data.items())
        if type_ == "aws_iam_policy_document"
    ]


def statements():
    module = load_module()
    found = []
    for name, document in documents():
        for statement in policy_statements(document):
            found.append(
                (name, statement, string_list(module, statement["actions"]), statement.get("resources"))
            )
    return found


def by_sid(document_name: str) -> dict[str, dict[str, Any]]:
    module = load_module()
    document = module.data[("aws_iam_policy_document", document_name)]
    return {s["sid"]: s for s in policy_statements(document)}


def test_there_are_policies_to_check() -> None:
    names = {name for name, _ in documents()}
    assert {"api", "reviewer", "sweep", "scheduler", "web", "lambda_assume"} <= names
    assert len(statements()) >= 15


def test_no_wildcard_action_anywhere() -> None:
    for name, statement, actions, _ in statements():
        for action in actions:
            assert "*" not in action, f"{name}/{statement.get('sid')}: action {action}"
        assert "not_actions" not in statement, f"{name}/{statement.get('sid')} uses not_actions"


def test_star_resources_only_for_actions_aws_cannot_scope() -> None:
    for name, statement, actions, resources in statements():
        if resources is None or expression(resources) is not None:
            continue
        if "*" in resources:
            assert resources == ["*"], f"{name}/{statement['sid']} mixes '*' with ARNs"
            assert set(actions) <= ACTIONS_REQUIRING_STAR, f"{name}/{statement['sid']}: {actions} on '*'"


def test_every_star_resource_carries_a_comment_saying_why() -> None:
    module = load_module()
    seen = 0
    for file_name, text in module.texts.items():
        for line in text.splitlines():
            if re.search(r'\bresources\s*=\s*\[\s*"\*"\s*\]', line):
                seen += 1
                comment = line.partition("#")[2].strip()
                assert len(comment) > 15, f"{file_name}: '{line.strip()}' needs a comment saying why"
    assert seen >= 1


def test_every_statement_names_its_purpose() -> None:
    for name, statement, _, _ in statements():
        assert statement.get("sid"), f"a statement in {name} has no sid"


def test_dynamodb_access_is_table_and_its_indexes_only() -> None:
    module = load_module()
    assert module.locals["table_arns"] == [
        "${aws_dynamodb_table.this.arn}",
        "${aws_dynamodb_table.this.arn}/index/*",
    ]
    for document in ("api", "reviewer", "sweep"):
        statement = by_sid(document)["Table"]
        assert expression(statement["resources"]) == "local.table_arns"
        actions = string_list(module, statement["actions"])
        assert all(a.startswith("dynamodb:") for a in actions)
        # Which items each function may write or delete follows from its code (test_iam_vs_code.py);
        # nothing scans, and nothing may change or drop the table itself.
        assert not {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:UpdateTable"} & set(actions)
        assert not any(a.startswith("dynamodb:Create") or a.startswith("dynamodb:Restore") for a in actions)


def test_only_the_api_and_the_sweep_invoke_the_reviewer_and_only_its_alias() -> None:
    for name, _statement, actions, resources in statements():
        if "lambda:InvokeFunction" not in actions:
            continue
        if name in ("api", "sweep"):  # a new review; a re-dispatch of one whose reviewer is gone
            assert resources == ["${aws_lambda_alias.reviewer.arn}"]
        elif name == "scheduler":
            assert resources == ["${aws_lambda_function.sweep.arn}"]
        else:
            pytest.fail(f"{name} may not invoke functions")


EXPECTED_SECRETS = {
    "api": {"api_keys", "spacelift_webhook_secret", "spacelift_api_key"},
    "reviewer": {"openai_api_key", "anthropic_api_key", "spacelift_api_key", "notifications"},
    "sweep": {"notifications"},
    "web": {"oidc_client_secret", "session_secret"},
    "authorizer": {"api_keys", "origin"},
}


def test_each_role_reads_only_its_own_secrets() -> None:
    readers: dict[str, set[str]] = {}
    for name, _, actions, resources in statements():
        if any(a.startswith("secretsmanager:") for a in actions):
            assert actions == ["secretsmanager:GetSecretValue"], f"{name}: {actions}"
            keys = set()
            for resource in resources:
                match = re.fullmatch(r'\$\{aws_secretsmanager_secret\.this\["([a-z_]+)"\]\.arn\}', resource)
                # The edge's origin secret is its own resource (its value comes from Terraform).
                match = match or re.fullmatch(
                    r"\$\{one\(aws_secretsmanager_secret\.(origin)\[\*\]\.arn\)\}", resource
                )
                assert match, f"{name}: {resource}"
                keys.add(match.group(1))
            readers[name] = keys
    assert readers == EXPECTED_SECRETS


def test_bedrock_only_when_enabled_and_only_on_configured_models() -> None:
    module = load_module()
    document = module.data[("aws_iam_policy_document", "reviewer")]
    bedrock = [s for s in policy_statements(document) if any(a.startswith("bedrock:") for a in s["actions"])]
    assert len(bedrock) == 1
    assert bedrock[0]["actions"] == ["bedrock:InvokeModel"]
    assert bedrock[0]["resources"] == "${statement.value}"
    (dynamic,) = [
        d["statement"] for d in document["dynamic"] if d["statement"]["content"][0]["sid"] == "Bedrock"
    ]
    assert expression(dynamic["for_each"]) == "var.enable_bedrock ? [var.bedrock_model_arns] : []"
    for name, _, actions, _ in statements():
        if name != "reviewer":
            assert not any(a.startswith("bedrock:") for a in actions), name


def test_reviewer_may_send_to_its_on_failure_queue_only() -> None:
    statement = by_sid("reviewer")["OnFailureDestination"]
    assert statement["actions"] == ["sqs:SendMessage"]
    assert statement["resources"] == ["${aws_sqs_queue.reviewer_failures.arn}"]


def test_logs_only_to_the_functions_own_log_group() -> None:
    for document in ("api", "reviewer", "sweep"):
        statement = by_sid(document)["Logs"]
        assert statement["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert statement["resources"] == [f'${{local.lambda_log_group_arns["{document}"]}}']


def test_one_role_per_function() -> None:
    module = load_module()
    roles = set(module.of_type("aws_iam_role"))
    assert {"api", "reviewer", "sweep", "web", "scheduler"} <= roles
    for name in ("api", "reviewer", "sweep"):
        assert expression(module.resource("aws_lambda_function", name)["role"]) == f"aws_iam_role.{name}.arn"
    assert not module.of_type("aws_iam_role_policy_attachment"), (
        "no managed policies: inline, scoped ones only"
    )
