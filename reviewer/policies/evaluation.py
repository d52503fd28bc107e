"""Evaluate loaded policies on input documents with the Rego engine (regorus): raw deny/warn results."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson  # imported before any fork: the child must import nothing
import regorus

from reviewer.policies.errors import PolicyError, engine_message
from reviewer.policies.source import InputShape, PolicyModule

UNDEFINED = "<undefined>"  # what the engine's JSON says for an undefined rule


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The value of one deny/warn/violation rule of one package."""

    package: str
    rule: str
    value: Any


def build_engine(modules: Iterable[PolicyModule]) -> Any:
    """One engine holding these modules (each parsed as Rego v1, or v0 where it needs that)."""
    engine = regorus.Engine()
    for module in modules:
        engine.set_rego_v0(module.rego_v0)
        try:
            engine.add_policy(str(module.path), module.source)
        except RuntimeError as exc:
            raise PolicyError(engine_message(exc)) from None
    engine.set_rego_v0(False)
    return engine


def eval_rule(engine: Any, path: str) -> Any:
    """The JSON value of a rule; None when undefined. Engine errors become PolicyError (file:line)."""
    try:
        text = engine.eval_rule_as_json(path)
    except RuntimeError as exc:
        raise PolicyError(engine_message(exc)) from None
    value = json.loads(text)
    return None if value == UNDEFINED else value


def _json_text(document: dict[str, Any]) -> str:
    try:
        return orjson.dumps(document).decode()
    except orjson.JSONEncodeError:  # integers beyond 64 bits: the slower encoder takes them
        return json.dumps(document, ensure_ascii=False)


def finding_rules(modules: Iterable[PolicyModule]) -> list[tuple[str, str]]:
    """(package, rule) pairs to evaluate, each once even when several files share a package."""
    pairs: dict[tuple[str, str], None] = {}
    for module in modules:
        for rule in module.finding_rules:
            pairs[(module.package, rule)] = None
    return list(pairs)


def evaluate(
    modules: list[PolicyModule], documents: dict[InputShape, dict[str, Any]], packages: set[str] | None = None
) -> list[RuleResult]:
    """Every finding rule of the modules (or of `packages` only), each shape on its own input document."""
    results: list[RuleResult] = []
    for shape, document in documents.items():
        group = [m for m in modules if m.shape is shape and not m.is_test]
        pairs = [(p, r) for p, r in finding_rules(group) if packages is None or p in packages]
        if not pairs:
            continue
        engine = build_engine(group)
        engine.set_input_json(_json_text(document))
        for package, rule in pairs:
            value = eval_rule(engine, f"data.{package}.{rule}")
            if value is not None:
                results.append(RuleResult(package, rule, value))
    return results
