"""Errors of the LLM layer; run_ai_review turns every one of them into ai.status=failed."""

from __future__ import annotations

from reviewer.llm.base import Usage


class LLMError(Exception):
    """Base class: a provider call failed; the message is safe to store (no prompt, no key)."""

    retryable: bool = False

    def __init__(self, message: str, *, usage: Usage | None = None) -> None:
        super().__init__(message)
        # Tokens billed by the failed call (a truncated answer still costs), so cost stays honest.
        self.usage = usage or Usage()


class RetryableError(LLMError):
    """A transient failure (429, 5xx, timeout, connection reset): retried with backoff."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, usage: Usage | None = None) -> None:
        super().__init__(message, usage=usage)
        self.retry_after = retry_after


class TruncatedOutputError(LLMError):
    """The model stopped at the output-token limit; the partial answer is never parsed."""


class MalformedOutputError(LLMError):
    """The answer is not JSON matching the result schema."""


class ProviderConfigError(LLMError):
    """The provider cannot be used as configured (missing key, unknown provider, bad model id)."""


class ProviderError(LLMError):
    """A permanent failure reported by the provider (4xx other than 429, refusal)."""
