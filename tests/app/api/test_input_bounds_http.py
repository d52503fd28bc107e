"""Every input bounded (issue 12): long strings, non-finite numbers and duplicate keys get a clear 4xx
(the webhook: the documented 2xx `invalid`), never a 500; every 401 names the Bearer scheme."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support import READ_AUTH, WEBHOOK_SECRET, WRITE_AUTH, dumps, simple_plan
from tests.webhook.payloads import run_event
from webhook.signature import compute_signature


def _error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    error = dict(response.json()["error"])
    if code:
        assert error["code"] == code
    return error


def _post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post(
        "/api/reviews", content=body, headers={**WRITE_AUTH, "Content-Type": "application/json"}
    )


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"spacelift": {"run_id": LONG}}, "spacelift.run_id"),
        ({"spacelift": {"stack_id": LONG}}, "spacelift.stack_id"),
        ({"spacelift": {"account": LONG}}, "spacelift.account"),
        ({"spacelift": {"stack_name": "n" * 1001}}, "spacelift.stack_name"),
        ({"spacelift": {"branch": "b" * 1001}}, "spacelift.branch"),
        ({"spacelift": {"run_url": "https://x/" + LONG}}, "spacelift.run_url"),
        ({"spacelift": {"run_state": LONG}}, "spacelift.run_state"),
        ({"spacelift": {"commit": {"message": "m" * 450_000}}}, "spacelift.commit.message"),
        ({"spacelift": {"commit": {"hash": LONG}}}, "spacelift.commit.hash"),
        ({"spacelift": {"state_version": -1}}, "spacelift.state_version"),
        ({"title": "t" * 301}, "title"),
        ({"tags": ["t" * 101]}, "tags.0"),
        ({"tags": ["t"] * 51}, "tags"),
        ({"metadata": {"k" * 101: "v"}}, "metadata"),
        ({"metadata": {"k": "v" * 1001}}, "metadata.k"),
        ({"metadata": {f"k{i}": "v" for i in range(51)}}, "metadata"),
    ],
)
def test_long_fields_of_a_new_review_are_a_422(
    client: httpx.Client, extra: dict[str, Any], field: str
) -> None:
    error = _error(_post(client, dumps({"plan": simple_plan(), **extra})), 422, "validation_error")
    assert error["details"][0]["field"].startswith(field), error


@pytest.mark.parametrize(
    "body",
    [
        b'{"plan": {"format_version": "1.2", "resource_changes": [], "x": 1e999}}',
        b'{"plan": {"format_version": "1.2", "resource_changes": [], "x": -1e999}}',
        b'{"plan": {"format_version": "1.2", "resource_changes": [], "x": NaN}}',
        b'{"plan": {"format_version": "1.2", "resource_changes": [], "x": Infinity}}',
        b'{"plan": {"format_version": "1.2", "resource_changes": []}, "title": "a", "title": "b"}',
        b'{"plan": {"format_version": "1.2", "format_version": "1.0", "resource_changes": []}}',
    ],
)
def test_non_finite_numbers_and_duplicate_keys_are_refused_on_post(client: httpx.Client, body: bytes) -> None:
    _error(_post(client, body), 400, "invalid_json")


def test_put_refuses_duplicate_keys_non_finite_numbers_and_long_notes(client: httpx.Client) -> None:
    created = client.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH).json()
    url = f"/api/reviews/{created['id']}"
    headers = {**WRITE_AUTH, "Content-Type": "application/json"}
    for body in (
        b'{"note": "a", "note": "b", "expected_version": 1}',
        b'{"note": "a", "expected_version": 1e999}',
        b'{"note": "a", "expected_version": NaN}',
    ):
        _error(client.put(url, content=body, headers=headers), 400, "invalid_json")
    for fields in (
        {"note": "n" * 4001, "expected_version": 1},
        {"title": "t" * 301, "expected_version": 1},
        {"tags": ["t" * 101], "expected_version": 1},
        {"decision": "MAYBE", "expected_version": 1},
        {"note": "a", "expected_version": "1"},
        {"note": "a", "expected_version": 1.5},
        {"note": "a", "expected_version": 1, "extra": True},
    ):
        _error(client.put(url, content=json.dumps(fields).encode(), headers=headers), 422, "validation_error")
    ok = client.put(url, content=b'{"decision": "APPROVED", "expected_version": 1}', headers=headers)
    assert ok.status_code == 200 and ok.json()["decision"] == "APPROVED"
    unchanged = client.get(url, headers=READ_AUTH).json()
    assert unchanged["version"] == 2


def test_every_401_names_the_bearer_scheme(client: httpx.Client) -> None:
    answers = [
        client.get("/api/reviews"),
        client.get("/api/reviews", headers={"Authorization": "Bearer nope"}),
        client.get("/api/reviews", headers={"Authorization": "Basic Zm9vOmJhcg=="}),
        client.post("/api/reviews", json={"plan": simple_plan()}),
        client.get("/api/analytics"),
        client.post("/webhooks/spacelift", content=b"{}", headers={"X-Signature-256": "sha256=00"}),
    ]
    for response in answers:
        _error(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer"), response.headers


def _deliver(client: httpx.Client, payload: Any) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Signature-256": compute_signature(WEBHOOK_SECRET, body)}
    return client.post("/webhooks/spacelift", content=body, headers=headers)


def _with(event: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    target = event
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    return event


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("run", "commit", "message"), "m" * 450_000),
        (("stack", "name"), "s" * 450_000),
        (("run", "id"), "r" * 5000),
        (("stack", "id"), "s" * 5000),
        (("account",), "a" * 5000),
        (("run", "branch"), "b" * 5000),
        (("run", "url"), "https://x/" + "u" * 5000),
        (("state",), "S" * 5000),
        (("stateVersion",), 2**64),
    ],
)
def test_signed_deliveries_with_oversized_fields_are_invalid_not_500(
    client: httpx.Client, path: tuple[str, ...], value: Any
) -> None:
    event = _with(run_event(state="UNCONFIRMED", state_version=3, run_type="TRACKED"), path, value)
    for _ in range(2):  # a redelivery gets the same answer
        response = _deliver(client, event)
        assert response.status_code == 202, response.text[:300]
        assert response.json()["outcome"] == "invalid"


def test_signed_deliveries_with_duplicate_keys_or_non_finite_numbers_are_invalid(
    client: httpx.Client,
) -> None:
    event = json.dumps(run_event(state="UNCONFIRMED", state_version=3, run_type="TRACKED")).encode()
    for body in (
        event[:-1] + b', "account": "other"}',
        event[:-1] + b', "extra": 1e999}',
        event[:-1] + b', "extra": NaN}',
    ):
        response = _deliver(client, body)
        assert response.status_code == 202 and response.json()["outcome"] == "invalid", response.text


def test_fields_at_their_bounds_are_accepted(client: httpx.Client) -> None:
    spacelift = {
        "account": "a" * 256,
        "stack_id": "s" * 256,
        "stack_name": "n" * 1000,
        "run_id": "r" * 256,
        "run_type": "T" * 64,
        "run_state": "S" * 64,
        "state_version": 2**53,
        "branch": "b" * 1000,
        "commit": {"hash": "h" * 256, "message": "m" * 16_000, "author": "w" * 1000},
        "run_url": "https://x/" + "u" * 2000,
    }
    response = _post(client, dumps({"plan": simple_plan(), "title": "t" * 300, "spacelift": spacelift}))
    assert response.status_code == 202, response.text[:500]
    event = run_event(state="UNCONFIRMED", state_version=2**53, run_type="TRACKED", run_id="R" * 256)
    _with(event, ("run", "commit", "message"), "m" * 16_000)
    _with(event, ("stack", "name"), "n" * 1000)
    _with(event, ("stack", "id"), "s" * 256)
    _with(event, ("account",), "a" * 256)
    _with(event, ("run", "url"), None)
    delivered = _deliver(client, event)
    assert delivered.status_code == 202 and delivered.json()["outcome"] != "invalid", delivered.text


def test_digits_that_are_not_decimal_are_a_400_not_a_500(client: httpx.Client) -> None:
    """`"²".isdigit()` is true but int("²") fails: an If-Match of a superscript two is a bad version."""
    review = client.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH).json()
    response = client.put(
        f"/api/reviews/{review['id']}",
        json={"decision": "APPROVED"},
        # Bytes, so httpx sends the latin-1 byte as it is (a str header must be ASCII).
        headers=[*((k.encode(), v.encode()) for k, v in WRITE_AUTH.items()), (b"If-Match", b"\xb2")],
    )
    assert "If-Match" in _error(response, 400)["message"]
