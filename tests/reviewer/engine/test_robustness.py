"""Odd but valid JSON in every position never crashes the engine: it reviews or raises PlanError."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import PlanError, review_plan
from reviewer.engine.reports import FORMATS, render

FIXTURE = Path(__file__).parents[2] / "fixtures" / "plans" / "planted-secrets.json"
SAMPLES = sorted((Path(__file__).parents[3] / "samples" / "plans").glob("*.json"))
REPLACEMENTS: list[Any] = [None, True, 0, -1, 1.5, "", "x", [], {}, [None], {"a": None}, "0.0.0.0/0", "*"]


def _containers(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) for every slot in the tree."""
    slots: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in items:
            slots.append((node, key))
            stack.append(item)
    return slots


def test_random_type_mutations_never_crash() -> None:
    rng = random.Random(1234)
    bases = [json.loads(FIXTURE.read_text())] + [json.loads(p.read_text()) for p in SAMPLES]
    reviewed = rejected = 0
    for _ in range(300):
        raw = copy.deepcopy(rng.choice(bases))
        for container, key in rng.sample(_containers(raw), 3):
            container[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
        try:
            output = review_plan(raw)
        except PlanError:
            rejected += 1
            continue
        for fmt in FORMATS:
            render(fmt, output.result)
        reviewed += 1
    assert reviewed > 200 and rejected >= 0


def test_unknown_whole_objects_and_odd_marks() -> None:
    rc = {
        "address": "aws_security_group.x",
        "type": "aws_security_group",
        "mode": "managed",
        "change": {
            "actions": ["create"],
            "before": None,
            "after": {"ingress": None},
            "after_unknown": True,
            "after_sensitive": [True],
            "before_sensitive": "yes",
        },
    }
    result = review_plan({"format_version": "1.0", "resource_changes": [rc]}).result
    assert [f.rule_id for f in result.findings] == []


def _created(address: str, after: dict[str, Any]) -> dict[str, Any]:
    rtype, name = address.split(".")
    change = {"actions": ["create"], "before": None, "after": after, "after_unknown": {}}
    return {"address": address, "type": rtype, "name": name, "mode": "managed", "change": change}


def test_numbers_written_in_other_unicode_digits_are_no_numbers() -> None:
    # "²" passes str.isdigit() but int() refuses it: ports and IPv4 ranges read it as no number, not a crash.
    changes = [
        _created(
            "aws_security_group_rule.r",
            {
                "type": "ingress",
                "protocol": "tcp",
                "from_port": "²",
                "to_port": "²",
                "cidr_blocks": ["0.0.0.0/0"],
            },
        ),
        _created(
            "azurerm_mssql_firewall_rule.f",
            {"start_ip_address": "0.0.0.0", "end_ip_address": "255.255.255.²"},
        ),
    ]
    scaled = _created("kubernetes_deployment_v1.d", {"spec": [{"replicas": "²"}]})
    scaled["change"].update(actions=["update"], before={"spec": [{"replicas": "2"}]})
    result = review_plan({"format_version": "1.0", "resource_changes": [*changes, scaled]}).result
    assert "TFR-AZ-004" not in {f.rule_id for f in result.findings}
    with pytest.raises(PlanError, match="not a version number"):
        review_plan({"format_version": "²", "resource_changes": changes})
