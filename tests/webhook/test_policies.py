"""The shipped Spacelift Rego policies, evaluated by a real Rego interpreter (regopy / rego-cpp)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from regopy import Interpreter

from webhook.events import POLICY_SCHEMA, PolicyPayload

POLICIES = Path(__file__).resolve().parents[2] / "deploy" / "spacelift" / "policies"


def evaluate(policy: str, data: dict[str, Any]) -> dict[str, Any]:
    """Evaluate `data.spacelift` of one shipped policy against an input document."""
    rego = Interpreter()
    rego.add_module(policy, (POLICIES / f"{policy}.rego").read_text())
    rego.set_input_term(json.dumps(data))
    output = rego.query("data.spacelift")
    assert output.ok(), str(output)
    result = json.loads(str(output))
    expressions = result["expressions"] if isinstance(result, dict) else result[0]["expressions"]
    document: dict[str, Any] = expressions[0]
    return document


# -- notification policy --------------------------------------------------------------------------------

NOTIFICATION_INPUT: dict[str, Any] = {
    "account": {"name": "acme"},
    "webhook_endpoints": [
        {"id": "tfreview-plan-review", "labels": ["tfreview"]},
        {"id": "slack-relay", "labels": ["chatops"]},
    ],
    "run_updated": {
        "state": "UNCONFIRMED",
        "username": "alice",
        "note": "",
        "urls": {"run": "https://acme.app.spacelift.io/stack/prod-network/run/01JRUN"},
        "run": {
            "id": "01JRUN",
            "type": "TRACKED",
            "state": "UNCONFIRMED",
            "updated_at": 1767225600123456789,
            "created_at": 1767225500000000000,
            "branch": "main",
            "commit": {"author": "alice", "branch": "main", "hash": "0123abcd", "message": "Open SSH"},
            "drift_detection": False,
            "triggered_by": "alice@example.com",
            "flags": [],
            "runtime_config": {"terraform_version": "1.9.8"},
            "changes": [
                {
                    "action": "added",
                    "entity": {
                        "address": "aws_security_group.ssh",
                        "name": "ssh",
                        "type": "aws_security_group",
                        "entity_type": "resource",
                        "entity_vendor": "terraform",
                        "data": {"values": {"name": "ssh"}},
                    },
                    "phase": "plan",
                }
            ],
            "policy_receipts": [{"flags": [], "name": "tfreview-plan", "outcome": "allow", "type": "PLAN"}],
        },
        "stack": {
            "id": "prod-network",
            "name": "Prod network",
            "labels": ["team:net"],
            "space": {"id": "root", "name": "root", "labels": []},
        },
        "timing": [{"duration": 1000, "state": "PLANNING"}],
    },
}


def _notification(run_type: str, state: str, **run_overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(NOTIFICATION_INPUT)
    data["run_updated"]["state"] = state
    data["run_updated"]["run"].update(type=run_type, state=state, **run_overrides)
    return data


@pytest.mark.parametrize(
    ("run_type", "state"),
    [("TRACKED", "UNCONFIRMED"), ("PROPOSED", "FINISHED"), ("PROPOSED", "PENDING_REVIEW")],
)
def test_notification_sends_our_payload_when_the_plan_is_ready(run_type: str, state: str) -> None:
    webhooks = evaluate("notification", _notification(run_type, state))["webhook"]
    assert len(webhooks) == 1
    hook = webhooks[0]
    assert hook["endpoint_id"] == "tfreview-plan-review"
    payload = hook["payload"]
    assert payload["schema"] == POLICY_SCHEMA
    assert payload["account"] == "acme" and payload["state"] == state
    assert payload["run"]["id"] == "01JRUN" and payload["run"]["updated_at"] == 1767225600123456789
    assert payload["run"]["changes"][0]["entity"]["address"] == "aws_security_group.ssh"
    assert payload["run"]["terraform_version"] == "1.9.8"
    assert payload["stack"] == {
        "id": "prod-network",
        "name": "Prod network",
        "labels": ["team:net"],
        "space": "root",
    }
    assert payload["planning_log"] == "spacelift::logs::planning"
    assert payload["run_url"].endswith("/run/01JRUN")
    # What the policy emits is exactly what the receiver parses.
    parsed = PolicyPayload.model_validate(payload)
    assert parsed.sequence == 1767225600123456789 and parsed.run.changes is not None


@pytest.mark.parametrize(
    ("run_type", "state"),
    [
        ("TRACKED", "PLANNING"),
        ("TRACKED", "QUEUED"),
        ("PROPOSED", "PLANNING"),
        ("PROPOSED", "UNCONFIRMED"),
        ("TASK", "FINISHED"),
        ("TRACKED", "PENDING_REVIEW"),
    ],
)
def test_notification_is_silent_before_the_plan_and_for_other_run_types(run_type: str, state: str) -> None:
    assert evaluate("notification", _notification(run_type, state))["webhook"] == []


@pytest.mark.parametrize("state", ["CONFIRMED", "APPLYING", "FINISHED", "FAILED", "DISCARDED", "STOPPED"])
def test_notification_follows_tracked_runs_with_the_default_payload(state: str) -> None:
    webhooks = evaluate("notification", _notification("TRACKED", state))["webhook"]
    assert webhooks == [{"endpoint_id": "tfreview-plan-review"}]


def test_notification_without_a_labelled_webhook_sends_nothing() -> None:
    data = _notification("TRACKED", "UNCONFIRMED")
    data["webhook_endpoints"] = [{"id": "other", "labels": []}]
    assert evaluate("notification", data)["webhook"] == []


def test_notification_tolerates_missing_optional_fields() -> None:
    data = _notification("PROPOSED", "FINISHED")
    for key in ("commit", "changes", "runtime_config", "policy_receipts", "branch"):
        del data["run_updated"]["run"][key]
    del data["run_updated"]["urls"]
    payload = evaluate("notification", data)["webhook"][0]["payload"]
    assert payload["run"]["changes"] == [] and payload["run_url"] is None


def test_notification_ignores_non_run_events() -> None:
    data = {
        "account": {"name": "acme"},
        "webhook_endpoints": NOTIFICATION_INPUT["webhook_endpoints"],
        "internal_error": {"error": "x", "message": "y", "severity": "ERROR"},
    }
    assert evaluate("notification", data)["webhook"] == []


# -- plan policy -----------------------------------------------------------------------------------------


def _plan_input(aireview: dict[str, Any] | None, labels: list[str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "spacelift": {"stack": {"id": "prod-network", "labels": labels or []}, "run": {"type": "TRACKED"}},
        "terraform": {"resource_changes": []},
        "third_party_metadata": {"custom": {}},
    }
    if aireview is not None:
        data["third_party_metadata"]["custom"]["aireview"] = aireview
    return data


def _aireview(level: str, status: str = "COMPLETED") -> dict[str, Any]:
    return {
        "schema": "tfreview.aireview/v1",
        "review_id": "01JREVIEW",
        "status": status,
        "risk_level": level,
        "risk_score": {"LOW": 5, "MEDIUM": 35, "HIGH": 70, "CRITICAL": 95}[level],
        "counts": {"findings": 2},
        "top_findings": [
            {
                "severity": "HIGH",
                "address": "aws_security_group.ssh",
                "title": "SSH open to the world",
                "rule_id": "x",
            }
        ],
    }


@pytest.mark.parametrize(
    ("level", "denied", "warned"),
    [("LOW", False, False), ("MEDIUM", False, True), ("HIGH", False, True), ("CRITICAL", True, False)],
)
def test_plan_policy_by_risk_level(level: str, denied: bool, warned: bool) -> None:
    result = evaluate("plan", _plan_input(_aireview(level)))
    assert bool(result["deny"]) is denied
    assert bool(result["warn"]) is warned
    messages = result["deny"] + result["warn"]
    if messages:
        assert messages[0].startswith(f"tfreview risk {level} (score ")
        assert "aws_security_group.ssh" in messages[0]


def test_plan_policy_thresholds_from_stack_labels() -> None:
    labels = ["tfreview:deny_at:high", "tfreview:warn_at:LOW"]
    assert evaluate("plan", _plan_input(_aireview("HIGH"), labels))["deny"]
    low = evaluate("plan", _plan_input(_aireview("LOW"), labels))
    assert low["warn"] and not low["deny"]
    bogus = evaluate("plan", _plan_input(_aireview("HIGH"), ["tfreview:deny_at:SOMETIMES"]))
    assert not bogus["deny"] and bogus["warn"]


def test_plan_policy_warns_without_a_verdict_or_when_the_review_failed() -> None:
    missing = evaluate("plan", _plan_input(None))
    assert missing["deny"] == [] and "no AI review" in missing["warn"][0]
    no_custom = evaluate("plan", {"spacelift": {"stack": {"labels": []}}})
    assert no_custom["warn"] and not no_custom["deny"]
    failed = evaluate("plan", _plan_input(_aireview("CRITICAL", status="FAILED")))
    assert failed["deny"] == [] and "did not complete (status FAILED)" in failed["warn"][0]


# -- approval policy -------------------------------------------------------------------------------------


def _review(login: str, teams: list[str]) -> dict[str, Any]:
    return {
        "author": login,
        "state": "UNCONFIRMED",
        "session": {"login": login, "name": login, "teams": teams},
    }


def _approval_input(
    approvals: list[dict[str, Any]], rejections: list[dict[str, Any]], state: str = "UNCONFIRMED"
) -> dict[str, Any]:
    return {
        "run": {"id": "01JRUN", "state": state, "type": "TRACKED"},
        "stack": {"id": "prod-network"},
        "reviews": {"current": {"approvals": approvals, "rejections": rejections}, "older": []},
    }


AI = _review("api::01KEYID", ["tfreview"])
HUMAN = _review("bob", ["developers"])
ADMIN = _review("carol", ["infra-admins"])


@pytest.mark.parametrize(
    ("approvals", "rejections", "approve", "reject"),
    [
        ([], [], False, False),
        ([HUMAN], [], False, False),
        ([AI], [], True, False),
        ([AI, HUMAN], [], True, False),
        ([], [AI], False, True),
        ([HUMAN], [AI], False, True),
        ([ADMIN], [AI], True, False),
    ],
    ids=[
        "nobody",
        "human-only",
        "ai",
        "ai-and-human",
        "ai-rejects",
        "ai-rejects-human-approves",
        "admin-override",
    ],
)
def test_approval_needs_the_reviewer(
    approvals: list[dict[str, Any]], rejections: list[dict[str, Any]], approve: bool, reject: bool
) -> None:
    result = evaluate("approval", _approval_input(approvals, rejections))
    assert result.get("approve", False) is approve
    assert result.get("reject", False) is reject


def test_approval_lets_queued_runs_start() -> None:
    result = evaluate("approval", _approval_input([], [], state="QUEUED"))
    assert result.get("approve") is True and not result.get("reject", False)


def test_approval_can_trust_the_reviewer_by_author_id() -> None:
    source = (
        (POLICIES / "approval.rego")
        .read_text()
        .replace("reviewer_authors := set()", 'reviewer_authors := {"api::01KEYID"}')
    )
    rego = Interpreter()
    rego.add_module("approval", source)
    no_teams = {
        "author": "api::01KEYID",
        "state": "UNCONFIRMED",
        "session": {"login": "api::01KEYID", "teams": []},
    }
    rego.set_input_term(json.dumps(_approval_input([no_teams], [])))
    result = json.loads(str(rego.query("data.spacelift.approve")))
    expressions = result["expressions"] if isinstance(result, dict) else result[0]["expressions"]
    assert expressions == [True]
