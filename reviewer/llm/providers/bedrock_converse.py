"""AWS Bedrock Converse with a forced tool call (toolConfig + toolChoice), through boto3."""

from __future__ import annotations

from typing import Any

from reviewer.llm.base import LLMRequest, LLMResponse, Usage
from reviewer.llm.errors import MalformedOutputError, ProviderError, RetryableError, TruncatedOutputError
from reviewer.llm.schema import RESULT_TOOL_DESCRIPTION, RESULT_TOOL_NAME

_RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelTimeoutException",
        "ModelNotReadyException",
        "TooManyRequestsException",
    }
)


class BedrockConverseClient:
    """One model behind bedrock-runtime Converse."""

    provider = "bedrock"

    def __init__(self, *, model: str, region: str, endpoint_url: str | None, timeout: float) -> None:
        import boto3  # lazy: only the reviewer builds LLM clients
        from botocore.config import Config

        self.model = model
        self._timeout = timeout
        config = Config(
            connect_timeout=min(10.0, timeout),
            read_timeout=timeout,
            # botocore retries are off: the caller retries with its own backoff and budget.
            retries={"total_max_attempts": 1, "mode": "standard"},
        )
        self._send_temperature = True
        self._client: Any = boto3.client(
            "bedrock-runtime", region_name=region, endpoint_url=endpoint_url, config=config
        )

    def complete(self, request: LLMRequest) -> LLMResponse:
        """One Converse call; raise an LLMError on any failure."""
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        inference: dict[str, Any] = {"maxTokens": request.max_output_tokens}
        if self._send_temperature:
            inference["temperature"] = request.temperature
        kwargs: dict[str, Any] = {
            "modelId": self.model,
            "system": [{"text": request.system}],
            "messages": [{"role": "user", "content": [{"text": request.user}]}],
            "inferenceConfig": inference,
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": RESULT_TOOL_NAME,
                            "description": RESULT_TOOL_DESCRIPTION,
                            "inputSchema": {"json": request.schema},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": RESULT_TOOL_NAME}},
            },
        }
        try:
            try:
                response = self._client.converse(**kwargs)
            except ClientError as exc:
                # Newer Claude models on Bedrock reject temperature as deprecated: drop it once and go on.
                error = exc.response.get("Error", {})
                if (
                    "temperature" not in inference
                    or error.get("Code") != "ValidationException"
                    or "temperature" not in str(error.get("Message", "")).lower()
                ):
                    raise
                self._send_temperature = False
                del inference["temperature"]
                response = self._client.converse(**kwargs)
        except (ReadTimeoutError, ConnectTimeoutError):
            raise RetryableError(f"bedrock: no answer within {self._timeout:g}s") from None
        except (EndpointConnectionError, ConnectionError):
            raise RetryableError("bedrock: connection failed") from None
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "error"))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if code in _RETRYABLE_CODES or status == 429 or status >= 500:
                raise RetryableError(f"bedrock: {code} (HTTP {status})") from None
            raise ProviderError(f"bedrock: {code} (HTTP {status})") from None
        except BotoCoreError as exc:
            raise ProviderError(f"bedrock: {type(exc).__name__}") from None

        raw_usage = response.get("usage") or {}
        usage = Usage(
            tokens_in=int(raw_usage.get("inputTokens", 0) or 0),
            tokens_out=int(raw_usage.get("outputTokens", 0) or 0),
        )
        stop = response.get("stopReason")
        if stop == "max_tokens":
            raise TruncatedOutputError(
                f"bedrock: the answer hit the {request.max_output_tokens}-token output limit", usage=usage
            )
        if stop in {"guardrail_intervened", "content_filtered"}:
            raise ProviderError(f"bedrock: the answer was stopped ({stop})", usage=usage)
        content = ((response.get("output") or {}).get("message") or {}).get("content") or []
        texts: list[str] = []
        for block in content:
            tool_use = block.get("toolUse") if isinstance(block, dict) else None
            if isinstance(tool_use, dict) and tool_use.get("name") == RESULT_TOOL_NAME:
                tool_input = tool_use.get("input")
                if not isinstance(tool_input, dict):
                    raise MalformedOutputError("bedrock: the tool input is not an object", usage=usage)
                return LLMResponse(payload=tool_input, usage=usage, model=self.model)
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                texts.append(block["text"])
        if texts:
            # No tool call despite toolChoice: accept the text only if it is the JSON itself.
            return LLMResponse(payload="".join(texts), usage=usage, model=self.model)
        raise MalformedOutputError("bedrock: the answer has no tool call", usage=usage)
