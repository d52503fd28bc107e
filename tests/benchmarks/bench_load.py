"""Load benchmark (issue 7): a mixed workload against uvicorn + DynamoDB Local for a fixed duration.

Creates (with plans), reads, lists, analytics and signed Spacelift webhook deliveries (new runs,
exact duplicates and out-of-order state updates) from concurrent httpx async clients. Prints
throughput, p50/p95/p99 latency per operation and error counts; asserts nothing (the integrity
checks live in tests/security/test_load_integrity.py, which calls run_load for a short run).

Run: .venv/bin/python -m tests.benchmarks.bench_load [--duration 30] [--concurrency 16] [--url URL]
Without --url it starts DynamoDB Local and the app (local dispatcher: reviews really get reviewed)
in a child process, and also reports the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.support import KEY_LINES, READ_AUTH, WRITE_AUTH, simple_plan
from tests.webhook.payloads import NEWER_RUN_EVENT, POLICY_PAYLOAD
from webhook.signature import compute_signature

DEFAULT_SECRET = "whsec-load-0123456789abcdef0123456789abcd"
# Operation mix (weights): what a dashboard, CI hooks and Spacelift together send.
MIX = {"create": 15, "get": 30, "list": 20, "versions": 5, "analytics": 10, "webhook": 20}
RUN_STATES = ["UNCONFIRMED", "CONFIRMED", "APPLYING", "FINISHED"]


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class LoadResult:
    """What a run did: latencies and statuses per operation, the reviews it created, its failures."""

    duration: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    run_reviews: dict[str, set[str]] = field(default_factory=dict)
    webhook_outcomes: Counter[str] = field(default_factory=Counter)
    deliveries: int = 0
    duplicates_sent: int = 0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def server_errors(self) -> int:
        return sum(n for c in self.statuses.values() for status, n in c.items() if status >= 500)

    def record(self, op: str, seconds: float, status: int) -> None:
        self.latencies.setdefault(op, []).append(seconds)
        self.statuses.setdefault(op, Counter())[status] += 1

    def summary(self) -> str:
        everything = [s for v in self.latencies.values() for s in v]
        lines = [
            f"duration {self.duration:.1f} s, {self.requests} requests, "
            f"{self.requests / max(self.duration, 1e-9):.1f} req/s, "
            f"5xx {self.server_errors}, transport errors {len(self.errors)}",
            f"{'operation':<10} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses",
        ]
        for op in sorted(self.latencies):
            samples = self.latencies[op]
            statuses = ", ".join(f"{k}:{v}" for k, v in sorted(self.statuses[op].items()))
            lines.append(
                f"{op:<10} {len(samples):>6} {percentile(samples, 0.5) * 1000:>8.1f} "
                f"{percentile(samples, 0.95) * 1000:>8.1f} {percentile(samples, 0.99) * 1000:>8.1f}  {statuses}"
            )
        lines.append(
            f"{'all':<10} {len(everything):>6} {percentile(everything, 0.5) * 1000:>8.1f} "
            f"{percentile(everything, 0.95) * 1000:>8.1f} {percentile(everything, 0.99) * 1000:>8.1f}"
        )
        lines.append(
            f"reviews created by the API {len(self.created)}, Spacelift runs {len(self.run_reviews)}, "
            f"deliveries {self.deliveries} (of which exact duplicates {self.duplicates_sent}); "
            f"webhook outcomes {dict(self.webhook_outcomes)}"
        )
        return "\n".join(lines)


class Workload:
    """Shared state of the workers: known reviews and runs, deliveries to replay."""

    def __init__(self, secret: str, seed: int) -> None:
        self.secret = secret
        self.random = random.Random(seed)
        self.reviews: list[str] = []
        self.runs: list[tuple[str, int]] = []  # (run id, updated_at of its policy delivery)
        self.sent: list[bytes] = []
        self.result = LoadResult()

    def policy_delivery(self) -> bytes:
        payload = copy.deepcopy(POLICY_PAYLOAD)
        run_id = "01JLOAD" + uuid.uuid4().hex[:19].upper()
        updated = time.time_ns()
        payload["run"]["id"] = run_id
        payload["run"]["updated_at"] = updated
        self.runs.append((run_id, updated))
        return json.dumps(payload).encode()

    def state_delivery(self) -> bytes:
        run_id, _ = self.random.choice(self.runs)
        event = copy.deepcopy(NEWER_RUN_EVENT)
        event["run"]["id"] = run_id
        event["run"]["type"] = "TRACKED"
        event["stack"]["id"] = POLICY_PAYLOAD["stack"]["id"]
        event["account"] = POLICY_PAYLOAD["account"]
        version = self.random.randint(1, 8)  # out of order on purpose; older ones must be dropped
        event["stateVersion"] = version
        event["state"] = RUN_STATES[min(version // 2, len(RUN_STATES) - 1)]
        return json.dumps(event).encode()

    def next_delivery(self) -> tuple[bytes, bool]:
        roll = self.random.random()
        if self.sent and roll < 0.3:
            self.result.duplicates_sent += 1
            return self.random.choice(self.sent), True
        if self.runs and roll < 0.6:
            return self.state_delivery(), False
        return self.policy_delivery(), False


async def _one(http: httpx.AsyncClient, work: Workload, op: str) -> None:
    result = work.result
    rnd = work.random
    started = time.perf_counter()
    response: httpx.Response
    if op == "get" and not work.reviews:
        op = "create"
    if op == "versions" and not work.reviews:
        op = "list"
    if op == "create":
        plan = simple_plan(terraform_version=f"1.{rnd.randint(0, 9)}.{rnd.randint(0, 9)}")
        response = await http.post(
            "/api/reviews", json={"plan": plan, "title": f"load {rnd.random():.6f}"}, headers=WRITE_AUTH
        )
        if response.status_code == 202:
            review_id = response.json()["id"]
            result.created.append(review_id)
            work.reviews.append(review_id)
    elif op == "get":
        response = await http.get(f"/api/reviews/{rnd.choice(work.reviews)}", headers=READ_AUTH)
    elif op == "versions":
        response = await http.get(f"/api/reviews/{rnd.choice(work.reviews)}/versions", headers=READ_AUTH)
    elif op == "list":
        params = rnd.choice([{}, {"status": "COMPLETED"}, {"risk_level": "HIGH"}, {"limit": "50"}])
        response = await http.get("/api/reviews", params=params, headers=READ_AUTH)
    elif op == "analytics":
        response = await http.get(
            "/api/analytics", params={"days": rnd.choice([1, 7, 30])}, headers=READ_AUTH
        )
    else:
        body, duplicate = work.next_delivery()
        if not duplicate:
            work.sent.append(body)
        headers = {
            "Content-Type": "application/json",
            "X-Signature-256": compute_signature(work.secret, body),
        }
        response = await http.post("/webhooks/spacelift", content=body, headers=headers)
        result.deliveries += 1
        if response.status_code < 300:
            answer = response.json()
            result.webhook_outcomes[answer["outcome"]] += 1
            if answer.get("review_id") and answer.get("run_id"):
                result.run_reviews.setdefault(answer["run_id"], set()).add(answer["review_id"])
    result.record(op, time.perf_counter() - started, response.status_code)


async def _worker(base_url: str, work: Workload, deadline: float) -> None:
    ops, weights = list(MIX), list(MIX.values())
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        while time.monotonic() < deadline:
            op = work.random.choices(ops, weights)[0]
            try:
                await _one(http, work, op)
            except httpx.HTTPError as exc:
                work.result.errors.append(f"{op}: {type(exc).__name__}")


async def run_load(
    base_url: str, *, duration: float, concurrency: int, secret: str = DEFAULT_SECRET, seed: int = 7
) -> LoadResult:
    """Run the mixed workload for `duration` seconds with `concurrency` clients; return what happened."""
    work = Workload(secret, seed)
    started = time.monotonic()
    await asyncio.gather(*(_worker(base_url, work, started + duration) for _ in range(concurrency)))
    work.result.duration = time.monotonic() - started
    return work.result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--url", help="an already running server (its webhook secret via --secret)")
    parser.add_argument("--secret", default=DEFAULT_SECRET)
    parser.add_argument("--dispatcher", default="local", choices=["local", "none"])
    args = parser.parse_args(argv)
    if args.url:
        result = asyncio.run(
            run_load(args.url, duration=args.duration, concurrency=args.concurrency, secret=args.secret)
        )
        print(result.summary())
        return 0

    from scripts import dynamodb_local
    from tests.security.support import ServerProcess

    ddb = dynamodb_local.start()
    server = ServerProcess(
        {
            "TFR_ENV": "test",
            "TFR_TABLE_NAME": f"tfr-load-{uuid.uuid4().hex[:8]}",
            "TFR_DYNAMODB_ENDPOINT_URL": ddb.endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_API_KEYS": ",".join(KEY_LINES),
            "TFR_DISPATCHER": args.dispatcher,
            "TFR_LLM_PROVIDER": "none",
            "TFR_SPACELIFT_WEBHOOK_SECRET": args.secret,
            "TFR_LOG_LEVEL": "WARNING",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
    )
    try:
        server.wait_ready()
        result = asyncio.run(
            run_load(server.url, duration=args.duration, concurrency=args.concurrency, secret=args.secret)
        )
        print(f"server: uvicorn (1 process) + DynamoDB Local, dispatcher={args.dispatcher}, LLM none")
        print(f"concurrency {args.concurrency}")
        print(result.summary())
        print(f"server peak RSS {server.peak_rss_mb():.0f} MB")
    finally:
        server.stop()
        ddb.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
