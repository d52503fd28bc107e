"""Helpers shared by the security tests: the error shape, leak checks, raw HTTP, a server subprocess."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.core.settings import Settings
from app.main import create_app
from app.services.container import Services, build_services
from scripts.dynamodb_local import free_port
from tests.support import ROOT, live_server

ULID = "01JD8Z4Q7W3V5K2M9N8P6R4T2Y"
WEBHOOK_SECRET = "whsec-security-0123456789abcdef01234567"
ALLOWED_ORIGIN = "https://dashboard.example.com"
FOREIGN_ORIGIN = "https://evil.example.net"

# What must never reach a client: Python tracebacks, source paths, exception class names.
_LEAK_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r'File "[^"]+", line \d+'),
    re.compile(r"/(?:work|home|usr|opt|tmp|site-packages)/[\w./-]+\.py"),
    re.compile(r"\b\w+\.py\b"),
    re.compile(
        r"\b(?:\w*Exception|\w+Error|KeyError|StopIteration|RecursionError|SystemExit|"
        r"ClientError|BotoCoreError|EndpointConnectionError|ReadTimeoutError|ConnectTimeoutError)\b"
    ),
]
# Our own error *codes* are snake_case and fine ("validation_error"); class names are CamelCase.


def leaks(text: str) -> list[str]:
    """The leak patterns found in a response body (empty when clean)."""
    return [pattern.pattern for pattern in _LEAK_PATTERNS if pattern.search(text)]


def assert_error_shape(response: httpx.Response, status: int | None = None) -> dict[str, Any]:
    """The documented shape {"error": {code, message, details}, "request_id"}, nothing leaked."""
    if status is not None:
        assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["code"], str) and re.fullmatch(r"[a-z_]+", body["error"]["code"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["request_id"], str) and body["request_id"], body
    found = leaks(response.text)
    assert not found, (found, response.text[:500])
    return dict(body["error"])


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def assert_security_headers(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code, dict(response.headers))
    assert "max-age=" in response.headers.get("strict-transport-security", ""), dict(response.headers)
    assert response.headers.get("x-request-id"), dict(response.headers)


@contextmanager
def running_app(settings: Settings, services: Services | None = None) -> Iterator[tuple[str, Services]]:
    """The real app under uvicorn in this process; yields (base URL, services)."""
    built = services or build_services(settings)
    try:
        with live_server(create_app(settings, built)) as url:
            yield url, built
    finally:
        built.close()


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float


def raw_request(
    base_url: str,
    head: str,
    body_prefix: bytes = b"",
    *,
    timeout: float = 10.0,
) -> RawResponse:
    """Send a request head and only the start of its body over a socket; read what the server answers."""
    host, port = base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body_prefix)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        header_blob, _, rest = data.partition(b"\r\n\r\n")
        lines = header_blob.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return RawResponse(status, headers, rest[:length], time.monotonic() - started)


def request_head(method: str, path: str, headers: Mapping[str, str]) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


class ServerProcess:
    """The app under uvicorn in a child process, so its peak RSS (VmHWM) can be read from /proc, and
    so it can be killed and started again on the same port."""

    def __init__(self, env: Mapping[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("TFR_")} | dict(env)
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--log-level", "warning"],
            cwd=ROOT,
            env=self._env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        """SIGKILL: what an OOM kill or a crashed host does; nothing of the process runs after it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """A new process on the same port (after kill or stop)."""
        self.process = self._spawn()

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def _status_kb(self, field: str) -> int:
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE)
        return int(match.group(1)) if match else 0

    def rss_mb(self) -> float:
        return self._status_kb("VmRSS") / 1024

    def peak_rss_mb(self) -> float:
        """Peak resident set size of the server process so far (VmHWM)."""
        return self._status_kb("VmHWM") / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def scan_table(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a test table (a Scan is fine in a test)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def item_counts(client: Any, table: str) -> dict[str, int]:
    """Items per key kind (REVIEW, PLAN, STATS, IDEMPOTENCY, SPACELIFT) in a test table."""
    counts: dict[str, int] = {}
    for item in scan_table(client, table):
        kind = item["PK"]["S"].split("#", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


def contiguous_versions(items: list[dict[str, Any]]) -> dict[str, int]:
    """Every review has its current item and versions 1..latest, no gaps, no orphans; {id: latest}."""
    versions: dict[str, set[int]] = {}
    latest: dict[str, int] = {}
    for item in items:
        pk, sk = item["PK"]["S"], item["SK"]["S"]
        if not pk.startswith("REVIEW#"):
            continue
        review_id = pk.removeprefix("REVIEW#")
        number = int(sk.removeprefix("VERSION#"))
        if number == 0:
            latest[review_id] = int(item["latest_version"]["N"])
        else:
            versions.setdefault(review_id, set()).add(number)
    assert set(versions) == set(latest), "a version without its current item, or the reverse"
    for review_id, numbers in versions.items():
        assert numbers == set(range(1, latest[review_id] + 1)), (review_id, numbers, latest[review_id])
    return latest
