"""Secrets Manager values, fetched once per process (Lambda container) and cached."""

from __future__ import annotations

from functools import lru_cache

from app.core.settings import Settings


@lru_cache(maxsize=32)
def secret_value(secret_id: str, region: str) -> str:
    """The SecretString of a secret; one GetSecretValue per id for the life of the process."""
    return read_secret_value(secret_id, region)


def read_secret_value(secret_id: str, region: str) -> str:
    """The SecretString of a secret as it is now (for values that rotate while a process lives)."""
    from app.core import aws

    client = aws.client("secretsmanager", region_name=region)
    return str(client.get_secret_value(SecretId=secret_id)["SecretString"]).strip()


def spacelift_api_key_secret(settings: Settings) -> str | None:
    """The Spacelift API key secret: from settings, or from its Secrets Manager secret."""
    if settings.spacelift_api_key_secret is not None:
        return settings.spacelift_api_key_secret.get_secret_value()
    if settings.spacelift_api_key_secret_id:
        return secret_value(settings.spacelift_api_key_secret_id, settings.aws_region)
    return None


def notify_secrets(settings: Settings) -> str | None:
    """The channels' webhook URLs and signing secrets (JSON): from settings, or from their secret."""
    if settings.notify_secrets is not None:
        return settings.notify_secrets.get_secret_value()
    if settings.notify_secrets_secret_id:
        return secret_value(settings.notify_secrets_secret_id, settings.aws_region)
    return None
