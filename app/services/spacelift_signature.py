"""The Spacelift webhook's signature verifier from settings: what the API checks at start-up."""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.core.settings import Settings
from app.services.secrets import secret_value
from webhook.signature import NoWebhookSecret, SignatureVerifier

logger = logging.getLogger(__name__)


def webhook_secrets(settings: Settings, fetch_secret: Callable[[str], str] | None = None) -> list[str]:
    """The current and previous webhook secrets (the current one may live in Secrets Manager)."""
    secrets: list[str] = []
    if settings.spacelift_webhook_secret is not None:
        secrets.append(settings.spacelift_webhook_secret.get_secret_value())
    elif settings.spacelift_webhook_secret_id and fetch_secret is not None:
        secrets.append(fetch_secret(settings.spacelift_webhook_secret_id).strip())
    if settings.spacelift_webhook_secret_previous is not None:
        secrets.append(settings.spacelift_webhook_secret_previous.get_secret_value())
    return [s for s in secrets if s]


def build_verifier(
    settings: Settings, fetch_secret: Callable[[str], str] | None = None
) -> SignatureVerifier | None:
    """The signature verifier; None only when unsigned deliveries are allowed (local envs) and no secret is set."""
    secrets = webhook_secrets(settings, fetch_secret)
    if secrets:
        return SignatureVerifier(secrets)
    if settings.spacelift_allow_unsigned and settings.is_local:
        logger.warning("spacelift.unsigned_allowed", extra={"event": "spacelift.unsigned_allowed"})
        return None
    raise NoWebhookSecret(
        "no Spacelift webhook secret: set TFR_SPACELIFT_WEBHOOK_SECRET (or TFR_SPACELIFT_WEBHOOK_SECRET_ID), "
        "or TFR_SPACELIFT_ALLOW_UNSIGNED=true in a local env"
    )


def configured_verifier(settings: Settings) -> SignatureVerifier | None:
    """The verifier of the configured secrets (one may be fetched from Secrets Manager); NoWebhookSecret if none."""

    def fetch_secret(secret_id: str) -> str:
        return secret_value(secret_id, settings.aws_region)

    return build_verifier(settings, fetch_secret)
