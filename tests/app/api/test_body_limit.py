"""The body-size guard reads Content-Length as a decimal number only."""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

from app.api.body import BodyLimitMiddleware


def _call(content_length: bytes) -> list[MutableMapping[str, Any]]:
    sent: list[MutableMapping[str, Any]] = []
    reached: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(True)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", content_length)]}
    asyncio.run(BodyLimitMiddleware(app, limit=10)(scope, receive, send))
    return sent


def test_a_content_length_of_digits_that_are_not_decimal_does_not_crash() -> None:
    # "²".isdigit() is true but int("²") raises: the guard must not turn such a header into a 500.
    assert _call("\u00b2".encode("latin-1"))[0]["status"] == 204
    assert _call(b"11")[0]["status"] == 413
