"""Anthropic Messages with a forced tool call whose input schema is the result schema."""

from __future__ import annotations

from typing import Any

from reviewer.llm.base import LLMRequest, LLMResponse, Usage
from reviewer.llm.errors import MalformedOutputError, ProviderError, RetryableError, TruncatedOutputError
from reviewer.llm.providers._common import retry_after_seconds
from reviewer.llm.schema import RESULT_TOOL_DESCRIPTION, RESULT_TOOL_NAME


class AnthropicClient:
    """One Claude model behind the Anthropic Messages API."""

    provider = "anthropic"

    def __init__(self, *, model: str, api_key: str, base_url: str | None, timeout: float) -> None:
        import anthropic  # lazy: the API Lambda never loads the SDK

        self.model = model
        self._timeout = timeout
        # SDK retries are off: the caller retries with its own backoff and budget.
        self._client = anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    def complete(self, request: LLMRequest) -> LLMResponse:
        """One Messages call with tool_choice forced to the result tool."""
        import anthropic

        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_output_tokens,
            "system": request.system,
            "messages": [{"role": "user", "content": request.user}],
            "tools": [
                {
                    "name": RESULT_TOOL_NAME,
                    "description": RESULT_TOOL_DESCRIPTION,
                    "input_schema": request.schema,
                }
            ],
            "tool_choice": {"type": "tool", "name": RESULT_TOOL_NAME},
        }
        # No temperature: API version 2026-10-21 (the SDK 2.x default) rejects every sampling
        # parameter, and SDK 2.x dropped them; forced tool use keeps the answer structured anyway.
        try:
            message = self._client.messages.create(**kwargs)
        except anthropic.APITimeoutError:
            raise RetryableError(f"anthropic: no answer within {self._timeout:g}s") from None
        except anthropic.APIConnectionError:
            raise RetryableError("anthropic: connection failed") from None
        except anthropic.APIStatusError as exc:
            status = exc.status_code
            # 529 is Anthropic's "overloaded"; like 429 and other 5xx it passes.
            if status == 429 or status >= 500 or status == 408:
                raise RetryableError(
                    f"anthropic: HTTP {status}", retry_after=retry_after_seconds(exc.response.headers)
                ) from None
            raise ProviderError(f"anthropic: HTTP {status} ({_error_type(exc.body)})") from None
        except (anthropic.APIResponseValidationError, ValueError):
            raise MalformedOutputError("anthropic: the response is not a message") from None

        usage = Usage(
            tokens_in=int(getattr(message.usage, "input_tokens", 0) or 0),
            tokens_out=int(getattr(message.usage, "output_tokens", 0) or 0),
        )
        if message.stop_reason == "max_tokens":
            raise TruncatedOutputError(
                f"anthropic: the answer hit the {request.max_output_tokens}-token output limit", usage=usage
            )
        if message.stop_reason == "refusal":
            raise ProviderError("anthropic: the model refused to answer", usage=usage)
        texts: list[str] = []
        for block in message.content:
            if (
                getattr(block, "type", None) == "tool_use"
                and getattr(block, "name", None) == RESULT_TOOL_NAME
            ):
                tool_input = getattr(block, "input", None)
                if not isinstance(tool_input, dict):
                    raise MalformedOutputError("anthropic: the tool input is not an object", usage=usage)
                return LLMResponse(payload=tool_input, usage=usage, model=message.model or self.model)
            if getattr(block, "type", None) == "text":
                texts.append(str(getattr(block, "text", "")))
        if texts:
            # No tool call despite tool_choice: accept the text only if it is the JSON itself.
            return LLMResponse(payload="".join(texts), usage=usage, model=message.model or self.model)
        raise MalformedOutputError("anthropic: the answer has no tool call", usage=usage)


def _error_type(body: object) -> str:
    """The error type from an Anthropic error body, never its message."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("type") or "error")
    return "error"
