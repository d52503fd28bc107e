"""Lambda entry of the edge authorizer (API Gateway HTTP API, REQUEST type, simple responses)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.logging import configure_logging
from app.core.settings import Settings, get_settings
from app.edge.authorizer import EdgeAuthorizer, OriginSecret, TokenVerifier
from app.services.auth import KeyRing
from app.services.identity import token_validator
from app.services.secrets import read_secret_value, secret_value

log = logging.getLogger("tfreview.edge")

_authorizer: EdgeAuthorizer | None = None
_lock = threading.Lock()


class AuthorizerEvent(BaseModel):
    """The parts of API Gateway's payload 2.0 authorizer event the decision reads."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    route_key: str = Field("", alias="routeKey")
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers", mode="before")
    @classmethod
    def _lower_case_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k).lower(): str(v) for k, v in value.items()}
        return {}


def token_verifier(settings: Settings) -> TokenVerifier | None:
    """People's tokens are checked by the app's identity module (same checks as the API's)."""
    return token_validator(settings)


def build_authorizer(settings: Settings) -> EdgeAuthorizer:
    """The authorizer for these settings: the origin secret, the API's key hashes, the token check."""
    lines = list(settings.api_keys)
    if settings.api_keys_secret_id:
        lines += secret_value(settings.api_keys_secret_id, settings.aws_region).splitlines()
    origin_secret_id = settings.origin_secret_id
    if origin_secret_id is None:
        # Without a secret nothing can match: every request is refused rather than admitted.
        origin = OriginSecret(lambda: "")
    else:
        origin = OriginSecret(lambda: read_secret_value(origin_secret_id, settings.aws_region))
    return EdgeAuthorizer(origin, KeyRing(lines), token_verifier(settings))


def _shared() -> EdgeAuthorizer:
    global _authorizer
    with _lock:
        if _authorizer is None:
            settings = get_settings()
            configure_logging(settings.log_level)
            _authorizer = build_authorizer(settings)
        return _authorizer


def handler(event: dict[str, Any], context: Any) -> dict[str, bool]:
    """{"isAuthorized": ...} for one request."""
    request = AuthorizerEvent.model_validate(event)
    decision = _shared().decide(request.route_key, request.headers)
    if not decision.allowed:
        log.info("edge_request_refused", extra={"route": request.route_key[:200], "reason": decision.reason})
    return {"isAuthorized": decision.allowed}
