"""Build the configured provider clients (primary, then fallbacks) from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.settings import LLMProvider, Settings
from reviewer.llm.base import LLMClient
from reviewer.llm.errors import ProviderConfigError
from reviewer.llm.secrets import get_secret_value

DEFAULT_MODELS: dict[LLMProvider, str] = {
    LLMProvider.OPENAI: "gpt-4.1-mini",
    LLMProvider.ANTHROPIC: "claude-sonnet-4-5",
    LLMProvider.BEDROCK: "anthropic.claude-3-5-sonnet-20240620-v1:0",
    LLMProvider.OPENAI_COMPATIBLE: "llama3.1",
    LLMProvider.FAKE: "fake-reviewer-1",
}


@dataclass(frozen=True, slots=True)
class Target:
    """One provider and model to try."""

    provider: LLMProvider
    model: str

    def __str__(self) -> str:
        return f"{self.provider.value}:{self.model}"


def parse_target(text: str) -> Target:
    """Parse 'provider:model' (the model may hold more colons, as Bedrock ids do)."""
    provider_text, _, model = text.strip().partition(":")
    try:
        provider = LLMProvider(provider_text.strip().lower())
    except ValueError:
        raise ProviderConfigError(f"unknown LLM provider {provider_text!r} in fallback {text!r}") from None
    return Target(provider, model.strip() or DEFAULT_MODELS.get(provider, ""))


def resolve_targets(settings: Settings) -> list[Target]:
    """Primary provider and model, then each fallback; `none` entries and duplicates dropped."""
    targets: list[Target] = []
    primary = settings.effective_llm_provider
    if primary is not LLMProvider.NONE:
        targets.append(Target(primary, settings.llm_model or DEFAULT_MODELS[primary]))
    for text in settings.llm_fallbacks:
        target = parse_target(text)
        if target.provider is not LLMProvider.NONE and target not in targets:
            targets.append(target)
    return targets


def _key(value: object, secret_id: str | None, settings: Settings) -> str | None:
    """A key from settings, else from Secrets Manager (cached per container)."""
    if value is not None:
        secret = getattr(value, "get_secret_value", None)
        text = secret() if callable(secret) else str(value)
        if text:
            return str(text)
    if secret_id:
        return get_secret_value(secret_id, region=settings.aws_region)
    return None


def build_client(target: Target, settings: Settings) -> LLMClient:
    """The client for one target; raises ProviderConfigError when it cannot be built."""
    timeout = settings.llm_timeout_seconds
    provider = target.provider
    if provider is LLMProvider.OPENAI:
        from reviewer.llm.providers.openai_chat import OpenAIChatClient

        key = _key(settings.openai_api_key, settings.openai_api_key_secret_id, settings)
        if not key:
            raise ProviderConfigError(
                "openai: no API key (TFR_OPENAI_API_KEY or TFR_OPENAI_API_KEY_SECRET_ID)"
            )
        return OpenAIChatClient(
            provider="openai",
            model=target.model,
            api_key=key,
            base_url=settings.llm_base_url,
            timeout=timeout,
        )
    if provider is LLMProvider.OPENAI_COMPATIBLE:
        from reviewer.llm.providers.openai_chat import OpenAIChatClient

        if not settings.llm_base_url:
            raise ProviderConfigError("openai_compatible: TFR_LLM_BASE_URL is required")
        # Local servers (Ollama, vLLM) take any key; Azure and hosted gateways need the real one.
        key = _key(settings.openai_api_key, settings.openai_api_key_secret_id, settings) or "not-needed"
        return OpenAIChatClient(
            provider="openai_compatible",
            model=target.model,
            api_key=key,
            base_url=settings.llm_base_url,
            timeout=timeout,
            legacy_max_tokens=True,
        )
    if provider is LLMProvider.ANTHROPIC:
        from reviewer.llm.providers.anthropic_messages import AnthropicClient

        key = _key(settings.anthropic_api_key, settings.anthropic_api_key_secret_id, settings)
        if not key:
            raise ProviderConfigError(
                "anthropic: no API key (TFR_ANTHROPIC_API_KEY or TFR_ANTHROPIC_API_KEY_SECRET_ID)"
            )
        return AnthropicClient(
            model=target.model, api_key=key, base_url=settings.anthropic_base_url, timeout=timeout
        )
    if provider is LLMProvider.BEDROCK:
        from reviewer.llm.providers.bedrock_converse import BedrockConverseClient

        return BedrockConverseClient(
            model=target.model,
            region=settings.aws_region,
            endpoint_url=settings.bedrock_endpoint_url,
            timeout=timeout,
        )
    if provider is LLMProvider.FAKE:
        from reviewer.llm.fakes.demo import demo_server
        from reviewer.llm.fakes.server import FAKE_API_KEY
        from reviewer.llm.providers.openai_chat import OpenAIChatClient

        # Demo mode: the real OpenAI SDK talks to the in-process fake, so the whole path runs.
        return OpenAIChatClient(
            provider="fake",
            model=target.model,
            api_key=FAKE_API_KEY,
            base_url=demo_server().base_url,
            timeout=timeout,
        )
    raise ProviderConfigError(f"no client for LLM provider {provider.value!r}")
