"""Which plan variables feed a provider's credential arguments (redaction and the rules share this)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from reviewer.engine.secrets import is_secret_name

# A module call's path from the root: ("a", "b") is module.a.module.b.
ModulePath = tuple[str, ...]


def provider_blocks(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plan's provider blocks (configuration.provider_config) by their key."""
    config = raw.get("configuration")
    providers = config.get("provider_config") if isinstance(config, dict) else None
    if not isinstance(providers, dict):
        return {}
    return {key: provider for key, provider in providers.items() if isinstance(provider, dict)}


def _credential_expressions(expressions: Any) -> Iterator[dict[str, Any]]:
    """Expressions of credential-like arguments, nested blocks (assume_role, app_auth) included."""
    if isinstance(expressions, list):
        for block in expressions:
            yield from _credential_expressions(block)
        return
    if not isinstance(expressions, dict):
        return
    for argument, expr in expressions.items():
        if isinstance(expr, list):
            yield from _credential_expressions(expr)
        elif isinstance(expr, dict) and is_secret_name(str(argument)):
            yield expr


def _variable_refs(expr: dict[str, Any]) -> set[str]:
    references = expr.get("references")
    return {
        ref[4:].split(".", 1)[0].split("[", 1)[0]
        for ref in (references if isinstance(references, list) else ())
        if isinstance(ref, str) and ref.startswith("var.")
    }


def _module_path(module_address: str) -> ModulePath:
    """("a", "b") for "module.a.module.b" (instance keys dropped: configuration has no instances)."""
    parts = module_address.split(".")
    return tuple(parts[i + 1].split("[", 1)[0] for i in range(0, len(parts) - 1, 2) if parts[i] == "module")


def _module_call(raw: dict[str, Any], path: ModulePath) -> dict[str, Any] | None:
    """configuration's module_calls entry for `path`, or None."""
    config = raw.get("configuration")
    module = config.get("root_module") if isinstance(config, dict) else None
    call: Any = None
    for name in path:
        calls = module.get("module_calls") if isinstance(module, dict) else None
        call = calls.get(name) if isinstance(calls, dict) else None
        module = call.get("module") if isinstance(call, dict) else None
    return call if isinstance(call, dict) else None


@dataclass
class CredentialInputs:
    """Where credential values enter the plan: root variables, and module call inputs given a constant."""

    root_variables: set[str] = field(default_factory=set)
    module_inputs: set[tuple[ModulePath, str]] = field(default_factory=set)


def credential_inputs(raw: dict[str, Any], provider_name: str | None = None) -> CredentialInputs:
    """The variables (followed through module calls up to the root) that providers read credentials from.

    `provider_name` limits the search to one provider ("aws"); None means every provider.
    """
    found = CredentialInputs()
    for provider in provider_blocks(raw).values():
        if provider_name is not None and provider.get("name") != provider_name:
            continue
        address = provider.get("module_address")
        path = _module_path(address) if isinstance(address, str) and address else ()
        pending = [(path, name) for expr in _credential_expressions(provider.get("expressions"))
                   for name in _variable_refs(expr)]  # fmt: skip
        seen: set[tuple[ModulePath, str]] = set()
        while pending:
            where, name = pending.pop()
            if (where, name) in seen:
                continue
            seen.add((where, name))
            if not where:
                found.root_variables.add(name)
                continue
            # A module's variable is what its caller passes in: follow the call's expression upward.
            found.module_inputs.add((where, name))
            call = _module_call(raw, where)
            expressions = call.get("expressions") if call else None
            expr = expressions.get(name) if isinstance(expressions, dict) else None
            if isinstance(expr, dict):
                pending.extend((where[:-1], ref) for ref in _variable_refs(expr))
    return found


def provider_fed_variables(raw: dict[str, Any], provider_name: str | None = None) -> set[str]:
    """Root variables some provider (or `provider_name`'s) reads a credential argument from."""
    return credential_inputs(raw, provider_name).root_variables
