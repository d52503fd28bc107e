"""RetryPolicy: transient store faults are retried with bounded, jittered backoff; answers never are."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from app.core.errors import ServiceUnavailable, VersionConflict
from app.storage.client import UNPROCESSED_ATTEMPTS, RetryPolicy, batch_write, translate_errors


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _failing(times: int, error: Exception) -> Any:
    calls = {"n": 0}

    def operation() -> str:
        calls["n"] += 1
        if calls["n"] <= times:
            with translate_errors("test"):
                raise error
        return "done"

    return operation, calls


def _client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "PutItem")


@pytest.mark.parametrize(
    "error",
    [
        _client_error("ThrottlingException"),
        _client_error("ProvisionedThroughputExceededException"),
        _client_error("InternalServerError", 500),
        _client_error("SomethingNew", 503),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    ],
)
def test_transient_faults_are_retried_until_they_heal(error: Exception) -> None:
    clock = Clock()
    operation, calls = _failing(4, error)
    result = RetryPolicy(budget_seconds=30).call(
        operation, name="t", sleep=clock.sleep, clock=lambda: clock.now
    )
    assert result == "done" and calls["n"] == 5
    assert len(clock.sleeps) == 4 and all(0 < s <= 5.0 for s in clock.sleeps)


@pytest.mark.parametrize(
    "error", [_client_error("ConditionalCheckFailedException"), _client_error("ValidationException")]
)
def test_answers_are_never_retried(error: Exception) -> None:
    operation, calls = _failing(1, error)
    with pytest.raises(ClientError):
        RetryPolicy().call(operation, name="t", sleep=lambda _: None)
    assert calls["n"] == 1


def test_a_lost_race_is_not_retried() -> None:
    calls = {"n": 0}

    def operation() -> None:
        calls["n"] += 1
        raise VersionConflict("someone was first")

    with pytest.raises(VersionConflict):
        RetryPolicy().call(operation, name="t", sleep=lambda _: None)
    assert calls["n"] == 1


def test_the_budget_bounds_the_retries() -> None:
    clock = Clock()
    operation, calls = _failing(10_000, _client_error("ThrottlingException"))
    with pytest.raises(ServiceUnavailable):
        RetryPolicy(budget_seconds=10, cap_seconds=2).call(
            operation, name="t", sleep=clock.sleep, clock=lambda: clock.now
        )
    assert clock.now <= 10 and calls["n"] < 100
    assert max(clock.sleeps) <= 2.0 and len(set(clock.sleeps)) > 1  # capped, and jittered


class BatchClient:
    """batch_write_item that leaves the first `refusals` calls' items unprocessed."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls: list[int] = []

    def batch_write_item(self, RequestItems: dict[str, list[Any]]) -> dict[str, Any]:  # noqa: N803
        (requests,) = RequestItems.values()
        self.calls.append(len(requests))
        if len(self.calls) <= self.refusals:
            return {"UnprocessedItems": RequestItems}
        return {}


def test_a_batch_write_sends_unprocessed_items_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.storage.client.time.sleep", lambda _: None)
    client: Any = BatchClient(refusals=2)
    batch_write(client, "t", [{"PutRequest": {"Item": {}}}] * 30, "test")
    assert client.calls == [25, 25, 25, 5]


def test_items_left_unprocessed_are_a_transient_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttling that outlasts the resends is retried like any store outage, never a 500 or a failed review."""
    monkeypatch.setattr("app.storage.client.time.sleep", lambda _: None)
    client: Any = BatchClient(refusals=10_000)
    with pytest.raises(ServiceUnavailable) as raised:
        batch_write(client, "t", [{"PutRequest": {"Item": {}}}], "store plan")
    assert raised.value.details == {"operation": "store plan", "reason": "throttled"}
    assert len(client.calls) == UNPROCESSED_ATTEMPTS
