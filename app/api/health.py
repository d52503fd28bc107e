"""Liveness (/healthz) and readiness (/readyz: DynamoDB reachable)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ServicesDep
from app.api.schemas import Health, error_doc

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="health-live", summary="The process is up", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="health-ready",
    summary="DynamoDB answers",
    response_model=Health,
    responses={503: error_doc("DynamoDB is unreachable")},
)
def readyz(services: ServicesDep) -> Health:
    services.reviews.ping()
    return Health(status="ok", checks={"dynamodb": "ok"})
