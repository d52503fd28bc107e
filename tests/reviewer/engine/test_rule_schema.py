"""Every (type, attribute) a rule reads exists in the provider's schema.

The reads are recorded, not declared: each posture and change rule runs on every resource type it declares,
fed with the values of its own test cases, while State.get notes which attribute path of which resource
type it was asked for. Those paths are then looked up in the schema subset that
scripts/extract_provider_schema.py writes from `terraform providers schema -json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine.parser import parse_plan
from reviewer.engine.plan import ResourceChange
from reviewer.engine.results import Category, Severity
from reviewer.engine.rules import RULES
from reviewer.engine.rules.base import Hit, Rule, RuleKind, RuleMeta, State
from reviewer.engine.rules.context import RuleContext
from tests.reviewer.engine.aws_access_cases import ACCESS_CASES
from tests.reviewer.engine.aws_workload_cases import WORKLOAD_CASES
from tests.reviewer.engine.classic_cases import CLASSIC_CASES
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.posture_cases import CASES as BASE_CASES
from tests.reviewer.engine.test_rules_change import CASES as CHANGE_CASES

SCHEMAS = Path(__file__).parent / "provider_schemas"
PROVIDERS = ("aws", "azurerm", "google")
Read = tuple[str, tuple[str, ...]]  # (resource type, attribute path without list indexes)


def load_schema(provider: str) -> dict[str, Any] | None:
    path = SCHEMAS / f"{provider}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def rule_types(rule: Rule) -> tuple[str, ...]:
    return tuple(sorted(set(rule.types or ()) | set(rule.meta.resource_types)))


def _type_allows(cty: Any, rest: tuple[str, ...]) -> bool:
    """Whether a path continues inside an attribute of this cty type (map keys are free, object keys not)."""
    if not rest or cty == "dynamic":
        return True
    if isinstance(cty, list) and len(cty) == 2:
        kind, inner = cty
        if kind in ("list", "set"):
            return _type_allows(inner, rest)
        if kind == "map":
            return _type_allows(inner, rest[1:])
        if kind == "object" and isinstance(inner, dict):
            return rest[0] in inner and _type_allows(inner[rest[0]], rest[1:])
    return False


def path_exists(tree: dict[str, Any], path: tuple[str, ...]) -> bool:
    name, rest = path[0], path[1:]
    if name in tree["attributes"]:
        return _type_allows(tree["attributes"][name], rest)
    if name in tree["blocks"]:
        return not rest or path_exists(tree["blocks"][name], rest)
    return False


def _samples(rule: Rule) -> Iterator[list[dict[str, Any]]]:
    """Plans' resource_changes from the rule's own test cases: the first entry is re-typed, the rest are the
    companions the case needs (a public access block next to a bucket)."""
    if rule.kind is RuleKind.POSTURE:
        for case in [*BASE_CASES, *CLASSIC_CASES, *WORKLOAD_CASES, *ACCESS_CASES]:
            if case.rule_id != rule.meta.id:
                continue
            yield [change(case.rtype, case.bad)]
            yield [change(case.rtype, case.bad, before=case.good)]
            yield [change(case.rtype, case.good), *case.good_extra]
            if case.unknown is not None:
                yield [change(case.rtype, case.unknown[0], after_unknown=case.unknown[1])]
    else:
        for rule_id, positive, negative in CHANGE_CASES:
            if rule_id == rule.meta.id:
                for entry in [*positive["resource_changes"], *negative["resource_changes"]]:
                    yield [entry]


def _retyped(entry: dict[str, Any], rtype: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(entry))
    copy["type"] = rtype
    copy["address"] = f"{rtype}.{copy['name']}"
    return copy


def _register(value: Any, rtype: str, prefix: tuple[str, ...], origins: dict[int, Read]) -> None:
    if isinstance(value, dict):
        origins[id(value)] = (rtype, prefix)
        for key, item in value.items():
            _register(item, rtype, (*prefix, str(key)), origins)
    elif isinstance(value, list):
        for item in value:
            _register(item, rtype, prefix, origins)


def recorded_reads(
    monkeypatch: pytest.MonkeyPatch,
    rules: list[Rule] = RULES,
    samples: Callable[[Rule], Iterable[list[dict[str, Any]]]] = _samples,
) -> dict[str, set[Read]]:
    """(type, path) reads of each rule, run on each type it declares with its test cases' values."""
    origins: dict[int, Read] = {}
    reads: set[Read] = set()
    original = State.get

    def recording_get(self: State, *path: str | int) -> Any:
        origin = origins.get(id(self.values))
        if origin is not None and path:
            rtype, prefix = origin
            reads.add((rtype, (*prefix, *(p for p in path if isinstance(p, str)))))
        return original(self, *path)

    monkeypatch.setattr(State, "get", recording_get)
    by_rule: dict[str, set[Read]] = {}
    for rule in rules:
        types = rule_types(rule)
        if rule.kind is RuleKind.PLAN or not types:
            continue
        reads.clear()
        for first, *companions in samples(rule):
            for rtype in types:
                raw = plan(_retyped(first, rtype), *companions)
                parsed = parse_plan(raw)
                ctx = RuleContext(parsed, raw)
                origins.clear()
                for rc in parsed.resource_changes:  # companions too: rules look them up through ctx
                    for side in (rc.before, rc.after):
                        _register(side, rc.type, (), origins)
                _run(rule, parsed.resource_changes[0], ctx)
        by_rule[rule.meta.id] = {r for r in reads if r[1]}
    return by_rule


def _run(rule: Rule, rc: ResourceChange, ctx: RuleContext) -> None:
    if rule.kind is RuleKind.CHANGE:
        list(rule.check(rc, ctx))
        return
    if isinstance(rc.after, dict):
        list(rule.check(State(rc.after, rc.after_unknown), ctx, rc))
    if isinstance(rc.before, dict):
        list(rule.check(State(rc.before), ctx, rc))


@pytest.fixture(scope="module")
def reads_by_rule() -> Iterator[dict[str, set[Read]]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield recorded_reads(monkeypatch)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rule_reads_exist_in_the_provider_schema(provider: str, reads_by_rule: dict[str, set[Read]]) -> None:
    schema = load_schema(provider)
    if schema is None:
        pytest.skip(
            f"no {provider} schema: this machine has only the AWS provider mirror (/opt/tf-plugins); run "
            f"scripts/extract_provider_schema.py --provider {provider} where its provider is installed"
        )
    types = schema["resource_types"]
    wrong = sorted(
        f"{rule_id}: {rtype}.{'.'.join(path)}"
        for rule_id, reads in reads_by_rule.items()
        for rtype, path in reads
        if rtype.startswith(provider + "_") and rtype in types and not path_exists(types[rtype], path)
    )
    assert wrong == []


@pytest.mark.parametrize("provider", PROVIDERS)
def test_declared_types_exist_in_the_provider_schema(provider: str) -> None:
    schema = load_schema(provider)
    if schema is None:
        pytest.skip(f"no {provider} schema on this machine (only the AWS provider mirror is installed)")
    declared = {t for rule in RULES for t in rule_types(rule) if t.startswith(provider + "_")}
    assert schema["missing"] == []
    assert declared - set(schema["resource_types"]) == set(), (
        "regenerate with scripts/extract_provider_schema.py"
    )


def test_every_aws_posture_rule_is_exercised_on_each_declared_type(
    reads_by_rule: dict[str, set[Read]],
) -> None:
    # Without reads on a type, the schema check above proves nothing for that (rule, type) pair.
    silent = sorted(
        f"{rule.meta.id}: {rtype}"
        for rule in RULES
        if rule.kind is RuleKind.POSTURE
        for rtype in rule_types(rule)
        if rtype.startswith("aws_") and not any(t == rtype for t, _ in reads_by_rule.get(rule.meta.id, ()))
    )
    assert silent == []


def test_the_recorder_sees_a_wrong_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    def reads_policy(state: State, ctx: RuleContext, rc: ResourceChange) -> Iterator[Hit]:
        state.get("policy")
        for _, block in state.each("timeouts"):
            block.get("update")
        return iter(())

    meta = RuleMeta("TFR-TEST-1", "t", Severity.LOW, Category.SECURITY, "w", "f")
    probe = Rule(meta, RuleKind.POSTURE, reads_policy, frozenset({"aws_opensearch_domain_policy"}))
    sample = change("aws_s3_bucket_policy", {"policy": "{}", "timeouts": [{"update": "5m"}]})
    reads = recorded_reads(monkeypatch, [probe], lambda rule: [[sample]])["TFR-TEST-1"]
    assert reads == {
        ("aws_opensearch_domain_policy", ("policy",)),
        ("aws_opensearch_domain_policy", ("timeouts",)),
        ("aws_opensearch_domain_policy", ("timeouts", "update")),
    }
    schema = load_schema("aws")
    assert schema is not None
    tree = schema["resource_types"]["aws_opensearch_domain_policy"]
    assert path_exists(tree, ("access_policies",)) and not path_exists(tree, ("policy",))
    assert path_exists(tree, ("timeouts", "update")) and not path_exists(tree, ("timeouts", "create"))
    lambda_tree = schema["resource_types"]["aws_lambda_function"]
    assert path_exists(lambda_tree, ("environment", "variables", "ANY_NAME"))
    assert not path_exists(lambda_tree, ("environment", "nope"))
