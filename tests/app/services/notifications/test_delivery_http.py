"""Done when: a HIGH review through the live API (DynamoDB Local, local dispatch) gives one Slack
message and one signed webhook delivery at a real HTTP sink, each once per version, even when the sink
refused the first try and when the review is rerun; a receiver that is gone never changes the review."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.services.container import build_services
from scripts.notify_sink import NotifySink
from tests.support import READ_AUTH, WRITE_AUTH, live_server, simple_plan, wait_terminal

pytestmark = [pytest.mark.integration, pytest.mark.http]

SIGNING_SECRET = "notify-test-signing-secret-0123456789"
CHANNELS = [
    {"name": "team-slack", "type": "slack", "min_level": "HIGH"},
    {"name": "audit-hook", "type": "webhook", "min_level": "HIGH"},
    {"name": "retired-hook", "type": "webhook", "min_level": "LOW", "on_decision": False},
    {"name": "other-stacks", "type": "slack", "stacks": ["prod-*"]},
]


@pytest.fixture
def sink() -> Iterator[NotifySink]:
    server = NotifySink(secret=SIGNING_SECRET, fail_first=1).start()
    yield server
    server.stop()


@pytest.fixture
def api(settings_factory: Any, sink: NotifySink) -> Iterator[httpx.Client]:
    secrets = {
        "team-slack": {"url": f"{sink.url}/slack"},
        "audit-hook": {"url": f"{sink.url}/webhook", "signing_secret": SIGNING_SECRET},
        "retired-hook": {"url": f"{sink.url}/gone", "signing_secret": SIGNING_SECRET},
        "other-stacks": {"url": f"{sink.url}/other"},
    }
    settings = settings_factory(
        dispatcher="local",
        notify_channels=json.dumps(CHANNELS),
        notify_secrets=json.dumps(secrets),
        notify_retry_base_seconds=0.5,
        sweep_interval_seconds=1,
        dashboard_url="http://127.0.0.1:3000",
    )
    services = build_services(settings)
    services.start_sweeper()  # as create_app's lifespan does when it builds the services itself
    with live_server(create_app(settings, services)) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield http
    services.close()


def settled(
    http: httpx.Client, review_id: str, version: int, kind: str, timeout: float = 30
) -> list[dict[str, Any]]:
    """The review's deliveries of one event, once none of them is pending any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = http.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()["notifications"]
        mine = [r for r in records if r["version"] == version and r["kind"] == kind]
        if mine and all(r["status"] != "pending" for r in mine):
            return mine
        time.sleep(0.2)
    raise AssertionError(f"deliveries of {kind} v{version} still pending: {records}")


def test_high_review_notifies_each_channel_once_per_version(api: httpx.Client, sink: NotifySink) -> None:
    created = api.post(
        "/api/reviews", json={"plan": simple_plan(), "title": "drop the main DB"}, headers=WRITE_AUTH
    )
    assert created.status_code == 202, created.text
    review_id = created.json()["id"]
    first = wait_terminal(api, review_id)
    assert first["status"] == "COMPLETED" and first["risk"]["level"] in ("HIGH", "CRITICAL")

    records = {r["channel"]: r for r in settled(api, review_id, first["version"], "completed")}
    # The sink refused each path's first POST: sent on the second attempt, once.
    assert records["team-slack"]["status"] == "sent" and records["team-slack"]["attempts"] == 2
    assert records["audit-hook"]["status"] == "sent" and records["audit-hook"]["attempts"] == 2
    assert records["team-slack"]["last_error"] == "HTTP 503"
    # A receiver that answers 410 is failed for good at once; the review stays COMPLETED.
    assert records["retired-hook"]["status"] == "failed" and records["retired-hook"]["attempts"] == 1
    assert "other-stacks" not in records  # routed to prod-* stacks only
    assert api.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()["status"] == "COMPLETED"

    time.sleep(2.5)  # two more sweeps: nothing is sent again
    slack, hooks = sink.state.received("/slack"), sink.state.received("/webhook")
    assert len(slack) == 1 and len(hooks) == 1
    message = slack[0]["body"]
    assert (
        message["blocks"][0]["type"] == "header"
        and "HIGH" in message["text"]
        or "CRITICAL" in message["text"]
    )
    assert f"http://127.0.0.1:3000/reviews/{review_id}" in json.dumps(message)
    hook = hooks[0]
    assert hook["signature_ok"] is True
    assert hook["headers"]["Idempotency-Key"] == f"{review_id}:{first['version']}:completed:audit-hook"
    assert hook["body"]["detail"]["id"] == review_id and hook["body"]["detail_type"] == "Review Completed"
    # No plan value reaches a receiver: the deleted DB's attributes are not in any message.
    for received in (message, hook["body"]):
        text = json.dumps(received)
        assert "deletion_protection" not in text and "storage_encrypted" not in text

    # A rerun is a new version with its own event: one more message per channel, for that version only.
    rerun = api.post(f"/api/reviews/{review_id}/rerun", headers=WRITE_AUTH)
    assert rerun.status_code == 202, rerun.text
    deadline = time.monotonic() + 60
    second = first
    while second["version"] <= first["version"] or second["status"] not in ("COMPLETED", "FAILED"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
        second = api.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()
    records = {r["channel"]: r for r in settled(api, review_id, second["version"], "completed")}
    assert records["team-slack"]["status"] == "sent" and records["team-slack"]["attempts"] == 1
    time.sleep(2.5)
    slack, hooks = sink.state.received("/slack"), sink.state.received("/webhook")
    assert len(slack) == 2 and len(hooks) == 2
    versions = [h["body"]["detail"]["version"] for h in hooks]
    assert versions == [first["version"], second["version"]]

    # A decision is an event of its own version, delivered by the sweep.
    decided = api.put(
        f"/api/reviews/{review_id}",
        json={"decision": "REJECTED"},
        headers={**WRITE_AUTH, "If-Match": f'"{second["latest_version"]}"'},
    )
    assert decided.status_code == 200, decided.text
    version = decided.json()["version"]
    records = {r["channel"]: r for r in settled(api, review_id, version, "decided")}
    assert set(records) == {"team-slack", "audit-hook"}  # retired-hook takes no decisions
    assert all(r["status"] == "sent" for r in records.values())
    hooks = sink.state.received("/webhook")
    assert [h["body"]["detail_type"] for h in hooks] == [
        "Review Completed",
        "Review Completed",
        "Review Decided",
    ]
    assert hooks[-1]["body"]["detail"]["decision"]["decision"] == "REJECTED"


def test_a_decision_is_delivered_at_once_not_at_the_next_sweep(
    settings_factory: Any, sink: NotifySink
) -> None:
    secrets = {"audit-hook": {"url": f"{sink.url}/webhook", "signing_secret": SIGNING_SECRET}}
    settings = settings_factory(
        dispatcher="local",
        notify_channels=json.dumps([{"name": "audit-hook", "type": "webhook", "min_level": "LOW"}]),
        notify_secrets=json.dumps(secrets),
        notify_retry_base_seconds=0.5,
        sweep_interval_seconds=3600,  # no sweep runs during this test: only the API's request delivers
    )
    sink.state.fail_first = 0
    services = build_services(settings)
    services.start_sweeper()
    try:
        with (
            live_server(create_app(settings, services)) as url,
            httpx.Client(base_url=url, timeout=30) as api,
        ):
            review_id = api.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH).json()[
                "id"
            ]
            done = wait_terminal(api, review_id)
            decided = api.put(
                f"/api/reviews/{review_id}",
                json={"decision": "APPROVED"},
                headers={**WRITE_AUTH, "If-Match": f'"{done["latest_version"]}"'},
            )
            assert decided.status_code == 200, decided.text
            records = settled(api, review_id, decided.json()["version"], "decided", timeout=10)
            assert [r["status"] for r in records] == ["sent"]
            kinds = [h["body"]["detail_type"] for h in sink.state.received("/webhook")]
            assert kinds.count("Review Decided") == 1
    finally:
        services.close()
