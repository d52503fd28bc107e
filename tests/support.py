"""Shared helpers for tests: settings, keys, a live uvicorn server, plans."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from app.core.settings import Settings, load_settings
from app.services.auth import hash_key
from scripts.dynamodb_local import free_port

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "plans"
WRITE_KEY = "tfr_test_write_key_0123456789"
READ_KEY = "tfr_test_read_key_0123456789"
KEY_LINES = [f"writer:write+decide:{hash_key(WRITE_KEY)}", f"reader:read:{hash_key(READ_KEY)}"]
WEBHOOK_SECRET = "whsec-test-0123456789abcdef"
WRITE_AUTH = {"Authorization": f"Bearer {WRITE_KEY}"}
READ_AUTH = {"Authorization": f"Bearer {READ_KEY}"}


def make_settings(endpoint: str, **overrides: Any) -> Settings:
    """Settings for a fresh, uniquely named table on the test DynamoDB Local."""
    values: dict[str, Any] = {
        "env": "test",
        "table_name": f"tfr-test-{uuid.uuid4().hex[:12]}",
        "dynamodb_endpoint_url": endpoint,
        "create_table": True,
        "api_keys": KEY_LINES,
        "dispatcher": "none",
        "llm_provider": "none",
    }
    if "spacelift_webhook_secret" not in overrides and not overrides.get("spacelift_allow_unsigned"):
        values["spacelift_webhook_secret"] = WEBHOOK_SECRET
    values.update(overrides)
    return load_settings(**values)


def simple_plan(**extra: Any) -> dict[str, Any]:
    """A small valid plan: one bucket created, one DB deleted."""
    plan: dict[str, Any] = {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "resource_changes": [
            {
                "address": "aws_s3_bucket.logs",
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "logs",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"bucket": "logs", "force_destroy": False, "tags": {"team": "core"}},
                    "after_unknown": {"id": True, "arn": True},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            },
            {
                "address": "aws_db_instance.main",
                "mode": "managed",
                "type": "aws_db_instance",
                "name": "main",
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["delete"],
                    "before": {"identifier": "main", "deletion_protection": False, "storage_encrypted": True},
                    "after": None,
                    "after_unknown": {},
                    "before_sensitive": {},
                    "after_sensitive": False,
                },
            },
        ],
        "applyable": True,
        "complete": True,
        "errored": False,
    }
    plan.update(extra)
    return plan


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Run the app under uvicorn on a free port in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_terminal(http: httpx.Client, review_id: str, timeout: float = 120) -> dict[str, Any]:
    """Poll GET /api/reviews/{id} until the review is COMPLETED or FAILED; the review then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        review = http.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()
        if review["status"] in ("COMPLETED", "FAILED"):
            return dict(review)
        time.sleep(0.1)
    raise AssertionError(f"review {review_id} did not finish in {timeout:.0f} s")


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
