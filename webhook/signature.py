"""Spacelift webhook signatures: `X-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from enum import StrEnum

from pydantic import SecretStr

SIGNATURE_HEADER = "X-Signature-256"
SIGNATURE_PREFIX = "sha256="


class SignatureStatus(StrEnum):
    VALID = "valid"
    MISSING = "missing"
    MALFORMED = "malformed"
    MISMATCH = "mismatch"


class NoWebhookSecret(RuntimeError):
    """No webhook secret is configured, so no delivery can be verified."""


def _secret_bytes(secret: str | bytes | SecretStr) -> bytes:
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def compute_signature(secret: str | bytes | SecretStr, body: bytes) -> str:
    """The header value Spacelift sends for this body: `sha256=` + lowercase hex HMAC-SHA256."""
    digest = hmac.new(_secret_bytes(secret), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def header_value(headers: Mapping[str, str]) -> str | None:
    """The X-Signature-256 header of a request, looked up case-insensitively."""
    wanted = SIGNATURE_HEADER.lower()
    for name, value in headers.items():
        if name.lower() == wanted:
            return value
    return None


class SignatureVerifier:
    """Checks deliveries against the current secret and, during rotation, the previous one."""

    def __init__(self, secrets: Iterable[str | bytes | SecretStr | None]) -> None:
        self._keys = [key for key in (_secret_bytes(s) for s in secrets if s is not None) if key]
        if not self._keys:
            raise NoWebhookSecret("no Spacelift webhook secret is configured")

    def verify(self, body: bytes, signature: str | None) -> SignatureStatus:
        """Compare the header with every configured secret in constant time."""
        if not signature:
            # A delivery carrying only the sha1 `X-Signature` header lands here: sha1 is never accepted.
            return SignatureStatus.MISSING
        value = signature.strip()
        if not value.startswith(SIGNATURE_PREFIX) or len(value) != len(SIGNATURE_PREFIX) + 64:
            return SignatureStatus.MALFORMED
        matched = False
        # Every secret is compared (no early exit) so timing says nothing about which one matched.
        for key in self._keys:
            expected = compute_signature(key, body)
            matched |= hmac.compare_digest(expected.encode("ascii"), value.encode("utf-8", "replace"))
        return SignatureStatus.VALID if matched else SignatureStatus.MISMATCH

    def verify_headers(self, body: bytes, headers: Mapping[str, str]) -> SignatureStatus:
        """Verify a request given all of its headers."""
        return self.verify(body, header_value(headers))
