"""The Spacelift GraphQL client against a fake Spacelift on 127.0.0.1 (real HTTP, real GraphQL bodies)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.spacelift import FakeRun, FakeSpacelift, fake_spacelift
from webhook.graphql import (
    CHANGES_QUERY,
    COMMENT_MUTATION,
    JWT_MUTATION,
    LOGS_QUERY,
    REVIEW_MUTATION,
    ReviewDecision,
    SpaceliftAuthError,
    SpaceliftClient,
    SpaceliftConfigError,
    SpaceliftGraphQLError,
    SpaceliftNotFound,
    SpaceliftTransientError,
    graphql_url,
)

KEY_ID = "01KEYID0000000000000000000"
KEY_SECRET = "s3cret"
STACK = "prod-network"
RUN = "01JRUN0000000000000000000A"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSpacelift]:
    with fake_spacelift(api_keys={KEY_ID: KEY_SECRET}) as server:
        server.add_run(
            STACK,
            RUN,
            FakeRun(
                changes=[
                    {"address": "aws_s3_bucket.b", "previousAddress": "", "metadata": {"type": "ADD"}},
                    {"address": "aws_iam_role.r", "previousAddress": "", "metadata": {"type": "CHANGE"}},
                ],
                logs={"PLANNING": ["  # aws_s3_bucket.b will be created\n", "Plan: 1 to add.\n"]},
            ),
        )
        yield server


def _client(
    fake: FakeSpacelift, clock: Clock | None = None, sleeps: list[float] | None = None
) -> SpaceliftClient:
    clock = clock or Clock()
    fake.clock = clock
    recorded = sleeps if sleeps is not None else []
    return SpaceliftClient(
        fake.url, KEY_ID, KEY_SECRET, clock=clock, sleep=recorded.append, timeout_seconds=2.0
    )


def test_jwt_exchange_sends_the_documented_mutation_and_is_cached(fake: FakeSpacelift) -> None:
    client = _client(fake)
    assert client.run_changes(STACK, RUN)
    client.run_changes(STACK, RUN)
    exchanges = fake.calls_to("apiKeyUser")
    assert len(exchanges) == 1
    assert exchanges[0].query == JWT_MUTATION
    assert exchanges[0].variables == {"id": KEY_ID, "secret": KEY_SECRET}
    assert exchanges[0].authorization is None
    reads = fake.calls_to("stack")
    assert [c.authorization for c in reads] == ["Bearer jwt-1", "Bearer jwt-1"]


def test_jwt_is_refreshed_shortly_before_valid_until(fake: FakeSpacelift) -> None:
    clock = Clock()
    fake.jwt_ttl = 3600
    client = _client(fake, clock)
    client.token()
    clock.now += 3600 - 120
    assert client.token() == "jwt-1"
    clock.now += 90  # now inside the refresh margin
    assert client.token() == "jwt-2"
    assert len(fake.calls_to("apiKeyUser")) == 2


def test_expired_jwt_rejected_by_server_is_refreshed_once(fake: FakeSpacelift) -> None:
    clock = Clock()
    client = _client(fake, clock)
    client.token()
    # The server's clock runs ahead: it sees the token expired while the client still trusts it.
    fake.clock = lambda: clock.now + 10_000
    fake.jwt_ttl = 100_000
    assert client.run_changes(STACK, RUN)
    assert len(fake.calls_to("apiKeyUser")) == 2
    assert [c.authorization for c in fake.calls_to("stack")] == ["Bearer jwt-1", "Bearer jwt-2"]


def test_wrong_api_key_is_a_typed_error(fake: FakeSpacelift) -> None:
    client = SpaceliftClient(fake.url, KEY_ID, "wrong", sleep=lambda _: None)
    with pytest.raises(SpaceliftAuthError):
        client.run_changes(STACK, RUN)


def test_changes_and_logs_reads(fake: FakeSpacelift) -> None:
    client = _client(fake)
    changes = client.run_changes(STACK, RUN)
    assert [c["address"] for c in changes] == ["aws_s3_bucket.b", "aws_iam_role.r"]
    logs = client.run_logs(STACK, RUN)
    assert logs.exists and logs.text == "  # aws_s3_bucket.b will be created\nPlan: 1 to add.\n"
    log_calls = [c for c in fake.calls_to("stack") if c.query == LOGS_QUERY]
    assert [c.variables["token"] for c in log_calls] == [None, "1"]
    assert all(c.variables["state"] == "PLANNING" for c in log_calls)
    assert fake.calls_to("stack")[0].query == CHANGES_QUERY
    assert fake.calls_to("stack")[0].variables == {"stack": STACK, "run": RUN}
    assert not client.run_logs(STACK, RUN, state="APPLYING").exists


def test_missing_run_is_not_found(fake: FakeSpacelift) -> None:
    client = _client(fake)
    with pytest.raises(SpaceliftNotFound):
        client.run_changes(STACK, "01JNOPE")


def test_comment_and_review_mutations_are_exact(fake: FakeSpacelift) -> None:
    client = _client(fake)
    client.run_comment(STACK, RUN, "## tfreview\nrisk HIGH")
    client.run_review(STACK, RUN, ReviewDecision.REJECT, "risk HIGH")
    mutations = [c for c in fake.mutations() if c.root_field != "apiKeyUser"]
    assert [(c.operation_name, c.query, c.variables) for c in mutations] == [
        ("RunComment", COMMENT_MUTATION, {"stack": STACK, "run": RUN, "body": "## tfreview\nrisk HIGH"}),
        (
            "RunReview",
            REVIEW_MUTATION,
            {"stack": STACK, "run": RUN, "decision": "REJECT", "note": "risk HIGH"},
        ),
    ]
    run = fake.runs[(STACK, RUN)]
    assert run.comments[0]["body"] == "## tfreview\nrisk HIGH"
    assert run.reviews[0]["decision"] == "REJECT"


def test_5xx_is_retried_with_backoff_then_succeeds(fake: FakeSpacelift) -> None:
    sleeps: list[float] = []
    client = _client(fake, sleeps=sleeps)
    client.token()
    fake.fail_next = [502, 503, 429]
    assert client.run_changes(STACK, RUN)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(fake.calls_to("stack")) == 4


def test_retries_are_bounded(fake: FakeSpacelift) -> None:
    sleeps: list[float] = []
    client = _client(fake, sleeps=sleeps)
    client.token()
    fake.fail_next = [500] * 10
    with pytest.raises(SpaceliftTransientError):
        client.run_comment(STACK, RUN, "body")
    assert len(fake.calls_to("runComment")) == 4
    assert len(sleeps) == 3


def test_timeouts_are_retried(fake: FakeSpacelift) -> None:
    sleeps: list[float] = []
    clock = Clock()
    fake.clock = clock
    client = SpaceliftClient(
        fake.url, KEY_ID, KEY_SECRET, clock=clock, sleep=sleeps.append, http=httpx.Client(timeout=0.2)
    )
    client.token()
    fake.delay_next = [0.6]
    assert client.run_changes(STACK, RUN)
    assert len(sleeps) == 1


def test_network_errors_are_transient() -> None:
    client = SpaceliftClient("http://127.0.0.1:9", KEY_ID, KEY_SECRET, sleep=lambda _: None, max_attempts=2)
    with pytest.raises(SpaceliftTransientError):
        client.token()


def test_config_and_url() -> None:
    with pytest.raises(SpaceliftConfigError):
        SpaceliftClient("", KEY_ID, KEY_SECRET)
    assert graphql_url("https://acme.app.spacelift.io/") == "https://acme.app.spacelift.io/graphql"
    assert (
        graphql_url("https://acme.app.us.spacelift.io/graphql") == "https://acme.app.us.spacelift.io/graphql"
    )


def test_graphql_errors_are_typed_and_not_retried(fake: FakeSpacelift) -> None:
    sleeps: list[float] = []
    client = _client(fake, sleeps=sleeps)
    with pytest.raises(SpaceliftGraphQLError) as caught:
        client.execute("Odd", "query Odd { somethingUnknown { id } }", {})
    assert caught.value.operation == "Odd" and "unknown field" in caught.value.messages[0]
    assert sleeps == [] and len(fake.calls_to("somethingUnknown")) == 1
    client.close()
