"""Cold start of the API Lambda: `import app.handler` against a bare `import fastapi, boto3, mangum`.

Each sample is a fresh interpreter that times its own import (interpreter start-up excluded), with
the settings the API Lambda gets from Terraform (no network: inline secrets, fake credentials).
Bare and app samples alternate, so both see the same machine load; the figure is the ratio of the
medians of the CPU time the import takes (wall time is printed too: on a busy shared machine it
mostly measures waiting for a core). Bytecode is compiled first, as the Lambda zip ships it.

Usage: python -m tests.benchmarks.bench_coldstart [--runs 7] [--limit 1.3]
Prints one JSON line; exits 1 when the ratio is over the limit.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BARE = "import fastapi, boto3, mangum"
APP = "import app.handler"
# Context, not the limit: the import plus the DynamoDB client the first request builds.
APP_AND_CLIENT = "import app.handler\nfrom app.storage.client import dynamodb_client\ndynamodb_client('eu-west-1', None).meta"
# Modules the API path must not load: LLM SDKs, the HTTP client of the GraphQL/LLM calls, the
# review engine's rules and secret detectors, the local server; and what was moved off it: the review
# run (the API Lambda only dispatches), the notification outbox (only with notifications configured),
# the analytics body (its route's first request), the webhook use case (its first delivery; start-up
# builds only the verifier), pydantic-settings, pydantic.v1 (FastAPI's check for v1 models answers
# without it: app/api/pydantic_v1_check.py).
MUST_NOT_LOAD = (
    "openai",
    "anthropic",
    "bpe_openai",
    "httpx",
    "httpcore",
    "uvicorn",
    "reviewer.engine.rules",
    "reviewer.engine.secrets",
    "app.services.review_run",
    "app.storage.outbox",
    "app.api.analytics_schemas",
    "app.services.spacelift",
    "pydantic_settings",
    "pydantic.v1",
)

_TIMED = """
import sys, time
start, cpu = time.perf_counter(), time.process_time()
{statement}
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
print(cpu, elapsed, len(sys.modules), ",".join(m for m in {watch!r} if m in sys.modules))
"""


def lambda_api_environment() -> dict[str, str]:
    """What deploy/lambda_api.tf sets, with inline values where the Lambda reads Secrets Manager."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {
        **keep,
        "PYTHONDONTWRITEBYTECODE": "1",
        "TFR_ENV": "prod",
        "TFR_AWS_REGION": "eu-west-1",
        "TFR_TABLE_NAME": "terraform-spacelift-ai-reviewer-reviews-prod",
        "TFR_DISPATCHER": "lambda",
        "TFR_REVIEWER_FUNCTION_NAME": "arn:aws:lambda:eu-west-1:123456789012:function:tfreview-prod-reviewer:live",
        "TFR_SPACELIFT_WEBHOOK_SECRET": "bench-webhook-secret",
        "TFR_API_KEYS": "bench:write:" + "0" * 64,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }


def sample(statement: str, env: dict[str, str]) -> tuple[float, float, int, list[str]]:
    """CPU and wall seconds one fresh interpreter spends importing, its modules, watched ones loaded."""
    code = _TIMED.format(statement=statement, watch=MUST_NOT_LOAD)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{statement!r} failed:\n{result.stderr[-3000:]}")
    cpu, elapsed, modules, loaded = result.stdout.split(" ")
    return float(cpu), float(elapsed), int(modules), [m for m in loaded.strip().split(",") if m]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--limit", type=float, default=1.3)
    args = parser.parse_args(argv)
    for package in ("app", "reviewer", "webhook"):
        compileall.compile_dir(ROOT / package, quiet=1)
    env = lambda_api_environment()
    sample(APP, env)  # warm the file cache once
    bare: list[tuple[float, float]] = []
    app: list[tuple[float, float]] = []
    loaded: set[str] = set()
    modules = (0, 0)
    for _ in range(args.runs):
        cpu, wall, bare_modules, _ = sample(BARE, env)
        bare.append((cpu, wall))
        cpu, wall, app_modules, watched = sample(APP, env)
        app.append((cpu, wall))
        loaded.update(watched)
        modules = (bare_modules, app_modules)
    with_client = [sample(APP_AND_CLIENT, env)[0] for _ in range(args.runs)]

    def median_ms(samples: list[tuple[float, float]], index: int) -> float:
        return round(statistics.median(s[index] for s in samples) * 1000, 1)

    ratio = statistics.median(s[0] for s in app) / statistics.median(s[0] for s in bare)
    report = {
        "bench": "coldstart",
        "runs": args.runs,
        "bare_import_cpu_ms": median_ms(bare, 0),
        "app_handler_import_cpu_ms": median_ms(app, 0),
        "ratio": round(ratio, 3),
        "limit": args.limit,
        "bare_import_wall_ms": median_ms(bare, 1),
        "app_handler_import_wall_ms": median_ms(app, 1),
        "wall_ratio": round(median_ms(app, 1) / median_ms(bare, 1), 3),
        "app_handler_with_dynamodb_client_cpu_ms": round(statistics.median(with_client) * 1000, 1),
        "modules": {"bare": modules[0], "app": modules[1]},
        "forbidden_loaded": sorted(loaded),
        "python": sys.version.split()[0],
    }
    print(json.dumps(report))
    return 0 if ratio <= args.limit and not loaded else 1


if __name__ == "__main__":
    sys.exit(main())
