"""The edge authorizer: the origin header from the secret (both rotation slots, re-read on a miss),
and on /api/* an API key the API knows or a token the identity check accepts."""

from __future__ import annotations

import json

import pytest

from app.edge.authorizer import (
    CREDENTIAL_ROUTES,
    ORIGIN_HEADER,
    REREAD_AFTER_SECONDS,
    EdgeAuthorizer,
    OriginSecret,
    TokenVerifier,
    origin_values,
)
from app.services.auth import KeyRing, Scope, new_key_line

SLOT_A = "a" * 48
SLOT_B = "B" * 47 + "1"
API_ROUTE = "ANY /api/{proxy+}"


class Secret:
    """A secret whose value can change, counting reads."""

    def __init__(self, *values: str) -> None:
        self.text = json.dumps({"values": list(values)})
        self.reads = 0

    def read(self) -> str:
        self.reads += 1
        return self.text


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_either_slot_is_accepted_and_nothing_else() -> None:
    origin = OriginSecret(Secret(SLOT_A, SLOT_B).read)
    assert origin.accepts(SLOT_A) and origin.accepts(SLOT_B)
    assert not origin.accepts("")
    assert not origin.accepts(SLOT_A[:-1])
    assert not origin.accepts(SLOT_A + "x")
    assert not origin.accepts(SLOT_A.upper())


def test_a_rotated_value_is_read_on_the_first_miss_and_misses_do_not_hammer_the_secret() -> None:
    secret, clock = Secret(SLOT_A, SLOT_B), Clock()
    origin = OriginSecret(secret.read, clock)
    assert origin.accepts(SLOT_A) and secret.reads == 1
    for _ in range(50):
        assert not origin.accepts("x" * 48)
    assert secret.reads == 1  # a stranger's guesses do not each cost a GetSecretValue
    rotated = "c" * 48
    secret.text = json.dumps({"values": [rotated, SLOT_B]})
    clock.now += REREAD_AFTER_SECONDS
    assert origin.accepts(rotated) and secret.reads == 2
    assert origin.accepts(SLOT_B)  # the value CloudFront sent until now still passes
    assert not origin.accepts(SLOT_A)  # the slot replaced by the rotation does not


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"values": "x"}', '{"values": [1, null]}', '{"values": ["short"]}', "{}"],
)
def test_a_broken_or_empty_secret_admits_nobody(text: str) -> None:
    assert origin_values(text) == frozenset()
    origin = OriginSecret(lambda: text)
    assert not origin.accepts("short") and not origin.accepts("")


def _authorizer(verify: TokenVerifier | None = None) -> tuple[EdgeAuthorizer, str]:
    key, line = new_key_line("ci", Scope.READ)
    authorizer = EdgeAuthorizer(OriginSecret(Secret(SLOT_A, SLOT_B).read), KeyRing([line]), verify)
    return authorizer, key


def test_the_credential_routes_are_the_apis_own() -> None:
    assert {API_ROUTE} == CREDENTIAL_ROUTES


def test_without_the_origin_header_nothing_passes_not_even_a_valid_key() -> None:
    authorizer, key = _authorizer()
    for route in (API_ROUTE, "ANY /webhooks/{proxy+}", "GET /docs", "$default"):
        decision = authorizer.decide(route, {"authorization": f"Bearer {key}"})
        assert not decision.allowed and decision.reason == "origin_header"
        assert not authorizer.decide(
            route, {ORIGIN_HEADER: "y" * 48, "authorization": f"Bearer {key}"}
        ).allowed


def test_routes_outside_api_need_only_the_origin_header() -> None:
    authorizer, _ = _authorizer()
    for route in ("ANY /webhooks/{proxy+}", "GET /docs", "GET /openapi.json", "GET /healthz", "$default"):
        assert authorizer.decide(route, {ORIGIN_HEADER: SLOT_B}).allowed


def test_api_routes_need_a_key_the_api_knows() -> None:
    authorizer, key = _authorizer()
    headers = {ORIGIN_HEADER: SLOT_A}
    assert authorizer.decide(API_ROUTE, headers).reason == "no_credential"
    assert authorizer.decide(API_ROUTE, {**headers, "authorization": key}).reason == "no_credential"
    assert (
        authorizer.decide(API_ROUTE, {**headers, "authorization": "Basic " + key}).reason == "no_credential"
    )
    assert (
        authorizer.decide(API_ROUTE, {**headers, "authorization": "Bearer tfr_unknown"}).reason
        == "unknown_key"
    )
    decision = authorizer.decide(API_ROUTE, {**headers, "authorization": f"Bearer {key}"})
    assert decision.allowed and decision.reason == "api_key"
    assert authorizer.decide(API_ROUTE, {**headers, "authorization": f"bearer {key}"}).allowed


def test_api_routes_take_a_token_the_identity_check_accepts() -> None:
    seen: list[str] = []

    def verify(token: str) -> object:
        seen.append(token)
        if token != "good.jwt.token":
            raise ValueError("bad signature")
        return {"sub": "alice"}

    authorizer, _ = _authorizer(verify)
    headers = {ORIGIN_HEADER: SLOT_A}
    assert (
        authorizer.decide(API_ROUTE, {**headers, "authorization": "Bearer good.jwt.token"}).reason == "token"
    )
    refused = authorizer.decide(API_ROUTE, {**headers, "authorization": "Bearer forged.jwt.token"})
    assert not refused.allowed and refused.reason == "invalid_token"
    assert seen == ["good.jwt.token", "forged.jwt.token"]
