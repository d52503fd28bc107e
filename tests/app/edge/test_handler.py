"""The authorizer Lambda entry against Secrets Manager (moto): API Gateway's payload 2.0 event in,
a simple response out; secrets read as deployed, nothing of the headers in the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from app.core.settings import get_settings
from app.edge import handler as edge_handler
from app.services.auth import LEGACY_WRITE, new_key_line
from app.services.secrets import secret_value

REGION = "eu-west-1"
ORIGIN_VALUE = "o" * 48


def event(route_key: str, headers: dict[str, str]) -> dict[str, Any]:
    """An HTTP API (payload 2.0) REQUEST authorizer event as API Gateway sends it."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:eu-west-1:123456789012:abcdef/$default/GET/api/reviews",
        "identitySource": list(headers.values()),
        "routeKey": route_key,
        "rawPath": "/api/reviews",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {"http": {"method": "GET", "path": "/api/reviews", "sourceIp": "203.0.113.9"}},
    }


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Secrets and environment as deploy/edge_authorizer.tf sets them up; yields an API key."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    key, line = new_key_line("ci", LEGACY_WRITE)
    with mock_aws():
        sm = boto3.client("secretsmanager", region_name=REGION)
        origin = sm.create_secret(
            Name="tfr/origin", SecretString=json.dumps({"values": ["p" * 48, ORIGIN_VALUE]})
        )
        keys = sm.create_secret(Name="tfr/keys", SecretString=line + "\n")
        monkeypatch.setenv("TFR_ENV", "prod")
        monkeypatch.setenv("TFR_AWS_REGION", REGION)
        monkeypatch.setenv("TFR_ORIGIN_SECRET_ID", origin["ARN"])
        monkeypatch.setenv("TFR_API_KEYS_SECRET_ID", keys["ARN"])
        get_settings.cache_clear()
        secret_value.cache_clear()
        monkeypatch.setattr(edge_handler, "_authorizer", None)
        yield key
    get_settings.cache_clear()
    secret_value.cache_clear()


def test_requests_through_cloudfront_with_a_key_pass(deployed: str) -> None:
    headers = {"x-tfr-origin-verify": ORIGIN_VALUE, "authorization": f"Bearer {deployed}"}
    assert edge_handler.handler(event("ANY /api/{proxy+}", headers), None) == {"isAuthorized": True}
    webhook = {"x-tfr-origin-verify": ORIGIN_VALUE, "x-signature-256": "sha256=00"}
    assert edge_handler.handler(event("ANY /webhooks/{proxy+}", webhook), None) == {"isAuthorized": True}


def test_header_names_in_any_case_are_read(deployed: str) -> None:
    headers = {"X-Tfr-Origin-Verify": ORIGIN_VALUE, "Authorization": f"Bearer {deployed}"}
    assert edge_handler.handler(event("ANY /api/{proxy+}", headers), None) == {"isAuthorized": True}


def test_direct_and_anonymous_requests_are_refused_and_logged_without_values(
    deployed: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tfreview.edge")
    cases = [
        ("ANY /api/{proxy+}", {"authorization": f"Bearer {deployed}"}),  # straight to execute-api
        ("ANY /api/{proxy+}", {"x-tfr-origin-verify": "guess" * 10, "authorization": f"Bearer {deployed}"}),
        ("ANY /api/{proxy+}", {"x-tfr-origin-verify": ORIGIN_VALUE}),  # through CloudFront, no credential
        ("ANY /api/{proxy+}", {"x-tfr-origin-verify": ORIGIN_VALUE, "authorization": "Bearer a.b.c"}),
        ("$default", {}),
    ]
    for route, headers in cases:
        assert edge_handler.handler(event(route, headers), None) == {"isAuthorized": False}
    reasons = [r.__dict__.get("reason") for r in caplog.records if r.getMessage() == "edge_request_refused"]
    assert reasons == ["origin_header", "origin_header", "no_credential", "unknown_key", "origin_header"]
    text = caplog.text + "".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert deployed not in text and ORIGIN_VALUE not in text and "guess" not in text


def test_a_malformed_event_is_refused_not_an_error(deployed: str) -> None:
    assert edge_handler.handler({"headers": None}, None) == {"isAuthorized": False}
    assert edge_handler.handler({}, None) == {"isAuthorized": False}


def test_without_an_origin_secret_everything_is_refused(
    deployed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TFR_ORIGIN_SECRET_ID")
    get_settings.cache_clear()
    headers = {"x-tfr-origin-verify": ORIGIN_VALUE, "authorization": f"Bearer {deployed}"}
    assert edge_handler.handler(event("GET /docs", headers), None) == {"isAuthorized": False}


def test_a_persons_token_passes_the_edge_and_a_forged_expired_or_foreign_one_does_not(
    deployed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The authorizer checks people's tokens with the app's identity module, against a real issuer."""
    from tests.fakes.oidc_issuer import AUDIENCE, ROLE_MAP, serve_issuer

    with serve_issuer() as issuer:
        monkeypatch.setenv("TFR_ENV", "test")  # the fake issuer speaks http on 127.0.0.1
        monkeypatch.setenv("TFR_OIDC_ISSUER", issuer.url)
        monkeypatch.setenv("TFR_OIDC_AUDIENCE", AUDIENCE)
        monkeypatch.setenv("TFR_OIDC_ROLE_MAP", ROLE_MAP)
        get_settings.cache_clear()
        monkeypatch.setattr(edge_handler, "_authorizer", None)
        issuer.add_key("unpublished", publish=False)

        def decide(token: str) -> bool:
            headers = {"x-tfr-origin-verify": ORIGIN_VALUE, "authorization": f"Bearer {token}"}
            return edge_handler.handler(event("ANY /api/{proxy+}", headers), None)["isAuthorized"]

        assert decide(issuer.token("viewer"))
        assert decide(deployed)  # machine keys still pass on the same routes
        assert not decide(
            issuer.token("viewer", kid="unpublished")
        )  # forged: a key the issuer never published
        assert not decide(issuer.token("viewer", issued_ago=3600, lifetime=600))  # expired
        assert not decide(issuer.token("viewer", aud="someone-else"))
        assert not decide(issuer.token("viewer", iss="https://evil.example"))
        # Without the origin header even a valid token is refused.
        headers = {"authorization": f"Bearer {issuer.token('viewer')}"}
        assert edge_handler.handler(event("ANY /api/{proxy+}", headers), None) == {"isAuthorized": False}
