"""Builds the FastAPI application: routes, error shape, middleware, OpenAPI."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.models import Schema
from fastapi.openapi.utils import get_openapi
from pydantic.json_schema import models_json_schema

from app.api import analytics, health, me, reviews, webhooks
from app.api.body import BodyLimitMiddleware
from app.api.errors import error_response, install_error_handlers
from app.api.schemas import (
    ChangePage,
    CreateReviewRequest,
    ErrorResponse,
    FindingPage,
    ReviewList,
    ReviewResource,
    ReviewVersions,
    UpdateReviewRequest,
)
from app.core.ids import new_ulid
from app.core.logging import configure_logging, request_id_var
from app.core.settings import Settings, SettingsError, get_settings
from app.services.container import Services, build_services
from app.services.models import Review, ReviewDetail
from webhook.signature import NoWebhookSecret

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cache-Control": "no-store",
}
DOCS_PATHS = ("/docs", "/openapi.json", "/docs/oauth2-redirect")
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
REF_TEMPLATE = "#/components/schemas/{model}"

ExtraRouters = list[Any]


# Written as get_openapi writes the response models it builds itself (serialization mode, no null
# values), as it did for these while routes declared them; built on the first request for
# /openapi.json rather than on every cold start.
def _documented_bodies() -> dict[str, Any]:
    """The schemas of the response bodies routes name by reference (app/api/schemas.documented)."""
    from app.api.analytics_schemas import Analytics

    models = (
        ErrorResponse,
        Review,
        ReviewResource,
        ReviewList,
        ReviewVersions,
        FindingPage,
        ChangePage,
        Analytics,
        # Listed by get_openapi while Review was a response model (it walks the skipped `detail` too).
        ReviewDetail,
    )
    _, document = models_json_schema(
        [(model, "serialization") for model in models], ref_template=REF_TEMPLATE
    )
    return {
        name: jsonable_encoder(Schema(**body), by_alias=True, exclude_none=True)
        for name, body in document.get("$defs", {}).items()
    }


def _custom_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name, body in _documented_bodies().items():
            schemas.setdefault(name, body)
        # The request bodies the routes read themselves, with their nested models as pydantic writes
        # them (ErrorResponse's too, as before it was named by reference).
        for model in (CreateReviewRequest, UpdateReviewRequest, ErrorResponse):
            model_schema = model.model_json_schema(ref_template=REF_TEMPLATE)
            schemas.update(model_schema.pop("$defs", {}))
            schemas.setdefault(model.__name__, model_schema)
        components["securitySchemes"] = {
            "ApiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "Authorization: Bearer <api key>; the key's scopes (read, submit, decide, "
                "rerun) decide the routes it may call.",
            },
            "PersonToken": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Authorization: Bearer <OIDC ID token of a signed-in person> (issuer "
                "TFR_OIDC_ISSUER, audience TFR_OIDC_AUDIENCE); roles from TFR_OIDC_ROLES_CLAIM via "
                "TFR_OIDC_ROLE_MAP: viewer reads, submitter submits, approver decides and reruns, admin all.",
            },
            "SpaceliftSignature": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Signature-256",
                "description": "sha256=<lowercase hex HMAC-SHA256 of the raw body with the webhook secret>",
            },
        }
        for path, operations in schema.get("paths", {}).items():
            scheme = (
                "ApiKey"
                if path.startswith("/api/")
                else "SpaceliftSignature"
                if path.startswith("/webhooks/")
                else None
            )
            if scheme is not None:
                for operation in operations.values():
                    operation["security"] = (
                        [{"ApiKey": []}, {"PersonToken": []}] if scheme == "ApiKey" else [{scheme: []}]
                    )
        app.openapi_schema = schema
        return schema

    return openapi


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The one application object, used by uvicorn locally and by Mangum on Lambda."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    built = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if services is None:
            # Local mode: the process that runs reviews also sweeps them (Lambda uses a schedule).
            built.start_sweeper()
        try:
            yield
        finally:
            built.close()

    app = FastAPI(
        title="tfreview API",
        version="0.1.0",
        description=(
            "Terraform + Spacelift plan reviews: deterministic rules, LLM explanations, versioned history. "
            "Every /api route needs `Authorization: Bearer <api key or a person's OIDC token>`; "
            "errors share one shape."
        ),
        lifespan=lifespan,
    )
    app.state.services = built
    install_error_handlers(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Content-Encoding",
                "If-Match",
                "Idempotency-Key",
            ],
            expose_headers=["ETag", "Location", "Link", "X-Next-Cursor", "X-Findings-Total"],
        )

    # Inside request_context (added after), so its 413 carries the request id and security headers.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        supplied = request.headers.get("x-request-id", "")
        # A caller's id is echoed in headers, bodies and logs: only a plain token, else our own.
        request_id = supplied if REQUEST_ID_RE.fullmatch(supplied) else new_ulid()
        token = request_id_var.set(request_id)
        try:
            response = await call_next(request)
        except Exception:
            # Rendered here, not only by the outermost handler, so a 500 keeps the headers and request id.
            logger.error("unexpected_error", exc_info=True)
            response = error_response(
                500, "internal_error", "internal error; quote the request_id when reporting it"
            )
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-Id"] = request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith(DOCS_PATHS):
            response.headers.setdefault(
                "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"
            )
        return response

    # Outermost: every response the client accepts gzip for is compressed (Mangum base64-encodes the
    # binary body for API Gateway), which keeps a page of findings or a report far below 6 MB.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)

    app.include_router(health.router)
    app.include_router(reviews.router)
    app.include_router(analytics.router)
    app.include_router(me.router)
    app.include_router(webhooks.router)
    try:
        # Refuse to start without a webhook secret, also on Lambda where lifespan events do not run.
        webhooks.webhook_verifier(app)
    except NoWebhookSecret as exc:
        raise SettingsError(f"invalid settings: {exc}") from None
    app.openapi = _custom_openapi(app)  # type: ignore[method-assign]
    return app
