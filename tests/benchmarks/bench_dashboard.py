"""First paint, first useful number and client JS of the dashboard's pages, 1,000 reviews stored.

Starts the real stack (scripts/e2e.running_stack), stores 1,000 reviews through the API (each one
reviewed by the local reviewer) plus the largest sample plan, then loads the overview, the reviews
list and the review page of that sample in Chromium with a cold cache several times. The first
useful number is the first KPI (overview), the first review row (list) and the risk level (review).
Run: .venv/bin/python -m tests.benchmarks.bench_dashboard [--reviews 1000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scripts.e2e import build_web, running_stack

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent.parent / "samples" / "plans"
# name=path=selector of the element that carries each page's first useful number.
PAGES = {
    "overview": "/=[data-testid=kpi]",
    "list": "/reviews=tr[data-review-id]",
    "review": "/reviews/{id}=[data-testid=review-detail] [data-risk]",
}


def plan(index: int) -> dict[str, Any]:
    """A small plan whose risk varies with the index."""
    changes: list[dict[str, Any]] = [
        {
            "address": f"aws_s3_bucket.b{index}",
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": f"b{index}",
            "change": {
                "actions": ["update"],
                "before": {"bucket": f"b{index}"},
                "after": {"bucket": f"b{index}", "tags": {"n": str(index)}},
                "after_unknown": {},
            },
        }
    ]
    if index % 4 == 0:
        changes.append(
            {
                "address": f"aws_db_instance.db{index}",
                "mode": "managed",
                "type": "aws_db_instance",
                "name": f"db{index}",
                "change": {
                    "actions": ["delete"],
                    "before": {"identifier": f"db{index}"},
                    "after": None,
                    "after_unknown": {},
                },
            }
        )
    return {"format_version": "1.2", "terraform_version": "1.9.5", "resource_changes": changes}


def post(api_url: str, key: str, index: int, body_plan: dict[str, Any] | None = None) -> str:
    """Submit a plan (the index's small plan by default); returns the review id."""
    body = json.dumps(
        {"plan": body_plan or plan(index), "title": f"bench review {index}", "tags": ["bench"]}
    ).encode()
    request = urllib.request.Request(
        f"{api_url}/api/reviews",
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.loads(response.read())["id"])


def largest_sample() -> dict[str, Any]:
    """The sample plan with the most resource changes."""
    plans = [json.loads(path.read_text()) for path in sorted(SAMPLES.glob("*.json"))]
    return max(plans, key=lambda p: len(p.get("resource_changes") or []))


def pending(api_url: str, key: str) -> int:
    total = 0
    for status in ("PENDING", "IN_PROGRESS"):
        request = urllib.request.Request(
            f"{api_url}/api/reviews?status={status}&limit=200", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            total += len(json.loads(response.read())["items"])
    return total


def list_latency_ms(api_url: str, key: str) -> float:
    """One GET /api/reviews (first page, no filter), as the list page makes it."""
    request = urllib.request.Request(
        f"{api_url}/api/reviews?limit=25", headers={"Authorization": f"Bearer {key}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    build_web(force=False)
    with running_stack(llm=False) as stack:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda i: post(stack.api_url, stack.api_key, i), range(args.reviews)))
        sample_id = post(stack.api_url, stack.api_key, args.reviews, largest_sample())
        while pending(stack.api_url, stack.api_key):
            time.sleep(1)
        seeded_s = time.monotonic() - started
        print(f"stored and reviewed {args.reviews} reviews in {seeded_s:.1f} s", flush=True)
        api_ms = sorted(list_latency_ms(stack.api_url, stack.api_key) for _ in range(15))
        output = subprocess.run(
            ["node", str(HERE / "bench_dashboard.mjs"), stack.web_url, str(args.runs)]
            + [f"{name}={spec.replace('{id}', sample_id)}" for name, spec in PAGES.items()],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["reviews_stored"] = args.reviews
    result["median_api_list_ms"] = round(api_ms[len(api_ms) // 2], 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
