"""The one protocol every provider implements, and the values that cross it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """One review request: the prompt, the result schema and the output-token limit."""

    system: str
    user: str
    schema: dict[str, Any]
    max_output_tokens: int
    temperature: float = 0.0


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens billed for one call."""

    tokens_in: int = 0
    tokens_out: int = 0


@dataclass(frozen=True, slots=True)
class LLMResponse:
    """What a provider returned: the decoded result object (not validated yet) and its usage."""

    payload: str | dict[str, Any]
    usage: Usage = field(default_factory=Usage)
    model: str | None = None


class LLMClient(Protocol):
    """A provider client bound to one model; `complete` makes exactly one attempt."""

    # Retries live in the caller. complete() raises an LLMError: RetryableError for 429/5xx/timeouts,
    # TruncatedOutputError when the answer hit the token limit (with the usage it was billed),
    # MalformedOutputError or ProviderError otherwise.

    provider: str
    model: str

    def complete(self, request: LLMRequest) -> LLMResponse:
        """Send one request and return the raw result object."""
        ...
