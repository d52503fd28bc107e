"""GET /api/analytics: read from daily counters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import ReadKey, ServicesDep
from app.api.schemas import documented, error_doc
from app.core.ids import utcnow

router = APIRouter(prefix="/api/analytics", tags=["analytics"])


def _rule_titles() -> dict[str, str]:
    from reviewer.engine import RULES

    return {rule.meta.id: rule.meta.title for rule in RULES}


@router.get(
    "",
    operation_id="analytics-get",
    summary="Totals and daily series for the last N days",
    responses={
        200: documented("Analytics"),
        401: error_doc("Missing or unknown API key"),
        422: error_doc("days out of range"),
        503: error_doc("The review store is unavailable"),
    },
)
def get_analytics(
    services: ServicesDep, _: ReadKey, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> Response:
    """Reviews by status, risk and decision per day, top rules and types, stacks, durations, AI usage."""
    # Only this route needs its body's models: they load with its first request.
    from app.api.analytics_schemas import Analytics

    data = services.analytics(days=days, today=utcnow().date(), rule_titles=_rule_titles())
    return Response(
        Analytics.model_validate(data).model_dump_json(by_alias=True), media_type="application/json"
    )
