"""The reviews API over HTTP: the real app under uvicorn on DynamoDB Local."""

from __future__ import annotations

import gzip
import json
import threading
from typing import Any

import httpx
import pytest

from tests.support import READ_AUTH, WRITE_AUTH, dumps, simple_plan


def _create(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/api/reviews", json={"plan": simple_plan(), **body}, headers=WRITE_AUTH)
    assert response.status_code == 202, response.text
    return dict(response.json())


def _assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return dict(body["error"])


def _count_reviews(client: httpx.Client) -> int:
    return len(client.get("/api/reviews?limit=200", headers=READ_AUTH).json()["items"])


def test_create_get_and_versions(client: httpx.Client, services: Any) -> None:
    created = _create(client, title="First", tags=["prod"], metadata={"team": "core"})
    assert created["status"] == "PENDING" and created["version"] == 1 and created["title"] == "First"
    assert created["plan"]["terraform_version"] == "1.9.5" and created["plan"]["chunks"] >= 1
    assert services.dispatcher.dispatched == [(created["id"], 1)]
    got = client.get(f"/api/reviews/{created['id']}", headers=READ_AUTH)
    assert got.status_code == 200 and got.json() == created
    versions = client.get(f"/api/reviews/{created['id']}/versions", headers=READ_AUTH).json()["items"]
    assert [v["version"] for v in versions] == [1]
    assert client.get(f"/api/reviews/{created['id']}/versions/1", headers=READ_AUTH).json() == created
    _assert_error(client.get(f"/api/reviews/{created['id']}/versions/2", headers=READ_AUTH), 404, "not_found")
    _assert_error(client.get("/api/reviews/01JD8Z4Q7W3V5K2M9N8P6R4T2Y", headers=READ_AUTH), 404, "not_found")


def test_gzip_body_and_bare_plan_are_accepted(client: httpx.Client) -> None:
    body = gzip.compress(dumps({"plan": simple_plan(), "title": "zipped"}))
    response = client.post(
        "/api/reviews",
        content=body,
        headers={**WRITE_AUTH, "Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 202 and response.json()["title"] == "zipped"
    bare = client.post(
        "/api/reviews",
        content=dumps(simple_plan()),
        headers={**WRITE_AUTH, "Content-Type": "application/json"},
    )
    assert bare.status_code == 202


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b'{"plan": NaN}', 400, "invalid_json"),
        (b"\xff\xfe\x00garbage", 400, "invalid_json"),
        (b"[1, 2, 3]", 422, "validation_error"),
        (dumps({"plan": {"hello": "world"}}), 422, "invalid_plan"),
        (dumps({"plan": {"format_version": "1.0", "values": {"root_module": {}}}}), 422, "invalid_plan"),
        (dumps({"plan": simple_plan(format_version="2.0")}), 422, "invalid_plan"),
        (dumps({"plan": "not an object"}), 422, "validation_error"),
        (dumps({"plan": simple_plan(), "title": 42}), 422, "validation_error"),
        (dumps({"plan": simple_plan(), "tags": "prod"}), 422, "validation_error"),
        (dumps({"plan": simple_plan(), "unknown": 1}), 422, "validation_error"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "invalid_json"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_writes_nothing(
    client: httpx.Client, body: bytes, status: int, code: str
) -> None:
    response = client.post(
        "/api/reviews", content=body, headers={**WRITE_AUTH, "Content-Type": "application/json"}
    )
    _assert_error(response, status, code)
    assert _count_reviews(client) == 0


def test_body_limits_and_content_types(client: httpx.Client, settings: Any) -> None:
    limit = settings.max_body_bytes
    huge = b'{"plan": "' + b"x" * (limit + 10) + b'"}'
    _assert_error(
        client.post("/api/reviews", content=huge, headers={**WRITE_AUTH, "Content-Type": "application/json"}),
        413,
    )
    bomb = gzip.compress(b" " * (limit + 1024))
    _assert_error(
        client.post(
            "/api/reviews",
            content=bomb,
            headers={**WRITE_AUTH, "Content-Encoding": "gzip", "Content-Type": "application/json"},
        ),
        413,
        "payload_too_large",
    )
    _assert_error(
        client.post("/api/reviews", content=b"a=b", headers={**WRITE_AUTH, "Content-Type": "text/plain"}), 415
    )
    _assert_error(
        client.post(
            "/api/reviews",
            content=b"{}",
            headers={**WRITE_AUTH, "Content-Encoding": "br", "Content-Type": "application/json"},
        ),
        415,
    )
    assert _count_reviews(client) == 0


def test_auth_scopes(client: httpx.Client) -> None:
    _assert_error(client.get("/api/reviews"), 401, "unauthorized")
    _assert_error(client.get("/api/reviews", headers={"Authorization": "Bearer nope"}), 401)
    _assert_error(client.get("/api/reviews", headers={"Authorization": "Basic abc"}), 401)
    _assert_error(
        client.post("/api/reviews", json={"plan": simple_plan()}, headers=READ_AUTH), 403, "forbidden"
    )
    assert client.get("/api/reviews", headers=READ_AUTH).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_idempotency_key(client: httpx.Client) -> None:
    body = dumps({"plan": simple_plan(), "title": "once"})
    headers = {**WRITE_AUTH, "Content-Type": "application/json", "Idempotency-Key": "abc-123"}
    first = client.post("/api/reviews", content=body, headers=headers)
    again = client.post("/api/reviews", content=body, headers=headers)
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    other = client.post(
        "/api/reviews", content=dumps({"plan": simple_plan(), "title": "other"}), headers=headers
    )
    _assert_error(other, 409, "idempotency_conflict")
    assert _count_reviews(client) == 1


def test_put_decision_needs_version_and_detects_conflicts(client: httpx.Client) -> None:
    review = _create(client)
    url = f"/api/reviews/{review['id']}"
    _assert_error(client.put(url, json={"decision": "APPROVED"}, headers=WRITE_AUTH), 428)
    _assert_error(client.put(url, json={"decision": "MAYBE", "expected_version": 1}, headers=WRITE_AUTH), 422)
    _assert_error(client.put(url, json={"expected_version": 1}, headers=WRITE_AUTH), 422)
    _assert_error(client.put(url, json={"decision": "APPROVED"}, headers={**READ_AUTH, "If-Match": "1"}), 403)
    ok = client.put(
        url, json={"decision": "APPROVED", "note": "fine"}, headers={**WRITE_AUTH, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert (
        ok.json()["version"] == 2
        and ok.json()["decision"] == "APPROVED"
        and ok.json()["decided_by"] == "writer"
    )
    stale = client.put(url, json={"decision": "REJECTED", "expected_version": 1}, headers=WRITE_AUTH)
    error = _assert_error(stale, 409, "version_conflict")
    assert error["details"]["current"]["version"] == 2
    _assert_error(
        client.put(
            "/api/reviews/01JD8Z4Q7W3V5K2M9N8P6R4T2Y",
            json={"title": "x", "expected_version": 1},
            headers=WRITE_AUTH,
        ),
        404,
    )


def test_twenty_concurrent_puts(client: httpx.Client, base_url: str) -> None:
    review = _create(client)
    url = f"{base_url}/api/reviews/{review['id']}"
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    lock = threading.Lock()

    def put(n: int) -> None:
        with httpx.Client(timeout=30) as http:
            barrier.wait()
            response = http.put(url, json={"note": f"n{n}", "expected_version": 1}, headers=WRITE_AUTH)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [409] * 19
    versions = client.get(f"/api/reviews/{review['id']}/versions", headers=READ_AUTH).json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    latest = client.get(f"/api/reviews/{review['id']}/versions/2", headers=READ_AUTH).json()
    assert client.get(f"/api/reviews/{review['id']}", headers=READ_AUTH).json() == latest


def test_rerun_creates_pending_version_and_dispatches(client: httpx.Client, services: Any) -> None:
    review = _create(client)
    response = client.post(f"/api/reviews/{review['id']}/rerun", headers=WRITE_AUTH)
    assert (
        response.status_code == 202
        and response.json()["version"] == 2
        and response.json()["status"] == "PENDING"
    )
    assert services.dispatcher.dispatched[-1] == (review["id"], 2)


def test_list_filters_and_pagination(client: httpx.Client) -> None:
    ids = [_create(client, title=f"Review {i}")["id"] for i in range(7)]
    page1 = client.get("/api/reviews?limit=4", headers=READ_AUTH).json()
    page2 = client.get(f"/api/reviews?limit=4&cursor={page1['next_cursor']}", headers=READ_AUTH).json()
    assert [i["id"] for i in page1["items"] + page2["items"]] == ids[::-1]
    assert page2["next_cursor"] is None
    assert client.get("/api/reviews?q=review%203", headers=READ_AUTH).json()["items"][0]["id"] == ids[3]
    assert client.get("/api/reviews?status=COMPLETED", headers=READ_AUTH).json()["items"] == []
    _assert_error(client.get("/api/reviews?status=DONE", headers=READ_AUTH), 422, "validation_error")
    _assert_error(client.get("/api/reviews?limit=0", headers=READ_AUTH), 422)
    _assert_error(client.get("/api/reviews?cursor=zzz", headers=READ_AUTH), 400, "invalid_cursor")


def test_analytics_and_health(client: httpx.Client) -> None:
    _create(client)
    data = client.get("/api/analytics?days=7", headers=READ_AUTH).json()
    assert data["days"] == 7 and len(data["daily"]) == 7
    assert data["totals"]["reviews"] == 1 and data["totals"]["by_status"]["PENDING"] == 1
    assert data["daily"][-1]["reviews"] == 1
    _assert_error(client.get("/api/analytics?days=0", headers=READ_AUTH), 422)
    assert client.get("/readyz").json()["checks"] == {"dynamodb": "ok"}


def test_report_needs_completed_review(client: httpx.Client) -> None:
    review = _create(client)
    _assert_error(
        client.get(f"/api/reviews/{review['id']}/report?format=md", headers=READ_AUTH), 409, "not_completed"
    )


def test_openapi_documents_examples_and_error_shape(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "reviews-create",
        "reviews-list",
        "reviews-get",
        "reviews-update",
        "reviews-rerun",
        "analytics-get",
    } <= operations
    assert "example" in schema["components"]["schemas"]["CreateReviewRequest"]
    assert "ErrorResponse" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 200


def test_security_headers_and_request_id(client: httpx.Client) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "abc"})
    assert response.headers["x-request-id"] == "abc"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    error = client.get("/nope")
    assert error.status_code == 404 and json.loads(error.text)["error"]["code"] == "not_found"
