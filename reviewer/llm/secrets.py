"""API keys from Secrets Manager, fetched once per container (warm Lambdas reuse the cache)."""

from __future__ import annotations

import json
import logging
import threading

from reviewer.llm.errors import ProviderConfigError

logger = logging.getLogger(__name__)

_cache: dict[tuple[str, str], str] = {}
_lock = threading.Lock()
# Keys looked up, in order, when the secret is a JSON object rather than the bare key.
_JSON_KEYS = ("api_key", "apiKey", "key", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")


def _extract(secret_string: str) -> str:
    """Accept the bare key or a JSON object holding it."""
    text = secret_string.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(data, dict):
            for name in _JSON_KEYS:
                if isinstance(data.get(name), str):
                    return str(data[name]).strip()
            values = [v for v in data.values() if isinstance(v, str)]
            if len(values) == 1:
                return values[0].strip()
        raise ProviderConfigError("the secret is a JSON object without an api_key field")
    return text


def get_secret_value(secret_id: str, *, region: str) -> str:
    """The secret's key, cached per (region, secret id) for the life of the process."""
    cache_key = (region, secret_id)
    with _lock:
        if cache_key in _cache:
            return _cache[cache_key]
    import boto3  # lazy: only the reviewer reads LLM keys
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.client("secretsmanager", region_name=region)
        response = client.get_secret_value(SecretId=secret_id)
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "error") if isinstance(exc, ClientError) else "error"
        logger.warning("llm.secret.fetch_failed", extra={"code": code})
        raise ProviderConfigError(
            f"could not read the API key secret from Secrets Manager ({code})"
        ) from None
    secret_string = response.get("SecretString")
    if not secret_string:
        raise ProviderConfigError("the API key secret has no SecretString")
    value = _extract(secret_string)
    if not value:
        raise ProviderConfigError("the API key secret is empty")
    with _lock:
        _cache[cache_key] = value
    logger.info("llm.secret.loaded")
    return value


def clear_secret_cache() -> None:
    """Forget cached secrets (tests, or after a rotation)."""
    with _lock:
        _cache.clear()
