"""POST /webhooks/spacelift: read the raw body, hand it to the Spacelift use case, answer 2xx quickly."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.body import read_body
from app.api.schemas import error_doc
from app.core.errors import ServiceUnavailable
from app.services.spacelift_signature import configured_verifier
from webhook.signature import NoWebhookSecret, SignatureVerifier

if TYPE_CHECKING:
    from app.services.spacelift import SpaceliftWebhookService

logger = logging.getLogger(__name__)

# Spacelift's payloads are small; a policy payload with a planning log is the largest. Lambda caps bodies at 6 MB.
MAX_WEBHOOK_BODY_BYTES = 6 * 1024 * 1024
_build_lock = threading.Lock()


def webhook_verifier(app: Any) -> SignatureVerifier | None:
    """The process-wide signature verifier, built once at start-up; NoWebhookSecret without a secret."""
    built: tuple[SignatureVerifier | None] | None = getattr(app.state, "spacelift_verifier", None)
    if built is None:
        with _build_lock:
            built = getattr(app.state, "spacelift_verifier", None)
            if built is None:
                built = (configured_verifier(app.state.services.settings),)
                app.state.spacelift_verifier = built
    return built[0]


def webhook_service(app: Any) -> SpaceliftWebhookService:
    """The process-wide webhook service, built on first use around the start-up's verifier."""
    existing: SpaceliftWebhookService | None = getattr(app.state, "spacelift_webhook", None)
    if existing is not None:
        return existing
    verifier = webhook_verifier(app)
    # The use case and its ledger load with the first delivery (or Spacelift-sourced plan), not at every
    # cold start of the API (tests/benchmarks/bench_coldstart.py).
    from app.services.spacelift import webhook_service_with

    with _build_lock:
        existing = getattr(app.state, "spacelift_webhook", None)
        if existing is None:
            services = app.state.services
            existing = webhook_service_with(services.settings, services.reviews, verifier)
            app.state.spacelift_webhook = existing
        return existing


@asynccontextmanager
async def require_webhook_secret(app: FastAPI) -> AsyncIterator[None]:
    """Refuse to start without a webhook secret; a local env may run with the webhook switched off instead."""
    webhook_verifier(app)
    yield


router = APIRouter(tags=["webhooks"], lifespan=require_webhook_secret)

_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: error_doc("Missing or wrong X-Signature-256"),
    413: error_doc("Body over the size limit"),
    503: error_doc("Transient failure; Spacelift retries on 5xx"),
}


async def _receive(request: Request) -> JSONResponse:
    # The signature covers the exact bytes: read them before anything parses the body.
    body = await read_body(
        request, min(request.app.state.services.settings.max_body_bytes, MAX_WEBHOOK_BODY_BYTES)
    )
    try:
        service = webhook_service(request.app)
    except NoWebhookSecret:
        raise ServiceUnavailable(
            "the Spacelift webhook is not configured: set TFR_SPACELIFT_WEBHOOK_SECRET",
            code="webhook_not_configured",
        ) from None
    try:
        result = await run_in_threadpool(service.handle, body, dict(request.headers))
    except ValidationError as exc:
        # Only a signed delivery gets this far (the service verifies first): a field the review cannot
        # store is this delivery's fault, and a 5xx would be redelivered (and count towards
        # Spacelift disabling the webhook). Answer the documented 2xx `invalid`.
        logger.warning(
            "spacelift.delivery_invalid",
            extra={"event": "spacelift.delivery", "problem": f"{exc.error_count()} field(s) out of bounds"},
        )
        return JSONResponse(
            status_code=202,
            content={
                "status": "accepted",
                "outcome": "invalid",
                "kind": "unknown",
                "run_id": None,
                "review_id": None,
            },
        )
    content = {
        "status": "accepted",
        "outcome": result.outcome.value,
        "kind": result.kind.value,
        "run_id": result.run_id,
        "review_id": result.review_id,
    }
    return JSONResponse(status_code=202, content=content)


@router.post(
    "/webhooks/spacelift",
    status_code=202,
    operation_id="webhooks-spacelift",
    summary="Receive a Spacelift webhook delivery (signed with X-Signature-256)",
    responses=_RESPONSES,
)
async def spacelift_webhook(request: Request) -> JSONResponse:
    """Verify the signature, drop duplicates and older states, start or update the run's review; 202."""
    return await _receive(request)


@router.api_route("/webhooks/spacelift", methods=["PUT", "PATCH"], include_in_schema=False)
async def spacelift_webhook_other_methods(request: Request) -> JSONResponse:
    """A notification policy may change the method; the delivery is handled the same way."""
    return await _receive(request)
