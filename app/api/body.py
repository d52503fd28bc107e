"""Reads request bodies within a size limit, inflates gzip safely and parses JSON strictly."""

from __future__ import annotations

import json
import math
import zlib
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_response
from app.core.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_JSON_TYPES = ("application/json", "application/x-amz-json", "text/json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    """JSON numbers too large for a double (1e999) would become infinity: refuse them."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range (not a finite double)")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Refuse duplicate keys: parsers disagree on which one wins, so a duplicate can hide a change."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key[:100]!r}")
            seen.add(key)
    return value


class BodyLimitMiddleware:
    """Every route: 413 from Content-Length before the body is read, or as soon as a stream passes the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdecimal() and int(declared) > self.limit:  # isdigit() also passes "²"
            response = error_response(
                413,
                "payload_too_large",
                f"request body of {int(declared)} bytes is over the limit of {self.limit} bytes",
                {"limit_bytes": self.limit},
            )
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # An HTTPException passes through FastAPI's body parsing to the error handler.
                    raise HTTPException(413, f"request body is over the limit of {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes the limit (before any parsing)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_size = int(declared)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
        if declared_size > limit:
            raise PayloadTooLarge(
                f"request body of {declared_size} bytes is over the limit of {limit} bytes",
                details={"limit_bytes": limit},
            )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"request body is over the limit of {limit} bytes", details={"limit_bytes": limit}
            )
        chunks.append(chunk)
    return b"".join(chunks)


def inflate(body: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo Content-Encoding gzip/deflate, stopping at `limit` output bytes (gzip bombs)."""
    name = (encoding or "identity").strip().lower()
    if name in ("", "identity"):
        return body
    if name not in ("gzip", "x-gzip", "deflate"):
        raise UnsupportedMediaType(f"Content-Encoding '{name}' is not supported; use gzip or none")
    wbits = 16 + zlib.MAX_WBITS if name != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    try:
        data = inflater.decompress(body, limit + 1)
        if len(data) > limit or inflater.unconsumed_tail:
            raise PayloadTooLarge(
                f"decompressed body is over the limit of {limit} bytes", details={"limit_bytes": limit}
            )
        data += inflater.flush()
    except zlib.error as exc:
        raise BadRequest(f"body is not valid {name} data: {exc}", code="bad_encoding") from None
    if len(data) > limit:
        raise PayloadTooLarge(
            f"decompressed body is over the limit of {limit} bytes", details={"limit_bytes": limit}
        )
    if not inflater.eof:
        raise BadRequest(f"{name} body is truncated", code="bad_encoding")
    return data


def check_json_content_type(request: Request) -> None:
    """Refuse bodies that say they are not JSON (415)."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and not (content_type in _JSON_TYPES or content_type.endswith("+json")):
        raise UnsupportedMediaType(f"Content-Type '{content_type}' is not supported; send application/json")


def parse_json(data: bytes, *, what: str = "body") -> Any:
    """Strict JSON: UTF-8 (BOM allowed), no NaN/Infinity or out-of-range numbers, no duplicate keys,
    bounded nesting; 400 with the position otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not valid UTF-8 (byte {exc.start})", code="invalid_json") from None
    try:
        return json.loads(
            text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_keys
        )
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            code="invalid_json",
        ) from None
    except ValueError as exc:
        raise BadRequest(f"{what} is not valid JSON: {exc}", code="invalid_json") from None
    except RecursionError:
        raise BadRequest(f"{what} is nested too deeply", code="invalid_json") from None


async def json_body(request: Request, limit: int) -> tuple[bytes, Any]:
    """Read, inflate and parse a JSON request body under the limits; (decoded bytes, value)."""
    check_json_content_type(request)
    raw = await read_body(request, limit)
    # Inflating and parsing up to `limit` bytes takes a while: off the event loop.
    data = await run_in_threadpool(inflate, raw, request.headers.get("content-encoding"), limit)
    if not data.strip():
        raise BadRequest("request body is empty; send a JSON object", code="invalid_json")
    return data, await run_in_threadpool(parse_json, data)
