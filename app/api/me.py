"""GET /api/me: who the caller is and what they may do (the dashboard shows or hides actions by it)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import ReadKey
from app.api.schemas import Me, error_doc

router = APIRouter(prefix="/api/me", tags=["identity"])


@router.get(
    "",
    operation_id="me-get",
    summary="The caller: a person or a key, and their scopes",
    response_model=Me,
    responses={
        401: error_doc("Missing or unknown API key, or an invalid sign-in token"),
        403: error_doc("Signed in without a tfreview role"),
    },
)
def get_me(principal: ReadKey) -> Me:
    """Read by every caller that may read; the scopes are what the API will allow, not a UI hint."""
    return Me(
        kind=principal.kind.value,
        subject=principal.subject or principal.name,
        name=principal.name,
        email=principal.email,
        scopes=sorted(s.value for s in principal.scopes),
    )
