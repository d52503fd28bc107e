"""The Lambda functions: handlers, sizes, async invoke settings, environment names."""

from __future__ import annotations

import json
import re

import pytest

from app.core.settings import Settings
from scripts import package
from tests.deploy.terraform import expression, load_module

PYTHON_FUNCTIONS = ("api", "reviewer", "sweep", "authorizer")


def function(name: str):
    return load_module().resource("aws_lambda_function", name)


def environment_local(name: str) -> dict[str, str]:
    module = load_module()
    (env,) = function(name)["environment"]
    expr = expression(env["variables"])
    assert expr is not None
    match = re.search(r"local\.([a-z_]+_environment)", expr)
    assert match, expr
    return dict(module.locals[match.group(1)])


@pytest.mark.parametrize(
    ("name", "handler"),
    [
        ("api", "app.handler.handler"),
        ("reviewer", "reviewer.handler.handler"),
        ("sweep", "reviewer.handler.sweep_handler"),
        ("authorizer", "app.edge.handler.handler"),
    ],
)
def test_handlers(name: str, handler: str) -> None:
    assert function(name)["handler"] == handler


def test_handlers_exist_in_the_code() -> None:
    import importlib.util

    for name in PYTHON_FUNCTIONS:
        module_name, _, attribute = function(name)["handler"].rpartition(".")
        spec = importlib.util.find_spec(module_name)
        assert spec is not None and spec.origin is not None, module_name
        with open(spec.origin) as handle:
            source = handle.read()
        # At module level, possibly inside a top-level block (app/handler.py builds it in a try).
        assert re.search(rf"^\s*(def {attribute}\(|{attribute} = )", source, re.M), (
            f"{module_name}.{attribute}"
        )


def test_api_size_and_timeout() -> None:
    module = load_module()
    body = function("api")
    assert module.default(body["memory_size"]) == 512
    assert module.default(body["timeout"]) == 30


def test_reviewer_size_and_timeout() -> None:
    module = load_module()
    body = function("reviewer")
    assert module.default(body["memory_size"]) == 2048
    assert module.default(body["timeout"]) == 300


def test_python_runtime_and_architecture() -> None:
    module = load_module()
    for name in PYTHON_FUNCTIONS:
        body = function(name)
        assert module.default(body["runtime"]) == f"python{package.LAMBDA_PYTHON_VERSION}"
        assert [module.default(a) for a in body["architectures"]] == ["arm64"]
        assert body["tracing_config"][0]["mode"] == "Active"


def test_packages_come_from_make_package() -> None:
    module = load_module()
    assert module.locals["package_dir"] == '${coalesce(var.package_dir, "${path.module}/../build")}'
    files = module.locals["package_files"]
    assert "api.zip" in files and "reviewer.zip" in files and "web.zip" in files
    for name, key in (("api", "api"), ("reviewer", "reviewer"), ("sweep", "reviewer"), ("web", "web")):
        body = function(name)
        # Direct upload by default; through S3 when package_s3_bucket is set.
        assert expression(body["filename"]) == f'local.deploy_from_s3 ? null : local.package_files["{key}"]'
        assert (
            expression(body["s3_key"]) == f'local.deploy_from_s3 ? aws_s3_object.package["{key}"].key : null'
        )
        assert expression(body["source_code_hash"]) == f'filebase64sha256(local.package_files["{key}"])'


def test_reviewer_async_invoke_is_bounded_with_an_on_failure_queue() -> None:
    module = load_module()
    config = module.resource("aws_lambda_function_event_invoke_config", "reviewer")
    assert expression(config["qualifier"]) == "aws_lambda_alias.reviewer.name"
    retries = module.default(config["maximum_retry_attempts"])
    age = module.default(config["maximum_event_age_in_seconds"])
    assert 0 <= retries <= 2
    assert 60 <= age <= 21600
    (destination,) = config["destination_config"]
    (on_failure,) = destination["on_failure"]
    assert expression(on_failure["destination"]) == "aws_sqs_queue.reviewer_failures.arn"


def test_on_failure_queue_is_encrypted() -> None:
    module = load_module()
    queue = module.resource("aws_sqs_queue", "reviewer_failures")
    # SQS-managed SSE without a customer key, the customer key otherwise.
    assert expression(queue["sqs_managed_sse_enabled"]) == "var.kms_key_arn == null ? true : null"
    assert expression(queue["kms_master_key_id"]) == "var.kms_key_arn"


@pytest.mark.parametrize("name", PYTHON_FUNCTIONS)
def test_environment_names_are_settings_fields(name: str) -> None:
    fields = set(Settings.model_fields)
    for key in environment_local(name):
        assert key.startswith("TFR_"), key
        assert key.removeprefix("TFR_").lower() in fields, f"{key} is not a Settings field"


@pytest.mark.parametrize("name", PYTHON_FUNCTIONS)
def test_no_secret_value_in_the_environment(name: str) -> None:
    secret_fields = {
        field_name
        for field_name, info in Settings.model_fields.items()
        if "SecretStr" in str(info.annotation) or field_name == "api_keys"
    }
    for key, value in environment_local(name).items():
        field_name = key.removeprefix("TFR_").lower()
        assert field_name not in secret_fields, f"{key} would put a secret value in the function config"
        if field_name.endswith("_secret_id"):
            assert re.fullmatch(
                r"\$\{aws_secretsmanager_secret\.this\[\"[a-z_]+\"\]\.arn\}"
                r"|\$\{one\(aws_secretsmanager_secret\.origin\[\*\]\.arn\)\}",
                value,
            ), value


def test_api_dispatches_to_the_reviewer_alias() -> None:
    env = environment_local("api")
    assert env["TFR_DISPATCHER"] == "lambda"
    assert expression(env["TFR_REVIEWER_FUNCTION_NAME"]) == "aws_lambda_alias.reviewer.arn"
    assert env["TFR_ENV"] == "${var.environment}"
    assert "TFR_OPENAI_API_KEY_SECRET_ID" not in env  # the API never calls a model


def test_reviewer_gets_llm_secrets_but_not_the_api_keys() -> None:
    env = environment_local("reviewer")
    assert {"TFR_OPENAI_API_KEY_SECRET_ID", "TFR_ANTHROPIC_API_KEY_SECRET_ID", "TFR_LLM_PROVIDER"} <= set(env)
    assert "TFR_API_KEYS_SECRET_ID" not in env
    assert env["TFR_DISPATCHER"] == "none"


def test_sweep_runs_on_a_schedule() -> None:
    module = load_module()
    schedule = module.resource("aws_scheduler_schedule", "sweep")
    (target,) = schedule["target"]
    assert expression(target["arn"]) == "aws_lambda_function.sweep.arn"
    assert module.default(schedule["schedule_expression"]) == "rate(5 minutes)"
    # Off during a table restore (deploy/README.md), so it spends no review's attempts.
    assert expression(schedule["state"]) == 'var.sweep_enabled ? "ENABLED" : "DISABLED"'


def test_sweep_redispatches_to_the_reviewer_alias_on_the_reviewer_timing() -> None:
    """The sweep's clocks are the reviewer's: its timeout, and how long Lambda may hold an event."""
    module = load_module()
    env = environment_local("sweep")
    assert env["TFR_DISPATCHER"] == "lambda"
    assert expression(env["TFR_REVIEWER_FUNCTION_NAME"]) == "aws_lambda_alias.reviewer.arn"
    invoke = module.resource("aws_lambda_function_event_invoke_config", "reviewer")
    assert (
        env["TFR_ASYNC_EVENT_MAX_AGE_SECONDS"]
        == f"${{tostring({expression(invoke['maximum_event_age_in_seconds'])})}}"
    )
    reviewer = module.resource("aws_lambda_function", "reviewer")
    for name in ("api", "reviewer", "sweep"):  # the edge authorizer knows nothing of reviews
        timeout = environment_local(name)["TFR_REVIEWER_TIMEOUT_SECONDS"]
        assert timeout == f"${{tostring({expression(reviewer['timeout'])})}}", name
    assert env["TFR_SWEEP_IN_PROGRESS_AFTER_SECONDS"] == "${tostring(local.stuck_review_seconds)}"
    assert module.locals["stuck_review_seconds"] == "${var.reviewer_timeout_seconds + 60}"
    assert environment_local("reviewer")["TFR_STORE_RETRY_SECONDS"] == env["TFR_STORE_RETRY_SECONDS"]


def test_dashboard_reads_its_sign_in_secrets_from_secrets_manager_and_holds_no_api_key() -> None:
    module = load_module()
    body = module.resource("aws_lambda_function", "web")
    (env,) = body["environment"]
    variables = env["variables"]
    # The dashboard forwards each person's token; a key of its own would let it act for anyone.
    assert not {"TFR_API_KEY", "TFR_API_KEY_SECRET_ID", "TFR_OIDC_CLIENT_SECRET", "TFR_SESSION_SECRET"} & set(
        variables
    )
    assert "web_api_key" not in "".join(module.texts.values())
    for variable, secret in (
        ("TFR_OIDC_CLIENT_SECRET_SECRET_ID", "oidc_client_secret"),
        ("TFR_SESSION_SECRET_SECRET_ID", "session_secret"),
    ):
        assert expression(variables[variable]) == f'aws_secretsmanager_secret.this["{secret}"].arn'
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert body["handler"] == "run.sh"


def test_secrets_have_no_values_in_terraform() -> None:
    """Operators put secret values; the one exception is the edge's origin secret, which Terraform
    generates because CloudFront's configuration must hold it (deploy/README.md, "The edge")."""
    module = load_module()
    versions = module.of_type("aws_secretsmanager_secret_version")
    assert set(versions) <= {"origin"}
    if versions:
        generated = versions["origin"]["secret_string"]
        assert "terraform_data.origin_secret[slot].output" in generated and "var." not in generated
        assert expression(versions["origin"]["secret_id"]) == "aws_secretsmanager_secret.origin[0].id"
    for name, text in module.texts.items():
        assert "secret_string" not in text or name == "edge.tf", name


def test_log_groups_exist_before_functions_with_retention() -> None:
    module = load_module()
    for name in ("lambda", "api_access", "web_access"):
        group = module.resource("aws_cloudwatch_log_group", name)
        assert expression(group["retention_in_days"]) == "var.log_retention_days"
    for name in (*PYTHON_FUNCTIONS, "web"):
        (logging,) = module.resource("aws_lambda_function", name)["logging_config"]
        assert "aws_cloudwatch_log_group.lambda" in logging["log_group"]


def test_dashboard_environment_matches_what_the_web_server_reads() -> None:
    from tests.deploy.terraform import ROOT

    api_client = ROOT / "web" / "lib" / "api.ts"
    if not api_client.is_file():
        pytest.skip("web/lib/api.ts not present")
    source = api_client.read_text()
    assert "process.env.TFR_API_URL" in source
    assert "TFR_API_KEY" not in source
    # The sign-in secrets are set by deploy/web/lambda-start.cjs from their *_SECRET_ID at start.
    auth = "".join(path.read_text() for path in sorted((ROOT / "web" / "lib" / "auth").glob("*.ts")))
    assert "process.env.TFR_OIDC_CLIENT_SECRET" in auth and "process.env.TFR_SESSION_SECRET" in auth
    launcher = (ROOT / "deploy" / "web" / "lambda-start.cjs").read_text()
    web_environment = load_module().resource("aws_lambda_function", "web")["environment"][0]["variables"]
    # Each secret the launcher fills in is named by a *_SECRET_ID the function's environment sets.
    for variable, id_variable in re.findall(r'(TFR_[A-Z_]+): "(TFR_[A-Z_]+_SECRET_ID)"', launcher):
        assert id_variable in web_environment, id_variable
        assert variable not in web_environment, f"{variable} would put a secret value in the config"
    assert set(re.findall(r'(TFR_[A-Z_]+): "TFR_[A-Z_]+_SECRET_ID"', launcher)) == {
        "TFR_OIDC_CLIENT_SECRET",
        "TFR_SESSION_SECRET",
    }


REQUIRED_SAMPLES = {"aws_region": "eu-west-1", "environment": "prod"}


def _default(module, name: str):
    return module.variables[name].get("default", REQUIRED_SAMPLES.get(name))


def _render(module, value: str) -> str | None:
    """What Terraform would put in the environment, using variable defaults (None = left out)."""
    expr = expression(value)
    if expr is None:
        return value
    tostring = re.fullmatch(r"tostring\(var\.([a-z0-9_]+)\)", expr)
    join = re.fullmatch(r'join\(",", var\.([a-z0-9_]+)\)', expr)
    plain = re.fullmatch(r"var\.([a-z0-9_]+)", expr)
    mebibytes = re.fullmatch(r"tostring\(var\.([a-z0-9_]+) \* 1024 \* 1024\)", expr)
    if mebibytes:
        return str(int(_default(module, mebibytes.group(1))) * 1024 * 1024)
    if expr == "local.stuck_review_seconds":
        return "360"
    if expr == "aws_dynamodb_table.this.name":  # the table's name is local.table_name
        return "terraform-spacelift-ai-reviewer-reviews-prod"
    if tostring:
        default = _default(module, tostring.group(1))
        return str(default).lower() if isinstance(default, bool) else str(default)
    if join:
        return ",".join(_default(module, join.group(1)))
    if plain:
        default = _default(module, plain.group(1))
        return None if default is None else str(default)
    if expr.startswith("tostring(local."):
        return "360"
    if expr == "local.notification_channels_json":  # the SNS topic's channel; var.notification_channels is []
        topic = "arn:aws:sns:eu-west-1:123456789012:tfreview-prod-notifications"
        return json.dumps(
            [{"name": "aws-topic", "type": "sns", "topic_arn": topic, "min_level": "HIGH", "stacks": None}]
        )
    if expr == "local.notification_dashboard_url":  # enable_web and dashboard_url are off by default
        return None
    if expr.startswith("local.oidc_"):  # null without oidc_issuer, which defaults to null
        return None
    return "arn:aws:service:eu-west-1:123456789012:resource/placeholder"  # ARNs and names


@pytest.mark.parametrize("name", PYTHON_FUNCTIONS)
def test_environment_values_load_as_settings(name: str) -> None:
    from app.core.settings import load_settings

    module = load_module()
    rendered = {k: _render(module, v) for k, v in environment_local(name).items()}
    overrides = {k.removeprefix("TFR_").lower(): v for k, v in rendered.items() if v is not None}
    settings = load_settings(**overrides)
    assert settings.env == "prod"
    assert not settings.is_local
    assert settings.resolved_table_name == "terraform-spacelift-ai-reviewer-reviews-prod"
