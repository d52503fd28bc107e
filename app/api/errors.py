"""Renders every error as {"error": {code, message, details}, "request_id"}; no stack traces leak."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app.core.errors import AppError
from app.core.logging import request_id_var

logger = logging.getLogger(__name__)


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {
        "error": {"code": code, "message": message, "details": details},
        "request_id": request_id_var.get(),
    }
    headers = {**(headers or {}), **({"Retry-After": "2"} if status == 503 else {})}
    if status == 401:
        # RFC 9110: a 401 names the scheme to authenticate with.
        headers.setdefault("WWW-Authenticate", 'Bearer realm="tfreview"')
    return JSONResponse(status_code=status, content=body, headers=headers or None)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        location = [str(part) for part in err.get("loc", ())]
        details.append({"field": ".".join(location), "message": err.get("msg", "invalid")})
    return details


def _allowed_methods(request: Request) -> str:
    """The methods every route on this path accepts, for the Allow header of a 405."""
    try:
        from fastapi.routing import iter_route_contexts

        routes: list[Any] = list(iter_route_contexts(request.app.routes))
    except ImportError:  # FastAPI before included-router contexts: routes are flat
        routes = list(request.app.routes)
    methods: set[str] = set()
    for route in routes:
        path = getattr(route, "path", None)
        if path and compile_path(path)[0].match(request.url.path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Attach the handlers that give every failure the one documented shape."""

    @app.exception_handler(AppError)
    async def app_error(_: Request, exc: AppError) -> JSONResponse:
        if exc.status_code >= 500:
            logger.warning("request_failed", extra={"code": exc.code, "status": exc.status_code})
        return error_response(exc.status_code, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        first = details[0] if details else {"field": "request", "message": "invalid"}
        return error_response(422, "validation_error", f"{first['field']}: {first['message']}", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            401: "unauthorized",
            403: "forbidden",
            413: "payload_too_large",
        }
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # RFC 9110: a 405 lists every method of the resource, not only those of the first route matched.
            headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
        return error_response(
            exc.status_code, codes.get(exc.status_code, "http_error"), message, headers=headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.error("unexpected_error", exc_info=exc)
        return error_response(500, "internal_error", "internal error; quote the request_id when reporting it")
