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


@dataclass(frozen=True, slots=True)
class Unit:
    """Rules of one input shape that one process evaluates on one input document."""

    shape: InputShape
    pairs: tuple[tuple[str, str], ...]


def units(modules: list[PolicyModule], shapes: Iterable[InputShape], workers: int) -> list[Unit]:
    """The work as units: one per input shape; a single shape's rules in halves when `workers` > 1.

    Each unit parses its input document itself, so a shape is split only when there is a second CPU
    and nothing else to run beside it.
    """
    found: list[Unit] = []
    for shape in shapes:
        pairs = tuple(finding_rules(m for m in modules if m.shape is shape))
        if pairs:
            found.append(Unit(shape, pairs))
    if len(found) == 1 and workers > 1 and len(found[0].pairs) > 1:
        only = found[0]
        return [Unit(only.shape, only.pairs[0::2]), Unit(only.shape, only.pairs[1::2])]
    return found


def evaluate_pairs(
    engine: Any, pairs: Iterable[tuple[str, str]], document: dict[str, Any]
) -> list[RuleResult]:
    """The values of these rules on an input document (undefined rules left out)."""
    engine.set_input_json(_json_text(document))
    results: list[RuleResult] = []
    for package, rule in pairs:
        value = eval_rule(engine, f"data.{package}.{rule}")
        if value is not None:
            results.append(RuleResult(package, rule, value))
    return results


def evaluate(modules: list[PolicyModule], documents: dict[InputShape, dict[str, Any]]) -> list[RuleResult]:
    """Every finding rule of the modules, each shape on its own input document, in one engine."""
    engine = build_engine(modules)
    return [
        result
        for unit in units(modules, documents, workers=1)
        for result in evaluate_pairs(engine, unit.pairs, documents[unit.shape])
    ]
