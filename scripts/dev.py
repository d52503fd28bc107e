"""`make dev`: DynamoDB Local (persistent), the API with reload on :8000, the dashboard on :3000, samples.

Every child runs in its own process group (DynamoDB Local in its own session), so Ctrl-C and SIGTERM
stop all of it, grandchildren included. A busy port is an error naming the variable that moves it,
never a silent attach to a stale server. A crashed API worker, or a DynamoDB Local that exits, is
started again (and said so on stderr).
"""

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
from scripts import dynamodb_local, oidc_dev
from scripts.seed import SAMPLE_RUNS, SAMPLES, sample_spacelift, sample_title

ROOT = Path(__file__).resolve().parent.parent
# Where the dev secrets and DynamoDB data live (a test points it at a temporary folder).
LOCAL = Path(os.environ.get("TFR_DEV_LOCAL_DIR", str(ROOT / ".local")))
API_PORT = int(os.environ.get("TFR_DEV_API_PORT", "8000"))
WEB_PORT = int(os.environ.get("TFR_DEV_WEB_PORT", "3000"))
DDB_PORT = int(os.environ.get("TFR_DEV_DYNAMODB_PORT", "8001"))
OIDC_PORT = int(os.environ.get("TFR_DEV_OIDC_PORT", "9400"))
OIDC_ISSUER = f"http://127.0.0.1:{OIDC_PORT}"
# The local notification sink (scripts/notify_sink.py): Slack-format and webhook messages land there.
SINK_PORT = int(os.environ.get("TFR_DEV_SINK_PORT", "8002"))
# "off" skips the dashboard or the sample reviews (tests of the runner itself).
WEB = os.environ.get("TFR_DEV_WEB", "on") != "off"
SEED = os.environ.get("TFR_DEV_SEED", "on") != "off"
# An API that stays unhealthy this long (its worker crashed under the reloader) is started again.
API_UNHEALTHY_SECONDS = 10.0
API_RESTARTS = 5
# A DynamoDB Local that exits (killed, out of memory) is started again on its port and data this often.
DYNAMODB_RESTARTS = 5


class PortBusy(RuntimeError):
    """A dev port is taken: the message names it and the variable that moves it."""


class Stop(Exception):
    """SIGTERM or SIGINT: stop everything."""


def check_ports() -> None:
    """Refuse to start on a busy port rather than talk to whatever listens there."""
    for port, variable, what in (
        (DDB_PORT, "TFR_DEV_DYNAMODB_PORT", "DynamoDB Local"),
        (API_PORT, "TFR_DEV_API_PORT", "the API"),
        (OIDC_PORT, "TFR_DEV_OIDC_PORT", "the sign-in provider"),
        (SINK_PORT, "TFR_DEV_SINK_PORT", "the notification sink"),
        *([(WEB_PORT, "TFR_DEV_WEB_PORT", "the dashboard")] if WEB else []),
    ):
        if dynamodb_local.port_in_use(port):
            raise PortBusy(
                f"port {port} for {what} is already in use (a server left from an earlier `make dev`?); "
                f"stop it, or set {variable} to another port"
            )


class Child:
    """One supervised child in its own process group."""

    def __init__(self, name: str, argv: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        self.name, self.argv, self.cwd, self.env = name, argv, cwd, env
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> None:
        # Its own group: a stop reaches the grandchildren (uvicorn's reloader worker, next's node).
        self.process = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=timeout)
                # The leader is gone; anything left in its group gets the same signal.
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            break
        if self.process.poll() is None:
            self.process.wait(timeout=timeout)


def api_argv() -> list[str]:
    return [
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
    ]


def healthy(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class DynamoDB:
    """The supervised DynamoDB Local: persistent under LOCAL, always on DDB_PORT."""

    def __init__(self) -> None:
        self.server: dynamodb_local.DynamoDBLocal | None = None
        self.restarts = 0

    def start(self) -> dynamodb_local.DynamoDBLocal:
        self.server = dynamodb_local.start(port=DDB_PORT, db_path=LOCAL / "dynamodb")
        return self.server

    def alive(self) -> bool:
        return self.server is not None and self.server.process.poll() is None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def _restart_dynamodb(ddb: DynamoDB) -> bool:
    """Start a DynamoDB Local that exited again (same port and data); False when it cannot be."""
    code = ddb.server.process.returncode if ddb.server is not None else None
    if ddb.restarts >= DYNAMODB_RESTARTS:
        print(f"DynamoDB Local exited (code {code}) and keeps exiting; stopping everything", file=sys.stderr)
        return False
    ddb.restarts += 1
    print(
        f"DynamoDB Local exited (code {code}); starting it again on port {DDB_PORT} "
        f"({ddb.restarts}/{DYNAMODB_RESTARTS})",
        file=sys.stderr,
        flush=True,
    )
    try:
        ddb.start()
    except dynamodb_local.DynamoDBLocalError as exc:
        print(f"DynamoDB Local could not be started again: {exc}; stopping everything", file=sys.stderr)
        return False
    return True


def supervise(api: Child, others: list[Child], health_url: str, ddb: DynamoDB | None = None) -> int:
    """Run until stopped; start the API and DynamoDB Local again when they die (the API also when it
    stops answering); any other child exiting stops everything."""
    unhealthy_since: float | None = None
    while True:
        time.sleep(0.5)
        for child in others:
            if not child.alive():
                print(f"{child.name} exited; stopping everything", file=sys.stderr, flush=True)
                return 1
        if ddb is not None and not ddb.alive() and not _restart_dynamodb(ddb):
            return 1
        if api.alive() and healthy(health_url):
            unhealthy_since = None
            continue
        now = time.monotonic()
        unhealthy_since = unhealthy_since or now
        if api.alive() and now - unhealthy_since < API_UNHEALTHY_SECONDS:
            continue  # reloading after an edit, or starting
        if api.restarts >= API_RESTARTS:
            print("the API keeps crashing; stopping everything", file=sys.stderr, flush=True)
            return 1
        api.restarts += 1
        print(
            f"the API worker crashed; starting it again ({api.restarts}/{API_RESTARTS})",
            file=sys.stderr,
            flush=True,
        )
        api.stop()
        api.start()
        unhealthy_since = None


def dev_secrets() -> dict[str, str]:
    """A dev API key, a read-only key, a webhook secret and the dashboard's session secret, made once
    and kept in .local/ (a secret added later is added to an existing file)."""
    path = LOCAL / "dev-secrets.json"
    stored: dict[str, str] = dict(json.loads(path.read_text())) if path.exists() else {}
    fresh = {
        "api_key": "tfr_dev_" + secrets.token_urlsafe(24),
        "read_key": "tfr_devread_" + secrets.token_urlsafe(24),
        "webhook_secret": secrets.token_hex(32),
        "session_secret": secrets.token_urlsafe(48),
    }
    if stored and set(fresh) <= set(stored):
        return stored
    values = {**fresh, **stored}
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
                    f"dev:write+decide:{hash_key(keys['api_key'])}",
                    f"dashboard-read:read:{hash_key(keys['read_key'])}",
                ]
            ),
            "TFR_SPACELIFT_WEBHOOK_SECRET": keys["webhook_secret"],
            "TFR_CORS_ORIGINS": f"http://localhost:{WEB_PORT}",
            # People sign in at the local provider; the API checks their ID tokens itself.
            "TFR_OIDC_ISSUER": OIDC_ISSUER,
            "TFR_OIDC_AUDIENCE": oidc_dev.CLIENT_ID,
            "TFR_OIDC_ROLE_MAP": oidc_dev.ROLE_MAP,
            "TFR_SWEEP_INTERVAL_SECONDS": "30",
        }
    )
    env.setdefault("TFR_LLM_PROVIDER", "fake")
    # HIGH and CRITICAL reviews, failures and decisions go to the local sink as Slack and signed webhook
    # messages (signed with the dev webhook secret, as Spacelift signs its own).
    sink = f"http://127.0.0.1:{SINK_PORT}"
    channels = [{"name": "dev-slack", "type": "slack"}, {"name": "dev-webhook", "type": "webhook"}]
    channel_secrets = {
        "dev-slack": {"url": f"{sink}/slack"},
        "dev-webhook": {"url": f"{sink}/webhook", "signing_secret": keys["webhook_secret"]},
    }
    env.setdefault("TFR_NOTIFY_CHANNELS", json.dumps(channels))
    env.setdefault("TFR_NOTIFY_SECRETS", json.dumps(channel_secrets))
    env.setdefault("TFR_NOTIFY_RETRY_BASE_SECONDS", "5")
    env.setdefault("TFR_DASHBOARD_URL", f"http://localhost:{WEB_PORT}")
    # The sample Rego policies run beside the rules, so the dashboard shows policy findings too.
    env.setdefault("TFR_POLICY_PATHS", str(ROOT / "samples" / "policies" / "conftest"))
    return env


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(url):
            return
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


def _raise_stop(signum: int, _frame: Any) -> None:
    raise Stop(signum)


def main() -> int:
    # From the first line: a SIGTERM during start-up must stop what was already started.
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        check_ports()
    except PortBusy as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        return 2
    keys = dev_secrets()
    ddb = DynamoDB()
    children: list[Child] = []
    try:
        env = api_env(ddb.start().endpoint, keys)
        api = Child("the API", api_argv(), cwd=ROOT, env=env)
        children.append(api)
        sink_argv = [sys.executable, "-m", "scripts.notify_sink", "--port", str(SINK_PORT)]
        sink = Child(
            "the notification sink", [*sink_argv, "--secret", keys["webhook_secret"]], cwd=ROOT, env=env
        )
        children.append(sink)
        sink.start()
        web_urls = [f"http://localhost:{WEB_PORT}", f"http://127.0.0.1:{WEB_PORT}"]
        provider = Child(
            "the sign-in provider",
            oidc_dev.argv(),
            cwd=oidc_dev.SERVER.parent,
            env=dict(os.environ, **oidc_dev.provider_env(OIDC_PORT, web_urls)),
        )
        children.append(provider)
        provider.start()
        api.start()
        base = f"http://127.0.0.1:{API_PORT}"
        wait_ready(f"{base}/readyz")
        assert provider.process is not None
        oidc_dev.wait_ready(OIDC_ISSUER, provider.process)
        seeded = seed_over_http(base, keys["api_key"]) if SEED else 0
        web = ROOT / "web"
        if WEB and (web / "package.json").exists():
            # The dashboard has no API key: it acts with the signed-in person's token.
            web_env = dict(
                os.environ,
                TFR_API_URL=base,
                PORT=str(WEB_PORT),
                TFR_OIDC_ISSUER=OIDC_ISSUER,
                TFR_OIDC_CLIENT_ID=oidc_dev.CLIENT_ID,
                TFR_OIDC_CLIENT_SECRET=oidc_dev.CLIENT_SECRET,
                TFR_SESSION_SECRET=keys["session_secret"],
                TFR_PUBLIC_URL=f"http://localhost:{WEB_PORT}",
            )
            dashboard = Child(
                "the dashboard", ["npm", "run", "dev", "--", "-p", str(WEB_PORT)], cwd=web, env=web_env
            )
            children.append(dashboard)
            dashboard.start()
        print(
            "\n".join(
                [
                    "",
                    "tfreview is running (Ctrl-C stops everything):",
                    f"  API docs      {base}/docs",
                    f"  Dashboard     http://localhost:{WEB_PORT}   (sign in as one of the dev users below)",
                    f"  Sign-in       {OIDC_ISSUER} (local OIDC provider, tools/oidc-dev)",
                    *(
                        f"    {login:<10} password {password:<15} role {login}"
                        for login, (password, _name) in oidc_dev.USERS.items()
                    ),
                    f"  DynamoDB      {env['TFR_DYNAMODB_ENDPOINT_URL']} (data in .local/dynamodb)",
                    f"  API key       {keys['api_key']}   (read+submit+decide+rerun)",
                    f"  Read key      {keys['read_key']}   (read)",
                    f"  Webhook       POST {base}/webhooks/spacelift, secret {keys['webhook_secret']}",
                    f"  LLM provider  {env['TFR_LLM_PROVIDER']} (set TFR_LLM_PROVIDER and a key to use a real one)",
                    f"  Policies      {env['TFR_POLICY_PATHS'] or 'none'} (TFR_POLICY_PATHS; docs/policies.md)",
                    f"  Notifications http://127.0.0.1:{SINK_PORT}/ shows the Slack and webhook messages of HIGH+"
                    " reviews, failures and decisions (TFR_NOTIFY_CHANNELS; docs/notifications.md)",
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
        return supervise(api, [c for c in children if c is not api], f"{base}/healthz", ddb)
    except Stop:
        return 0
    except (dynamodb_local.DynamoDBLocalError, oidc_dev.OidcDevError) as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        return 2
    finally:
        # Ignore further signals while stopping, so a second Ctrl-C cannot leave children behind.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for child in reversed(children):
            child.stop()
        ddb.stop()


if __name__ == "__main__":
    raise SystemExit(main())
