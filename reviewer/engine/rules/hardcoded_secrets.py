"""Secrets written as literals in the Terraform code: a password, token or secret payload in a resource block
or passed into a module, read from the plan's `configuration` section (never from the values themselves)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reviewer.engine.plan import Action, ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules.base import REGISTRY, Hit, RuleMeta
from reviewer.engine.rules.context import RuleContext, module_path
from reviewer.engine.secrets import NOT_A_SECRET_RE, SECRET_REFERENCE_NAME_RE, is_secret_name

# Secret stores and secret-carrying settings whose payload attribute has no secret-like name.
SECRET_PAYLOADS: dict[str, frozenset[str]] = {
    "aws_secretsmanager_secret_version": frozenset({"secret_string", "secret_binary"}),
    "azurerm_key_vault_secret": frozenset({"value"}),
    "google_secret_manager_secret_version": frozenset({"secret_data"}),
    "kubernetes_secret": frozenset({"data", "binary_data"}),
    "kubernetes_secret_v1": frozenset({"data", "binary_data"}),
    "github_actions_secret": frozenset({"plaintext_value"}),
    "github_actions_environment_secret": frozenset({"plaintext_value"}),
    "vault_generic_secret": frozenset({"data_json"}),
    "vault_kv_secret_v2": frozenset({"data_json"}),
}
# Nested blocks whose every literal value is a secret (helm_release's set_sensitive { name, value }).
SECRET_BLOCKS = frozenset({"set_sensitive"})
# aws_ssm_parameter.value is a secret only when the parameter is a SecureString.
SSM_PARAMETER = "aws_ssm_parameter"
MAX_DEPTH = 6


def _literal(expression: Any, *, payload: bool) -> bool:
    """A non-empty literal: a string (not a reference-looking one), or for payloads any non-empty value."""
    if not isinstance(expression, dict) or "constant_value" not in expression:
        return False
    value = expression["constant_value"]
    if isinstance(value, str):
        return bool(value.strip()) and not NOT_A_SECRET_RE.match(value)
    return payload and isinstance(value, dict | list) and bool(value)


def _secret_name(name: str) -> bool:
    return is_secret_name(name) and not SECRET_REFERENCE_NAME_RE.search(name)


def literal_secrets(rtype: str, expressions: Any) -> list[str]:
    """The attribute paths of `expressions` (a resource block's) that hold a secret written as a literal
    (`password`, `advanced_security_options.master_user_options.master_user_password`), sorted."""
    payloads = SECRET_PAYLOADS.get(rtype, frozenset())
    if rtype == SSM_PARAMETER and _constant(expressions, "type") == "SecureString":
        payloads = frozenset({"value"})
    found: list[str] = []
    stack: list[tuple[Any, str, bool, int]] = [(expressions, "", False, 0)]
    while stack:
        node, prefix, in_secret_block, depth = stack.pop()
        if not isinstance(node, dict) or depth > MAX_DEPTH:
            continue
        for name, expression in node.items():
            if not isinstance(name, str):
                continue
            path = f"{prefix}{name}"
            if isinstance(expression, list):  # nested blocks: a list of expression maps
                inside = in_secret_block or name in SECRET_BLOCKS
                stack.extend((block, f"{path}.", inside, depth + 1) for block in expression)
                continue
            payload = depth == 0 and name in payloads
            secret = payload or _secret_name(name) or (in_secret_block and name == "value")
            if secret and _literal(expression, payload=payload):
                found.append(path)
    return sorted(found)


def _constant(expressions: Any, name: str) -> Any:
    expression = expressions.get(name) if isinstance(expressions, dict) else None
    return expression.get("constant_value") if isinstance(expression, dict) else None


def _instances(ctx: RuleContext) -> dict[tuple[tuple[str, ...], str], list[ResourceChange]]:
    """Managed resources this plan leaves in place, by (module names, `type.name`) of their block."""
    found: dict[tuple[tuple[str, ...], str], list[ResourceChange]] = {}
    for rc in ctx.plan.resource_changes:
        if not rc.is_data and rc.deposed is None and rc.action.writes_after and isinstance(rc.after, dict):
            found.setdefault((module_path(rc.module), f"{rc.type}.{rc.name}"), []).append(rc)
    return found


def _was_set(rc: ResourceChange, path: str) -> bool:
    """The current object already holds a value at `path` (so the literal is not new with this plan)."""
    if rc.action is Action.CREATE or not isinstance(rc.before, dict):
        return False
    node: Any = rc.before
    for key in path.split("."):
        if isinstance(node, list):
            node = next((item for item in node if isinstance(item, dict) and key in item), None)
        if not isinstance(node, dict):
            return False
        node = node.get(key)
    return node not in (None, "", {}, [])


def _module_calls(module: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    calls = module.get("module_calls") if isinstance(module, dict) else None
    for name, call in calls.items() if isinstance(calls, dict) else ():
        if isinstance(name, str) and isinstance(call, dict):
            yield (*path, name), call
            yield from _module_calls(call.get("module"), (*path, name))


@REGISTRY.plan(
    RuleMeta(
        id="TFR-SEC-008",
        title="Secret written as a literal in the Terraform code",
        severity=Severity.MEDIUM,
        category=Category.SECRETS,
        rationale="A password, token or secret payload typed into a resource block or a module call is in "
        "version control, in every clone and every branch's history, readable by anyone with access to the "
        "repository; changing it means a commit, and the old value stays in the history.",
        remediation="Generate it (random_password, manage_master_user_password = true) or read it from a "
        "secret store (Secrets Manager, Key Vault, Secret Manager, Vault) through a data source or a "
        "sensitive variable set by the runner; rotate the value that was committed.",
        checkov_id="CKV_SECRET_6",
        trivy_id="AVD-GEN-0004",
    )
)
def literal_secrets_in_code(ctx: RuleContext) -> Iterator[Hit]:
    configuration = ctx.configuration
    if not configuration:
        return
    instances: dict[tuple[tuple[str, ...], str], list[ResourceChange]] | None = None
    for (modules, address), block in configuration.items():
        if address.startswith("data.") or not isinstance(block, dict):
            continue
        rtype = block.get("type")
        paths = literal_secrets(rtype if isinstance(rtype, str) else "", block.get("expressions"))
        if not paths:
            continue
        if instances is None:
            instances = _instances(ctx)
        changes = sorted(instances.get((modules, address), ()), key=lambda rc: rc.address)
        if not changes:
            continue  # nothing of this block is applied (deleted, or only read)
        first = changes[0]
        introduced = any(not _was_set(rc, path) for rc in changes for path in paths)
        yield Hit(
            f"{first.address}: {', '.join(paths)} written as a literal in the Terraform code"
            f"{f' (and {len(changes) - 1} more instances)' if len(changes) > 1 else ''}.",
            attribute=paths[0],
            key=f"{first.address}|{','.join(paths)}",
            introduced=introduced,
            address=first.address,
            type=first.type,
            action=first.action.value,
        )
    root = ctx.raw.get("configuration")
    root_module = root.get("root_module") if isinstance(root, dict) else None
    for path, call in _module_calls(root_module, ()):
        expressions = call.get("expressions")
        names = sorted(
            name
            for name, expression in (expressions.items() if isinstance(expressions, dict) else ())
            if isinstance(name, str) and _secret_name(name) and _literal(expression, payload=False)
        )
        if not names:
            continue
        address = ".".join(f"module.{name}" for name in path)
        # A new module call (every resource of it is created) brings the literal with this plan.
        inside = [
            rc
            for rc in ctx.plan.resource_changes
            if module_path(rc.module)[: len(path)] == path and not rc.is_data
        ]
        yield Hit(
            f"{address}: input {', '.join(names)} written as a literal in the Terraform code.",
            attribute=names[0],
            key=f"{address}|{','.join(names)}",
            introduced=bool(inside) and all(rc.action is Action.CREATE for rc in inside),
            address=address,
            type="module",
        )
