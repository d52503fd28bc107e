"""IAM proven against the code: every AWS call a Lambda's code can make is granted by its role, and
its role grants nothing the code (or the Lambda runtime acting with the role) does not use.

For each Python function in deploy/ the walk in code_calls.py starts at the function's handler,
under the settings its Terraform environment fixes, and lists the reachable boto3 calls with their
IAM actions. Resources are checked where the code takes them from settings: the table, the
reviewer alias the dispatcher invokes, and exactly the secrets whose ids the environment holds.
With a customer managed key each function gets key use only through the services it calls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.core import settings as settings_module
from app.core.settings import Settings
from tests.deploy import code_calls
from tests.deploy.terraform import Module, expression, load_module, string_list

# What the Lambda service does with a function's role, beside the function's code.
RUNTIME_LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
RUNTIME_TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
ON_FAILURE_SQS = {"sqs:SendMessage"}

DYNAMODB_READS = {
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
}
DYNAMODB_WRITES = {
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
}
KMS_READ = ["kms:Decrypt"]
KMS_WRITE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
KMS_SEND = ["kms:Decrypt", "kms:GenerateDataKey"]


@dataclass
class Grant:
    """One statement of a role's policy."""

    sid: str
    actions: list[str]
    resources: Any
    for_each: str | None = None
    condition: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Function:
    """A Python Lambda function of deploy/ with its role's policy and environment."""

    name: str
    handler: str
    role: str
    grants: list[Grant]
    environment: dict[str, str]
    tracing: bool
    on_failure_queue: str | None


def _environment(module: Module, body: dict[str, Any]) -> dict[str, str]:
    variables = body["environment"][0]["variables"]
    match = re.search(r"local\.([a-z0-9_]+)", str(variables))
    assert match, f"environment {variables!r} should come from a local"
    env = module.locals[match.group(1)]
    assert isinstance(env, dict)
    return {str(k): str(v) for k, v in env.items()}


def _grants(module: Module, document: str) -> list[Grant]:
    body = module.data[("aws_iam_policy_document", document)]
    grants = [
        Grant(s["sid"], string_list(module, s["actions"]), s.get("resources"), None, s.get("condition", []))
        for s in body.get("statement", [])
    ]
    for dynamic in body.get("dynamic", []):
        for label, block in dynamic.items():
            assert label == "statement"
            for content in block["content"]:
                actions = content["actions"]
                if expression(actions) == "statement.value":
                    actions = ["<for_each value>"]
                grants.append(
                    Grant(
                        content["sid"],
                        string_list(module, actions),
                        content.get("resources"),
                        expression(block["for_each"]),
                        content.get("condition", []),
                    )
                )
    return grants


@cache
def python_functions() -> dict[str, Function]:
    module = load_module()
    found: dict[str, Function] = {}
    for name, body in module.of_type("aws_lambda_function").items():
        runtime = module.default(body["runtime"])
        if not str(runtime).startswith("python"):
            continue
        # A function behind a switch (the edge authorizer) has count = 1 and [0] in its references.
        role = re.fullmatch(r"aws_iam_role\.([a-z0-9_]+)(?:\[0\])?\.arn", expression(body["role"]) or "")
        assert role, f"{name}: role should be aws_iam_role.<name>.arn"
        policies = [
            p
            for p in module.of_type("aws_iam_role_policy").values()
            if re.fullmatch(rf"aws_iam_role\.{role.group(1)}(?:\[0\])?\.id", expression(p["role"]) or "")
        ]
        assert len(policies) == 1, f"{name}: one inline policy per role"
        document = re.fullmatch(
            r"data\.aws_iam_policy_document\.([a-z0-9_]+)(?:\[0\])?\.json",
            expression(policies[0]["policy"]) or "",
        )
        assert document, f"{name}: the policy should be an aws_iam_policy_document"
        queue = None
        for config in module.of_type("aws_lambda_function_event_invoke_config").values():
            if expression(config["function_name"]) == f"aws_lambda_function.{name}.function_name":
                queue = expression(config["destination_config"][0]["on_failure"][0]["destination"])
        found[name] = Function(
            name=name,
            handler=str(module.default(body["handler"])),
            role=role.group(1),
            grants=_grants(module, document.group(1)),
            environment=_environment(module, body),
            tracing=body.get("tracing_config", [{}])[0].get("mode") == "Active",
            on_failure_queue=queue,
        )
    return found


def settings_view(function: Function) -> dict[str, Any]:
    """Settings as the function sees them: fixed values where Terraform writes a literal, UNKNOWN
    where an operator's variable decides, PRESENT where a resource attribute is filled in."""
    view: dict[str, Any] = {}
    for name, info in Settings.model_fields.items():
        view[name] = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    for variable, value in function.environment.items():
        assert variable.startswith("TFR_"), f"{function.name}: {variable} is not a TFR_ setting"
        name = variable.removeprefix("TFR_").lower()
        assert name in Settings.model_fields, f"{function.name}: {variable} is not a field of Settings"
        if expression(value) is None:
            try:
                annotation: Any = Settings.model_fields[name].annotation
                view[name] = TypeAdapter(annotation).validate_python(value)
            except ValidationError as exc:
                pytest.fail(f"{function.name}: {variable}={value!r} is not a valid setting: {exc}")
        elif "var." in value:
            view[name] = code_calls.UNKNOWN  # the operator decides (and a null leaves it unset)
        else:
            view[name] = code_calls.PRESENT
    return view


def guard_names() -> dict[str, Any]:
    return {n: getattr(settings_module, n) for n in dir(settings_module) if not n.startswith("_")}


@cache
def derived(name: str) -> code_calls.Derived:
    function = python_functions()[name]
    return code_calls.derive(function.handler, settings_view(function), guard_names())


def function_names() -> list[str]:
    return sorted(python_functions())


def _why(name: str, action: str) -> str:
    """Where the code calls for an action, and how the handler gets there."""
    found = derived(name)
    calls = sorted((c for c in found.calls if action in c.actions), key=lambda c: c.where())
    sites = sorted({c.where() for c in calls})
    text = "; ".join(sites[:4]) + (f" and {len(sites) - 4} more" if len(sites) > 4 else "")
    route = " -> ".join(k.replace(":", ".").rstrip(".") for k in found.path_to(calls[0].key)[1:])
    return f"{text}\n      reached as {route}"


# ---------------------------------------------------------------------------------------------


def test_every_python_function_is_checked() -> None:
    assert {"api", "reviewer", "sweep", "authorizer"} <= set(python_functions())


@pytest.mark.parametrize("name", function_names())
def test_the_walk_identifies_every_client_call(name: str) -> None:
    problems = derived(name).problems
    assert not problems, (
        "calls on a client whose AWS service the walk cannot tell (annotate the client):\n"
        + "\n".join(f"  {p.path}:{p.line}: {p.text}" for p in problems)
    )


@pytest.mark.parametrize("name", function_names())
def test_every_aws_call_of_the_code_is_granted(name: str) -> None:
    function = python_functions()[name]
    calls = derived(name).calls
    granted = {a for g in function.grants if g.for_each is None or "bedrock" in g.for_each for a in g.actions}
    missing = sorted({a for c in calls for a in c.actions} - granted)
    assert not missing, f"role {function.role} of function {name} lacks:\n" + "\n".join(
        f"  {action}, needed by {_why(name, action)}" for action in missing
    )


@pytest.mark.parametrize("name", function_names())
def test_the_role_grants_nothing_the_code_does_not_use(name: str) -> None:
    function = python_functions()[name]
    needed = {a for c in derived(name).calls for a in c.actions} | RUNTIME_LOGS
    if function.tracing:
        needed |= RUNTIME_TRACING
    if function.on_failure_queue:
        needed |= ON_FAILURE_SQS
    unused = []
    for grant in function.grants:
        if grant.actions == ["<for_each value>"]:
            continue  # key use, checked below
        unused += [f"  {a} (statement {grant.sid})" for a in grant.actions if a not in needed]
    assert not unused, (
        f"role {function.role} of function {name} grants what no reachable code calls:\n" + "\n".join(unused)
    )


@pytest.mark.parametrize("name", function_names())
def test_table_actions_are_on_the_table_and_its_indexes_only(name: str) -> None:
    function = python_functions()[name]
    for grant in function.grants:
        if any(a.startswith("dynamodb:") for a in grant.actions):
            assert expression(grant.resources) == "local.table_arns", f"{name}/{grant.sid}: {grant.resources}"
    if any(c.service == "dynamodb" for c in derived(name).calls):
        assert function.environment.get("TFR_TABLE_NAME") == "${aws_dynamodb_table.this.name}"
    else:  # the edge authorizer never touches the table, so it is not told its name
        assert "TFR_TABLE_NAME" not in function.environment


def _secret_refs(function: Function) -> set[str]:
    return {v for k, v in function.environment.items() if k.endswith("_SECRET_ID")}


@pytest.mark.parametrize("name", function_names())
def test_secrets_granted_are_exactly_those_the_environment_names(name: str) -> None:
    """The code reads secrets by the ids in settings: the role may read those and no others."""
    function = python_functions()[name]
    reads_secrets = any(c.service == "secretsmanager" for c in derived(name).calls)
    expected = _secret_refs(function) if reads_secrets else set()
    granted = {
        r
        for g in function.grants
        if "secretsmanager:GetSecretValue" in g.actions
        for r in (g.resources if isinstance(g.resources, list) else [g.resources])
    }
    assert granted == {f"${{{expression(r)}}}" for r in expected}, (
        f"{name}: secrets granted {sorted(granted)} but its environment names {sorted(expected)}"
    )


@pytest.mark.parametrize("name", function_names())
def test_invokes_only_the_function_its_environment_names(name: str) -> None:
    function = python_functions()[name]
    invokes = [c for c in derived(name).calls if "lambda:InvokeFunction" in c.actions]
    target = function.environment.get("TFR_REVIEWER_FUNCTION_NAME")
    if invokes:
        assert target, (
            f"{name} invokes Lambda ({_why(name, 'lambda:InvokeFunction')}) but sets no TFR_REVIEWER_FUNCTION_NAME"
        )
    for grant in function.grants:
        if "lambda:InvokeFunction" in grant.actions:
            assert grant.resources == [target], f"{name}/{grant.sid}: {grant.resources} is not {target}"


def kms_needs(name: str) -> dict[str, list[str]]:
    """Key actions per service that uses the customer managed key on the function's behalf."""
    function = python_functions()[name]
    actions = {a for c in derived(name).calls for a in c.actions}
    needs: dict[str, list[str]] = {}
    if actions & DYNAMODB_WRITES:
        needs["dynamodb"] = KMS_WRITE
    elif actions & DYNAMODB_READS:
        needs["dynamodb"] = KMS_READ
    if "secretsmanager:GetSecretValue" in actions:
        needs["secretsmanager"] = KMS_READ
    if function.on_failure_queue:
        needs["sqs"] = KMS_SEND
    if "sns:Publish" in actions:
        needs["sns"] = KMS_SEND  # the notifications topic is encrypted with the key
    return needs


def test_everything_the_functions_use_is_encrypted_with_the_customer_key() -> None:
    module = load_module()
    assert (
        module.resource("aws_dynamodb_table", "this")["server_side_encryption"][0]["kms_key_arn"]
        == "${var.kms_key_arn}"
    )
    assert module.resource("aws_secretsmanager_secret", "this")["kms_key_id"] == "${var.kms_key_arn}"
    assert module.resource("aws_sqs_queue", "reviewer_failures")["kms_master_key_id"] == "${var.kms_key_arn}"


@pytest.mark.parametrize("name", function_names())
def test_customer_key_use_matches_the_services_the_code_calls(name: str) -> None:
    module = load_module()
    function = python_functions()[name]
    key_grants = [
        g
        for g in function.grants
        if g.actions == ["<for_each value>"] or any(a.startswith("kms:") for a in g.actions)
    ]
    assert len(key_grants) == 1, f"{name}: one dynamic key statement over local.kms_via_service.{name}"
    grant = key_grants[0]
    assert grant.for_each is not None and f"local.kms_via_service.{name}" in grant.for_each
    assert "var.kms_key_arn != null" in grant.for_each, "key use only when a customer key is configured"
    assert grant.resources == ["${var.kms_key_arn}"]
    (condition,) = grant.condition
    assert (condition["test"], condition["variable"]) == ("StringEquals", "kms:ViaService")
    assert condition["values"] == ["${statement.key}.${var.aws_region}.amazonaws.com"]
    configured = {
        service: sorted(actions) for service, actions in module.locals["kms_via_service"][name].items()
    }
    assert configured == {s: sorted(a) for s, a in kms_needs(name).items()}, (
        f"local.kms_via_service.{name} should be {kms_needs(name)} (from the calls its code makes)"
    )


def test_the_known_fixes_hold() -> None:
    """The faults seen on a moto apply: the API releases delivery claims, the sweep writes chunks."""
    api = {a for c in derived("api").calls for a in c.actions}
    sweep = {a for c in derived("sweep").calls for a in c.actions}
    assert "dynamodb:DeleteItem" in api
    assert "dynamodb:BatchWriteItem" in sweep
    # The sweep sends notifications: the notifications secret is the one secret its environment names.
    assert {k for k in python_functions()["sweep"].environment if k.endswith("_SECRET_ID")} == {
        "TFR_NOTIFY_SECRETS_SECRET_ID"
    }
    assert not any(c.service == "bedrock-runtime" for c in derived("api").calls)
