"""Evaluate loaded policies on one plan with the Rego engine (regorus): raw deny/warn results.

One engine holds every policy plus tfreview's own module (`package __tfreview`, see shared_input.rego).
Every finding rule of a shape is one rule of tfreview's module, so one evaluation per shape answers all
of them. A review evaluates each shape on its own input (evaluate_shape): Spacelift-shaped policies on
the Spacelift input built in Python, which the engine reads faster than it derives it. Where both shapes
share one input (evaluate_json: the check at load time), Spacelift-shaped policies read the input
tfreview's module derives from conftest's, through `with input as`; a test keeps the two equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson  # imported before any fork: the child must import nothing
import regorus

from reviewer.policies.errors import PolicyError, engine_message
from reviewer.policies.source import InputShape, PolicyModule

UNDEFINED = "<undefined>"  # what the engine's JSON says for an undefined rule
INTERNAL_PACKAGE = "__tfreview"
_SHARED_INPUT = (Path(__file__).with_name("shared_input.rego")).read_text(encoding="utf-8")


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


def json_text(document: dict[str, Any]) -> str:
    """The document as JSON text for the engine."""
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


def shape_pairs(modules: list[PolicyModule]) -> dict[InputShape, list[tuple[str, str]]]:
    """Each input shape's (package, rule) pairs, shapes in the order the modules name them."""
    shapes = dict.fromkeys(m.shape for m in modules if m.finding_rules)
    return {shape: finding_rules(m for m in modules if m.shape is shape) for shape in shapes}


def _ref(package: str, rule: str) -> str:
    """`data["a"]["b"]["rule"]`: quoted, so a package or rule named like a keyword still reads as a name."""
    return "data" + "".join(f"[{json.dumps(part)}]" for part in [*package.split("."), rule])


def _key(package: str, rule: str) -> str:
    return f"{package}/{rule}"  # packages and rules are identifiers joined by dots: no slash


def _results_module(name: str, pairs: dict[InputShape, list[tuple[str, str]]]) -> str:
    """`package __tfreview.<name>`: per shape, one object of every finding rule's value, keyed package/rule."""
    lines = [f"package {INTERNAL_PACKAGE}.{name}", "", "import rego.v1", ""]
    for shape, listed in pairs.items():
        for package, rule in listed:
            key = json.dumps(_key(package, rule))
            lines.append(f"{shape.value}[{key}] := value if {{ value := {_ref(package, rule)} }}")
    return "\n".join(lines) + "\n"


def _query(name: str, shape: InputShape, derive: bool) -> str:
    query = f"data.{INTERNAL_PACKAGE}.{name}.{shape.value}"
    if derive and shape is InputShape.SPACELIFT:
        # One `with` around all of the shape's rules: the Spacelift input is derived once per evaluation.
        return f"{query} with input as data.{INTERNAL_PACKAGE}.spacelift_input"
    return query


class Evaluation:
    """The policies' engine for one plan: the plan's JSON parsed once, each shape's rules in one query.

    Build and use it in one thread (regorus panics when an engine moves between threads).
    """

    def __init__(self, modules: list[PolicyModule], context: dict[str, Any]) -> None:
        self.pairs = shape_pairs(modules)
        self.engine = build_engine(modules)
        self._subsets = 0
        shared = _SHARED_INPUT.replace("{} # the run context", json_text(context), 1)
        self._add(f"{INTERNAL_PACKAGE}.rego", shared)
        self._add(f"{INTERNAL_PACKAGE}.all.rego", _results_module("all", self.pairs))

    def _add(self, name: str, source: str) -> None:
        try:
            self.engine.add_policy(name, source)
        except RuntimeError as exc:  # tfreview's own modules: a bug here, named as such
            raise PolicyError(f"tfreview's policy input module: {engine_message(exc)}") from None

    def evaluate_json(
        self, document_json: str, only: dict[InputShape, set[str] | None]
    ) -> dict[InputShape, str]:
        """Per shape of `only`, the JSON of its rules' values (those of the given packages, or all with None)
        on the plan given as conftest's JSON input (Spacelift's derived from it); read it with `results`."""
        name = self._results_name(only)
        self.engine.set_input_json(document_json)
        return {shape: self._eval(_query(name, shape, derive=True)) for shape in only}

    def evaluate_shape(self, shape: InputShape, document_json: str, packages: set[str] | None = None) -> str:
        """The JSON of one shape's rules' values (those of `packages`, or all with None) on that shape's own
        input: conftest's (the plan) or Spacelift's (inputs.spacelift_input); read it with `results`."""
        name = self._results_name({shape: packages})
        self.engine.set_input_json(document_json)
        return self._eval(_query(name, shape, derive=False))

    def _results_name(self, only: dict[InputShape, set[str] | None]) -> str:
        """The results module answering `only`: `all`, or a module added for a subset of packages."""
        if all(packages is None for packages in only.values()):
            return "all"
        self._subsets += 1
        name = f"subset{self._subsets}"
        subset = {
            shape: [pair for pair in self.pairs[shape] if packages is None or pair[0] in packages]
            for shape, packages in only.items()
        }
        self._add(f"{INTERNAL_PACKAGE}.{name}.rego", _results_module(name, subset))
        return name

    def _eval(self, query: str) -> str:
        try:
            return str(self.engine.eval_query_as_json(query))
        except RuntimeError as exc:
            raise PolicyError(engine_message(exc)) from None


def results(text: str, pairs: list[tuple[str, str]]) -> list[RuleResult]:
    """The defined values among `pairs` in the JSON evaluate_json returned, in the order of `pairs`."""
    answers = orjson.loads(text).get("result") or []
    found = answers[0]["expressions"][0]["value"] if answers else {}
    values: dict[str, Any] = found if isinstance(found, dict) else {}
    return [
        RuleResult(package, rule, values[key])
        for package, rule in pairs
        if (key := _key(package, rule)) in values and values[key] != UNDEFINED
    ]


def evaluate(modules: list[PolicyModule], plan: dict[str, Any], context: dict[str, Any]) -> list[RuleResult]:
    """Every finding rule of the modules on one plan (the whole plan as conftest's input)."""
    evaluation = Evaluation(modules, context)
    texts = evaluation.evaluate_json(json_text(plan), dict.fromkeys(evaluation.pairs))
    return [found for shape, text in texts.items() for found in results(text, evaluation.pairs[shape])]
