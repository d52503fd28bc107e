"""Secrets stored in clear attributes: provider keys, Lambda/ECS environment, user data, tags, outputs."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from reviewer.engine.plan import ResourceChange
from reviewer.engine.provider_credentials import provider_blocks, provider_fed_variables
from reviewer.engine.redaction import REDACTED
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, UNKNOWN, Hit, RuleMeta, State
from reviewer.engine.rules.catalog_types import AZURE_APP_TYPES
from reviewer.engine.rules.context import RuleContext
from reviewer.engine.rules.helpers import task_containers
from reviewer.engine.secrets import (
    NOT_A_SECRET_RE,
    SECRET_REFERENCE_NAME_RE,
    is_secret_name,
    looks_like_secret_value,
)

MAX_DECODED_USER_DATA = 64_000
# GCE startup scripts: the GCP counterpart of EC2 user data.
GCE_STARTUP_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    rtype: (("metadata_startup_script",), ("metadata", "startup-script"), ("metadata", "user-data"))
    for rtype in ("google_compute_instance", "google_compute_instance_template")
}
# Azure VMs: user_data is served by the instance metadata service and the API, like EC2's. custom_data is not
# read here: the provider marks it sensitive, so the plan shows it redacted as a whole and the API never
# returns it (it only reaches the VM's own provisioning files and the state).
AZURE_USER_DATA_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    f"azurerm_{kind}": (("user_data",),)
    for kind in (
        "linux_virtual_machine",
        "windows_virtual_machine",
        "linux_virtual_machine_scale_set",
        "windows_virtual_machine_scale_set",
        "orchestrated_virtual_machine_scale_set",
    )
}


@lru_cache(maxsize=4096)
def _reference_name(name: str) -> bool:
    return bool(SECRET_REFERENCE_NAME_RE.search(name))


def holds_secret(name: str, value: Any) -> bool:
    """A non-empty value under a secret-like name, or a value the redactor had to blank out."""
    if not isinstance(value, str) or not value or _reference_name(name):
        return False
    if REDACTED in value:
        return True
    return is_secret_name(name) and not NOT_A_SECRET_RE.match(value)


@REGISTRY.plan(
    RuleMeta(
        id="TFR-AWS-PRV-001",
        title="Hard-coded AWS credentials in provider block",
        severity=Severity.CRITICAL,
        category=Category.SECRETS,
        rationale="access_key/secret_key written into the provider block end up in version control and in "
        "every plan file.",
        remediation="Remove the keys and rotate them; use an assumed role, OIDC or environment credentials.",
        checkov_id="CKV_AWS_41",
        trivy_id="AVD-AWS-0093",
    )
)
def provider_keys(ctx: RuleContext) -> Iterator[Hit]:
    for key, provider in provider_blocks(ctx.raw).items():
        if provider.get("name") not in ("aws", None):
            continue
        expressions = provider.get("expressions")
        if not isinstance(expressions, dict):
            continue
        for attribute in AWS_CREDENTIAL_ATTRIBUTES:
            expr = expressions.get(attribute)
            if isinstance(expr, dict) and expr.get("constant_value") not in (None, ""):
                yield Hit(
                    f'provider "{key}" sets {attribute} to a literal value.',
                    address=f"provider.{key}",
                    attribute=attribute,
                    type="provider",
                )


# Variable names that hold AWS credentials (aws_access_key_id, secret_key, AWS_SESSION_TOKEN ...).
AWS_CREDENTIAL_VARIABLE_RE = re.compile(
    r"(?i)^(?:.*[_\-])?(?:access_key(?:_id)?|secret_key|secret_access_key|session_token)$"
)
AWS_CREDENTIAL_ATTRIBUTES = ("access_key", "secret_key", "token")


@REGISTRY.plan(
    RuleMeta(
        id="TFR-AWS-PRV-002",
        title="AWS credentials passed in plan variables",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="Variable values are stored in clear in the saved plan file, in run logs and in every copy of "
        "the plan; access keys passed this way must be treated as leaked.",
        remediation="Rotate these keys now (deactivate, then delete them in IAM), and give the runner a role "
        "instead: OIDC / workload identity, an instance profile or Spacelift's AWS integration.",
        checkov_id="CKV_AWS_41",
    )
)
def credentials_in_variables(ctx: RuleContext) -> Iterator[Hit]:
    providers = [p for p in provider_blocks(ctx.raw).values() if p.get("name") == "aws"]
    fed = provider_fed_variables(ctx.raw, "aws")

    def credential_name(name: str) -> bool:
        # A name alone says "AWS" when it does, or when the plan configures the aws provider.
        return bool(AWS_CREDENTIAL_VARIABLE_RE.match(name)) and (bool(providers) or "aws" in name.lower())

    found = sorted(
        name
        for name, value in ctx.plan.variables.items()
        if (name in fed or credential_name(name))
        and isinstance(value, str)
        and value.strip()
        and not NOT_A_SECRET_RE.match(value)
    )
    if found:
        # Names only: the values are credentials and never leave the engine.
        yield Hit(
            f"Plan variables {', '.join(found)} carry AWS credentials"
            f"{' used by the aws provider' if fed & set(found) else ''}; rotate these keys.",
            address=f"var.{found[0]}",
            type="variable",
            attribute=", ".join(found),
        )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-001",
        title="Secret in Lambda environment variables",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="Lambda environment variables are readable by anyone with lambda:GetFunctionConfiguration "
        "and stored in state and plans in clear text.",
        remediation="Store the secret in Secrets Manager or SSM Parameter Store and read it at runtime.",
        checkov_id="CKV_AWS_45",
    ),
    "aws_lambda_function",
)
def lambda_env_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    variables = state.first("environment", "variables")
    if not isinstance(variables, dict):
        return
    unknown = State(variables, _unknown_of(state, "environment", 0, "variables"))
    for name in sorted(variables):
        value = unknown.get(name)
        if value is not UNKNOWN and holds_secret(name, value):
            yield Hit(
                f"{rc.address}: environment variable {name} holds a secret in clear text.",
                attribute=f"environment.variables.{name}",
                key=name,
            )


def _unknown_of(state: State, *path: str | int) -> Any:
    node = state.unknown
    for key in path:
        if node is True:
            return True
        if isinstance(node, dict) and isinstance(key, str):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-002",
        title="Secret in ECS container definition environment",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="Environment entries in a task definition are visible to anyone who can describe it.",
        remediation="Use the container definition's `secrets` with Secrets Manager or SSM ARNs.",
        checkov_id="CKV_AWS_45",
    ),
    "aws_ecs_task_definition",
)
def ecs_env_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for container in task_containers(state):
        environment = container.get("environment")
        for entry in environment if isinstance(environment, list) else ():
            if isinstance(entry, dict) and holds_secret(str(entry.get("name", "")), entry.get("value")):
                name = str(entry.get("name", ""))
                yield Hit(
                    f"{rc.address}: container {container.get('name', '?')} sets {name} in clear text.",
                    attribute="container_definitions",
                    key=f"{container.get('name')}|{name}",
                )


def _decoded(value: str) -> str:
    if len(value) > MAX_DECODED_USER_DATA * 2:
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="ignore")
    except (binascii.Error, ValueError):
        return ""


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-003",
        title="Secret in instance user data",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="User data (a GCE startup script, an Azure VM's user_data) is readable from the instance metadata service and "
        "the cloud API; secrets in it leak to anyone with describe rights or SSRF.",
        remediation="Fetch secrets at boot from Secrets Manager or SSM with the instance role.",
        checkov_id="CKV_AWS_46",
    ),
    "aws_instance",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_spot_instance_request",
    *GCE_STARTUP_PATHS,
    *AZURE_USER_DATA_PATHS,
)
def user_data_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    # Launch templates only have user_data (already base64); the others may use either; GCE VMs have startup
    # scripts in metadata.
    paths = (
        GCE_STARTUP_PATHS.get(rc.type)
        or AZURE_USER_DATA_PATHS.get(rc.type)
        or (
            (("user_data",),) if rc.type == "aws_launch_template" else (("user_data",), ("user_data_base64",))
        )
    )
    for path in paths:
        value = state.get(*path)
        if not isinstance(value, str) or not value:
            continue
        texts = [value, _decoded(value)]
        if any(REDACTED in text or looks_like_secret_value(text) for text in texts if text):
            attribute = ".".join(path)
            yield Hit(f"{rc.address}: `{attribute}` contains a secret.", attribute=attribute)


# Where workloads outside AWS keep their environment: lists of {name, value} entries under nested blocks,
# or name -> value maps. Reached through every element of each block on the way.
ENV_ENTRY_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "google_cloud_run_v2_service": (("template", "containers", "env"),),
    "google_cloud_run_v2_job": (("template", "template", "containers", "env"),),
    "google_cloud_run_service": (("template", "spec", "containers", "env"),),
    **{
        f"kubernetes_{kind}{version}": (("spec", "template", "spec", "container", "env"),)
        for kind in ("deployment", "stateful_set", "daemonset", "job")
        for version in ("", "_v1")
    },
    "kubernetes_daemon_set_v1": (("spec", "template", "spec", "container", "env"),),
    "kubernetes_pod": (("spec", "container", "env"),),
    "kubernetes_pod_v1": (("spec", "container", "env"),),
    "kubernetes_cron_job_v1": (("spec", "job_template", "spec", "template", "spec", "container", "env"),),
}
ENV_MAP_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    **dict.fromkeys(AZURE_APP_TYPES, (("app_settings",),)),
    "azurerm_app_service": (("app_settings",),),
    "azurerm_function_app": (("app_settings",),),
    "google_cloudfunctions_function": (("environment_variables",),),
    "google_cloudfunctions2_function": (("service_config", "environment_variables"),),
}


def _elements(state: State, blocks: tuple[str, ...]) -> Iterator[tuple[str, State]]:
    """Every element reached through the nested blocks, with its attribute path (`template[0].containers[1].`)."""
    found = [("", state)]
    for block in blocks:
        found = [(f"{path}{block}[{i}].", child) for path, child in found for i, child in child.each(block)]
    return iter(found)


def _secret_setting(name: str, value: Any) -> bool:
    # Connection strings and keys give themselves away by their value, whatever the setting is called.
    return holds_secret(name, value) or (
        isinstance(value, str) and not _reference_name(name) and looks_like_secret_value(value)
    )


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-007",
        title="Secret in app settings or container environment (Azure, GCP, Kubernetes)",
        severity=Severity.HIGH,
        category=Category.SECRETS,
        rationale="App settings, Cloud Run / Cloud Functions environment variables and Kubernetes container env "
        "values are readable by anyone who can read the app, service or workload, and sit in clear text in "
        "state and plans.",
        remediation="Reference the secret instead: Key Vault references, Secret Manager (value_source / "
        "secret_environment_variables) or a Kubernetes Secret (value_from.secret_key_ref); then rotate it.",
    ),
    *ENV_ENTRY_PATHS,
    *ENV_MAP_PATHS,
)
def workload_env_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for path in ENV_ENTRY_PATHS.get(rc.type, ()):
        for where, element in _elements(state, path[:-1]):
            for i, entry in element.each(path[-1]):
                name, value = entry.get("name"), entry.get("value")
                if isinstance(name, str) and value is not UNKNOWN and _secret_setting(name, value):
                    yield Hit(
                        f"{rc.address}: environment variable {name} holds a secret in clear text.",
                        attribute=f"{where}{path[-1]}[{i}].value",
                        key=f"{where}{name}",
                    )
    for path in ENV_MAP_PATHS.get(rc.type, ()):
        for where, element in _elements(state, path[:-1]):
            settings = element.get(path[-1])
            if not isinstance(settings, dict):
                continue
            for name in sorted(settings):
                value = element.get(path[-1], name)
                if value is not UNKNOWN and _secret_setting(name, value):
                    yield Hit(
                        f"{rc.address}: setting {name} holds a secret in clear text.",
                        attribute=f"{where}{path[-1]}.{name}",
                        key=f"{where}{name}",
                    )


TAG_ATTRIBUTES = ("tags", "tags_all", "labels")


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-004",
        title="Secret in tags or labels",
        severity=Severity.MEDIUM,
        category=Category.SECRETS,
        rationale="Tags and labels are readable by almost every role, copied into billing reports and logs.",
        remediation="Remove the secret from tags and rotate it.",
    )
)
def tag_secrets(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    for attribute in TAG_ATTRIBUTES:
        tags = state.get(attribute)
        if not isinstance(tags, dict) or not tags:
            continue
        if attribute == "tags_all" and isinstance(state.get("tags"), dict):
            continue
        # Runs on every resource: the (rare) secret tags are sorted, not every resource's tags.
        secret = [name for name, value in tags.items() if holds_secret(str(name), value)]
        for name in sorted(secret):
            yield Hit(
                f"{rc.address}: {attribute} key {name} holds a secret.",
                attribute=f"{attribute}.{name}",
            )


@REGISTRY.plan(
    RuleMeta(
        id="TFR-SEC-005",
        title="Output exposes a secret without sensitive = true",
        severity=Severity.MEDIUM,
        category=Category.SECRETS,
        rationale="Non-sensitive outputs are printed by every plan and apply and readable via remote state.",
        remediation="Mark the output `sensitive = true` or stop exporting the secret.",
    )
)
def output_secrets(ctx: RuleContext) -> Iterator[Hit]:
    for output in ctx.plan.output_changes:
        if output.sensitive:
            continue
        if _contains_redacted(output.after):
            # An output that already carried the value (unchanged, or changed but secret before) is posture.
            existing = _contains_redacted(output.before)
            suffix = " (already present before this plan)" if existing else ""
            yield Hit(
                f"Output {output.name} carries a secret-looking value{suffix}.",
                address=f"output.{output.name}",
                introduced=not existing,
            )


def _contains_redacted(value: Any) -> bool:
    if isinstance(value, str):
        return REDACTED in value
    if isinstance(value, dict):
        return any(_contains_redacted(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_redacted(v) for v in value)
    return False


@REGISTRY.posture(
    RuleMeta(
        id="TFR-SEC-006",
        title="Secret in a plain (not SecureString) SSM parameter",
        severity=Severity.MEDIUM,
        category=Category.SECRETS,
        rationale="A String or StringList parameter is stored unencrypted and shown in clear to anyone who can "
        "read parameters (ssm:GetParameter needs no KMS permission); a parameter named as a password, token or "
        "key holds a secret.",
        remediation='Use type = "SecureString" (with a customer-managed KMS key where possible), or Secrets '
        "Manager, and rotate the value.",
    ),
    "aws_ssm_parameter",
)
def plain_ssm_secret(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
    kind, name = state.get("type"), state.get("name")
    if kind in ("String", "StringList") and isinstance(name, str) and is_secret_name(name):
        yield Hit(f"{rc.address} stores {name} as a plain {kind}, not a SecureString.", attribute="type")
