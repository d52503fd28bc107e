"""Write-back through the real client to the fake Spacelift: exact mutations, idempotency, failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewer.engine.results import RiskLevel
from tests.fakes.spacelift import FakeSpacelift, fake_spacelift
from webhook.graphql import COMMENT_MUTATION, REVIEW_MUTATION, ReviewDecision, SpaceliftClient
from webhook.writeback import (
    MAX_COMMENT_CHARS,
    WritebackOptions,
    WritebackStatus,
    WritebackTarget,
    comment_body,
    decide,
    marker,
    write_back,
)

KEY_ID = "01KEYID0000000000000000000"
STACK, RUN = "prod-network", "01JRUN0000000000000000000A"
TARGET = WritebackTarget(
    account="acme", stack_id=STACK, run_id=RUN, state_version=5, review_id="01JREVIEW", plan_sha="ab" * 32
)
REPORT = "## tfreview: risk HIGH\n\n- aws_security_group.ssh opens port 22 to the world\n"


@pytest.fixture
def fake() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: "s3cret"}) as server:
        server.add_run(STACK, RUN)
        yield server


def _client(fake: FakeSpacelift) -> SpaceliftClient:
    return SpaceliftClient(fake.url, KEY_ID, "s3cret", sleep=lambda _: None)


def test_comment_and_review_are_posted(fake: FakeSpacelift) -> None:
    options = WritebackOptions(write_comment=True, write_review=True, reject_at=RiskLevel.HIGH)
    result = write_back(
        _client(fake), TARGET, report_md=REPORT, risk_level=RiskLevel.HIGH, risk_score=72, options=options
    )
    assert result.ok and result.comment is WritebackStatus.POSTED and result.review is WritebackStatus.POSTED
    assert result.decision is ReviewDecision.REJECT
    assert result.key == "acme/prod-network/01JRUN0000000000000000000A/5/abababababab"
    writes = [c for c in fake.mutations() if c.root_field in ("runComment", "runReview")]
    assert [c.query for c in writes] == [COMMENT_MUTATION, REVIEW_MUTATION]
    assert writes[0].variables == {"stack": STACK, "run": RUN, "body": REPORT + "\n\n" + marker(TARGET)}
    assert writes[1].variables == {
        "stack": STACK,
        "run": RUN,
        "decision": "REJECT",
        "note": "tfreview 01JREVIEW: risk HIGH (score 72); reject at HIGH",
    }


def test_write_back_is_idempotent_per_run_state(fake: FakeSpacelift) -> None:
    options = WritebackOptions(write_comment=True)
    client = _client(fake)
    first = write_back(client, TARGET, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    second = write_back(client, TARGET, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert first.comment is WritebackStatus.POSTED and second.comment is WritebackStatus.ALREADY_DONE
    assert len(fake.runs[(STACK, RUN)].comments) == 1
    later_state = TARGET.model_copy(update={"state_version": 9})
    third = write_back(client, later_state, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert third.comment is WritebackStatus.POSTED and len(fake.runs[(STACK, RUN)].comments) == 2
    # A fuller plan for the same run state (the hook's after the webhook's) is posted too.
    fuller_plan = TARGET.model_copy(update={"plan_sha": "cd" * 32})
    fourth = write_back(client, fuller_plan, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert fourth.comment is WritebackStatus.POSTED and len(fake.runs[(STACK, RUN)].comments) == 3


def test_disabled_by_default_sends_nothing(fake: FakeSpacelift) -> None:
    result = write_back(
        _client(fake), TARGET, report_md=REPORT, risk_level=RiskLevel.CRITICAL, options=WritebackOptions()
    )
    assert result.comment is WritebackStatus.DISABLED and result.review is WritebackStatus.DISABLED
    assert fake.calls == []


def test_transient_failures_are_retried_then_recorded_not_raised(fake: FakeSpacelift) -> None:
    options = WritebackOptions(write_comment=True, write_review=True)
    client = _client(fake)
    client.token()
    fake.fail_next = [503] * 8  # comments read: 4 attempts, then the review: 4 attempts
    result = write_back(client, TARGET, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert not result.ok
    assert result.comment is WritebackStatus.FAILED and result.review is WritebackStatus.FAILED
    assert result.errors[0].startswith("comment: SpaceliftTransientError")
    assert "s3cret" not in " ".join(result.errors)
    # A later retry of the same write-back succeeds once Spacelift is back.
    again = write_back(client, TARGET, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert again.ok and again.decision is ReviewDecision.APPROVE


def test_unexpected_client_errors_never_escape() -> None:
    class Broken:
        def run_comments(self, stack_id: str, run_id: str) -> list[str]:
            raise RuntimeError("boom")

        def run_comment(self, stack_id: str, run_id: str, body: str) -> object:
            raise AssertionError("not reached")

        def run_review(
            self, stack_id: str, run_id: str, decision: ReviewDecision, note: str | None = None
        ) -> object:
            raise ValueError("bad")

    options = WritebackOptions(write_comment=True, write_review=True)
    result = write_back(Broken(), TARGET, report_md=REPORT, risk_level=RiskLevel.LOW, options=options)
    assert result.errors == ["comment: RuntimeError: boom", "review: ValueError: bad"]


@pytest.mark.parametrize(
    ("level", "threshold", "decision"),
    [
        (RiskLevel.LOW, RiskLevel.HIGH, ReviewDecision.APPROVE),
        (RiskLevel.MEDIUM, RiskLevel.HIGH, ReviewDecision.APPROVE),
        (RiskLevel.HIGH, RiskLevel.HIGH, ReviewDecision.REJECT),
        (RiskLevel.CRITICAL, RiskLevel.HIGH, ReviewDecision.REJECT),
        (RiskLevel.MEDIUM, RiskLevel.MEDIUM, ReviewDecision.REJECT),
        (RiskLevel.HIGH, RiskLevel.CRITICAL, ReviewDecision.APPROVE),
    ],
)
def test_decision_threshold(level: RiskLevel, threshold: RiskLevel, decision: ReviewDecision) -> None:
    assert decide(level, threshold) is decision


def test_long_reports_are_truncated_within_the_limit() -> None:
    report = "\n".join(f"- finding {i}: " + "x" * 80 for i in range(2000))
    body, truncated = comment_body(report, TARGET)
    assert truncated and len(body) <= MAX_COMMENT_CHARS
    assert body.endswith(marker(TARGET)) and "report truncated" in body
    short, cut = comment_body(REPORT, TARGET)
    assert not cut and short.startswith(REPORT)
