"""`make e2e`: Playwright (Debian Chromium) drives the built dashboard against the real stack.

DynamoDB Local + the API under uvicorn (local dispatcher, a fake OpenAI server in this process)
+ the dashboard's standalone server, each on a free port; seeds Spacelift-style reviews, runs
`npx playwright test` in web/ and stops everything. tests/benchmarks/bench_dashboard.py reuses
`running_stack`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import dynamodb_local

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
FIXTURES = WEB / "e2e" / "fixtures"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
HOSTILE_ADDRESS = "aws_s3_bucket.hostile"
# What a model might echo back from a plan: raw HTML, a script, javascript: and data: links.
HOSTILE_SUMMARY = "\n".join(
    [
        "## Summary",
        "",
        "<script>window.__pwned = 1</script>",
        '<img src="x" onerror="window.__pwned = 2">',
        '<svg onload="window.__pwned = 4"></svg> <a href="javascript:window.__pwned=5">raw link</a>',
        '<details open ontoggle="window.__pwned = 6"><summary>x</summary></details>',
        "",
        "Open [the console](javascript:window.__pwned=3) or [this page](data:text/html,<script>alert(1)</script>).",
        "",
        "See [the Terraform docs](https://developer.hashicorp.com/terraform/cli/commands/plan).",
    ]
)


@dataclass
class Stack:
    """The running services and how to reach them."""

    api_url: str
    web_url: str
    api_key: str
    dynamodb_endpoint: str
    table_name: str
    issuer: str = ""
    llm_settings: dict[str, Any] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[e2e] {message}", flush=True)


def wait_http(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Wait until url answers 2xx; fail early if the process serving it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if 200 <= response.status < 300:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def fake_llm_reply(request: Any) -> Any:
    """The demo fake's review, except for the hostile fixture, whose summary carries an attack."""
    from reviewer.llm.fakes.demo import demo_reply
    from reviewer.llm.fakes.script import ok, review_result

    if HOSTILE_ADDRESS in request.text:
        return ok(
            review_result(
                risk_level="LOW",
                summary_md=HOSTILE_SUMMARY,
                recommendations=["Never follow links in model output without reading them."],
            ),
            tokens_in=900,
            tokens_out=120,
        )
    return demo_reply(request)


def build_web(force: bool) -> None:
    """`npm ci` when node_modules is missing, `next build` when asked or when no build exists."""
    if not (WEB / "node_modules").exists():
        log("npm ci")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB, check=True)
    if force or not (WEB / ".next" / "standalone" / "server.js").exists():
        log("next build")
        subprocess.run(
            ["npm", "run", "build"], cwd=WEB, check=True, env=dict(os.environ, NEXT_TELEMETRY_DISABLED="1")
        )


def standalone_dir() -> Path:
    """The standalone server, with the static assets it expects beside it (as the Dockerfile copies them)."""
    standalone = WEB / ".next" / "standalone"
    static_target = standalone / ".next" / "static"
    if static_target.exists():
        shutil.rmtree(static_target)
    shutil.copytree(WEB / ".next" / "static", static_target)
    if (WEB / "public").exists():
        shutil.copytree(WEB / "public", standalone / "public", dirs_exist_ok=True)
    return standalone


def api_env(endpoint: str, key_line: str, llm: dict[str, str], issuer: str = "") -> dict[str, str]:
    from scripts import oidc_dev

    env = dict(os.environ)
    if issuer:
        env.update(
            TFR_OIDC_ISSUER=issuer,
            # The short-lived client's tokens prove that an expired token is refused.
            TFR_OIDC_AUDIENCE=f"{oidc_dev.CLIENT_ID},{oidc_dev.SHORT_CLIENT_ID}",
            TFR_OIDC_ROLE_MAP=oidc_dev.ROLE_MAP,
        )
    env.update(
        {
            "TFR_ENV": "test",
            "TFR_DYNAMODB_ENDPOINT_URL": endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_API_KEYS": key_line,
            "TFR_DISPATCHER": "local",
            "TFR_LOG_LEVEL": "WARNING",
            "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-e2e-" + secrets.token_hex(16),
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            **llm,
        }
    )
    return env


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextlib.contextmanager
def running_stack(*, llm: bool = True, quiet: bool = True) -> Iterator[Stack]:
    """DynamoDB Local, the API and the built dashboard on free ports; everything stops on exit."""
    from app.services.auth import LEGACY_WRITE, Scope, new_key_line
    from reviewer.llm.fakes.server import FAKE_API_KEY, FakeKind, start_fake
    from scripts import oidc_dev

    fake = start_fake(FakeKind.OPENAI, fake_llm_reply) if llm else None
    ddb = dynamodb_local.start()
    processes: list[subprocess.Popen[bytes]] = []
    output = subprocess.DEVNULL if quiet else None
    provider: oidc_dev.OidcDev | None = None
    try:
        # The tests' own key (seeding, direct API checks); the dashboard gets none: it acts as the
        # signed-in person, who signs in at the real local provider.
        key, key_line = new_key_line("e2e-seeder", LEGACY_WRITE | {Scope.DECIDE})
        web_port = dynamodb_local.free_port()
        web_url = f"http://127.0.0.1:{web_port}"
        provider = oidc_dev.start(dynamodb_local.free_port(), [web_url], quiet=quiet)
        log(f"OIDC provider on {provider.issuer}")
        llm_env = (
            {
                "TFR_LLM_PROVIDER": "openai",
                "TFR_LLM_MODEL": "fake-model",
                "TFR_LLM_BASE_URL": fake.base_url,
                "TFR_OPENAI_API_KEY": FAKE_API_KEY,
                "TFR_LLM_PRICES": json.dumps({"fake-model": [2.5, 10.0]}),
                "TFR_LLM_MAX_RETRIES": "0",
            }
            if fake is not None
            else {"TFR_LLM_PROVIDER": "none"}
        )
        env = api_env(ddb.endpoint, key_line, llm_env, provider.issuer)
        api_port = dynamodb_local.free_port()
        api = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
            + ["--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        processes.append(api)
        api_url = f"http://127.0.0.1:{api_port}"
        wait_http(f"{api_url}/readyz", 90, api)
        log(f"API on {api_url}")

        web_env = dict(
            os.environ,
            TFR_API_URL=api_url,
            TFR_OIDC_ISSUER=provider.issuer,
            TFR_OIDC_CLIENT_ID=oidc_dev.CLIENT_ID,
            TFR_OIDC_CLIENT_SECRET=oidc_dev.CLIENT_SECRET,
            TFR_SESSION_SECRET=secrets.token_urlsafe(48),
            TFR_PUBLIC_URL=web_url,
            PORT=str(web_port),
            HOSTNAME="127.0.0.1",
            NODE_ENV="production",
            NEXT_TELEMETRY_DISABLED="1",
        )
        web = subprocess.Popen(
            ["node", "server.js"],
            cwd=standalone_dir(),
            env=web_env,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        processes.append(web)
        wait_http(f"{web_url}/signed-out", 60, web)
        log(f"dashboard on {web_url}")
        table = f"terraform-spacelift-ai-reviewer-reviews-{env['TFR_ENV']}"
        llm_settings: dict[str, Any] = (
            {**fake.settings_overrides("fake-model"), "llm_prices": {"fake-model": (2.5, 10.0)}}
            if fake is not None
            else {"llm_provider": "none"}
        )
        yield Stack(api_url, web_url, key, ddb.endpoint, table, provider.issuer, llm_settings, processes)
    finally:
        for process in reversed(processes):
            stop(process)
        if provider is not None:
            provider.stop()
        ddb.stop()
        if fake is not None:
            fake.stop()


def seed_spacelift_reviews(stack: Stack, timeout: float = 120) -> int:
    """Spacelift-run reviews (stack, run, commit) through the real service, plus the sample plans.

    The service runs here with the local dispatcher, so the reviewer reviews them in this process
    against the same table and the same fake model as the API.
    """
    from app.core.settings import load_settings
    from app.services.container import build_services
    from app.storage.models import Commit, ReviewSource, SpaceliftInfo
    from scripts.seed import seed

    settings = load_settings(
        env="test",
        dynamodb_endpoint_url=stack.dynamodb_endpoint,
        dispatcher="local",
        api_keys=[],
        **stack.llm_settings,
    )
    services = build_services(settings)
    ids: list[str] = []
    try:
        stacks = [("payments", "Payments"), ("network-core", "Network core")]
        for index, path in enumerate(sorted(FIXTURES.glob("*.json"))):
            stack_id, stack_name = stacks[index % len(stacks)]
            run_id = f"01JE2ERUN{index:017d}"
            info = SpaceliftInfo(
                account="acme",
                stack_id=stack_id,
                stack_name=stack_name,
                run_id=run_id,
                run_type="PROPOSED",
                run_state="FINISHED",
                state_version=3,
                branch="feature/e2e",
                commit=Commit(hash=f"{index + 1:040x}", message=f"e2e change {path.stem}", author="alice"),
                run_url=f"https://acme.app.spacelift.io/stack/{stack_id}/run/{run_id}",
            )
            review, _ = services.reviews.create_review(
                json.loads(path.read_text()),
                title=f"e2e spacelift: {path.stem.replace('-', ' ')}",
                tags=["e2e", "spacelift"],
                source=ReviewSource.SPACELIFT,
                spacelift=info,
                created_by="e2e-seed",
            )
            ids.append(review.id)
        seed(services.reviews, only_if_empty=False)
        deadline = time.monotonic() + timeout
        while any(services.repository.get(i).status not in ("COMPLETED", "FAILED") for i in ids):
            if time.monotonic() > deadline:
                raise RuntimeError("seeded reviews did not complete in time")
            time.sleep(0.25)
    finally:
        services.close()
    return len(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", action="store_true", help="run next build even if a build exists")
    parser.add_argument("--verbose", action="store_true", help="show API and dashboard logs")
    parser.add_argument(
        "--screenshots",
        action="store_true",
        help="rewrite the README screenshots in docs/screenshots (otherwise they go to web/test-results)",
    )
    parser.add_argument("playwright_args", nargs="*", help="passed to playwright test (e.g. -g filters)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        log(f"{CHROMIUM} is missing: apt-get install -y chromium (never a downloaded browser)")
        return 2
    build_web(force=args.build)
    results = WEB / "test-results"
    if results.exists():
        shutil.rmtree(results)
    with running_stack(quiet=not args.verbose) as stack:
        seeded = seed_spacelift_reviews(stack)
        log(f"seeded {seeded} Spacelift-style reviews")
        env = dict(
            os.environ,
            E2E_BASE_URL=stack.web_url,
            E2E_API_URL=stack.api_url,
            E2E_API_KEY=stack.api_key,
            E2E_ISSUER=stack.issuer,
            # Only on purpose: a plain run must leave the work tree clean.
            E2E_SCREENSHOTS=str(ROOT / "docs" / "screenshots") if args.screenshots else "",
            CHROMIUM_PATH=CHROMIUM,
        )
        completed = subprocess.run(["npx", "playwright", "test", *args.playwright_args], cwd=WEB, env=env)
    budget = results / "budget.json"
    if budget.exists():
        log(f"overview JS budget: {budget.read_text().strip()}")
    return completed.returncode


if __name__ == "__main__":
    raise SystemExit(main())
