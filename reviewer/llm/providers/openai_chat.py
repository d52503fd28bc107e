"""OpenAI Chat Completions with a strict JSON-schema response format (also Azure, Ollama, vLLM)."""

from __future__ import annotations

from typing import Any

from reviewer.llm.base import LLMRequest, LLMResponse, Usage
from reviewer.llm.errors import MalformedOutputError, ProviderError, RetryableError, TruncatedOutputError
from reviewer.llm.providers._common import retry_after_seconds
from reviewer.llm.schema import RESULT_TOOL_NAME


class OpenAIChatClient:
    """One model behind the OpenAI Chat Completions API or a compatible endpoint."""

    def __init__(
        self,
        *,
        provider: str,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout: float,
        legacy_max_tokens: bool = False,
    ) -> None:
        import openai  # lazy: the API Lambda never loads the SDK

        self.provider = provider
        self.model = model
        # Compatible servers (Ollama, vLLM, older Azure deployments) know max_tokens, not the newer name.
        self._legacy_max_tokens = legacy_max_tokens
        # SDK retries are off: the caller retries with its own backoff and budget.
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
        self._timeout = timeout
        self._send_temperature = True

    def complete(self, request: LLMRequest) -> LLMResponse:
        """One Chat Completions call; raise an LLMError on any failure."""
        import openai

        limit_key = "max_tokens" if self._legacy_max_tokens else "max_completion_tokens"
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": RESULT_TOOL_NAME, "strict": True, "schema": request.schema},
            },
            limit_key: request.max_output_tokens,
        }
        if self._send_temperature:
            kwargs["temperature"] = request.temperature
        try:
            try:
                response = self._client.chat.completions.create(**kwargs)
            except openai.BadRequestError as exc:
                # Reasoning models accept only their default temperature: drop it once and go on.
                if "temperature" not in kwargs or _error_param(exc.body) != "temperature":
                    raise
                self._send_temperature = False
                del kwargs["temperature"]
                response = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError:
            raise RetryableError(f"{self.provider}: no answer within {self._timeout:g}s") from None
        except openai.APIConnectionError:
            raise RetryableError(f"{self.provider}: connection failed") from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            if status == 429 or status >= 500 or status == 408:
                raise RetryableError(
                    f"{self.provider}: HTTP {status}", retry_after=retry_after_seconds(exc.response.headers)
                ) from None
            raise ProviderError(f"{self.provider}: HTTP {status} ({_error_type(exc.body)})") from None
        except (openai.APIResponseValidationError, ValueError):
            raise MalformedOutputError(f"{self.provider}: the response is not a chat completion") from None

        usage = Usage(
            tokens_in=int(getattr(response.usage, "prompt_tokens", 0) or 0),
            tokens_out=int(getattr(response.usage, "completion_tokens", 0) or 0),
        )
        if not response.choices:
            raise MalformedOutputError(f"{self.provider}: the response has no choices", usage=usage)
        choice = response.choices[0]
        if choice.finish_reason == "length":
            raise TruncatedOutputError(
                f"{self.provider}: the answer hit the {request.max_output_tokens}-token output limit",
                usage=usage,
            )
        if choice.finish_reason == "content_filter":
            raise ProviderError(f"{self.provider}: the answer was stopped by the content filter", usage=usage)
        if getattr(choice.message, "refusal", None):
            raise ProviderError(f"{self.provider}: the model refused to answer", usage=usage)
        content = choice.message.content
        if not content:
            raise MalformedOutputError(f"{self.provider}: the answer is empty", usage=usage)
        return LLMResponse(payload=content, usage=usage, model=response.model or self.model)


def _error_param(body: object) -> str | None:
    """The request parameter an OpenAI error body blames, if any."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("param"), str):
            return str(error["param"])
    return None


def _error_type(body: object) -> str:
    """The provider's error type from an error body, never its message (it may echo input)."""
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            return str(error.get("type") or error.get("code") or "error")
    return "error"
