"""`make dev`: DynamoDB Local (persistent), the API with reload on :8000, the dashboard on :3000, samples."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from app.services.auth import hash_key
from scripts import dynamodb_local
from scripts.seed import SAMPLE_RUNS, SAMPLES, sample_spacelift, sample_title

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
API_PORT = int(os.environ.get("TFR_DEV_API_PORT", "8000"))
WEB_PORT = int(os.environ.get("TFR_DEV_WEB_PORT", "3000"))
DDB_PORT = int(os.environ.get("TFR_DEV_DYNAMODB_PORT", "8001"))


def dev_secrets() -> dict[str, str]:
    """A dev API key, a read-only key and a webhook secret, made once and kept in .local/."""
    path = LOCAL / "dev-secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    values = {
        "api_key": "tfr_dev_" + secrets.token_urlsafe(24),
        "read_key": "tfr_devread_" + secrets.token_urlsafe(24),
        "webhook_secret": secrets.token_hex(32),
    }
    LOCAL.mkdir(exist_ok=True)
    path.write_text(json.dumps(values, indent=2))
    path.chmod(0o600)
    return values


def api_env(endpoint: str, keys: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TFR_ENV": "dev",
            "TFR_DYNAMODB_ENDPOINT_URL": endpoint,
            "TFR_CREATE_TABLE": "true",
            "TFR_DISPATCHER": "local",
            "TFR_API_KEYS": ",".join(
                [
                    f"dev:write:{hash_key(keys['api_key'])}",
                    f"dashboard-read:read:{hash_key(keys['read_key'])}",
                ]
            ),
            "TFR_SPACELIFT_WEBHOOK_SECRET": keys["webhook_secret"],
            "TFR_CORS_ORIGINS": f"http://localhost:{WEB_PORT}",
            "TFR_SWEEP_INTERVAL_SECONDS": "30",
        }
    )
    env.setdefault("TFR_LLM_PROVIDER", "fake")
    # The sample Rego policies run beside the rules, so the dashboard shows policy findings too.
    env.setdefault("TFR_POLICY_PATHS", str(ROOT / "samples" / "policies" / "conftest"))
    return env


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become ready")


def seed_over_http(base: str, key: str) -> int:
    """Post each sample plan through the API as its Spacelift run (the local reviewer reviews them),
    then record the samples' decisions; nothing happens when reviews exist."""
    headers = {"Authorization": f"Bearer {key}"}
    if httpx.get(f"{base}/api/reviews?limit=1", headers=headers).json()["items"]:
        return 0
    created: dict[str, str] = {}
    for index, path in enumerate(sorted(SAMPLES.glob("*.json"))):
        spacelift = sample_spacelift(path.stem, index)
        body: dict[str, object] = {
            "plan": json.loads(path.read_bytes()),
            "title": sample_title(path.stem),
            "tags": ["sample"],
        }
        if spacelift is not None:
            body.update(source="spacelift", spacelift=spacelift.model_dump(mode="json", exclude_none=True))
        response = httpx.post(f"{base}/api/reviews", json=body, headers=headers, timeout=60)
        response.raise_for_status()
        created[path.stem] = response.json()["id"]
    for name, review_id in created.items():
        run = SAMPLE_RUNS.get(name)
        if run is None or run.decision is None:
            continue
        review = _wait_terminal(base, headers, review_id)
        if review["status"] == "COMPLETED":
            httpx.put(
                f"{base}/api/reviews/{review_id}",
                json={
                    "decision": run.decision.value,
                    "note": run.note,
                    "expected_version": review["latest_version"],
                },
                headers=headers,
                timeout=30,
            ).raise_for_status()
    return len(created)


def _wait_terminal(base: str, headers: dict[str, str], review_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        review: dict[str, Any] = httpx.get(
            f"{base}/api/reviews/{review_id}", headers=headers, timeout=30
        ).json()
        if review["status"] in ("COMPLETED", "FAILED") or time.monotonic() > deadline:
            return review
        time.sleep(0.3)


def main() -> int:
    keys = dev_secrets()
    ddb = dynamodb_local.start(port=DDB_PORT, db_path=LOCAL / "dynamodb")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        env = api_env(ddb.endpoint, keys)
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "app.main:create_app",
                    "--factory",
                    "--reload",
                    "--reload-dir",
                    "app",
                    "--reload-dir",
                    "reviewer",
                    "--reload-dir",
                    "webhook",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(API_PORT),
                ],
                cwd=ROOT,
                env=env,
            )
        )
        base = f"http://127.0.0.1:{API_PORT}"
        wait_ready(f"{base}/readyz")
        seeded = seed_over_http(base, keys["api_key"])
        web = ROOT / "web"
        if (web / "package.json").exists():
            web_env = dict(os.environ, TFR_API_URL=base, TFR_API_KEY=keys["api_key"], PORT=str(WEB_PORT))
            processes.append(
                subprocess.Popen(["npm", "run", "dev", "--", "-p", str(WEB_PORT)], cwd=web, env=web_env)
            )
        print(
            "\n".join(
                [
                    "",
                    "tfreview is running (Ctrl-C stops everything):",
                    f"  API docs      {base}/docs",
                    f"  Dashboard     http://localhost:{WEB_PORT}",
                    f"  DynamoDB      {ddb.endpoint} (data in .local/dynamodb)",
                    f"  API key       {keys['api_key']}   (write)",
                    f"  Read key      {keys['read_key']}   (read)",
                    f"  Webhook       POST {base}/webhooks/spacelift, secret {keys['webhook_secret']}",
                    f"  LLM provider  {env['TFR_LLM_PROVIDER']} (set TFR_LLM_PROVIDER and a key to use a real one)",
                    f"  Policies      {env['TFR_POLICY_PATHS'] or 'none'} (TFR_POLICY_PATHS; docs/policies.md)",
                    f"  Samples       {seeded} new sample reviews loaded"
                    if seeded
                    else "  Samples       already loaded",
                    "",
                    f'  curl -H "Authorization: Bearer {keys["api_key"]}" {base}/api/reviews',
                    "",
                ]
            ),
            flush=True,
        )
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        ddb.stop()


if __name__ == "__main__":
    raise SystemExit(main())
