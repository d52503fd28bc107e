"""Payload kinds and loose parsing of real-shaped Spacelift payloads."""

from __future__ import annotations

import copy
import json
import logging

import pytest

from tests.webhook.payloads import (
    AUDIT_PAYLOAD,
    DOCUMENTED_RUN_EVENT,
    INTERNAL_ERROR_PAYLOAD,
    NEWER_RUN_EVENT,
    POLICY_PAYLOAD,
)
from webhook.events import (
    PayloadKind,
    RunState,
    RunType,
    classify,
    parse_payload,
    parse_run_type,
    parse_state,
)


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        (DOCUMENTED_RUN_EVENT, PayloadKind.RUN_EVENT),
        (NEWER_RUN_EVENT, PayloadKind.RUN_EVENT),
        (POLICY_PAYLOAD, PayloadKind.POLICY),
        (INTERNAL_ERROR_PAYLOAD, PayloadKind.INTERNAL_ERROR),
        (AUDIT_PAYLOAD, PayloadKind.AUDIT),
        ({"hello": "world"}, PayloadKind.UNKNOWN),
        ([1, 2], PayloadKind.UNKNOWN),
        ("text", PayloadKind.UNKNOWN),
    ],
)
def test_classify(payload: object, kind: PayloadKind) -> None:
    assert classify(payload) is kind


def test_documented_default_payload_parses() -> None:
    parsed = parse_payload(json.dumps(DOCUMENTED_RUN_EVENT).encode())
    event = parsed.run_event
    assert parsed.kind is PayloadKind.RUN_EVENT and event is not None
    assert (event.account, event.state, event.state_version) == ("spacelift-io", "FINISHED", 4)
    assert event.run.type == "TRACKED" and event.run.delta is not None and event.run.delta.resources == 1
    assert event.run.commit is not None and event.run.commit.author_login == "marcinwyszynski"
    assert (
        event.run_url
        == "https://spacelift-io.app.spacelift.io/stack/spacelift-demo/run/01EF9PFPNFFM2MQXTJKHK1B869"
    )


def test_newer_fields_are_read_and_unknown_ones_kept() -> None:
    parsed = parse_payload(NEWER_RUN_EVENT)
    event = parsed.run_event
    assert event is not None and parsed.problem is None
    assert event.run.url and event.run_url == event.run.url
    assert event.run.drift_detection is False
    assert event.timestamp_millis == 1767225600123
    assert event.worker_pool is not None and event.worker_pool.name == "private-pool"
    assert event.event_source == "spacelift" and event.note == "plan ready"
    assert event.run.delta is None
    assert event.run.model_extra == {"someFutureField": {"nested": True}}
    assert event.stack.vcs == "GITHUB"


def test_unknown_state_and_type_are_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    event = copy.deepcopy(NEWER_RUN_EVENT)
    event["state"] = "HIBERNATING"
    event["run"]["type"] = "QUANTUM"
    parsed = parse_payload(event)
    assert parsed.run_event is not None
    with caplog.at_level(logging.WARNING):
        assert parse_state("HIBERNATING") is None
        assert parse_run_type("QUANTUM") is None
    assert {r.getMessage() for r in caplog.records} >= {
        "spacelift.unknown_run_state",
        "spacelift.unknown_run_type",
    }
    assert parse_state("pending_review") is RunState.PENDING_REVIEW
    assert parse_run_type("PROPOSED") is RunType.PROPOSED


def test_policy_payload_parses() -> None:
    parsed = parse_payload(POLICY_PAYLOAD)
    policy = parsed.policy
    assert parsed.kind is PayloadKind.POLICY and policy is not None
    assert policy.effective_state == "UNCONFIRMED"
    assert policy.sequence == 1767225600123456789
    assert policy.run.changes is not None and len(policy.run.changes) == 5
    assert policy.run.changes[0].entity.data == {
        "values": POLICY_PAYLOAD["run"]["changes"][0]["entity"]["data"]["values"]
    }


def test_internal_error_and_audit_parse() -> None:
    error = parse_payload(INTERNAL_ERROR_PAYLOAD)
    assert error.internal_error is not None and error.internal_error.severity == "ERROR"
    audit = parse_payload(AUDIT_PAYLOAD)
    assert audit.audit is not None and audit.audit.remote_ip == "203.0.113.7"


def test_broken_bodies_are_reported_not_raised() -> None:
    assert parse_payload(b"{not json").problem == "body is not JSON"
    missing_version = copy.deepcopy(DOCUMENTED_RUN_EVENT)
    del missing_version["stateVersion"]
    parsed = parse_payload(missing_version)
    assert parsed.kind is PayloadKind.RUN_EVENT and parsed.run_event is None
    assert parsed.problem is not None and "stateVersion" in parsed.problem
    assert "0ee3a3b7" not in parsed.problem
