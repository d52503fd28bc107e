"""Hostile input against the running server (a child uvicorn process on DynamoDB Local).

Each case gets a 4xx with a clear, short message in the error shape (or, for a correctly signed
webhook, a 2xx that acknowledges and ignores it); nothing is written to the table by a refused
request; the server never answers 5xx and keeps serving. The server's peak RSS (VmHWM) over the
whole corpus is measured and bounded.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import socket
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.storage.client import dynamodb_client
from tests.security.support import (
    WEBHOOK_SECRET,
    ServerProcess,
    assert_error_shape,
    dumps,
    item_counts,
    raw_request,
    request_head,
)
from tests.support import KEY_LINES, READ_AUTH, WRITE_AUTH, simple_plan
from tests.webhook.payloads import NEWER_RUN_EVENT
from webhook.signature import compute_signature

pytestmark = [pytest.mark.integration, pytest.mark.http]

LIMIT = 32 * 1024 * 1024  # the default TFR_MAX_BODY_BYTES
JSON = {"Content-Type": "application/json"}
MAX_ERROR_BYTES = 8192  # a clear message, never an echo of the input
# Loose sanity bounds (the figures are reported): refused input must not balloon the server; the
# largest accepted plan holds one body of LIMIT bytes, its parsed value and redacted copies.
REFUSED_PEAK_RSS_BOUND_MB = 400
PEAK_RSS_BOUND_MB = 1024
FIGURES: dict[str, float] = {}
FIGURES_FILE = Path(tempfile.gettempdir()) / "tfreview-security-figures.txt"


@dataclass
class Case:
    name: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    status: int | tuple[int, ...] = 400
    code: str | None = None
    path: str = "/api/reviews"
    method: str = "POST"
    message_has: str | None = None


def _plan_with(**extra: Any) -> dict[str, Any]:
    return simple_plan(**extra)


def _nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


def _deep_plan(depth: int) -> bytes:
    inner = '{"a": ' * depth + "1" + "}" * depth
    text = json.dumps({"plan": _plan_with()})
    return text.replace('"force_destroy": false', f'"force_destroy": false, "deep": {inner}').encode()


def _gzip_bomb(size: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    out = [compressor.compress(block) for _ in range(size // len(block))]
    out.append(compressor.flush())
    return b"".join(out)


def _state_file() -> dict[str, Any]:
    return {
        "format_version": "1.0",
        "terraform_version": "1.9.5",
        "values": {"root_module": {"resources": [{"address": "aws_s3_bucket.b", "values": {"bucket": "b"}}]}},
    }


def _duplicate_keys() -> bytes:
    plan = json.dumps(_plan_with())
    # The second resource_changes (empty) would hide the database delete from a last-key-wins parser.
    return ('{"plan": ' + plan[:-1] + ', "resource_changes": []}}').encode()


def api_cases() -> list[Case]:
    plan = _plan_with()
    return [
        Case("malformed json", b'{"plan": {"format_version": "1.2",', code="invalid_json"),
        Case("truncated json", dumps({"plan": plan})[:-10], code="invalid_json"),
        Case("empty body", b"", code="invalid_json"),
        Case("whitespace body", b"   \n\t ", code="invalid_json"),
        Case("json scalar", b"42", status=422, code="validation_error"),
        Case("json array", b"[1, 2, 3]", status=422, code="validation_error"),
        Case("json null", b"null", status=422, code="validation_error"),
        Case("not a plan", dumps({"plan": {"hello": "world"}}), status=422, code="invalid_plan"),
        Case("plan is a string", dumps({"plan": "terraform"}), status=422, code="validation_error"),
        Case(
            "state file", dumps({"plan": _state_file()}), status=422, code="invalid_plan", message_has="state"
        ),
        Case("bare state file", dumps(_state_file()), status=422, code="invalid_plan"),
        Case(
            "format 2.0", dumps({"plan": _plan_with(format_version="2.0")}), status=422, code="invalid_plan"
        ),
        Case(
            "format 99.1", dumps({"plan": _plan_with(format_version="99.1")}), status=422, code="invalid_plan"
        ),
        Case("format not a string", dumps({"plan": _plan_with(format_version=["1.2"])}), status=422),
        Case(
            "format 20 MB string",
            dumps({"plan": _plan_with(format_version="2." + "9" * (20 * 1024 * 1024))}),
            status=422,
        ),
        Case(
            "resource_changes not a list", dumps({"plan": _plan_with(resource_changes={"a": 1})}), status=422
        ),
        Case("10,000 nested arrays", b'{"plan": ' + _nested(10_000) + b"}", code="invalid_json"),
        Case("10,000 nested objects", _deep_plan(10_000), code="invalid_json"),
        Case("title 5 MB", dumps({"plan": plan, "title": "t" * (5 * 1024 * 1024)}), status=422),
        Case("10,000 tags", dumps({"plan": plan, "tags": ["x"] * 10_000}), status=422),
        Case("metadata value 1 MB", dumps({"plan": plan, "metadata": {"k": "v" * 1024 * 1024}}), status=422),
        Case("unknown top-level field", dumps({"plan": plan, "admin": True}), status=422),
        Case("source not allowed", dumps({"plan": plan, "source": "root"}), status=422),
        Case("spacelift wrong type", dumps({"plan": plan, "spacelift": {"state_version": "x"}}), status=422),
        Case("NaN", b'{"plan": {"format_version": "1.2", "x": NaN}}', code="invalid_json"),
        Case("Infinity", b'{"plan": {"format_version": "1.2", "x": Infinity}}', code="invalid_json"),
        Case("-Infinity", b'{"plan": {"format_version": "1.2", "x": -Infinity}}', code="invalid_json"),
        Case("5,000-digit integer", b'{"plan": {"format_version": "1.2", "x": ' + b"9" * 5000 + b"}}"),
        Case("duplicate keys", _duplicate_keys(), code="invalid_json", message_has="duplicate"),
        Case("duplicate plan key", b'{"plan": {"format_version": "1.2"}, "plan": {}}', code="invalid_json"),
        Case(
            "lone surrogate in a tag",
            b'{"plan": PLAN, "tags": ["\\ud800"]}'.replace(b"PLAN", dumps(plan)),
            status=(400, 422),
        ),
        Case(
            "lone surrogate in the plan",
            dumps({"plan": plan}).replace(b'"logs"', b'"\\udfff"', 1),
            status=(400, 422),
        ),
        Case(
            "invalid utf-8",
            b'{"plan": {"format_version": "1.2", "x": "\xff\xfe\xc0\xaf"}}',
            code="invalid_json",
        ),
        Case("utf-16", dumps({"plan": plan}).decode().encode("utf-16"), code="invalid_json"),
        Case(
            "text/plain",
            dumps({"plan": plan}),
            {"Content-Type": "text/plain"},
            status=415,
            code="unsupported_media_type",
        ),
        Case("form", b"plan=x", {"Content-Type": "application/x-www-form-urlencoded"}, status=415),
        Case(
            "multipart", b"--x\r\n\r\n--x--", {"Content-Type": "multipart/form-data; boundary=x"}, status=415
        ),
        Case("xml", b"<plan/>", {"Content-Type": "application/xml"}, status=415),
        Case("brotli encoding", dumps({"plan": plan}), {**JSON, "Content-Encoding": "br"}, status=415),
        Case(
            "gzip twice declared",
            gzip.compress(dumps({"plan": plan})),
            {**JSON, "Content-Encoding": "gzip, gzip"},
            status=415,
        ),
        Case(
            "gzip not gzip", b"definitely not gzip", {**JSON, "Content-Encoding": "gzip"}, code="bad_encoding"
        ),
        Case(
            "gzip truncated",
            gzip.compress(dumps({"plan": plan}))[:-20],
            {**JSON, "Content-Encoding": "gzip"},
            code="bad_encoding",
        ),
        Case(
            "gzip of gzip",
            gzip.compress(gzip.compress(dumps({"plan": plan}))),
            {**JSON, "Content-Encoding": "gzip"},
            code="invalid_json",
        ),
        Case(
            "gzip bomb 256 MB",
            _gzip_bomb(256 * 1024 * 1024),
            {**JSON, "Content-Encoding": "gzip"},
            status=413,
            code="payload_too_large",
        ),
        Case(
            "deflate bomb 64 MB",
            zlib.compress(b" " * (64 * 1024 * 1024), 9),
            {**JSON, "Content-Encoding": "deflate"},
            status=413,
        ),
    ]


def _signed(body: bytes) -> dict[str, str]:
    return {**JSON, "X-Signature-256": compute_signature(WEBHOOK_SECRET, body)}


def _run_event(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(NEWER_RUN_EVENT)
    event["run"]["id"] = f"01HOSTILE{uuid.uuid4().hex[:17].upper()}"
    for key, value in changes.items():
        target = event
        *parents, leaf = key.split(".")
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    return event


def webhook_cases() -> list[Case]:
    """Correctly signed but hostile: acknowledged with 2xx (Spacelift would retry a 5xx) or refused with 4xx."""
    ok = (200, 202, 204)
    bodies = {
        "unknown kind": dumps({"kind": "stack_deleted", "whatever": [1, 2]}),
        "audit trail": dumps({"action": "stack.delete", "actor": "x"}),
        "json array": b"[1, 2, 3]",
        "json scalar": b'"hello"',
        "not json": b"<xml>not json</xml>",
        "invalid utf-8": b'{"account": "\xff\xfe"}',
        "NaN": b'{"account": NaN, "state": "FINISHED"}',
        "duplicate keys": b'{"account": "a", "account": "b", "run": {}, "stack": {}}',
        "10,000 nested": _nested(10_000),
        "10,000 nested objects": ('{"a": ' * 10_000 + "1" + "}" * 10_000).encode(),
        "run event with unknown state": dumps(_run_event(state="EXPLODED")),
        "run event with negative stateVersion": dumps(_run_event(stateVersion=-1)),
        "run event with a 64 KB run id": dumps(_run_event(**{"run.id": "R" * 65536, "state": "FINISHED"})),
        "run event with a 64 KB account": dumps(_run_event(account="A" * 65536, state="FINISHED")),
        "policy payload of the wrong schema": dumps({"schema": "evil/v9", "run": "x"}),
    }
    cases = [
        Case(f"webhook {name}", body, _signed(body), status=ok, path="/webhooks/spacelift")
        for name, body in bodies.items()
    ]
    big = b'{"account": "' + b"a" * (7 * 1024 * 1024) + b'"}'
    cases.append(Case("webhook 7 MB signed", big, _signed(big), status=413, path="/webhooks/spacelift"))
    cases.append(Case("webhook 7 MB unsigned", big, JSON, status=(401, 413), path="/webhooks/spacelift"))
    return cases


@pytest.fixture(scope="module")
def server(dynamodb_endpoint: str) -> Iterator[tuple[ServerProcess, str]]:
    table = f"tfr-hostile-{uuid.uuid4().hex[:12]}"
    process = ServerProcess(
        {
            "TFR_ENV": "test",
            "TFR_TABLE_NAME": table,
            "TFR_DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_API_KEYS": ",".join(KEY_LINES),
            "TFR_DISPATCHER": "none",
            "TFR_LLM_PROVIDER": "none",
            "TFR_SPACELIFT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TFR_LOG_LEVEL": "WARNING",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    try:
        process.wait_ready()
        yield process, table
    finally:
        process.stop()


def _counts(dynamodb_endpoint: str, table: str) -> dict[str, int]:
    return item_counts(dynamodb_client("us-east-1", dynamodb_endpoint), table)


def _writes_that_matter(counts: dict[str, int]) -> dict[str, int]:
    # SPACELIFT# delivery records of signed, ignored run events are the dedupe ledger, not a review.
    return {kind: n for kind, n in counts.items() if kind != "SPACELIFT"}


@pytest.mark.parametrize("case", api_cases() + webhook_cases(), ids=lambda case: case.name)
def test_hostile_body_is_refused_and_writes_nothing(
    server: tuple[ServerProcess, str], dynamodb_endpoint: str, case: Case
) -> None:
    process, table = server
    before = _writes_that_matter(_counts(dynamodb_endpoint, table))
    headers = {**(WRITE_AUTH if case.path.startswith("/api/") else {}), **JSON, **case.headers}
    with httpx.Client(base_url=process.url, timeout=60) as http:
        response = http.request(case.method, case.path, content=case.body, headers=headers)
    expected = case.status if isinstance(case.status, tuple) else (case.status,)
    assert response.status_code in expected, (response.status_code, response.text[:1000])
    assert len(response.content) <= MAX_ERROR_BYTES, len(response.content)
    if response.status_code >= 400:
        error = assert_error_shape(response)
        if case.code:
            assert error["code"] == case.code, error
        if case.message_has:
            assert case.message_has in error["message"].lower(), error
    else:
        assert response.json()["outcome"] in ("ignored", "invalid", "no_review", "duplicate", "stale")
    assert _writes_that_matter(_counts(dynamodb_endpoint, table)) == before
    assert process.process.poll() is None


def _stream_chunked(url: str, head: str, total: int) -> tuple[int, bytes]:
    """Send `total` bytes chunked from a second thread; return what the server answered meanwhile."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=60)
    sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
    sent = 0

    def pump() -> None:
        nonlocal sent
        chunk = b"x" * (1024 * 1024)
        try:
            while sent < total:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            return  # the server answered and closed: exactly what should happen

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        data += sock.recv(65536)
    except ConnectionResetError:
        # The server answered and closed while our upload was still arriving: the kernel then resets
        # the connection, possibly before the last read. What was read is the answer.
        pass
    finally:
        sock.close()
        thread.join(timeout=30)
    status = int(data.split(b" ", 2)[1]) if data else 0
    return status, data


@pytest.mark.parametrize("path", ["/api/reviews", "/webhooks/spacelift"])
def test_50_mb_bodies_are_refused(
    server: tuple[ServerProcess, str], dynamodb_endpoint: str, path: str
) -> None:
    process, table = server
    before = _writes_that_matter(_counts(dynamodb_endpoint, table))
    auth = WRITE_AUTH if path.startswith("/api/") else {"X-Signature-256": "sha256=" + "0" * 64}
    declared = raw_request(
        process.url,
        request_head(
            "POST", path, {**auth, **JSON, "Content-Length": str(50 * 1024 * 1024), "Connection": "close"}
        ),
        b'{"plan": "' + b"x" * 65536,
    )
    assert declared.status == 413 and b"payload_too_large" in declared.body
    status, answer = _stream_chunked(
        process.url,
        request_head("POST", path, {**auth, **JSON, "Transfer-Encoding": "chunked", "Connection": "close"}),
        50 * 1024 * 1024,
    )
    assert status == 413, answer[:500]
    assert _writes_that_matter(_counts(dynamodb_endpoint, table)) == before


def test_hand_made_cursors_are_a_400(server: tuple[ServerProcess, str]) -> None:
    """The list cursor is opaque but only base64 JSON: forged positions must be refused, not crash a query."""
    process, _ = server
    with httpx.Client(base_url=process.url, timeout=30) as http:
        for _ in range(2):
            assert (
                http.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH).status_code == 202
            )
        cursor = http.get("/api/reviews?limit=1", headers=READ_AUTH).json()["next_cursor"]
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        real = state["s"]["PENDING"]

        def forged(position: Any, stream: str = "PENDING") -> str:
            data = {"f": state["f"], "s": {**state["s"], stream: position}}
            return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

        positions = {
            "another item kind": {"PK": {"S": "PLAN#x"}, "SK": {"S": "CHUNK#0000"}},
            "another status partition": {**real, "GSI2PK": {"S": "STATUS#COMPLETED"}},
            "an old version item": {**real, "SK": {"S": "VERSION#00000001"}},
            "an over-long sort key": {**real, "GSI2SK": {"S": "CREATED#" + "9" * 1500}},
            "an extra attribute": {**real, "title": {"S": "x"}},
            "a number type": {**real, "PK": {"N": "1"}},
        }
        for name, position in positions.items():
            response = http.get("/api/reviews", params={"cursor": forged(position)}, headers=READ_AUTH)
            error = assert_error_shape(response, 400)
            assert error["code"] == "invalid_cursor", (name, error)
        assert http.get("/api/reviews", params={"cursor": cursor}, headers=READ_AUTH).status_code == 200


def test_bad_content_length_is_refused(server: tuple[ServerProcess, str]) -> None:
    process, _ = server
    for value in ("ten", "-1", "1e3", "9" * 40):
        head = request_head(
            "POST", "/api/reviews", {**WRITE_AUTH, **JSON, "Content-Length": value, "Connection": "close"}
        )
        response = raw_request(process.url, head, b"{}")
        assert 400 <= response.status < 500, (value, response.status)
        assert response.status != 413 or b"payload_too_large" in response.body


def test_largest_accepted_plan_goes_through(server: tuple[ServerProcess, str]) -> None:
    """A valid plan just under the body limit is accepted (and counts in the peak RSS measured next)."""
    process, _ = server
    FIGURES["refused_peak_mb"] = process.peak_rss_mb()  # every refused case above has run by now
    plan = simple_plan()
    template = plan["resource_changes"][0]
    rows: list[dict[str, Any]] = []
    size = 0
    while size < LIMIT - 2 * 1024 * 1024:
        n = len(rows)
        row = copy.deepcopy(template)
        row.update(address=f"aws_s3_bucket.b{n}", name=f"b{n}")
        row["change"]["after"]["bucket"] = f"bucket-{n:07d}-" + "x" * 200
        rows.append(row)
        size += len(json.dumps(row)) + 2
    plan["resource_changes"] = rows
    body = dumps({"plan": plan})
    assert LIMIT - 4 * 1024 * 1024 < len(body) <= LIMIT, len(body)
    with httpx.Client(base_url=process.url, timeout=120) as http:
        response = http.post("/api/reviews", content=body, headers={**WRITE_AUTH, **JSON})
    assert response.status_code == 202, response.text[:500]
    assert response.json()["plan"]["chunks"] >= 1


def test_server_survives_and_memory_stays_bounded(server: tuple[ServerProcess, str]) -> None:
    """Runs last in this module: the server still serves, and its peak RSS over the corpus is bounded."""
    process, _ = server
    with httpx.Client(base_url=process.url, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
        created = http.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH)
        assert created.status_code == 202
        assert http.get(f"/api/reviews/{created.json()['id']}", headers=READ_AUTH).status_code == 200
    time.sleep(0.2)
    peak = process.peak_rss_mb()
    refused = FIGURES.get("refused_peak_mb", peak)
    # Benchmark figures as much as bounds: appended to $TMPDIR/tfreview-security-figures.txt.
    with FIGURES_FILE.open("a") as report:
        report.write(
            f"hostile-input corpus: server peak RSS {refused:.0f} MB over the refused cases, "
            f"{peak:.0f} MB with the largest accepted plan, RSS after {process.rss_mb():.0f} MB\n"
        )
    assert 0 < refused < REFUSED_PEAK_RSS_BOUND_MB, refused
    assert 0 < peak < PEAK_RSS_BOUND_MB, peak
