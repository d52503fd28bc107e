"""The edge authorizer's decision: a request came through CloudFront (it carries the origin header
CloudFront adds) and, on the API's /api/* routes, presents a credential the API knows: an API key
or a person's token. The app authorises every request again (scope, role); this only keeps
requests that bypass CloudFront, and anonymous ones, away from the API."""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from app.core.errors import AppError
from app.services.auth import KeyRing

# Must equal local.origin_header in deploy/edge.tf (tests/app/edge checks it).
ORIGIN_HEADER = "x-tfr-origin-verify"
# Route keys that need a credential besides the origin header: local.authorizer_credential_routes.
CREDENTIAL_ROUTES = frozenset({"ANY /api/{proxy+}"})
# A value that matches nothing re-reads the secret (a rotation), but not more often than this.
REREAD_AFTER_SECONDS = 30.0


class TokenVerifier(Protocol):
    """Checks a person's bearer token (signature, issuer, audience, expiry); raises when it is not valid."""

    def __call__(self, token: str) -> object: ...


def origin_values(secret_text: str) -> frozenset[str]:
    """The accepted header values from the secret's JSON ({"values": [...]}); empty ones never count."""
    try:
        document = json.loads(secret_text)
    except json.JSONDecodeError:
        return frozenset()
    values = document.get("values") if isinstance(document, dict) else None
    if not isinstance(values, list):
        return frozenset()
    return frozenset(v for v in values if isinstance(v, str) and len(v) >= 16)


class OriginSecret:
    """The origin header values, read from the secret once and again when a value does not match."""

    def __init__(self, read: Callable[[], str], clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self._clock = clock
        self._values: frozenset[str] = frozenset()
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _matches(self, presented: str) -> bool:
        # Compare with every value in constant time: timing tells nothing about a near miss.
        found = False
        for value in self._values:
            found |= hmac.compare_digest(value.encode(), presented.encode())
        return found

    def accepts(self, presented: str) -> bool:
        if not presented:
            return False
        with self._lock:
            if self._matches(presented):
                return True
            now = self._clock()
            if self._read_at is not None and now - self._read_at < REREAD_AFTER_SECONDS:
                return False
            self._values = origin_values(self._read())
            self._read_at = now
            return self._matches(presented)


@dataclass(frozen=True)
class Decision:
    """Whether API Gateway lets the request through, and why (for the log; never a header value)."""

    allowed: bool
    reason: str


class EdgeAuthorizer:
    """Decides one request from its route key and headers (names lower-case, as API Gateway sends them)."""

    def __init__(self, origin: OriginSecret, keys: KeyRing, verify_token: TokenVerifier | None) -> None:
        self._origin = origin
        self._keys = keys
        self._verify_token = verify_token

    def decide(self, route_key: str, headers: Mapping[str, str]) -> Decision:
        if not self._origin.accepts(headers.get(ORIGIN_HEADER, "")):
            return Decision(False, "origin_header")
        if route_key not in CREDENTIAL_ROUTES:
            return Decision(True, "origin")
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Decision(False, "no_credential")
        try:
            self._keys.authenticate(authorization)
            return Decision(True, "api_key")
        except AppError:
            pass
        if self._verify_token is None:
            return Decision(False, "unknown_key")
        try:
            self._verify_token(token)
        except Exception:  # noqa: BLE001 - any failure to verify a token is a refusal
            return Decision(False, "invalid_token")
        return Decision(True, "token")
