"""Property-based fuzzing of the signed webhook (schemathesis cannot sign bodies).

Correctly signed deliveries of arbitrary JSON, and of real payload shapes with one field replaced
by an arbitrary value, are always acknowledged with a 2xx (never a 5xx, which Spacelift would retry
and count towards disabling the webhook); the server keeps serving. Deterministic (derandomized).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.container import Services
from tests.security.support import running_app
from tests.support import make_settings
from tests.webhook.payloads import NEWER_RUN_EVENT, POLICY_PAYLOAD
from webhook.signature import compute_signature

pytestmark = [pytest.mark.integration, pytest.mark.http]

SECRET = "whsec-fuzz-0123456789abcdef0123456789abcd"
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


TEMPLATES = [NEWER_RUN_EVENT, POLICY_PAYLOAD]
PATHS = [(n, path) for n, template in enumerate(TEMPLATES) for path in _paths(template) if path]


def _replace(template: Any, path: tuple[Any, ...], value: Any) -> Any:
    payload = copy.deepcopy(template)
    target = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return payload


@pytest.fixture(scope="module")
def webhook(dynamodb_endpoint: str) -> Iterator[tuple[httpx.Client, Services]]:
    config = make_settings(dynamodb_endpoint, spacelift_webhook_secret=SECRET)
    with running_app(config) as (url, services), httpx.Client(base_url=url, timeout=30) as http:
        yield http, services


def _deliver(http: httpx.Client, payload: Any) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Signature-256": compute_signature(SECRET, body)}
    return http.post("/webhooks/spacelift", content=body, headers=headers)


@FUZZ
@given(payload=json_values)
def test_any_signed_json_is_acknowledged(webhook: tuple[httpx.Client, Services], payload: Any) -> None:
    http, _ = webhook
    response = _deliver(http, payload)
    assert response.status_code in (200, 202), (response.status_code, response.text[:300])


@FUZZ
@given(where=st.sampled_from(PATHS), value=json_values)
def test_real_payloads_with_one_field_changed_are_acknowledged(
    webhook: tuple[httpx.Client, Services], where: tuple[int, tuple[Any, ...]], value: Any
) -> None:
    http, _ = webhook
    template, path = where
    response = _deliver(http, _replace(TEMPLATES[template], path, value))
    assert response.status_code in (200, 202), (path, value, response.status_code, response.text[:300])
    assert http.get("/healthz").status_code == 200
