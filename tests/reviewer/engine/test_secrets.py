"""Planted secrets of every kind, marked and unmarked, never leave the engine."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import REDACTED, load_plan, redact_plan, review_plan
from reviewer.engine.reports import FORMATS, render
from reviewer.engine.results import AIReview, to_json
from reviewer.engine.secrets import PREFILTER_RE, may_hold_secret

FIXTURE = Path(__file__).parents[2] / "fixtures" / "plans" / "planted-secrets.json"
PLANTED = [
    # marked sensitive, and copies of marked values in unmarked places
    "Marked-Sensitive-Value-1",
    "Sensitive-Var-Value-42",
    "Sensitive-Output-Value-7",
    "Prior-State-Secret-77",
    "Secret-String-Planted",
    "Rotated-New-Pass-3",
    "Old-Before-Pass-2",
    "Drift-After-Pass-5",
    "Drift-Before-Pass-4",
    # unmarked: patterns
    "AKIAZ7QW3RT5YU8IOP2L",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ASIAY34FZKBOKMUTVV7A",
    "AKIAQWERTYUIOPASDFGH",
    "FAKEKEYMATERIAL0123456789abcdef",
    "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
    "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe",
    "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "xoxb-123456789012-abcdefABCDEF",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZnJldmlldyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "Pg-Pl4nted-Pass",
    "Output-Conn-Planted",
    # unmarked: secret-like names
    "userdata-planted-pw",
    "lambda-env-token-planted",
    "ecs-json-planted-pw",
    "Iam-Secret-Planted-0042",
    "ssm-pair-planted-value",
    "k8s-env-planted-key",
    "Z2NwLXBsYW50ZWQtcHJpdmF0ZS1rZXk=",
    "gcp-json-planted",
    "Provider-Secret-Key-Planted",
]


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_plan(FIXTURE.read_bytes())


def test_fixture_really_contains_the_secrets(raw: dict[str, Any]) -> None:
    text = json.dumps(raw)
    assert all(secret in text for secret in PLANTED)


def test_no_secret_in_redacted_plan_or_any_report(raw: dict[str, Any]) -> None:
    output = review_plan(raw)
    ai = AIReview(summary_md="ok")
    outputs: dict[str, str] = {fmt: render(fmt, output.result, ai=ai, title="planted") for fmt in FORMATS}
    outputs["redacted"] = json.dumps(output.redacted, ensure_ascii=False)
    outputs["result"] = json.dumps(to_json(output.result))
    for name, text in outputs.items():
        leaked = [secret for secret in PLANTED if secret in text]
        assert leaked == [], f"{name} leaks {leaked}"


def test_rules_still_see_the_secrets(raw: dict[str, Any]) -> None:
    rule_ids = {f.rule_id for f in review_plan(raw).result.findings}
    assert {
        "TFR-SEC-001",
        "TFR-SEC-002",
        "TFR-SEC-003",
        "TFR-SEC-004",
        "TFR-SEC-005",
        "TFR-AWS-PRV-001",
    } <= rule_ids


def test_redaction_keeps_shape_and_is_idempotent(raw: dict[str, Any]) -> None:
    redacted, report = redact_plan(raw)
    assert (
        report.count > 20
        and "sensitive_mark" in report.by_reason
        and "copy_of_sensitive_value" in report.by_reason
    )
    assert not any(secret in " ".join(report.paths) for secret in PLANTED)
    again, second = redact_plan(redacted)
    assert again == redacted and second.count == 0
    assert review_plan(redacted).result == replace(review_plan(raw).result, redaction=second)

    def shape(value: object) -> object:
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value]
        return None

    assert shape(redacted) == shape(raw)
    assert redacted["resource_changes"][0]["change"]["after"]["password"] == REDACTED
    # the input is never modified
    assert raw["resource_changes"][0]["change"]["after"]["password"] == "Marked-Sensitive-Value-1"


def test_fast_prefilter_agrees_with_the_regex() -> None:
    pieces = ["PASS", "pAsS", "Token", "API_KEY", "apikey", "Api-Key", "akia", "AKIA", "sk-", "SK-", "eyj", "eyJ",
              "://", ":/", "paſſword", "\u212aey", "ſecret", "private_key", "PRIVATE KEY", "private key", "xox",
              "ghp_", "GHP_", "é", "data-1", " ", "_", "npm_", "glpat-", "AIza", "aiza", "AROA", "A3T", "a3t", "xapp-",
              "AccountKey", "ACCOUNTKEY", "sig=", "SIG=", "hooks.slack", "HOOKS.SLACK", "UFJJVkFURSBLRV",
              "SharedAccess", "ſig="]  # fmt: skip
    rng = random.Random(5)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        assert may_hold_secret(text) is bool(PREFILTER_RE.search(text)), text
