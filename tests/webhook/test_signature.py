"""Signature matrix: exactly the correctly signed deliveries pass, with two secrets during rotation."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from pydantic import SecretStr

from tests.webhook.payloads import DOCUMENTED_RUN_EVENT
from webhook.signature import (
    NoWebhookSecret,
    SignatureStatus,
    SignatureVerifier,
    compute_signature,
    header_value,
)

BODY = json.dumps(DOCUMENTED_RUN_EVENT).encode()
SECRET = "current-secret"
PREVIOUS = "previous-secret"


def _sha256(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _sha1(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def test_compute_signature_matches_spacelift_reference_receiver() -> None:
    # terraform-aws-spacelift-events-collector: f"sha256={hmac.new(secret, body, sha256).hexdigest()}"
    assert compute_signature(SECRET, BODY) == _sha256(SECRET, BODY)
    assert compute_signature(SecretStr(SECRET), BODY) == _sha256(SECRET, BODY)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Signature-256": _sha256(SECRET, BODY)}, SignatureStatus.VALID),
        ({"x-signature-256": _sha256(SECRET, BODY)}, SignatureStatus.VALID),
        ({}, SignatureStatus.MISSING),
        ({"X-Signature-256": ""}, SignatureStatus.MISSING),
        ({"X-Signature-256": _sha256("wrong-secret", BODY)}, SignatureStatus.MISMATCH),
        ({"X-Signature-256": _sha256(SECRET, BODY + b" ")}, SignatureStatus.MISMATCH),
        ({"X-Signature-256": _sha256(SECRET, BODY).replace("sha256=", "sha512=")}, SignatureStatus.MALFORMED),
        ({"X-Signature-256": _sha256(SECRET, BODY).removeprefix("sha256=")}, SignatureStatus.MALFORMED),
        ({"X-Signature-256": _sha256(SECRET, BODY).upper()}, SignatureStatus.MALFORMED),
        ({"X-Signature-256": "sha256=" + _sha256(SECRET, BODY)[7:].upper()}, SignatureStatus.MISMATCH),
        ({"X-Signature-256": _sha256(SECRET, BODY)[:-2]}, SignatureStatus.MALFORMED),
        ({"X-Signature": _sha1(SECRET, BODY)}, SignatureStatus.MISSING),
        ({"X-Signature-256": _sha1(SECRET, BODY)}, SignatureStatus.MALFORMED),
    ],
    ids=[
        "valid",
        "valid-lowercase-header-name",
        "missing",
        "empty",
        "wrong-secret",
        "tampered-body",
        "wrong-prefix",
        "no-prefix",
        "uppercase-prefix",
        "uppercase-hex",
        "truncated",
        "sha1-only",
        "sha1-in-sha256-header",
    ],
)
def test_signature_matrix(headers: dict[str, str], expected: SignatureStatus) -> None:
    verifier = SignatureVerifier([SECRET])
    assert verifier.verify_headers(BODY, headers) is expected


def test_tampered_body_with_original_signature_is_rejected() -> None:
    tampered = BODY.replace(b'"FINISHED"', b'"UNCONFIRMED"')
    assert tampered != BODY
    verifier = SignatureVerifier([SECRET])
    assert verifier.verify(tampered, _sha256(SECRET, BODY)) is SignatureStatus.MISMATCH


def test_rotation_accepts_current_and_previous_only() -> None:
    verifier = SignatureVerifier([SecretStr(SECRET), SecretStr(PREVIOUS)])
    assert verifier.verify(BODY, _sha256(SECRET, BODY)) is SignatureStatus.VALID
    assert verifier.verify(BODY, _sha256(PREVIOUS, BODY)) is SignatureStatus.VALID
    assert verifier.verify(BODY, _sha256("older-secret", BODY)) is SignatureStatus.MISMATCH
    after_rotation = SignatureVerifier([SECRET, None])
    assert after_rotation.verify(BODY, _sha256(PREVIOUS, BODY)) is SignatureStatus.MISMATCH


@pytest.mark.parametrize("secrets", [[], [None], [""], [SecretStr("")]])
def test_no_secret_refuses_to_build(secrets: list[str | SecretStr | None]) -> None:
    with pytest.raises(NoWebhookSecret):
        SignatureVerifier(secrets)


def test_header_lookup_is_case_insensitive() -> None:
    assert header_value({"X-SIGNATURE-256": "x"}) == "x"
    assert header_value({"X-Signature": "sha1=abc"}) is None
