"""Fake OpenAI, Anthropic and Bedrock Converse endpoints on 127.0.0.1 for tests and demo mode."""

from __future__ import annotations

import json
import logging
import threading
import time
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from reviewer.llm.fakes.script import RecordedRequest, Reply, ReplyKind, Script, error, ok

logger = logging.getLogger(__name__)

FAKE_API_KEY = "fake-key-not-a-secret"


class FakeKind(StrEnum):
    """Which wire format a fake speaks."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    BEDROCK = "bedrock"


def _approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _partial(result: dict[str, Any] | None) -> str:
    text = json.dumps(result or {})
    return text[: max(1, len(text) // 2)]


class _Renderer:
    """Turns a Reply into (status, headers, body) for one wire format."""

    def __init__(self, kind: FakeKind) -> None:
        self.kind = kind

    def render(self, reply: Reply, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        tokens_in = reply.tokens_in if reply.tokens_in is not None else _approx_tokens(request.text)
        if reply.kind is ReplyKind.ERROR:
            status, headers, body = self._error(reply)
        else:
            out_text = json.dumps(reply.result) if reply.result is not None else reply.text
            tokens_out = reply.tokens_out if reply.tokens_out is not None else _approx_tokens(out_text)
            model = self._model(request)
            if self.kind is FakeKind.OPENAI:
                body = self._openai(reply, model, tokens_in, tokens_out)
            elif self.kind is FakeKind.ANTHROPIC:
                body = self._anthropic(reply, model, tokens_in, tokens_out)
            else:
                body = self._bedrock(reply, tokens_in, tokens_out)
            status, headers = 200, {"Content-Type": "application/json"}
        headers = {**headers, **reply.headers}
        if reply.body is not None:
            body = reply.body
        return status, headers, json.dumps(body).encode()

    def _model(self, request: RecordedRequest) -> str:
        try:
            data = request.json()
        except ValueError:
            return "unknown"
        return str(data.get("model", "unknown")) if isinstance(data, dict) else "unknown"

    def _error(self, reply: Reply) -> tuple[int, dict[str, str], dict[str, Any]]:
        headers = {"Content-Type": "application/json"}
        if self.kind is FakeKind.OPENAI:
            kind = "rate_limit_exceeded" if reply.status == 429 else "server_error"
            return reply.status, headers, {"error": {"message": reply.message, "type": kind, "code": kind}}
        if self.kind is FakeKind.ANTHROPIC:
            kind = {429: "rate_limit_error", 529: "overloaded_error", 400: "invalid_request_error"}.get(
                reply.status, "api_error"
            )
            return reply.status, headers, {"type": "error", "error": {"type": kind, "message": reply.message}}
        code = {
            429: "ThrottlingException",
            400: "ValidationException",
            403: "AccessDeniedException",
            503: "ServiceUnavailableException",
        }.get(reply.status, "InternalServerException")
        # botocore's rest-json parser reads the error code from this header.
        return reply.status, {**headers, "x-amzn-ErrorType": code}, {"message": reply.message}

    def _openai(self, reply: Reply, model: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        if reply.kind is ReplyKind.TRUNCATED:
            content, finish = _partial(reply.result), "length"
        elif reply.kind is ReplyKind.MALFORMED:
            content, finish = reply.text, "stop"
        else:
            content, finish = json.dumps(reply.result), "stop"
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": finish,
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
            },
        }

    def _anthropic(self, reply: Reply, model: str, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        content: list[dict[str, Any]]
        if reply.kind is ReplyKind.MALFORMED:
            content, stop = [{"type": "text", "text": reply.text}], "end_turn"
        elif reply.kind is ReplyKind.TRUNCATED:
            partial = {"summary_md": str((reply.result or {}).get("summary_md", ""))[:40]}
            content = [{"type": "tool_use", "id": "toolu_fake", "name": "submit_review", "input": partial}]
            stop = "max_tokens"
        else:
            content = [
                {"type": "tool_use", "id": "toolu_fake", "name": "submit_review", "input": reply.result}
            ]
            stop = "tool_use"
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }

    def _bedrock(self, reply: Reply, tokens_in: int, tokens_out: int) -> dict[str, Any]:
        content: list[dict[str, Any]]
        if reply.kind is ReplyKind.MALFORMED:
            content, stop = [{"text": reply.text}], "end_turn"
        elif reply.kind is ReplyKind.TRUNCATED:
            partial = {"summary_md": str((reply.result or {}).get("summary_md", ""))[:40]}
            content = [{"toolUse": {"toolUseId": "tooluse_fake", "name": "submit_review", "input": partial}}]
            stop = "max_tokens"
        else:
            content = [
                {"toolUse": {"toolUseId": "tooluse_fake", "name": "submit_review", "input": reply.result}}
            ]
            stop = "tool_use"
        return {
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop,
            "usage": {
                "inputTokens": tokens_in,
                "outputTokens": tokens_out,
                "totalTokens": tokens_in + tokens_out,
            },
            "metrics": {"latencyMs": 1},
        }


class FakeServer:
    """A running fake provider: `base_url` for the SDK, `requests` as received, `stop()` to end it."""

    def __init__(self, kind: FakeKind, script: Script | None = None) -> None:
        self.kind = FakeKind(kind)
        self.requests: list[RecordedRequest] = []
        self._script: Script = script if script is not None else [ok()]
        self._position = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._renderer = _Renderer(self.kind)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval makes stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-{kind}", daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        """The TCP port the fake listens on."""
        return int(self._httpd.server_address[1])

    @property
    def endpoint_url(self) -> str:
        """Root URL (Anthropic SDK base_url, Bedrock endpoint_url)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The base URL its SDK expects: with /v1 for OpenAI, the root for Anthropic and Bedrock."""
        return f"{self.endpoint_url}/v1" if self.kind is FakeKind.OPENAI else self.endpoint_url

    def set_script(self, script: Script) -> None:
        """Replace the script and start from its first reply."""
        with self._lock:
            self._script = script
            self._position = 0

    def settings_overrides(self, model: str = "fake-model") -> dict[str, Any]:
        """Settings fields that point the matching provider at this fake."""
        if self.kind is FakeKind.OPENAI:
            return {
                "llm_provider": "openai",
                "llm_model": model,
                "llm_base_url": self.base_url,
                "openai_api_key": FAKE_API_KEY,
            }
        if self.kind is FakeKind.ANTHROPIC:
            return {
                "llm_provider": "anthropic",
                "llm_model": model,
                "anthropic_base_url": self.base_url,
                "anthropic_api_key": FAKE_API_KEY,
            }
        return {"llm_provider": "bedrock", "llm_model": model, "bedrock_endpoint_url": self.endpoint_url}

    def bodies(self) -> list[str]:
        """Every recorded request body as text."""
        with self._lock:
            return [r.text for r in self.requests]

    def stop(self) -> None:
        """Stop serving; replies still sleeping are released at once."""
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._script
            if callable(script):
                return script(request)
            if not script:
                return ok()
            # Past the end of the list the last reply repeats (a "down" server stays down).
            reply = script[min(self._position, len(script) - 1)]
            self._position += 1
            return reply

    def _route_ok(self, path: str) -> bool:
        path = path.split("?", 1)[0]
        if self.kind is FakeKind.OPENAI:
            return path.endswith("/chat/completions")
        if self.kind is FakeKind.ANTHROPIC:
            return path.endswith("/v1/messages")
        return unquote(path).startswith("/model/") and path.endswith("/converse")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest("POST", self.path, dict(self.headers.items()), body)
                if not server._route_ok(self.path):
                    self._send(404, {"Content-Type": "application/json"}, b'{"error": "not found"}')
                    return
                try:
                    reply = server._next_reply(request)
                except Exception:
                    # A broken script answers 500 (the client sees a server error, as in real life).
                    logger.exception("fake_llm.script_failed")
                    reply = error(500, "fake script failed")
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                status, headers, payload = server._renderer.render(reply, request)
                self._send(status, headers, payload)

            def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (its timeout fired first): exactly what a timeout test wants.
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                # Never echo requests (they carry plans) to stderr.
                return

        return Handler


def start_fake(kind: FakeKind | str, script: Script | None = None) -> FakeServer:
    """Start a fake provider on a free 127.0.0.1 port; stop it with .stop() or a with-block."""
    return FakeServer(FakeKind(kind), script)
