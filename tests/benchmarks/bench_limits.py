"""Every GET of a big review fits Lambda's 6 MB response, as sent through API Gateway (issue 12).

Run: .venv/bin/python -m tests.benchmarks.bench_limits [--resources 50000]
Submits a gzipped plan from /work/shared/bench/make_plan.py through the API Lambda entry (Mangum,
API Gateway HTTP API 2.0 events, in process) with the local reviewer, waits for COMPLETED, then
walks every GET: the review, every version, every page of findings (and a page of each filter),
changes and versions, every page of the md/json/sarif reports, the list and analytics. Prints the
largest Lambda response with and without gzip. tests/app/test_response_limits.py runs it on 10,000.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
MAKE_PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "make_plan.py"


def make_plan(resources: int) -> bytes:
    return subprocess.run(
        [sys.executable, str(MAKE_PLAN), str(resources)], check=True, capture_output=True
    ).stdout


def http_api_event(
    method: str, url: str, headers: dict[str, str], body: bytes | None = None
) -> dict[str, Any]:
    """A payload-format 2.0 event as API Gateway HTTP API sends it (binary bodies base64-encoded)."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.path,
        "rawQueryString": parts.query,
        "headers": {
            "host": "abc123.execute-api.eu-west-1.amazonaws.com",
            **{k.lower(): v for k, v in headers.items()},
        },
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": parts.path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "bench",
            },
            "requestId": "bench",
            "routeKey": "$default",
            "stage": "$default",
            "time": "04/Dec/2026:06:00:00 +0000",
            "timeEpoch": 1796364000000,
        },
        "body": base64.b64encode(body).decode() if body is not None else None,
        "isBase64Encoded": body is not None,
    }


@dataclass
class Sent:
    """One Lambda answer: its status, the decoded body and the size of the response payload."""

    status: int
    headers: dict[str, str]
    body: bytes
    payload_bytes: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Walk:
    """The sizes of every GET the walk made: (url, gzip, Lambda payload bytes)."""

    sizes: list[tuple[str, bool, int]] = field(default_factory=list)

    def largest(self, gzipped: bool) -> tuple[str, int]:
        url, _, size = max((s for s in self.sizes if s[1] is gzipped), key=lambda s: s[2])
        return url, size


def invoke(handler: Any, method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> Sent:
    result = handler(http_api_event(method, url, headers, body), None)
    payload_bytes = len(json.dumps(result).encode())
    raw = base64.b64decode(result["body"]) if result.get("isBase64Encoded") else result["body"].encode()
    response_headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    if response_headers.get("content-encoding") == "gzip":
        # Binary bodies reach API Gateway base64-encoded, which it decodes before sending.
        assert result.get("isBase64Encoded") is True, "a gzip body must be base64-encoded for API Gateway"
        raw = gzip.decompress(raw)
    return Sent(result["statusCode"], response_headers, raw, payload_bytes)


@contextmanager
def lambda_handler(env: dict[str, str]) -> Iterator[Any]:
    """`app.handler.handler`, imported in this process under the given environment."""
    import importlib

    from app.core.settings import get_settings

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    get_settings.cache_clear()
    sys.modules.pop("app.handler", None)
    try:
        module = importlib.import_module("app.handler")
        yield module.handler
    finally:
        sys.modules.pop("app.handler", None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


def submit_and_wait(
    handler: Any, auth: dict[str, str], plan: bytes, timeout: float
) -> tuple[dict[str, Any], float]:
    """POST the plan gzipped through the Lambda entry; the COMPLETED review and the seconds it took."""
    started = time.perf_counter()
    body = gzip.compress(b'{"plan":' + plan + b',"title":"limits"}', compresslevel=6)
    created = invoke(
        handler,
        "POST",
        "/api/reviews",
        {**auth, "content-type": "application/json", "content-encoding": "gzip", "accept-encoding": "gzip"},
        body,
    )
    assert created.status == 202, created.body[:500]
    review_id = created.json()["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        review = invoke(
            handler, "GET", f"/api/reviews/{review_id}", {**auth, "accept-encoding": "gzip"}
        ).json()
        if review["status"] in ("COMPLETED", "FAILED"):
            assert review["status"] == "COMPLETED", review.get("error")
            return dict(review), time.perf_counter() - started
        time.sleep(0.05)
    raise AssertionError(f"review {review_id} did not complete in {timeout} s")


def walk_every_get(handler: Any, auth: dict[str, str], review: dict[str, Any]) -> Walk:
    """GET everything a client can read about the review, with and without gzip; check each fits."""
    walk = Walk()
    base = f"/api/reviews/{review['id']}"

    def get(url: str) -> Sent:
        answers = {}
        for gzipped in (True, False):
            headers = {**auth, "accept-encoding": "gzip" if gzipped else "identity"}
            sent = invoke(handler, "GET", url, headers)
            assert sent.status == 200, (url, sent.status, sent.body[:300])
            assert sent.payload_bytes <= LAMBDA_RESPONSE_LIMIT, (url, gzipped, sent.payload_bytes)
            walk.sizes.append((url, gzipped, sent.payload_bytes))
            answers[gzipped] = sent
        assert answers[True].body == answers[False].body, url
        return answers[True]

    def pages(url: str, **params: Any) -> int:
        cursor: str | None = None
        count = 0
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = get(f"{url}?{urlencode(query)}").json()
            count += len(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return count

    get(base)
    assert pages(f"{base}/findings", limit=500) == review["findings_total"]
    for severity in ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"):
        for introduced in ("true", "false"):
            get(
                f"{base}/findings?{urlencode({'limit': 500, 'severity': severity, 'introduced': introduced})}"
            )
    assert pages(f"{base}/changes", limit=500) == review["changes_total"]
    assert pages(f"{base}/versions", limit=200) == review["latest_version"]
    for version in range(1, review["latest_version"] + 1):
        get(f"{base}/versions/{version}")
    get(f"{base}/report?format=md")
    for fmt in ("json", "sarif"):
        seen = 0
        cursor = None
        while True:
            sent = get(
                f"{base}/report?{urlencode({'format': fmt, **({'cursor': cursor} if cursor else {})})}"
            )
            document = sent.json()
            seen += len(document["findings"] if fmt == "json" else document["runs"][0]["results"])
            cursor = sent.headers.get("x-next-cursor")
            if cursor is None:
                break
        assert seen == review["findings_total"], (fmt, seen)
    get("/api/reviews?limit=200")
    get("/api/analytics?days=90")
    return walk


def run(resources: int, env: dict[str, str], auth: dict[str, str], timeout: float = 900) -> dict[str, Any]:
    """Review a plan of `resources` through the Lambda entry and walk every GET; the figures."""
    plan = make_plan(resources)
    with lambda_handler(env) as handler:
        review, seconds = submit_and_wait(handler, auth, plan, timeout)
        walk = walk_every_get(handler, auth, review)
    return {
        "resources": resources,
        "plan_bytes": len(plan),
        "findings_total": review["findings_total"],
        "changes_total": review["changes_total"],
        "post_to_completed_s": round(seconds, 2),
        "gets": len(walk.sizes),
        "largest_gzip": walk.largest(True),
        "largest_identity": walk.largest(False),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50_000)
    args = parser.parse_args()
    from scripts import dynamodb_local
    from tests.support import KEY_LINES, WRITE_KEY

    server = dynamodb_local.start()
    try:
        env = {
            "TFR_ENV": "test",
            "TFR_TABLE_NAME": f"tfr-bench-limits-{os.getpid()}",
            "TFR_DYNAMODB_ENDPOINT_URL": server.endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_API_KEYS": ",".join(KEY_LINES),
            "TFR_DISPATCHER": "local",
            "TFR_LLM_PROVIDER": "none",
            "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-bench",
            "TFR_MAX_BODY_BYTES": str(200 * 1024 * 1024),
        }
        print(json.dumps(run(args.resources, env, {"authorization": f"Bearer {WRITE_KEY}"}), indent=2))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
