"""A local notification sink for `make dev` and the tests: records Slack and webhook POSTs and shows them.

POST /slack and POST /webhook are recorded (a webhook's X-Signature-256 is checked with the sink's
secret); GET / lists what arrived as a page, GET /messages as JSON. `fail_first` answers the first
N POSTs of each path with 503, so a retry can be watched (and tested); a path under /gone always
answers 410, a receiver that will never take the message.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1024 * 1024
KEPT_HEADERS = (
    "content-type",
    "x-signature-256",
    "x-tfreview-event",
    "x-tfreview-delivery",
    "x-tfreview-timestamp",
    "idempotency-key",
)


@dataclass
class SinkState:
    """What the sink received, and how many POSTs per path it still refuses."""

    secret: str | None = None
    fail_first: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, path: str) -> list[dict[str, Any]]:
        """Recorded messages of one path (/slack or /webhook)."""
        with self.lock:
            return [m for m in self.messages if m["path"] == path]


def _handler(state: SinkState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            return

        def _answer(self, status: int, body: bytes, media: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, b'{"error":"too large"}')
                return
            body = self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            if path.startswith("/gone"):
                self._answer(410, b'{"error":"gone"}')
                return
            with state.lock:
                refused = state.refused.get(path, 0)
                if refused < state.fail_first:
                    state.refused[path] = refused + 1
                    fail = True
                else:
                    fail = False
            if fail:
                self._answer(503, b'{"error":"failing on purpose (fail_first)"}')
                return
            try:
                payload: Any = json.loads(body)
            except ValueError:
                payload = body.decode("utf-8", "replace")
            signed = self.headers.get("X-Signature-256")
            verified = None
            if signed is not None and state.secret:
                expected = "sha256=" + hmac.new(state.secret.encode(), body, hashlib.sha256).hexdigest()
                verified = hmac.compare_digest(expected, signed)
            record = {
                "path": path,
                "received_at": datetime.now(UTC).isoformat(),
                "headers": {k: v for k, v in self.headers.items() if k.lower() in KEPT_HEADERS},
                "signature_ok": verified,
                "body": payload,
            }
            with state.lock:
                state.messages.append(record)
            self._answer(200, b'{"ok":true}')

        def do_GET(self) -> None:
            with state.lock:
                messages = list(state.messages)
            if self.path.startswith("/messages"):
                self._answer(200, json.dumps(messages).encode())
                return
            rows = []
            for message in reversed(messages):
                body = message["body"]
                text = body.get("text") if isinstance(body, dict) and "text" in body else None
                summary = text or json.dumps(body)[:300]
                rows.append(
                    f"<tr><td>{html.escape(message['received_at'])}</td><td>{html.escape(message['path'])}</td>"
                    f"<td>{html.escape(str(message['signature_ok']))}</td><td>{html.escape(str(summary))}</td></tr>"
                )
            page = (
                "<!doctype html><title>tfreview notification sink</title><h1>Notifications received</h1>"
                f"<p>{len(messages)} message(s). JSON at <a href='/messages'>/messages</a>.</p>"
                "<table border=1 cellpadding=4><tr><th>received</th><th>path</th><th>signature ok</th>"
                f"<th>message</th></tr>{''.join(rows)}</table>"
            )
            self._answer(200, page.encode(), "text/html; charset=utf-8")

    return Handler


class NotifySink:
    """The sink server in a background thread."""

    def __init__(self, port: int = 0, *, secret: str | None = None, fail_first: int = 0) -> None:
        self.state = SinkState(secret=secret, fail_first=fail_first)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.state))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="notify-sink")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> NotifySink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--secret", default=None, help="signing secret to check X-Signature-256 with")
    parser.add_argument("--fail-first", type=int, default=0, help="answer the first N POSTs of each path 503")
    args = parser.parse_args()
    sink = NotifySink(args.port, secret=args.secret, fail_first=args.fail_first)
    try:
        sink._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sink._server.server_close()


if __name__ == "__main__":
    main()
