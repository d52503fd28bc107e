"""Faults: DynamoDB going away mid-run, LLM providers failing, the reviewer dying mid-review, Spacelift
write-back failing. The service degrades to clear 503s, loses and duplicates nothing, and recovers.

Complements tests/reviewer (LLM 500 then 429 over HTTP, duplicate invocations, sweep of an old
IN_PROGRESS review) and tests/webhook/test_writeback_service.py (write-back failures recorded by the
service); here the same faults go through the reviewer entry point and the running app.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.ids import utcnow
from app.core.settings import Settings
from app.services import review_run
from app.services.container import build_services
from app.storage.models import ReviewSource, ReviewStatus, SpaceliftInfo
from reviewer import handler as reviewer_handler
from reviewer.llm.fakes import error, malformed, ok, review_result, slow, start_fake, truncated
from scripts import dynamodb_local
from tests.fakes.spacelift import FakeSpacelift, fake_spacelift
from tests.security.support import (
    ServerProcess,
    assert_error_shape,
    assert_security_headers,
    contiguous_versions,
    running_app,
    scan_table,
)
from tests.support import READ_AUTH, WRITE_AUTH, make_settings, simple_plan

pytestmark = [pytest.mark.integration]


# DynamoDB Local stopped and restarted under the running API --------------------------------------


@pytest.fixture
def own_dynamodb(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A DynamoDB Local of this test alone, persisted on disk so a restart keeps the data."""
    state: dict[str, Any] = {"db_path": tmp_path / "ddb"}
    state["server"] = dynamodb_local.start(db_path=state["db_path"])
    try:
        yield state
    finally:
        state["server"].stop()


def test_dynamodb_outage_gives_503_then_recovers_without_partial_writes(
    own_dynamodb: dict[str, Any],
) -> None:
    server = own_dynamodb["server"]
    settings = make_settings(server.endpoint)
    outcomes: list[tuple[str, int]] = []
    stop = threading.Event()

    with running_app(settings) as (url, services), httpx.Client(base_url=url, timeout=60) as http:
        assert http.get("/readyz").status_code == 200

        def writer() -> None:
            # One client submitting reviews the whole time, each with its own Idempotency-Key.
            with httpx.Client(base_url=url, timeout=60) as own:
                while not stop.is_set():
                    key = uuid.uuid4().hex
                    response = own.post(
                        "/api/reviews",
                        json={"plan": simple_plan(), "title": key},
                        headers={**WRITE_AUTH, "Idempotency-Key": key},
                    )
                    outcomes.append((key, response.status_code))
                    if response.status_code >= 500:
                        assert_error_shape(response, 503)
                    time.sleep(0.02)

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(1.5)
        server.stop()  # DynamoDB goes away mid-run
        time.sleep(0.5)
        down = {
            "list": http.get("/api/reviews", headers=READ_AUTH),
            "create": http.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH),
            "analytics": http.get("/api/analytics", headers=READ_AUTH),
            "readyz": http.get("/readyz"),
        }
        for name, response in down.items():
            error = assert_error_shape(response, 503)
            assert_security_headers(response)
            assert response.headers.get("retry-after"), name
            assert error["code"] == "service_unavailable", (name, error)
        assert http.get("/healthz").status_code == 200  # the process itself is fine
        time.sleep(1.0)
        own_dynamodb["server"] = dynamodb_local.start(port=server.port, db_path=own_dynamodb["db_path"])
        deadline = time.monotonic() + 30
        while http.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the API did not recover"
            time.sleep(0.2)
        time.sleep(1.5)
        stop.set()
        thread.join(timeout=60)

        statuses = [status for _, status in outcomes]
        assert set(statuses) <= {202, 503}, statuses
        assert 503 in statuses and statuses[-1] == 202, statuses
        # A 503 leaves the outcome unknown to the client: it retries with the same key and gets one review.
        final: dict[str, str] = {}
        for key, status in outcomes:
            response = http.post(
                "/api/reviews",
                json={"plan": simple_plan(), "title": key},
                headers={**WRITE_AUTH, "Idempotency-Key": key},
            )
            assert response.status_code in ((200,) if status == 202 else (200, 202)), response.text
            final[key] = response.json()["id"]
        items = scan_table(services.repository._client, settings.resolved_table_name)  # noqa: SLF001
        latest = contiguous_versions(items)
        # Nothing lost, nothing duplicated, nothing half-written: one review per request, all of version 1.
        assert len(set(final.values())) == len(final) == len(outcomes)
        assert set(latest) == set(final.values())  # the POST sent during the outage stored nothing
        assert all(v == 1 for v in latest.values())
        plan_chunks = {item["PK"]["S"] for item in items if item["PK"]["S"].startswith("PLAN#")}
        assert plan_chunks  # the stored plan of every review is there (content-addressed: one blob)
        totals = http.get("/api/analytics?days=2", headers=READ_AUTH).json()["totals"]
        assert totals["reviews"] == len(latest)  # counters moved in the same transactions as the writes


# LLM faults through the reviewer entry point -------------------------------------------------------


FAULTS = {
    "timeout": lambda: [slow(5.0)] * 4,
    "429 forever": lambda: [error(429, "rate limited")] * 8,
    "500": lambda: [error(500, "upstream exploded")] * 8,
    "garbage": lambda: [malformed("<html>502 Bad Gateway</html>")] * 8,
    "truncated json": lambda: [truncated(review_result(risk_level="LOW"))] * 8,
}


@pytest.mark.parametrize("kind", ["openai", "anthropic", "bedrock"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_llm_fault_completes_rules_only(settings_factory: Any, kind: str, fault: str) -> None:
    with start_fake(kind, FAULTS[fault]()) as fake:
        settings: Settings = settings_factory(
            **fake.settings_overrides(), llm_timeout_seconds=0.5, llm_max_retries=1
        )
        services = build_services(settings)
        review, _ = services.reviews.create_review(simple_plan())
        deps = reviewer_handler.build_deps(settings)
        started = time.monotonic()
        outcome = review_run.process(deps, {"review_id": review.id, "version": 1})
        elapsed = time.monotonic() - started
    done = services.reviews.get(review.id)
    assert outcome["status"] == "COMPLETED" and done.status is ReviewStatus.COMPLETED
    assert done.ai is not None and done.ai.status == "failed" and done.ai.error
    assert "Traceback" not in done.ai.error and "sk-" not in done.ai.error
    assert done.findings and all(f.source == "rule" for f in done.findings)
    assert done.risk is not None and done.risk.level.value in ("HIGH", "CRITICAL")  # the engine's floor
    assert [v.status for v in services.reviews.list_versions(review.id)] == [
        ReviewStatus.PENDING,
        ReviewStatus.IN_PROGRESS,
        ReviewStatus.COMPLETED,
    ]
    assert elapsed < 20, elapsed  # bounded by timeouts and retries, never hangs


# The reviewer dies between claim and completion ------------------------------------------------------


class Killed(BaseException):
    """What a Lambda timeout or an OOM kill looks like to the code: nothing after it runs."""


def _later(deps: Any, minutes: float) -> None:
    """Move the reviewer's clock forward (the sweeper's idea of "now")."""
    deps.clock = lambda: utcnow() + timedelta(minutes=minutes)


def test_reviewer_killed_after_claim_is_requeued_then_failed_after_the_last_attempt(
    settings_factory: Any, monkeypatch: Any
) -> None:
    settings: Settings = settings_factory(reviewer_timeout_seconds=60, review_max_attempts=2)
    services = build_services(settings)
    review, _ = services.reviews.create_review(simple_plan())
    deps = reviewer_handler.build_deps(settings)

    def die(*_: Any, **__: Any) -> Any:
        raise Killed()

    monkeypatch.setattr(review_run, "run_review", die)
    with pytest.raises(Killed):
        review_run.process(deps, {"review_id": review.id, "version": 1})
    assert services.reviews.get(review.id).status is ReviewStatus.IN_PROGRESS  # claimed, then nothing
    assert review_run.sweep(deps).requeued == []  # not yet past the timeout + margin (120 s)
    _later(deps, 3)
    assert review_run.sweep(deps).requeued == [review.id]  # attempt 2: a new PENDING version, dispatched
    requeued = services.reviews.get(review.id)
    assert requeued.status is ReviewStatus.PENDING and requeued.attempts == 2
    assert requeued.status_history[-1].reason and "stopped" in requeued.status_history[-1].reason
    # The first dispatch's event (Lambda's own retry of it) no longer claims anything.
    assert review_run.process(deps, {"review_id": review.id, "version": 1})["status"] == "skipped"
    # Attempt 2 dies too: after the last attempt the review is FAILED, saying what happened.
    deps.clock = utcnow
    with pytest.raises(Killed):
        review_run.process(deps, {"review_id": review.id, "version": requeued.version})
    _later(deps, 6)
    result = review_run.sweep(deps)
    assert result.failed == [review.id] and result.requeued == []
    failed = services.reviews.get(review.id)
    assert failed.status is ReviewStatus.FAILED
    assert failed.error and "timed out" in failed.error and "attempt 2 of 2" in failed.error
    assert [v.status for v in services.reviews.list_versions(review.id)] == [
        ReviewStatus.PENDING,
        ReviewStatus.IN_PROGRESS,
        ReviewStatus.PENDING,
        ReviewStatus.IN_PROGRESS,
        ReviewStatus.FAILED,
    ]
    assert review_run.sweep(deps) == review_run.SweepResult([], [])  # idempotent
    # A rerun starts a fresh version (attempts back to 1) that completes normally.
    monkeypatch.undo()
    deps.clock = utcnow
    rerun = services.reviews.rerun(review.id, expected_version=None, actor=None)
    assert rerun.attempts == 1
    assert (
        review_run.process(deps, {"review_id": review.id, "version": rerun.version})["status"] == "COMPLETED"
    )


def test_never_started_review_is_dispatched_again_and_failed_only_after_the_event_age(
    settings_factory: Any,
) -> None:
    """A lost dispatch: requeued after sweep_pending_after_seconds; with attempts spent it fails only
    once the last event can no longer arrive (async event age + reviewer timeout)."""
    settings: Settings = settings_factory(
        reviewer_timeout_seconds=60,
        review_max_attempts=2,
        sweep_pending_after_seconds=600,
        async_event_max_age_seconds=3600,
    )
    services = build_services(settings)
    review, _ = services.reviews.create_review(simple_plan())
    deps = reviewer_handler.build_deps(settings)
    dispatched: list[tuple[str, int]] = deps.dispatcher.dispatched  # type: ignore[attr-defined]
    _later(deps, 5)
    assert review_run.sweep(deps).requeued == []  # 300 s: the event may still be queued
    _later(deps, 11)
    assert review_run.sweep(deps).requeued == [review.id]
    again = services.reviews.get(review.id)
    assert again.attempts == 2 and dispatched == [(review.id, again.version)]
    _later(deps, 11 + 30)  # attempts spent, but the last event could still arrive
    assert review_run.sweep(deps) == review_run.SweepResult([], [])
    _later(deps, 11 + 62)  # 3,720 s after the last dispatch: it cannot arrive any more
    assert review_run.sweep(deps).failed == [review.id]
    failed = services.reviews.get(review.id)
    assert failed.status is ReviewStatus.FAILED and "never started: dispatched 2 times" in (
        failed.error or ""
    )


def test_late_reviewer_cannot_overwrite_a_requeued_review(settings_factory: Any, monkeypatch: Any) -> None:
    """The sweep requeues a hung review; when the hung reviewer wakes up, its result is dropped and the
    new attempt completes the review."""
    settings: Settings = settings_factory(reviewer_timeout_seconds=60)
    services = build_services(settings)
    review, _ = services.reviews.create_review(simple_plan())
    deps = reviewer_handler.build_deps(settings)
    original = review_run.run_review

    def hang_then_finish(deps_: Any, claimed: Any) -> Any:
        _later(deps_, 10)
        assert review_run.sweep(deps_).requeued == [claimed.id]
        deps_.clock = utcnow
        return original(deps_, claimed)

    monkeypatch.setattr(review_run, "run_review", hang_then_finish)
    outcome = review_run.process(deps, {"review_id": review.id, "version": 1})
    assert outcome["status"] == "PENDING"  # the late result was not stored
    monkeypatch.undo()
    requeued = services.reviews.get(review.id)
    assert requeued.latest_version == 3 and requeued.attempts == 2
    assert review_run.process(deps, {"review_id": review.id, "version": 3})["status"] == "COMPLETED"


@pytest.mark.parametrize("edit", ["human note", "spacelift state update"])
def test_claim_survives_a_concurrent_edit(settings_factory: Any, monkeypatch: Any, edit: str) -> None:
    """Found under load: an edit landing between the reviewer's read and its claim left the review
    PENDING for good (nothing dispatches it again). The claim now looks again and wins."""
    settings: Settings = settings_factory()
    services = build_services(settings)
    spacelift = SpaceliftInfo(
        account="acme", stack_id=STACK, run_id=RUN, run_state="UNCONFIRMED", state_version=3
    )
    review, _ = services.reviews.create_review(
        simple_plan(), source=ReviewSource.SPACELIFT, spacelift=spacelift
    )
    deps = reviewer_handler.build_deps(settings)
    original_get = deps.reviews.get
    edits: list[int] = []

    def get_then_someone_edits(review_id: str) -> Any:
        current = original_get(review_id)
        if not edits:
            if edit == "human note":
                done = services.reviews.update(
                    review_id, expected_version=current.latest_version, actor=None, note="looking"
                )
            else:
                done = services.reviews.update_run_state(review_id, run_state="CONFIRMED", state_version=4)
            edits.append(done.latest_version)
        return current

    monkeypatch.setattr(deps.reviews, "get", get_then_someone_edits)
    outcome = review_run.process(deps, {"review_id": review.id, "version": 1})
    assert edits == [2]
    assert outcome["status"] == "COMPLETED", outcome
    final = services.reviews.get(review.id)
    assert final.status is ReviewStatus.COMPLETED
    assert [v.status for v in services.reviews.list_versions(review.id)] == [
        ReviewStatus.PENDING,
        ReviewStatus.PENDING,
        ReviewStatus.IN_PROGRESS,
        ReviewStatus.COMPLETED,
    ]


# Spacelift write-back failing, through the reviewer ---------------------------------------------------

KEY_ID, KEY_SECRET = "01KEYID0000000000000000000", "spacelift-key-secret"
STACK, RUN = "prod-network", "01JFAULTRUN000000000000000"


@pytest.fixture
def spacelift() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as fake:
        yield fake


def _spacelift_review(settings_factory: Any, spacelift: FakeSpacelift) -> tuple[Any, Any, Any]:
    settings: Settings = settings_factory(
        spacelift_webhook_secret="whsec-faults-0123456789abcdef0123456789",
        spacelift_api_endpoint=spacelift.url,
        spacelift_api_key_id=KEY_ID,
        spacelift_api_key_secret=KEY_SECRET,
        spacelift_write_comment=True,
        spacelift_write_review=True,
    )
    services = build_services(settings)
    review, _ = services.reviews.create_review(
        simple_plan(),
        source=ReviewSource.SPACELIFT,
        spacelift=SpaceliftInfo(
            account="acme", stack_id=STACK, run_id=RUN, run_state="UNCONFIRMED", state_version=3
        ),
    )
    return services, reviewer_handler.build_deps(settings), review


def test_writeback_transient_failures_are_retried(settings_factory: Any, spacelift: FakeSpacelift) -> None:
    spacelift.add_run(STACK, RUN)
    services, deps, review = _spacelift_review(settings_factory, spacelift)
    spacelift.fail_next = [503, 502]  # Spacelift hiccups: the client retries with backoff
    outcome = review_run.process(deps, {"review_id": review.id, "version": 1})
    done = services.reviews.get(review.id)
    assert outcome["status"] == "COMPLETED" and done.status is ReviewStatus.COMPLETED
    assert done.writeback is not None and done.writeback.status == "done" and done.writeback.comment_posted
    assert done.writeback.review_decision == "REJECT"  # HIGH risk, reject at HIGH
    assert len(spacelift.runs[(STACK, RUN)].comments) == 1


def test_writeback_failure_is_recorded_and_the_review_unaffected(
    settings_factory: Any, spacelift: FakeSpacelift
) -> None:
    # The run is unknown to Spacelift: every write fails (a non-transient GraphQL error).
    services, deps, review = _spacelift_review(settings_factory, spacelift)
    outcome = review_run.process(deps, {"review_id": review.id, "version": 1})
    done = services.reviews.get(review.id)
    assert outcome["status"] == "COMPLETED" and done.status is ReviewStatus.COMPLETED
    assert done.risk is not None and done.findings  # the review itself is whole
    assert done.writeback is not None and done.writeback.status == "failed" and done.writeback.attempts == 1
    assert done.writeback.error and KEY_SECRET not in done.writeback.error
    versions = services.reviews.list_versions(review.id)
    assert [v.status for v in versions][:3] == [
        ReviewStatus.PENDING,
        ReviewStatus.IN_PROGRESS,
        ReviewStatus.COMPLETED,
    ]
    # Spacelift back: the next completion handler (a redelivery, a rerun) writes it back.
    spacelift.add_run(STACK, RUN)
    from app.services.writeback import write_back_review

    retried = write_back_review(services.reviews, done, deps.settings)
    assert retried is not None and retried.ok
    assert services.reviews.get(review.id).writeback.attempts == 2


# No lost work: a store outage and a killed API worker in the middle of a batch --------------------


def _submit(http: httpx.Client, key: str, seen: list[int]) -> str:
    """POST one review as a careful client does: same Idempotency-Key, retry on 503 with backoff."""
    delay = 0.2
    for _ in range(60):
        try:
            response = http.post(
                "/api/reviews",
                json={"plan": simple_plan(), "title": key},
                headers={**WRITE_AUTH, "Idempotency-Key": key},
            )
        except httpx.TransportError:
            seen.append(0)  # the worker is down (killed, restarting)
        else:
            seen.append(response.status_code)
            if response.status_code in (200, 202):
                return str(response.json()["id"])
            assert_error_shape(response, 503)
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)
    raise AssertionError(f"review {key} was never accepted")


def test_outage_and_killed_worker_mid_batch_lose_no_review(own_dynamodb: dict[str, Any]) -> None:
    """20 reviews; DynamoDB Local killed for 10 s in the middle, then the API worker SIGKILLed with
    reviews queued and running. Retries and the sweeper (short intervals via settings) heal: 20/20
    COMPLETED, none FAILED, every one within its attempt budget."""
    server = own_dynamodb["server"]
    settings = make_settings(server.endpoint)
    slow_model = [slow(1.0, ok(review_result(risk_level="HIGH")))] * 200
    with start_fake("openai", slow_model) as fake:
        env = {
            "TFR_ENV": "test",
            "TFR_TABLE_NAME": settings.resolved_table_name,
            "TFR_DYNAMODB_ENDPOINT_URL": server.endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_DISPATCHER": "local",
            "TFR_API_KEYS": ",".join(settings.api_keys),
            "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-faults-0123456789abcdef0123456789",
            "TFR_LLM_PROVIDER": "openai",
            "TFR_LLM_MODEL": "fake-model",
            "TFR_LLM_BASE_URL": fake.base_url,
            "TFR_OPENAI_API_KEY": str(fake.settings_overrides()["openai_api_key"]),
            # The production proportions, shrunk: the reviewer's store retries (20 s) outlast the outage,
            # a review IN_PROGRESS longer than any retry (30 s) has lost its worker.
            "TFR_STORE_RETRY_SECONDS": "20",
            "TFR_SWEEP_INTERVAL_SECONDS": "1",
            "TFR_SWEEP_PENDING_AFTER_SECONDS": "10",
            "TFR_SWEEP_IN_PROGRESS_AFTER_SECONDS": "30",
            "TFR_REVIEW_MAX_ATTEMPTS": "3",
        }
        worker = ServerProcess(env)
        worker.wait_ready(60)
        seen: list[int] = []
        ids: list[str] = []
        try:
            with httpx.Client(base_url=worker.url, timeout=30) as http:
                keys = [f"fault-{i:02d}-{uuid.uuid4().hex[:8]}" for i in range(20)]
                ids += [_submit(http, key, seen) for key in keys[:6]]
                server.stop()  # DynamoDB goes away while reviews are queued and running

                def restore() -> None:
                    time.sleep(10)
                    own_dynamodb["server"] = dynamodb_local.start(
                        port=server.port, db_path=own_dynamodb["db_path"]
                    )

                reviver = threading.Thread(target=restore)
                reviver.start()
                ids += [_submit(http, key, seen) for key in keys[6:12]]  # 503s until it is back
                reviver.join()
                assert 503 in seen, "the API must answer 503 while the store is down"
                ids += [_submit(http, key, seen) for key in keys[12:16]]
                queued = http.get("/api/reviews?limit=50", headers=READ_AUTH).json()["items"]
                assert any(item["status"] != "COMPLETED" for item in queued), "kill the worker mid-batch"
                worker.kill()
                worker.restart()
                worker.wait_ready(60)
                ids += [_submit(http, key, seen) for key in keys[16:]]
                assert len(set(ids)) == 20
                deadline = time.monotonic() + 150
                final: dict[str, dict[str, Any]] = {}
                while time.monotonic() < deadline:
                    for review_id in ids:
                        if review_id not in final:
                            review = http.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()
                            if review["status"] in ("COMPLETED", "FAILED"):
                                final[review_id] = review
                    if len(final) == 20:
                        break
                    time.sleep(0.5)
        finally:
            worker.kill()
    statuses = {review_id: review["status"] for review_id, review in final.items()}
    assert len(final) == 20, f"unfinished: {sorted(set(ids) - set(final))}"
    assert set(statuses.values()) == {"COMPLETED"}, [r.get("error") for r in final.values()]
    assert all(1 <= review["attempts"] <= 3 for review in final.values())
    # The requeues left their reason in the timeline: some review was handed out again.
    reasons = [event.get("reason") or "" for review in final.values() for event in review["status_history"]]
    assert any(reason.startswith("requeued") for reason in reasons), "the sweeper never re-dispatched"
