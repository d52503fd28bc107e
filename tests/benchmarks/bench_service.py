"""Service benchmarks (issues 2, 12): Lambda entry cold import, GET latency vs raw DynamoDB, analytics
scaling, and a big plan POSTed gzipped until COMPLETED against the offline `tfreview review` of it.

Run: .venv/bin/python -m tests.benchmarks.bench_service [--reviews 10000] [--big-plan 10000 --rounds 2]
Needs tools/dynamodb-local installed (make setup). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from app.core.ids import new_ulid
from app.main import create_app
from app.services.container import build_services
from app.storage import keys
from app.storage.models import PlanRef, Review, ReviewStatus, StatusEvent
from reviewer.engine.results import Risk, RiskLevel
from scripts import dynamodb_local
from tests.support import READ_AUTH, ROOT, live_server, make_settings


def cold_import(env: dict[str, str], runs: int = 9) -> tuple[float, float]:
    """Median seconds to import app.handler in a fresh interpreter (what Lambda's init pays), and of fastapi+boto3."""

    def timed(module: str) -> float:
        code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
        samples = []
        for _ in range(runs):
            out = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
            )
            samples.append(float(out.stdout.decode().strip().splitlines()[-1]))
        return statistics.median(samples)

    return timed("app.handler"), timed("fastapi, boto3")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def review(created: datetime, n: int) -> Review:
    level = list(RiskLevel)[n % 4]
    return Review(
        id=new_ulid(int(created.timestamp() * 1000)),
        version=1,
        latest_version=1,
        status=ReviewStatus.COMPLETED,
        title=f"bench {n}",
        plan=PlanRef(sha256="0" * 64, bytes=1),
        risk=Risk(score=10 * (n % 10), level=level),
        duration_ms=500 + n % 3000,
        status_history=[StatusEvent(status=ReviewStatus.COMPLETED, at=created, version=1)],
        created_at=created,
        updated_at=created,
    )


def big_plan_round_trip(endpoint: str, resources: int, rounds: int) -> None:
    """POST (gzip) → COMPLETED through the local service vs `tfreview review` offline, interleaved."""
    from tests.benchmarks.bench_limits import lambda_handler, make_plan, submit_and_wait
    from tests.support import KEY_LINES, WRITE_KEY

    plan = make_plan(resources)
    plan_file = ROOT / ".bench-plan.json"
    plan_file.write_bytes(plan)
    env = {
        "TFR_ENV": "test",
        "TFR_TABLE_NAME": f"tfr-bench-big-{os.getpid()}",
        "TFR_DYNAMODB_ENDPOINT_URL": endpoint,
        "TFR_CREATE_TABLE": "true",
        "TFR_API_KEYS": ",".join(KEY_LINES),
        "TFR_DISPATCHER": "local",
        "TFR_LLM_PROVIDER": "none",
        "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-bench",
    }
    offline: list[float] = []
    service: list[float] = []
    try:
        with lambda_handler(env) as handler:
            for _ in range(rounds):
                start = time.perf_counter()
                subprocess.run(
                    [
                        str(ROOT / ".venv" / "bin" / "tfreview"),
                        "review",
                        str(plan_file),
                        "--format",
                        "json",
                        "--output",
                        os.devnull,
                        "--fail-on",
                        "never",
                    ],
                    check=True,
                    cwd=ROOT,
                )
                offline.append(time.perf_counter() - start)
                _, seconds = submit_and_wait(handler, {"authorization": f"Bearer {WRITE_KEY}"}, plan, 900)
                service.append(seconds)
    finally:
        plan_file.unlink(missing_ok=True)
    best_offline, best_service = statistics.median(offline), statistics.median(service)
    print(f"{resources}-resource plan, offline tfreview review: {', '.join(f'{s:.2f}' for s in offline)} s")
    print(
        f"{resources}-resource plan, POST gzip → COMPLETED (API Lambda entry, local reviewer): "
        f"{', '.join(f'{s:.2f}' for s in service)} s"
    )
    print(f"ratio of medians: {best_service / best_offline:.2f}x (target ≤ 3x)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--big-plan", type=int, default=10_000, help="resources of the round-trip plan; 0 skips"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only-big-plan", action="store_true")
    args = parser.parse_args()
    ddb = dynamodb_local.start()
    try:
        if args.big_plan:
            big_plan_round_trip(ddb.endpoint, args.big_plan, args.rounds)
        if args.only_big_plan:
            return 0
        settings = make_settings(ddb.endpoint)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "TFR_ENV": "test",
            "TFR_DYNAMODB_ENDPOINT_URL": ddb.endpoint,
            "TFR_TABLE_NAME": settings.resolved_table_name,
            "TFR_DISPATCHER": "none",
            "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-bench",
        }
        services = build_services(settings)
        with_app, bare = cold_import(env)
        print(f"cold import app.handler: {with_app:.3f} s (fastapi + boto3 alone: {bare:.3f} s)")

        repo = services.repository
        now = datetime.now(UTC)
        target = repo.create(review(now, 0))
        client = repo._client  # noqa: SLF001 - the raw call is the baseline
        raw: list[float] = []
        api: list[float] = []
        with live_server(create_app(settings, services)) as base, httpx.Client(base_url=base) as http:
            # Interleaved, so both see the same machine load.
            for _ in range(args.requests):
                start = time.perf_counter()
                client.get_item(
                    TableName=settings.resolved_table_name,
                    Key={keys.PK: {"S": keys.review_pk(target.id)}, keys.SK: {"S": keys.CURRENT_SK}},
                    ConsistentRead=True,
                )
                raw.append(time.perf_counter() - start)
                start = time.perf_counter()
                assert http.get(f"/api/reviews/{target.id}", headers=READ_AUTH).status_code == 200
                api.append(time.perf_counter() - start)

            def analytics_latency() -> tuple[float, float]:
                samples = []
                for _ in range(30):
                    start = time.perf_counter()
                    assert http.get("/api/analytics?days=30", headers=READ_AUTH).status_code == 200
                    samples.append(time.perf_counter() - start)
                return statistics.median(samples), percentile(samples, 0.99)

            for n in range(1, 100):
                repo.create(review(now - timedelta(hours=n * 7 % 700), n))
            small = analytics_latency()
            for n in range(100, args.reviews):
                repo.create(review(now - timedelta(hours=n * 7 % 700), n))
            large = analytics_latency()

        def ms(value: float) -> str:
            return f"{value * 1000:.2f} ms"

        print(
            f"GET /api/reviews/{{id}} via uvicorn: p50 {ms(percentile(api, 0.5))}, p99 {ms(percentile(api, 0.99))}"
        )
        print(
            f"raw boto3 GetItem:                  p50 {ms(percentile(raw, 0.5))}, p99 {ms(percentile(raw, 0.99))}"
        )
        print(f"ratio p50: {percentile(api, 0.5) / percentile(raw, 0.5):.2f}x")
        print(f"/api/analytics?days=30 with 100 reviews:    p50 {ms(small[0])}, p99 {ms(small[1])}")
        print(f"/api/analytics?days=30 with {args.reviews} reviews: p50 {ms(large[0])}, p99 {ms(large[1])}")
        print(f"ratio p50: {large[0] / small[0]:.2f}")
        services.close()
        return 0
    finally:
        ddb.stop()


if __name__ == "__main__":
    raise SystemExit(main())
