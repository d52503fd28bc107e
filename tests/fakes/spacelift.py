"""A fake Spacelift GraphQL API on 127.0.0.1: real HTTP, real GraphQL request bodies, recorded calls."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FIELD_RE = re.compile(r"^\s*(?:query|mutation)\b[^{]*\{\s*(\w+)", re.S)


@dataclass
class Call:
    """One GraphQL request as the fake received it."""

    operation_name: str | None
    root_field: str
    query: str
    variables: dict[str, Any]
    authorization: str | None


@dataclass
class FakeRun:
    """A run the fake knows: its changes, log pages per state and comments."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[str, list[str]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)


class FakeSpacelift:
    """Serves apiKeyUser, stack.run{changesV3, logs, comments}, runComment and runReview."""

    def __init__(self, *, api_keys: dict[str, str] | None = None, jwt_ttl: float = 3600.0) -> None:
        self.api_keys = api_keys or {"01KEYID0000000000000000000": "s3cret"}
        self.jwt_ttl = jwt_ttl
        self.clock: Callable[[], float] = time.time
        self.runs: dict[tuple[str, str], FakeRun] = {}
        self.calls: list[Call] = []
        # Status codes to answer the next requests with, in order (e.g. [503, 503] then normal).
        self.fail_next: list[int] = []
        self.delay_next: list[float] = []
        self._issued: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add_run(self, stack_id: str, run_id: str, run: FakeRun | None = None) -> FakeRun:
        self.runs[(stack_id, run_id)] = run or FakeRun()
        return self.runs[(stack_id, run_id)]

    def calls_to(self, root_field: str) -> list[Call]:
        return [c for c in self.calls if c.root_field == root_field]

    def mutations(self) -> list[Call]:
        return [c for c in self.calls if c.query.lstrip().startswith("mutation")]

    def start(self) -> FakeSpacelift:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, payload = fake._handle(raw, self.headers.get("Authorization"))
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- GraphQL -----------------------------------------------------------------------------------

    def _handle(self, raw: bytes, authorization: str | None) -> tuple[int, Any]:
        try:
            request = json.loads(raw)
        except ValueError:
            return 400, {"errors": [{"message": "body is not JSON"}]}
        query = request.get("query") or ""
        match = _FIELD_RE.match(query)
        root = match.group(1) if match else ""
        call = Call(request.get("operationName"), root, query, request.get("variables") or {}, authorization)
        with self._lock:
            self.calls.append(call)
            status = self.fail_next.pop(0) if self.fail_next else None
            delay = self.delay_next.pop(0) if self.delay_next else 0.0
        if delay:
            time.sleep(delay)
        if status is not None:
            return status, {"errors": [{"message": f"injected {status}"}]}
        if root == "apiKeyUser":
            return 200, self._api_key_user(call.variables)
        if not self._authorized(authorization):
            return 200, {"data": None, "errors": [{"message": "unauthorized"}]}
        if root == "stack":
            return 200, self._stack(query, call.variables)
        if root == "runComment":
            return 200, self._run_comment(call.variables)
        if root == "runReview":
            return 200, self._run_review(call.variables)
        return 200, {"errors": [{"message": f"unknown field {root!r}"}]}

    def _api_key_user(self, variables: dict[str, Any]) -> Any:
        key_id, secret = variables.get("id"), variables.get("secret")
        if self.api_keys.get(str(key_id)) != secret:
            return {"data": {"apiKeyUser": None}}
        with self._lock:
            jwt = f"jwt-{len(self._issued) + 1}"
            valid_until = self.clock() + self.jwt_ttl
            self._issued[jwt] = valid_until
        return {"data": {"apiKeyUser": {"jwt": jwt, "validUntil": int(valid_until)}}}

    def _authorized(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        valid_until = self._issued.get(authorization.removeprefix("Bearer "))
        return valid_until is not None and self.clock() < valid_until

    def _stack(self, query: str, variables: dict[str, Any]) -> Any:
        run = self.runs.get((str(variables.get("stack")), str(variables.get("run"))))
        if run is None:
            return {"data": {"stack": None}}
        if "changesV3" in query:
            return {"data": {"stack": {"run": {"changesV3": {"resources": run.changes}}}}}
        if "logs(" in query:
            pages = run.logs.get(str(variables.get("state")), [])
            index = int(variables.get("token") or 0)
            page = pages[index] if index < len(pages) else ""
            more = index + 1 < len(pages)
            logs = {
                "exists": bool(pages),
                "finished": True,
                "hasMore": more,
                "nextToken": str(index + 1) if more else None,
                "messages": [{"message": page}] if page else [],
            }
            return {"data": {"stack": {"run": {"logs": logs}}}}
        if "comments" in query:
            return {"data": {"stack": {"run": {"comments": run.comments}}}}
        return {"errors": [{"message": "unsupported run query"}]}

    def _run_comment(self, variables: dict[str, Any]) -> Any:
        run = self.runs.get((str(variables.get("stack")), str(variables.get("run"))))
        if run is None:
            return {"data": {"runComment": None}, "errors": [{"message": "run not found"}]}
        comment = {"body": variables.get("body"), "createdAt": int(self.clock()), "username": "api::key"}
        run.comments.append(comment)
        return {"data": {"runComment": comment}}

    def _run_review(self, variables: dict[str, Any]) -> Any:
        run = self.runs.get((str(variables.get("stack")), str(variables.get("run"))))
        if run is None:
            return {"data": {"runReview": None}, "errors": [{"message": "run not found"}]}
        if variables.get("decision") not in ("APPROVE", "REJECT"):
            return {"errors": [{"message": "invalid RunReviewDecision"}]}
        review = {
            "id": f"review-{len(run.reviews) + 1}",
            "author": "api::key",
            "decision": variables["decision"],
            "note": variables.get("note"),
            "state": "UNCONFIRMED",
            "timestamp": int(self.clock()),
        }
        run.reviews.append(review)
        return {"data": {"runReview": review}}


@contextmanager
def fake_spacelift(**kwargs: Any) -> Iterator[FakeSpacelift]:
    """Start a FakeSpacelift for the duration of a with-block."""
    fake = FakeSpacelift(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
