"""`make dev` (scripts/dev.py) as an operator runs it: moved ports, SIGTERM, a crashed API, a busy port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from scripts.dev import wait_ready
from scripts.dynamodb_local import free_port
from tests.support import ROOT, simple_plan

pytestmark = pytest.mark.integration


def _env(tmp_path: Path, **ports: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TFR_")}
    env.update(
        TFR_DEV_LOCAL_DIR=str(tmp_path / "local"),
        TFR_DEV_API_PORT=str(ports.get("api", free_port())),
        TFR_DEV_WEB_PORT=str(ports.get("web", free_port())),
        TFR_DEV_DYNAMODB_PORT=str(ports.get("ddb", free_port())),
        TFR_DEV_SINK_PORT=str(ports.get("sink", free_port())),
        TFR_DEV_OIDC_PORT=str(ports.get("oidc", free_port())),
        TFR_DEV_WEB="off",  # the dashboard's child is supervised the same way; Next.js is slow to start
        TFR_DEV_SEED="off",
        TFR_LLM_PROVIDER="none",
    )
    return env


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (by parent id), DynamoDB Local in its own session included."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, str]]]:
    env = _env(tmp_path)
    with (tmp_path / "dev.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "scripts.dev"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        yield process, env
    finally:
        if process.poll() is None:
            # A failed test: the runner stops its children (own sessions) itself, then goes.
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _auth(tmp_path: Path) -> dict[str, str]:
    keys = json.loads((tmp_path / "local" / "dev-secrets.json").read_text())
    return {"Authorization": f"Bearer {keys['api_key']}"}


def _stderr(tmp_path: Path) -> str:
    return (tmp_path / "dev.stderr").read_text(errors="replace")


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace")
    except OSError:
        return ""


def test_sigterm_stops_everything_and_crashed_children_come_back(
    dev: tuple[subprocess.Popen[bytes], dict[str, str]], tmp_path: Path
) -> None:
    process, env = dev
    api = f"http://127.0.0.1:{env['TFR_DEV_API_PORT']}"
    wait_ready(f"{api}/readyz", timeout=90)
    before = _descendants(process.pid)
    assert len(before) >= 3  # DynamoDB Local, uvicorn's reloader and its worker
    # The API worker crashes (killed outright): the runner starts it again.
    workers = [pid for pid in before if "uvicorn" in _cmdline(pid)]
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    wait_ready(f"{api}/readyz")
    running = _descendants(process.pid)
    assert running - before, "a new API process was started"
    # DynamoDB Local dies: the runner says so and starts it again on its port and data folder.
    java = [pid for pid in running if "DynamoDBLocal.jar" in _cmdline(pid)]
    assert java
    for pid in java:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and "DynamoDB Local exited" not in _stderr(tmp_path):
        time.sleep(0.2)
    assert "starting it again on port " + env["TFR_DEV_DYNAMODB_PORT"] in _stderr(tmp_path)
    wait_ready(f"{api}/readyz", timeout=90)
    review = httpx.post(
        f"{api}/api/reviews", json={"plan": simple_plan()}, headers=_auth(tmp_path), timeout=30
    )
    assert review.status_code == 202, review.text  # the API works against the new DynamoDB Local
    again = httpx.get(f"{api}/api/reviews/{review.json()['id']}", headers=_auth(tmp_path), timeout=30)
    assert again.status_code == 200, again.text
    running = _descendants(process.pid)
    assert [pid for pid in running if "DynamoDBLocal.jar" in _cmdline(pid)], "a new DynamoDB Local runs"
    # SIGTERM, as a service manager sends it: nothing the runner started survives.
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in running) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [pid for pid in running if _alive(pid)] == []
    for name in ("TFR_DEV_API_PORT", "TFR_DEV_DYNAMODB_PORT"):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", int(env[name])))  # free again


@pytest.mark.parametrize("which", ["ddb", "api", "sink"])
def test_a_busy_port_is_a_clear_error_never_a_silent_attach(tmp_path: Path, which: str) -> None:
    variable = {"ddb": "TFR_DEV_DYNAMODB_PORT", "api": "TFR_DEV_API_PORT", "sink": "TFR_DEV_SINK_PORT"}[which]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "scripts.dev"],
            cwd=ROOT,
            env=_env(tmp_path, **{which: port}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert f"port {port}" in result.stderr and variable in result.stderr, result.stderr
    assert not (tmp_path / "local" / "dynamodb").exists()  # nothing was started


def test_a_high_review_under_make_dev_reaches_the_sink_once_per_channel(
    dev: tuple[subprocess.Popen[bytes], dict[str, str]],
) -> None:
    """The done-when of issue 16 under `make dev` itself: one Slack-format and one signed webhook message."""
    process, env = dev
    try:
        _high_review_reaches_the_sink(env)
    finally:
        # As a service manager stops it: the runner's children live in their own sessions.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _high_review_reaches_the_sink(env: dict[str, str]) -> None:
    api = f"http://127.0.0.1:{env['TFR_DEV_API_PORT']}"
    sink = f"http://127.0.0.1:{env['TFR_DEV_SINK_PORT']}"
    wait_ready(f"{api}/readyz", timeout=90)
    keys = json.loads((Path(env["TFR_DEV_LOCAL_DIR"]) / "dev-secrets.json").read_text())
    auth = {"Authorization": f"Bearer {keys['api_key']}"}
    created = httpx.post(f"{api}/api/reviews", json={"plan": simple_plan()}, headers=auth, timeout=30)
    assert created.status_code == 202, created.text
    review_id = created.json()["id"]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        messages = httpx.get(f"{sink}/messages", timeout=5).json()
        if len(messages) >= 2:
            break
        time.sleep(0.5)
    time.sleep(2)
    messages = httpx.get(f"{sink}/messages", timeout=5).json()
    assert sorted(m["path"] for m in messages) == ["/slack", "/webhook"]
    webhook = next(m for m in messages if m["path"] == "/webhook")
    assert webhook["signature_ok"] is True and webhook["body"]["detail"]["id"] == review_id
    assert "tfreview notification sink" in httpx.get(f"{sink}/", timeout=5).text
    review = httpx.get(f"{api}/api/reviews/{review_id}", headers=auth, timeout=10).json()
    assert {(n["channel"], n["status"]) for n in review["notifications"]} == {
        ("dev-slack", "sent"),
        ("dev-webhook", "sent"),
    }
