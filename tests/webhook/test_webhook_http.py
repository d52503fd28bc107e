"""POST /webhooks/spacelift through the live app on DynamoDB Local, with a fake Spacelift GraphQL API."""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from app.core.settings import Settings, SettingsError
from app.main import create_app
from app.services.container import Services, build_services
from tests.fakes.spacelift import FakeRun, FakeSpacelift, fake_spacelift
from tests.support import READ_AUTH, WRITE_AUTH, live_server, simple_plan
from tests.webhook.payloads import AUDIT_PAYLOAD, INTERNAL_ERROR_PAYLOAD, POLICY_PAYLOAD, run_event
from webhook.signature import compute_signature

pytestmark = [pytest.mark.integration, pytest.mark.http]

SECRET = "whsec-current-0123456789abcdef0123456789"
PREVIOUS = "whsec-previous-0123456789abcdef012345678"
KEY_ID, KEY_SECRET = "01KEYID0000000000000000000", "spacelift-key-secret"
STACK = "prod-network"


@pytest.fixture
def spacelift() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as fake:
        yield fake


@pytest.fixture
def app_settings(settings_factory: Any, spacelift: FakeSpacelift) -> Settings:
    settings: Settings = settings_factory(
        spacelift_webhook_secret=SECRET,
        spacelift_webhook_secret_previous=PREVIOUS,
        spacelift_api_endpoint=spacelift.url,
        spacelift_api_key_id=KEY_ID,
        spacelift_api_key_secret=KEY_SECRET,
    )
    return settings


@pytest.fixture
def services(app_settings: Settings) -> Services:
    return build_services(app_settings)


@pytest.fixture
def client(app_settings: Settings, services: Services) -> Iterator[httpx.Client]:
    with (
        live_server(create_app(app_settings, services)) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def signed(payload: Any, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", "X-Signature-256": compute_signature(secret, body)}


def deliver(client: httpx.Client, payload: Any, secret: str = SECRET, method: str = "POST") -> httpx.Response:
    body, headers = signed(payload, secret)
    return client.request(method, "/webhooks/spacelift", content=body, headers=headers)


def with_changes(spacelift: FakeSpacelift, run_id: str) -> FakeRun:
    return spacelift.add_run(
        STACK,
        run_id,
        FakeRun(changes=[{"address": "aws_s3_bucket.b", "previousAddress": "", "metadata": {"type": "ADD"}}]),
    )


def test_signature_matrix_over_http(client: httpx.Client) -> None:
    payload = INTERNAL_ERROR_PAYLOAD
    body, headers = signed(payload)
    sha1_only = {"Content-Type": "application/json", "X-Signature": "sha1=" + "0" * 40}
    cases = {
        "valid": (body, headers, 202),
        "previous-secret": (*signed(payload, PREVIOUS), 202),
        "missing": (body, {"Content-Type": "application/json"}, 401),
        "wrong-secret": (*signed(payload, "not-the-secret"), 401),
        "tampered": (body + b" ", headers, 401),
        "wrong-prefix": (
            body,
            {"X-Signature-256": headers["X-Signature-256"].replace("sha256=", "sha1=")},
            401,
        ),
        "sha1-only": (body, sha1_only, 401),
    }
    for name, (content, hdrs, expected) in cases.items():
        response = client.post("/webhooks/spacelift", content=content, headers=hdrs)
        assert response.status_code == expected, name
        if expected == 401:
            assert response.json()["error"]["code"] == "unauthorized", name


def test_policy_payload_creates_a_review_from_the_change_list(
    client: httpx.Client, services: Services
) -> None:
    response = deliver(client, POLICY_PAYLOAD)
    assert response.status_code == 202
    result = response.json()
    assert result["outcome"] == "created" and result["kind"] == "policy"
    review = client.get(f"/api/reviews/{result['review_id']}", headers=READ_AUTH).json()
    assert review["source"] == "spacelift"
    assert review["metadata"]["plan_source"] == "spacelift_policy_changes"
    assert review["spacelift"]["run_id"] == POLICY_PAYLOAD["run"]["id"]
    assert review["spacelift"]["run_state"] == "UNCONFIRMED"
    assert review["spacelift"]["commit"]["message"] == "Open SSH to the world"
    stored = json.loads(services.repository.blobs.get(review["plan"]["sha256"]))
    addresses = {rc["address"] for rc in stored["resource_changes"]}
    assert "aws_security_group.ssh" in addresses and len(addresses) == 4
    # The sanitized password never reaches storage in clear.
    assert "9f86d081884c7d65" not in json.dumps(stored)
    # The same delivery again is a duplicate, not a second review.
    again = deliver(client, POLICY_PAYLOAD).json()
    assert again["outcome"] == "duplicate"
    assert len(services.reviews.find_by_run(POLICY_PAYLOAD["run"]["id"])) == 1


def test_default_payload_gets_the_plan_from_graphql(
    client: httpx.Client, services: Services, spacelift: FakeSpacelift
) -> None:
    run_id = "01JGRAPHQLRUN0000000000000"
    with_changes(spacelift, run_id)
    result = deliver(
        client, run_event(state="FINISHED", state_version=7, run_type="PROPOSED", run_id=run_id)
    ).json()
    assert result["outcome"] == "created"
    review = services.reviews.get(result["review_id"])
    assert review.metadata["plan_source"] == "spacelift_changes_v3"
    assert review.spacelift is not None and review.spacelift.state_version == 7
    assert [c.root_field for c in spacelift.calls] == ["apiKeyUser", "stack"]

    log_run = "01JLOGRUN00000000000000000"
    spacelift.add_run(
        STACK, log_run, FakeRun(logs={"PLANNING": ["  # aws_iam_role.r will be updated in-place\n"]})
    )
    logged = deliver(
        client, run_event(state="UNCONFIRMED", state_version=5, run_type="TRACKED", run_id=log_run)
    )
    assert (
        services.reviews.get(logged.json()["review_id"]).metadata["plan_source"] == "spacelift_planning_log"
    )


def test_no_plan_anywhere_is_acknowledged(client: httpx.Client, services: Services) -> None:
    response = deliver(
        client, run_event(state="FINISHED", state_version=3, run_id="01JUNKNOWNRUN0000000000000")
    )
    assert response.status_code == 202 and response.json()["outcome"] == "no_plan"
    assert services.reviews.find_by_run("01JUNKNOWNRUN0000000000000") == []


def test_200_concurrent_deliveries_and_older_states_make_one_review(
    client: httpx.Client, services: Services, spacelift: FakeSpacelift
) -> None:
    run_id = "01JCONCURRENTRUN0000000000"
    with_changes(spacelift, run_id)
    ready = run_event(state="UNCONFIRMED", state_version=5, run_type="TRACKED", run_id=run_id)
    older = [
        run_event(state=state, state_version=version, run_type="TRACKED", run_id=run_id)
        for version, state in enumerate(["QUEUED", "PREPARING", "INITIALIZING", "PLANNING"], start=1)
    ]
    deliveries = [copy.deepcopy(ready) for _ in range(200)] + older * 5
    random.Random(4).shuffle(deliveries)
    with ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(pool.map(lambda payload: deliver(client, payload).status_code, deliveries))
    assert set(statuses) == {202}
    reviews = services.reviews.find_by_run(run_id)
    assert len(reviews) == 1
    review = services.reviews.get(reviews[0].id)
    assert review.spacelift is not None
    assert (review.spacelift.run_state, review.spacelift.state_version) == ("UNCONFIRMED", 5)
    # Older states delivered after the plan-ready one are dropped, never written over it.
    for payload in older:
        assert deliver(client, payload).json()["outcome"] in ("stale", "duplicate")
    assert services.reviews.get(review.id).spacelift.run_state == "UNCONFIRMED"  # type: ignore[union-attr]


def test_later_states_update_the_review_and_older_ones_are_dropped(
    client: httpx.Client, services: Services, spacelift: FakeSpacelift
) -> None:
    run_id = "01JLATERSTATES000000000000"
    with_changes(spacelift, run_id)
    created = deliver(
        client, run_event(state="UNCONFIRMED", state_version=5, run_type="TRACKED", run_id=run_id)
    )
    review_id = created.json()["review_id"]
    finished = deliver(
        client, run_event(state="FINISHED", state_version=9, run_type="TRACKED", run_id=run_id)
    )
    assert finished.json() | {"review_id": review_id} == finished.json()
    assert finished.json()["outcome"] == "state_updated"
    applying = deliver(
        client, run_event(state="APPLYING", state_version=7, run_type="TRACKED", run_id=run_id)
    )
    assert applying.json()["outcome"] == "stale"
    review = services.reviews.get(review_id)
    assert review.spacelift is not None and (review.spacelift.run_state, review.spacelift.state_version) == (
        "FINISHED",
        9,
    )
    assert review.plan.sha256 == services.reviews.get_version(review_id, 1).plan.sha256


def test_hook_and_webhook_become_one_review_and_the_hook_plan_wins(
    client: httpx.Client, services: Services
) -> None:
    webhook = deliver(client, POLICY_PAYLOAD).json()
    review_id = webhook["review_id"]
    synthetic_sha = services.reviews.get(review_id).plan.sha256
    hook_spacelift = {"account": "acme", "stack_id": "prod-network", "run_id": POLICY_PAYLOAD["run"]["id"]}
    hook_request: dict[str, Any] = {
        "plan": simple_plan(),
        "source": "spacelift",
        "spacelift": hook_spacelift,
    }
    hooked = client.post("/api/reviews", json=hook_request, headers=WRITE_AUTH)
    assert hooked.status_code in (200, 202)
    assert hooked.json()["id"] == review_id
    current = services.reviews.get(review_id)
    assert current.plan.sha256 != synthetic_sha
    assert len(services.reviews.find_by_run(POLICY_PAYLOAD["run"]["id"])) == 1


def test_hook_first_then_webhook_keeps_the_hook_plan(client: httpx.Client, services: Services) -> None:
    run_id = "01JHOOKFIRST00000000000000"
    hook_spacelift = {"account": "acme", "stack_id": "prod-network", "run_id": run_id}
    hook_request: dict[str, Any] = {"plan": simple_plan(), "source": "spacelift", "spacelift": hook_spacelift}
    first = client.post(
        "/api/reviews",
        json=hook_request,
        headers=WRITE_AUTH,
    ).json()
    policy = copy.deepcopy(POLICY_PAYLOAD)
    policy["run"]["id"] = run_id
    result = deliver(client, policy).json()
    assert result["outcome"] == "state_updated" and result["review_id"] == first["id"]
    assert services.reviews.get(first["id"]).plan.sha256 == first["plan"]["sha256"]


@pytest.mark.parametrize(
    "payload",
    [INTERNAL_ERROR_PAYLOAD, AUDIT_PAYLOAD, {"hello": "world"}, [1, 2, 3]],
    ids=["internal-error", "audit", "unknown-object", "array"],
)
def test_signed_non_run_payloads_are_acknowledged(client: httpx.Client, payload: Any) -> None:
    response = deliver(client, payload)
    assert response.status_code == 202
    assert response.json()["outcome"] in ("ignored", "invalid")


def test_loose_parsing_over_http(client: httpx.Client, services: Services) -> None:
    odd = run_event(
        state="HIBERNATING", state_version=2, run_type="QUANTUM", run_id="01JODDRUN00000000000000000"
    )
    odd["brandNewTopLevel"] = {"x": 1}
    assert deliver(client, odd).json()["outcome"] == "no_review"
    broken = run_event(state="FINISHED", state_version=2)
    del broken["run"]["id"]
    assert deliver(client, broken).json()["outcome"] == "invalid"
    body = b"{not json"
    response = client.post(
        "/webhooks/spacelift", content=body, headers={"X-Signature-256": compute_signature(SECRET, body)}
    )
    assert response.status_code == 202 and response.json()["outcome"] == "invalid"


def test_put_method_and_body_limit(client: httpx.Client) -> None:
    assert deliver(client, INTERNAL_ERROR_PAYLOAD, method="PUT").status_code == 202
    huge = {"title": "x", "body": "y" * (7 * 1024 * 1024), "error": "z", "severity": "INFO"}
    assert deliver(client, huge).status_code == 413


@pytest.mark.parametrize("env", ["prod", "dev"])
def test_refuses_to_start_without_a_secret(settings_factory: Any, env: str) -> None:
    settings = settings_factory(env=env, spacelift_webhook_secret=None)
    with pytest.raises(SettingsError, match="TFR_SPACELIFT_WEBHOOK_SECRET"):
        create_app(settings, build_services(settings))


def test_unsigned_deliveries_only_when_allowed_locally(settings_factory: Any) -> None:
    settings = settings_factory(spacelift_allow_unsigned=True)
    with live_server(create_app(settings, build_services(settings))) as url:
        response = httpx.post(f"{url}/webhooks/spacelift", json=INTERNAL_ERROR_PAYLOAD, timeout=10)
        assert response.status_code == 202
    signed_only = settings_factory()
    with live_server(create_app(signed_only, build_services(signed_only))) as url:
        response = httpx.post(f"{url}/webhooks/spacelift", json=INTERNAL_ERROR_PAYLOAD, timeout=10)
        assert response.status_code == 401


def test_full_loop_webhook_review_and_comment_back(settings_factory: Any, spacelift: FakeSpacelift) -> None:
    """Policy payload in, review by the local reviewer, Markdown comment and approval back in Spacelift."""
    settings = settings_factory(
        dispatcher="local",
        spacelift_webhook_secret=SECRET,
        spacelift_api_endpoint=spacelift.url,
        spacelift_api_key_id=KEY_ID,
        spacelift_api_key_secret=KEY_SECRET,
        spacelift_write_comment=True,
        spacelift_write_review=True,
        spacelift_reject_at="CRITICAL",
    )
    run_id = POLICY_PAYLOAD["run"]["id"]
    fake_run = spacelift.add_run(POLICY_PAYLOAD["stack"]["id"], run_id)
    services = build_services(settings)
    with live_server(create_app(settings, services)) as url, httpx.Client(base_url=url, timeout=30) as http:
        review_id = deliver(http, POLICY_PAYLOAD).json()["review_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            review = services.reviews.get(review_id)
            if review.writeback is not None:
                break
            time.sleep(0.1)
    assert review.status.value == "COMPLETED" and review.writeback is not None
    assert review.writeback.status == "done", review.writeback
    assert len(fake_run.comments) == 1 and "aws_security_group.ssh" in fake_run.comments[0]["body"]
    assert [r["decision"] for r in fake_run.reviews] == [
        "APPROVE" if review.risk and review.risk.level.value != "CRITICAL" else "REJECT"
    ]


def test_transient_failure_is_503_and_the_retry_is_processed(
    client: httpx.Client, services: Services, spacelift: FakeSpacelift
) -> None:
    run_id = "01JTRANSIENTRUN00000000000"
    with_changes(spacelift, run_id)
    payload = run_event(state="UNCONFIRMED", state_version=5, run_type="TRACKED", run_id=run_id)
    spacelift.fail_next = [502] * 2  # both attempts of the in-request GraphQL fetch fail
    failed = deliver(client, payload)
    assert failed.status_code == 503 and failed.json()["error"]["code"] == "service_unavailable"
    # Spacelift retries the same delivery; the claim was released, so it is processed now.
    retried = deliver(client, payload)
    assert retried.status_code == 202 and retried.json()["outcome"] == "created"
    assert len(services.reviews.find_by_run(run_id)) == 1


def test_permanent_graphql_errors_are_acknowledged(client: httpx.Client, spacelift: FakeSpacelift) -> None:
    spacelift.api_keys.clear()  # the API key is refused: not transient, no retry would help
    payload = run_event(
        state="FINISHED", state_version=4, run_type="PROPOSED", run_id="01JREFUSEDKEYRUN0000000000"
    )
    response = deliver(client, payload)
    assert response.status_code == 202 and response.json()["outcome"] == "no_plan"


def test_concurrent_plan_ready_deliveries_of_one_run_make_one_review(
    client: httpx.Client, services: Services, spacelift: FakeSpacelift
) -> None:
    """PENDING_REVIEW, FINISHED and the policy payload of one proposed run race: one review, final state wins."""
    runs = [f"01JRACE{i:02d}0000000000000000000"[:26] for i in range(8)]
    deliveries: list[dict[str, Any]] = []
    for run_id in runs:
        with_changes(spacelift, run_id)
        policy = copy.deepcopy(POLICY_PAYLOAD)
        policy["state"] = "FINISHED"
        policy["run"].update(id=run_id, type="PROPOSED", state="FINISHED")
        deliveries += [
            run_event(state="PENDING_REVIEW", state_version=5, run_type="PROPOSED", run_id=run_id),
            run_event(state="FINISHED", state_version=6, run_type="PROPOSED", run_id=run_id),
            policy,
        ]
    random.Random(7).shuffle(deliveries)
    with ThreadPoolExecutor(max_workers=24) as pool:
        responses = list(pool.map(lambda payload: deliver(client, payload), deliveries))
    assert {r.status_code for r in responses} == {202}, [r.text for r in responses if r.status_code != 202]
    for run_id in runs:
        reviews = services.reviews.find_by_run(run_id)
        assert len(reviews) == 1, run_id
        review = services.reviews.get(reviews[0].id)
        assert review.spacelift is not None and review.spacelift.run_state == "FINISHED", review.spacelift


def test_hook_and_webhook_racing_make_one_review_with_the_hook_plan(
    client: httpx.Client, services: Services
) -> None:
    from app.services.reviews import prepare_plan

    base_url = str(client.base_url)
    hook_sha = prepare_plan(simple_plan())[1].sha256
    for attempt in range(10):
        run_id = f"01JRACE{attempt:019d}"
        barrier = threading.Barrier(2)
        policy = copy.deepcopy(POLICY_PAYLOAD)
        policy["run"]["id"] = run_id
        hook_request: dict[str, Any] = {
            "plan": simple_plan(),
            "source": "spacelift",
            "spacelift": {
                "account": policy.get("account", "acme"),
                "stack_id": "prod-network",
                "run_id": run_id,
            },
        }

        def post_hook(body: dict[str, Any] = hook_request, start: threading.Barrier = barrier) -> int:
            with httpx.Client(base_url=base_url, timeout=30) as http:
                start.wait()
                return http.post("/api/reviews", json=body, headers=WRITE_AUTH).status_code

        def post_webhook(payload: dict[str, Any] = policy, start: threading.Barrier = barrier) -> int:
            with httpx.Client(base_url=base_url, timeout=30) as http:
                start.wait()
                return deliver(http, payload).status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            hook_status, webhook_status = pool.submit(post_hook), pool.submit(post_webhook)
            assert hook_status.result() in (200, 202) and webhook_status.result() < 300
        reviews = services.reviews.find_by_run(run_id)
        assert len(reviews) == 1
        assert services.reviews.get(reviews[0].id).plan.sha256 == hook_sha
