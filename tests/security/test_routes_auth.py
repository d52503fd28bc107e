"""Auth and exposure, generated from the app's own route list: a new unprotected route fails here.

Every /api route: 401 without a key, with a wrong key or a non-Bearer scheme; 403 for a read key on a
write route. The webhook: 401 unsigned or wrongly signed, on every method it accepts. Anything else
must be on the short public list. Also: CORS only for configured origins, security headers on every
answer (errors and 500s included), no tracebacks, paths or class names in errors, and body limits
enforced from Content-Length before the body is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from app.core.settings import Settings
from app.main import create_app
from app.services.container import Services, build_services
from tests.security.support import (
    ALLOWED_ORIGIN,
    FOREIGN_ORIGIN,
    ULID,
    WEBHOOK_SECRET,
    assert_error_shape,
    assert_security_headers,
    item_counts,
    raw_request,
    request_head,
    running_app,
)
from tests.support import READ_AUTH, WRITE_AUTH, live_server, make_settings, simple_plan

pytestmark = [pytest.mark.integration, pytest.mark.http]

# Routes anyone may call: liveness, readiness and the API description (no data behind them).
PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PATH_VALUES = {"review_id": ULID, "version": "1"}
BAD_CREDENTIALS = {
    "missing": {},
    "wrong key": {"Authorization": "Bearer tfr_not_a_key_at_all_0000000000"},
    "wrong scheme": {"Authorization": "Basic dGZyOnRmcg=="},
    "empty bearer": {"Authorization": "Bearer"},
    "key without scheme": {"Authorization": WRITE_AUTH["Authorization"].removeprefix("Bearer ")},
}
BODY_LIMIT = 64 * 1024


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) for every route the app serves, including included routers and hidden routes."""
    try:
        from fastapi.routing import iter_route_contexts

        contexts: list[Any] = list(iter_route_contexts(app.routes))
    except ImportError:  # older FastAPI: routes are flat
        contexts = list(app.routes)
    pairs = set()
    for route in contexts:
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                pairs.add((method, str(route.path)))
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


def route_problems(base_url: str, routes: list[tuple[str, str]]) -> list[str]:
    """Every way a route departs from the auth table; empty when all are protected as they should be."""
    problems: list[str] = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for method, path in routes:
            url = concrete(path)
            body: Any = {} if method in WRITE_METHODS else None
            if path.startswith("/api/"):
                for label, headers in BAD_CREDENTIALS.items():
                    response = http.request(method, url, headers=headers, json=body)
                    if response.status_code != 401:
                        problems.append(f"{method} {path} with {label} credentials: {response.status_code}")
                    else:
                        assert_error_shape(response, 401)
                        assert_security_headers(response)
                        if "www-authenticate" in response.headers:
                            assert response.headers["www-authenticate"].lower().startswith("bearer")
                response = http.request(method, url, headers=READ_AUTH, json=body)
                if method in WRITE_METHODS:
                    if response.status_code != 403:
                        problems.append(f"{method} {path} with a read key: {response.status_code}, not 403")
                    else:
                        assert_error_shape(response, 403)
                elif response.status_code in (401, 403):
                    problems.append(f"{method} {path} refuses a read key: {response.status_code}")
            elif path.startswith("/webhooks/"):
                payload = b'{"account": "acme", "state": "FINISHED"}'
                for label, headers in {
                    "unsigned": {"Content-Type": "application/json"},
                    "wrongly signed": {
                        "Content-Type": "application/json",
                        "X-Signature-256": "sha256=" + "0" * 64,
                    },
                    "api key instead of signature": {"Content-Type": "application/json", **WRITE_AUTH},
                }.items():
                    response = http.request(method, url, content=payload, headers=headers)
                    if response.status_code != 401:
                        problems.append(f"{method} {path} {label}: {response.status_code}, not 401")
                    else:
                        assert_error_shape(response, 401)
                        assert_security_headers(response)
            elif (method, path) not in PUBLIC_ROUTES:
                problems.append(f"{method} {path} is neither /api, /webhooks nor a listed public route")
    return problems


@pytest.fixture(scope="module")
def secured(dynamodb_endpoint: str) -> Iterator[tuple[str, Services, FastAPI]]:
    settings = make_settings(
        dynamodb_endpoint,
        cors_origins=[ALLOWED_ORIGIN],
        spacelift_webhook_secret=WEBHOOK_SECRET,
        max_body_bytes=BODY_LIMIT,
    )
    services = build_services(settings)
    app = create_app(settings, services)
    try:
        with live_server(app) as url:
            yield url, services, app
    finally:
        services.close()


@pytest.fixture
def base_url(secured: tuple[str, Services, FastAPI]) -> str:
    return secured[0]


def test_route_table_covers_every_route(secured: tuple[str, Services, FastAPI]) -> None:
    _, _, app = secured
    routes = app_routes(app)
    paths = {path for _, path in routes}
    # The table is generated, so it must see the routes of every router, hidden ones included.
    assert {"/api/reviews", "/api/reviews/{review_id}", "/api/analytics", "/webhooks/spacelift"} <= paths
    assert ("PATCH", "/webhooks/spacelift") in routes
    assert len([r for r in routes if r[1].startswith("/api/")]) >= 8


def test_openapi_documents_auth_on_every_api_operation(base_url: str) -> None:
    """Clients (and the generated dashboard types) see the bearer requirement and the 401 on each /api operation."""
    schema = httpx.get(f"{base_url}/openapi.json", timeout=10).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["ApiKey"]["scheme"] == "bearer"
    assert (schemes["PersonToken"]["scheme"], schemes["PersonToken"]["bearerFormat"]) == ("bearer", "JWT")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/"):
                # Either a machine's scoped key or a person's OIDC token.
                assert operation.get("security") == [{"ApiKey": []}, {"PersonToken": []}], (method, path)
                assert "401" in operation["responses"], (method, path)
            elif path.startswith("/webhooks/"):
                assert "401" in operation["responses"], (method, path)


def test_every_route_enforces_auth(secured: tuple[str, Services, FastAPI]) -> None:
    url, services, app = secured
    settings = services.settings
    before = item_counts(services.repository._client, settings.resolved_table_name)  # noqa: SLF001
    assert route_problems(url, app_routes(app)) == []
    # Nothing refused wrote anything.
    assert item_counts(services.repository._client, settings.resolved_table_name) == before  # noqa: SLF001


def test_an_unprotected_route_is_caught(settings_factory: Any) -> None:
    """The generated table fails when someone adds an /api or /webhooks route without auth."""
    settings: Settings = settings_factory(spacelift_webhook_secret=WEBHOOK_SECRET)
    app = create_app(settings, build_services(settings))
    leaky = APIRouter()

    @leaky.get("/api/debug/config")
    def debug_config() -> dict[str, str]:
        return {"table": "x"}

    @leaky.post("/webhooks/github")
    def github_hook() -> dict[str, str]:
        return {"ok": "yes"}

    @leaky.get("/internal/metrics")
    def metrics() -> dict[str, int]:
        return {"reviews": 1}

    app.include_router(leaky)
    with live_server(app) as url:
        problems = route_problems(url, app_routes(app))
    joined = "\n".join(problems)
    assert "GET /api/debug/config with missing credentials: 200" in joined
    assert "POST /webhooks/github unsigned: 200" in joined
    assert "GET /internal/metrics is neither" in joined


def test_cors_only_for_configured_origins(base_url: str) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with httpx.Client(base_url=base_url, timeout=10) as http:
        allowed = http.options("/api/reviews", headers={"Origin": ALLOWED_ORIGIN, **preflight})
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "POST" in allowed.headers["access-control-allow-methods"]
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert allowed.headers.get("access-control-allow-credentials") != "true"
        foreign = http.options("/api/reviews", headers={"Origin": FOREIGN_ORIGIN, **preflight})
        assert foreign.status_code >= 400
        assert "access-control-allow-origin" not in foreign.headers
        null_origin = http.options("/api/reviews", headers={"Origin": "null", **preflight})
        assert "access-control-allow-origin" not in null_origin.headers
        simple = http.get("/api/reviews", headers={"Origin": FOREIGN_ORIGIN, **READ_AUTH})
        assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
        own = http.get("/api/reviews", headers={"Origin": ALLOWED_ORIGIN, **READ_AUTH})
        assert own.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert own.headers.get("vary", "").lower().find("origin") >= 0


def test_no_cors_when_no_origin_is_configured(settings: Settings) -> None:
    with running_app(settings) as (url, _), httpx.Client(base_url=url, timeout=10) as http:
        for origin in (ALLOWED_ORIGIN, FOREIGN_ORIGIN, "null"):
            preflight = http.options(
                "/api/reviews", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
            )
            assert "access-control-allow-origin" not in preflight.headers
            response = http.get("/api/reviews", headers={"Origin": origin, **READ_AUTH})
            assert "access-control-allow-origin" not in response.headers


def test_security_headers_and_error_shape_on_every_kind_of_answer(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        created = http.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH)
        assert created.status_code == 202
        review_id = created.json()["id"]
        answers = {
            "200 health": http.get("/healthz"),
            "200 list": http.get("/api/reviews", headers=READ_AUTH),
            "202 create": created,
            "200 get": http.get(f"/api/reviews/{review_id}", headers=READ_AUTH),
            "200 analytics": http.get("/api/analytics", headers=READ_AUTH),
            "preflight": http.options(
                "/api/reviews", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"}
            ),
        }
        errors = {
            "400 cursor": http.get("/api/reviews?cursor=zzz", headers=READ_AUTH),
            "401": http.get("/api/reviews"),
            "403": http.post("/api/reviews", json={"plan": simple_plan()}, headers=READ_AUTH),
            "404 route": http.get("/api/nope", headers=READ_AUTH),
            "404 review": http.get(f"/api/reviews/{ULID}", headers=READ_AUTH),
            "422 bad id": http.get("/api/reviews/not-a-ulid", headers=READ_AUTH),
            "405": http.delete(f"/api/reviews/{review_id}", headers=WRITE_AUTH),
            "409 report": http.get(f"/api/reviews/{review_id}/report", headers=READ_AUTH),
            "413": http.post(
                "/api/reviews",
                content=b"x" * (BODY_LIMIT + 1),
                headers={**WRITE_AUTH, "Content-Type": "application/json"},
            ),
            "415": http.post(
                "/api/reviews", content=b"a=b", headers={**WRITE_AUTH, "Content-Type": "text/plain"}
            ),
            "422 query": http.get("/api/reviews?limit=100000", headers=READ_AUTH),
            "422 body": http.put(f"/api/reviews/{review_id}", json={"decision": 1}, headers=WRITE_AUTH),
            "428": http.put(f"/api/reviews/{review_id}", json={"note": "x"}, headers=WRITE_AUTH),
            "401 webhook": http.post("/webhooks/spacelift", content=b"{}"),
        }
    for name, response in {**answers, **errors}.items():
        assert_security_headers(response)
        assert "default-src 'none'" in response.headers.get("content-security-policy", ""), name
    for name, response in errors.items():
        assert response.status_code == int(name.split()[0]), (name, response.status_code, response.text)
        assert_error_shape(response)


def test_request_ids_from_callers_are_plain_tokens_or_replaced(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=10) as http:
        assert (
            http.get("/healthz", headers={"X-Request-Id": "ci-run_42:7"}).headers["x-request-id"]
            == "ci-run_42:7"
        )
        for hostile in ("<script>alert(1)</script>", "a\x01b", "x" * 65, "id with spaces", '"quoted"'):
            response = http.get("/api/nope", headers={"X-Request-Id": hostile})
            assert response.headers["x-request-id"] != hostile
            assert response.json()["request_id"] == response.headers["x-request-id"]
            assert re.fullmatch(r"[0-9A-Z]{26}", response.headers["x-request-id"])


def test_unexpected_errors_are_generic_with_headers(settings: Settings, caplog: Any) -> None:
    services = build_services(settings)
    planted = "/work/main/app/services/reviews.py line 42 KeyError: 'TFR_SECRET'"

    def explode(*_: Any, **__: Any) -> Any:
        raise KeyError(planted)

    services.reviews.list_reviews = explode  # type: ignore[method-assign]
    with running_app(settings, services) as (url, _), httpx.Client(base_url=url, timeout=10) as http:
        response = http.get("/api/reviews", headers={**READ_AUTH, "X-Request-Id": "req-boom-1"})
        assert response.status_code == 500
        error = assert_error_shape(response, 500)
        assert error["code"] == "internal_error" and response.json()["request_id"] == "req-boom-1"
        assert planted not in response.text and "KeyError" not in response.text
        assert_security_headers(response)
        assert response.headers["x-request-id"] == "req-boom-1"
        # The server keeps serving after the failure.
        assert http.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/api/reviews", WRITE_AUTH),
        ("PUT", f"/api/reviews/{ULID}", {**WRITE_AUTH, "If-Match": "1"}),
        ("POST", "/webhooks/spacelift", {"X-Signature-256": "sha256=" + "0" * 64}),
        ("PATCH", "/webhooks/spacelift", {}),
    ],
)
def test_declared_oversize_body_is_refused_before_it_is_read(
    base_url: str, method: str, path: str, headers: dict[str, str]
) -> None:
    """Content-Length of 10 GB, 1 KB actually sent: the 413 can only come from the header."""
    head = request_head(
        method,
        path,
        {
            **headers,
            "Content-Type": "application/json",
            "Content-Length": str(10 * 1024**3),
            "Connection": "close",
        },
    )
    response = raw_request(base_url, head, b'{"plan": "' + b"x" * 1024, timeout=10)
    assert response.status == 413, (response.status, response.body[:300])
    assert response.elapsed < 5
    assert b'"payload_too_large"' in response.body
    assert response.headers.get("x-content-type-options") == "nosniff"


def test_streamed_oversize_body_is_cut_off(base_url: str) -> None:
    """Chunked bodies (no Content-Length) are counted while read and refused past the limit."""

    def chunks() -> Iterator[bytes]:
        yield b'{"plan": {"format_version": "1.2", "x": "'
        for _ in range(8):
            yield b"y" * (BODY_LIMIT // 4)
        yield b'"}}'

    with httpx.Client(base_url=base_url, timeout=10) as http:
        for method, path, headers in (
            ("POST", "/api/reviews", WRITE_AUTH),
            ("PUT", f"/api/reviews/{ULID}", {**WRITE_AUTH, "If-Match": "1"}),
        ):
            response = http.request(
                method, path, content=chunks(), headers={**headers, "Content-Type": "application/json"}
            )
            assert_error_shape(response, 413)
