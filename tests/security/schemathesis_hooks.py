"""Schemathesis hooks for the contract run (loaded through SCHEMATHESIS_HOOKS by the CLI).

One extra check on top of the built-in ones: every 4xx and 5xx answer has the documented error
shape, carries the security headers and leaks no traceback, path or exception class name.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

from tests.security.support import SECURITY_HEADERS, leaks


@schemathesis.check
def tfreview_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """4xx/5xx: {"error": {code, message, details}, "request_id"}; headers present; nothing leaked."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    for name, value in SECURITY_HEADERS.items():
        got = headers.get(name)
        got = got[0] if isinstance(got, list) else got
        if got != value:
            raise AssertionError(f"security header {name} is {got!r}, expected {value!r}")
    if response.status_code < 400:
        return None
    text = response.text if isinstance(response.text, str) else response.content.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise AssertionError(f"error body is not JSON: {text[:200]!r}") from exc
    if not isinstance(body, dict) or set(body) != {"error", "request_id"}:
        raise AssertionError(f"error body has keys {sorted(body) if isinstance(body, dict) else type(body)}")
    error = body["error"]
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        raise AssertionError("error object must hold exactly code, message and details")
    if not (isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str)):
        raise AssertionError("error.code and error.message must be non-empty strings")
    if not body["request_id"]:
        raise AssertionError("request_id is empty")
    found = leaks(text)
    if found:
        raise AssertionError(f"error body leaks internals: {found}")
    return None
