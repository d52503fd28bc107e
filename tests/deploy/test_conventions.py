"""Conventions every Terraform file under deploy/ keeps: it parses, variables and outputs are
described and typed, references resolve, one file per concern."""

from __future__ import annotations

import re

import pytest

from tests.deploy.terraform import DEPLOY, clean, expression, load_module, module_dirs, parse_file, tf_files

CONCERN_FILES = {
    "versions.tf",
    "providers.tf",
    "variables.tf",
    "outputs.tf",
    "dynamodb.tf",
    "lambda_api.tf",
    "lambda_reviewer.tf",
    "api_gateway.tf",
    "iam.tf",
    "secrets.tf",
    "monitoring.tf",
    "scheduler.tf",
    "web.tf",
}

ALL_FILES = tf_files(DEPLOY, recursive=True)


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_tf_file_parses(path) -> None:
    assert parse_file(path), f"{path} is empty"


def test_one_file_per_concern() -> None:
    present = {p.name for p in tf_files(DEPLOY, recursive=False)}
    assert present >= CONCERN_FILES, f"missing: {sorted(CONCERN_FILES - present)}"
    for extra in ("backend.tf.example", "env/dev.tfvars", "env/prod.tfvars", "README.md"):
        assert (DEPLOY / extra).is_file(), extra


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(DEPLOY.parent)))
def test_every_variable_has_description_and_type(directory) -> None:
    module = load_module(directory)
    for name, body in module.variables.items():
        assert str(body.get("description", "")).strip(), f"variable {name} has no description"
        assert "type" in body, f"variable {name} has no type"


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(DEPLOY.parent)))
def test_every_output_is_described(directory) -> None:
    module = load_module(directory)
    for name, body in module.outputs.items():
        assert str(body.get("description", "")).strip(), f"output {name} has no description"


def test_variables_with_free_form_values_are_validated() -> None:
    module = load_module()
    unvalidated = [
        name
        for name, body in module.variables.items()
        if "validation" not in body
        and body["type"] not in ("bool", "${map(string)}")
        and name not in {"llm_model", "spacelift_api_key_id", "package_dir"}
    ]
    assert not unvalidated, f"add a validation block to: {unvalidated}"


def test_aws_provider_is_pinned() -> None:
    module = load_module()
    (terraform,) = module.others["terraform"]
    aws = terraform["required_providers"][0]["aws"]
    assert aws["source"] == "hashicorp/aws"
    # A lower bound the configuration is tested against (the provider mirror used by
    # test_terraform_apply.py) and an upper bound at the next major version.
    assert re.fullmatch(r">= \d+\.\d+, < \d+", aws["version"]), aws["version"]
    assert terraform["required_version"].startswith(">=")


_REFERENCE = re.compile(r"(?<![\w.\"])(var|local|aws_[a-z0-9_]+|data\.aws_[a-z0-9_]+)\.([a-z0-9_]+)")


def test_every_reference_resolves() -> None:
    """A light `terraform validate`: each var./local./resource/data reference names a declared block.

    The real validate needs the AWS provider, which cannot be downloaded here (README).
    """
    module = load_module()
    problems = []
    for file_name, text in module.texts.items():
        code = "\n".join(
            line.split("#", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("#")
        )
        for kind, name in _REFERENCE.findall(code):
            if kind == "var" and name not in module.variables:
                problems.append(f"{file_name}: var.{name}")
            elif kind == "local" and name not in module.locals:
                problems.append(f"{file_name}: local.{name}")
            elif kind.startswith("data."):
                if (kind.removeprefix("data."), name) not in module.data:
                    problems.append(f"{file_name}: {kind}.{name}")
            elif kind.startswith("aws_") and (kind, name) not in module.resources:
                problems.append(f"{file_name}: {kind}.{name}")
    assert not problems, f"unresolved references: {problems}"


def test_every_declared_variable_is_used() -> None:
    module = load_module()
    code = "\n".join(text for name, text in module.texts.items() if name != "variables.tf")
    unused = [name for name in module.variables if not re.search(rf"\bvar\.{name}\b", code)]
    assert not unused, f"unused variables: {unused}"


def test_main_resource_of_a_file_is_named_this() -> None:
    module = load_module()
    expected = {
        ("aws_dynamodb_table", "this"): "dynamodb.tf",
        ("aws_apigatewayv2_api", "this"): "api_gateway.tf",
        ("aws_apigatewayv2_stage", "this"): "api_gateway.tf",
        ("aws_secretsmanager_secret", "this"): "secrets.tf",
    }
    for key, file_name in expected.items():
        assert module.resource_files.get(key) == file_name, key


def test_tfvars_examples_set_only_declared_variables() -> None:
    module = load_module()
    for path in sorted((DEPLOY / "env").glob("*.tfvars")):
        values = clean(parse_file(path))
        unknown = set(values) - set(module.variables)
        assert not unknown, f"{path.name} sets undeclared variables {sorted(unknown)}"
        required = {n for n, b in module.variables.items() if "default" not in b}
        assert required <= set(values), f"{path.name} misses {sorted(required - set(values))}"


def test_no_expression_is_left_unparsed() -> None:
    # expression() is what the other tests lean on; make sure it sees the table name as one.
    module = load_module()
    assert expression(module.resource("aws_dynamodb_table", "this")["name"]) == "local.table_name"
