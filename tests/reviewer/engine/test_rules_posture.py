"""Posture rules: positive, negative, introduced vs pre-existing, and unknown values never flag."""

from __future__ import annotations

from typing import Any

import pytest

from reviewer.engine import RULES, review_plan
from reviewer.engine.results import Finding, Introduction
from reviewer.engine.rules.base import RuleKind
from tests.reviewer.engine.aws_access_cases import ACCESS_CASES
from tests.reviewer.engine.aws_workload_cases import WORKLOAD_CASES
from tests.reviewer.engine.azure_gcp_k8s_cases import POSTURE_CASES as AZURE_GCP_K8S_CASES
from tests.reviewer.engine.classic_cases import CLASSIC_CASES
from tests.reviewer.engine.plans import change, plan
from tests.reviewer.engine.posture_cases import CASES as BASE_CASES
from tests.reviewer.engine.posture_cases import PostureCase

CASES = [*BASE_CASES, *CLASSIC_CASES, *AZURE_GCP_K8S_CASES, *WORKLOAD_CASES, *ACCESS_CASES]

META = {rule.meta.id: rule.meta for rule in RULES}


def findings_for(rule_id: str, *changes: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(plan(*changes)).result.findings if f.rule_id == rule_id]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_positive_is_introduced_on_create(case: PostureCase) -> None:
    found = findings_for(case.rule_id, change(case.rtype, case.bad))
    assert found, f"{case.rule_id} did not fire"
    assert all(f.introduced and f.introduction is Introduction.INTRODUCED for f in found)
    assert found[0].address == f"{case.rtype}.this"
    assert found[0].severity.rank >= META[case.rule_id].severity.rank
    assert found[0].category is META[case.rule_id].category


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_negative(case: PostureCase) -> None:
    assert findings_for(case.rule_id, change(case.rtype, case.good), *case.good_extra) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_pre_existing_when_before_had_it(case: PostureCase) -> None:
    found = findings_for(case.rule_id, change(case.rtype, case.bad, before=case.bad))
    assert found
    assert all(not f.introduced and f.introduction is Introduction.PRE_EXISTING for f in found)
    assert "already present" in found[0].message


@pytest.mark.parametrize("case", [c for c in CASES if c.compare_before], ids=lambda c: c.name)
def test_introduced_by_update(case: PostureCase) -> None:
    found = findings_for(case.rule_id, change(case.rtype, case.bad, before=case.good))
    assert found
    assert all(f.introduced for f in found)


@pytest.mark.parametrize("case", [c for c in CASES if c.unknown], ids=lambda c: c.name)
def test_unknown_value_is_not_reported(case: PostureCase) -> None:
    assert case.unknown is not None
    after, unknown = case.unknown
    assert findings_for(case.rule_id, change(case.rtype, after, after_unknown=unknown)) == []


def test_every_posture_rule_has_a_case() -> None:
    posture = {rule.meta.id for rule in RULES if rule.kind is RuleKind.POSTURE}
    assert posture - {c.rule_id for c in CASES} == set()


def test_posture_rules_skip_deleted_and_data_resources() -> None:
    bad = CASES[0]
    assert findings_for(bad.rule_id, change(bad.rtype, None, before=bad.bad)) == []
    assert findings_for(bad.rule_id, change(bad.rtype, bad.bad, action="read")) == []


def test_worsened_when_more_ports_open() -> None:
    before = {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}
    after = {
        "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0", "::/0"]}]
    }
    found = findings_for("TFR-AWS-NET-001", change("aws_security_group", after, before=before))
    by_intro = {f.introduction for f in found}
    assert by_intro == {Introduction.PRE_EXISTING, Introduction.WORSENED}
