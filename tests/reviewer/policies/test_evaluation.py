"""The engine-side evaluation: the Spacelift input derived in Rego equals the one inputs.py defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from reviewer.policies.evaluation import INTERNAL_PACKAGE, Evaluation, evaluate, json_text
from reviewer.policies.inputs import spacelift_context, spacelift_input
from reviewer.policies.source import load_module
from tests.reviewer.policies.conftest import SAMPLE_PLANS, SAMPLE_POLICIES, sample_plan

ODD_CHANGES: list[Any] = [
    {
        "address": "a.b",
        "type": "a",
        "name": "b",
        "mode": "managed",
        "index": None,
        "change": {"actions": ["create"]},
    },
    {
        "address": "a.c",
        "change": "not an object",
        "deposed": "00aa",
        "action_reason": "replace_because_tainted",
    },
    {"address": "a.d"},
    "not a change",
    {
        "address": "module.m.a.e[0]",
        "module_address": "module.m",
        "index": 0,
        "provider_name": "p",
        "previous_address": "a.e",
        "change": {
            "actions": ["update"],
            "before": {"x": 1},
            "after": {"x": 2},
            "after_unknown": {},
            "before_sensitive": {},
            "importing": {"id": "i"},
        },
    },
]


def _derived(plan: dict[str, Any], context: dict[str, Any]) -> Any:
    evaluation = Evaluation([load_module(SAMPLE_POLICIES / "spacelift" / "required_tags.rego")], context)
    evaluation.engine.set_input_json(json_text(plan))
    answer = orjson.loads(evaluation.engine.eval_query_as_json(f"data.{INTERNAL_PACKAGE}.spacelift_input"))
    return answer["result"][0]["expressions"][0]["value"]


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLE_PLANS.glob("*.json")))
def test_the_derived_spacelift_input_equals_inputs_py_on_sample_plans(name: str) -> None:
    plan = sample_plan(name)
    context = spacelift_context(
        stack_id="s", stack_name="Stack \u00e9", labels=["prod", "x"], commit_message='a "b"\nc'
    )
    assert _derived(plan, context) == spacelift_input(plan, context)


@pytest.mark.parametrize(
    "plan",
    [
        {"resource_changes": ODD_CHANGES, "terraform_version": "1.9.8"},
        {"resource_changes": None},
        {},
        {"resource_changes": {"not": "a list"}},
    ],
)
def test_the_derived_spacelift_input_equals_inputs_py_on_odd_plans(plan: dict[str, Any]) -> None:
    assert _derived(plan, spacelift_context()) == spacelift_input(plan, spacelift_context())


def test_one_evaluation_answers_both_shapes_and_leaves_undefined_rules_out(tmp_path: Path) -> None:
    (tmp_path / "c.rego").write_text(
        "package team.c\nimport rego.v1\ndeny contains rc.address if { some rc in input.resource_changes }\n"
        "warn := 1 if false\n"
    )
    (tmp_path / "s.rego").write_text(
        "package spacelift\nimport rego.v1\n"
        "warn contains rc.address if { some rc in input.terraform.resource_changes; input.spacelift.stack.id == 'x' }\n".replace(
            "'x'", '"x"'
        )
    )
    modules = [load_module(tmp_path / "c.rego"), load_module(tmp_path / "s.rego")]
    plan = {"resource_changes": [{"address": "a.b", "change": {"actions": ["create"]}}]}
    found = {(r.package, r.rule): r.value for r in evaluate(modules, plan, spacelift_context(stack_id="x"))}
    assert found == {("team.c", "deny"): ["a.b"], ("spacelift.s", "warn"): ["a.b"]}
