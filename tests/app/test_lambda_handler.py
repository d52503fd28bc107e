"""The API Lambda entry: Mangum over the same app, fed a real API Gateway HTTP API (2.0) event."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support import KEY_LINES, READ_KEY, ROOT


def _http_api_event(path: str, headers: dict[str, str]) -> dict[str, Any]:
    """A payload-format 2.0 event as API Gateway HTTP API sends it."""
    return {
        "version": "2.0",
        "routeKey": "ANY /{proxy+}",
        "rawPath": path,
        "rawQueryString": "limit=5",
        "headers": {"host": "abc123.execute-api.us-east-1.amazonaws.com", "user-agent": "curl/8", **headers},
        "queryStringParameters": {"limit": "5"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "ANY /{proxy+}",
            "stage": "$default",
            "time": "26/Nov/2026:08:00:00 +0000",
            "timeEpoch": 1795680000000,
        },
        "isBase64Encoded": False,
    }


def _run_handler(settings_env: dict[str, str], event: dict[str, Any]) -> dict[str, Any]:
    """Import app.handler in a fresh interpreter (as Lambda would) and call it once."""
    code = (
        "import json, sys\n"
        "from app.handler import handler\n"
        "event = json.loads(sys.stdin.read())\n"
        "result = handler(event, None)\n"
        "mods = sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'anthropic'))\n"
        "print(json.dumps({'result': result, 'llm_modules': mods}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **settings_env},
        timeout=60,
        check=True,
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def test_http_api_event_through_mangum(settings: Any) -> None:
    env = {
        "TFR_ENV": "test",
        "TFR_TABLE_NAME": settings.resolved_table_name,
        "TFR_DYNAMODB_ENDPOINT_URL": settings.dynamodb_endpoint_url,
        "TFR_CREATE_TABLE": "true",
        "TFR_API_KEYS": ",".join(KEY_LINES),
        "TFR_DISPATCHER": "none",
        "TFR_SPACELIFT_WEBHOOK_SECRET": "whsec-test",
    }
    out = _run_handler(env, _http_api_event("/api/reviews", {"authorization": f"Bearer {READ_KEY}"}))
    result = out["result"]
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {"items": [], "next_cursor": None}
    assert out["llm_modules"] == []
    denied = _run_handler(env, _http_api_event("/api/reviews", {}))["result"]
    assert denied["statusCode"] == 401
    assert json.loads(denied["body"])["error"]["code"] == "unauthorized"


def test_lambda_entry_refuses_to_start_without_a_webhook_secret(settings: Any) -> None:
    env = {
        "TFR_ENV": "prod",
        "TFR_DYNAMODB_ENDPOINT_URL": settings.dynamodb_endpoint_url,
        "TFR_API_KEYS": ",".join(KEY_LINES),
        "TFR_DISPATCHER": "none",
    }
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _run_handler(env, _http_api_event("/healthz", {}))
    assert "TFR_SPACELIFT_WEBHOOK_SECRET" in failed.value.stderr
