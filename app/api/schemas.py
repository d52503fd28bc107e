"""API request and response models, with the examples shown in /docs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.services.models import (
    Actor,
    Decision,
    NotificationRecord,
    ResourceChangeView,
    Review,
    SpaceliftInfo,
    VersionAction,
)
from reviewer.engine.results import Finding

EXAMPLE_PLAN: dict[str, Any] = {
    "format_version": "1.2",
    "terraform_version": "1.9.5",
    "resource_changes": [
        {
            "address": "aws_db_instance.main",
            "mode": "managed",
            "type": "aws_db_instance",
            "name": "main",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["delete"],
                "before": {"identifier": "main", "deletion_protection": False},
                "after": None,
                "after_unknown": {},
            },
        }
    ],
    "applyable": True,
    "complete": True,
    "errored": False,
}


# The error shape is only described (app/api/errors.py writes the answers): both build when /openapi.json does.
class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)

    code: str = Field(description="Stable machine-readable code, e.g. invalid_plan, version_conflict.")
    message: str = Field(description="What was wrong, in words a person can act on.")
    details: Any = Field(None, description="Structured context: the field at fault, the current version, ...")


class ErrorResponse(BaseModel):
    """The shape of every 4xx and 5xx answer."""

    error: ErrorBody
    request_id: str | None = None

    model_config = ConfigDict(
        defer_build=True,
        json_schema_extra={
            "example": {
                "error": {
                    "code": "invalid_plan",
                    "message": "plan: this is a Terraform state file, not a plan; run terraform show -json PLANFILE",
                    "details": {"field": "plan", "reason": "state_file"},
                },
                "request_id": "01JD8Z4Q7W3V5K2M9N8P6R4T2Y",
            }
        },
    )


# Routes write their JSON themselves and name their bodies in OpenAPI by reference, not with
# `response_model=` or `"model":`: FastAPI builds a pydantic TypeAdapter for each of those (about 80
# here) only to write /openapi.json, a cost every cold start paid (tests/benchmarks/bench_coldstart.py).
# app/main.py adds the schemas of DOCUMENTED_BODIES when /openapi.json is first asked for.
def documented(model: str, description: str = "Successful Response") -> dict[str, Any]:
    """An OpenAPI response whose body is the schema `model`, by reference."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}},
    }


def error_doc(description: str) -> dict[str, Any]:
    """An OpenAPI error response: the ErrorResponse body."""
    return documented("ErrorResponse", description)


class CreateReviewRequest(BaseModel):
    """A plan to review: the output of `terraform show -json PLANFILE` plus optional labels."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"plan": EXAMPLE_PLAN, "title": "prod-db: drop replica", "tags": ["prod"]}
        },
    )

    plan: dict[str, Any] = Field(description="terraform show -json output (format 0.1 to 1.x).")
    title: str | None = Field(None, max_length=300)
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=50)
    metadata: dict[
        Annotated[str, Field(min_length=1, max_length=100)], Annotated[str, Field(max_length=1000)]
    ] = Field(default_factory=dict, max_length=50)
    source: Literal["api", "cli", "spacelift"] = Field(
        "api", description="Who submits: the after_plan hook says spacelift."
    )
    spacelift: SpaceliftInfo | None = Field(
        None,
        description="The Spacelift run this plan belongs to; a review of the same run is updated, not duplicated.",
    )


class UpdateReviewRequest(BaseModel):
    """A human decision or edit; the version being edited goes in If-Match or expected_version."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "decision": "APPROVED",
                "note": "Replica drop agreed with the DB team.",
                "expected_version": 3,
            }
        },
    )

    decision: Decision | None = None
    note: str | None = Field(None, max_length=4000)
    title: str | None = Field(None, min_length=1, max_length=300)
    tags: list[Annotated[str, Field(max_length=100)]] | None = Field(None, max_length=50)
    expected_version: int | None = Field(None, ge=1)


class ReviewListItem(BaseModel):
    """A review as listed: no findings, changes or AI text."""

    model_config = ConfigDict(extra="allow")

    id: str
    version: int
    latest_version: int
    status: str
    decision: str | None = None
    decided_by: str | None = None
    decider: Actor | None = None
    acted_by: Actor | None = Field(
        None,
        description="Who made this version (upload, decision, edit, rerun); none for the reviewer's versions.",
    )
    action: VersionAction | None = None
    creator: Actor | None = None
    title: str
    source: str
    tags: list[str] = Field(default_factory=list)
    spacelift: dict[str, Any] | None = None
    plan: dict[str, Any]
    summary: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None
    findings_total: int = 0
    changes_total: int = 0
    finding_counts: dict[str, int] = Field(description="All findings per severity.")
    introduced_counts: dict[str, int] = Field(
        default_factory=dict, description="Findings this plan introduces or worsens, per severity."
    )
    posture_count: int = Field(0, description="Findings already present before this plan.")
    destroyed: int = Field(0, description="Resources this plan deletes.")
    replaced: int = Field(0, description="Resources this plan replaces.")
    plan_errored: bool = False
    ai_status: str | None = None
    created_at: str
    updated_at: str
    duration_ms: int | None = None
    error: str | None = None


class ReviewResource(Review):
    """The current version of a review, with how its events were delivered (docs/notifications.md)."""

    # Only described in OpenAPI (the route writes the stored JSON): built when /openapi.json is.
    model_config = ConfigDict(defer_build=True)

    notifications: list[NotificationRecord] = Field(
        default_factory=list,
        description="Each channel's delivery of each event of the review (sent, failed or pending, attempts, "
        "last error); present when notifications are configured, read live, not part of a version.",
    )


class ReviewList(BaseModel):
    items: list[ReviewListItem]
    next_cursor: str | None = Field(None, description="Opaque; pass as cursor for the next page.")


class ReviewVersions(BaseModel):
    """Version summaries (the list form: no findings, changes or AI text), oldest first."""

    # Only described in OpenAPI (the route writes the stored JSON): built when /openapi.json is.
    model_config = ConfigDict(defer_build=True)

    items: list[ReviewListItem]
    next_cursor: str | None = Field(None, description="Opaque; pass as cursor for the next page.")
    total: int = Field(description="How many versions the review has.")


class FindingPage(BaseModel):
    """Findings in review order: introduced first, then posture; worst first within each."""

    # Only described in OpenAPI (the route writes the stored JSON): built when /openapi.json is.
    model_config = ConfigDict(defer_build=True)

    items: list[Finding]
    next_cursor: str | None = Field(None, description="Opaque; pass as cursor for the next page.")
    total: int = Field(description="How many findings match the filters in all.")


class ChangePage(BaseModel):
    """Changed resources: destroys and replaces first, then by address."""

    # Only described in OpenAPI (the route writes the stored JSON): built when /openapi.json is.
    model_config = ConfigDict(defer_build=True)

    items: list[ResourceChangeView]
    next_cursor: str | None = Field(None, description="Opaque; pass as cursor for the next page.")
    total: int = Field(description="How many changed resources the version has in all.")


class Health(BaseModel):
    status: str
    checks: dict[str, str] = Field(default_factory=dict)


class Me(BaseModel):
    """The caller as the API sees it."""

    kind: str = Field(description="person or key")
    subject: str
    name: str
    email: str | None = None
    scopes: list[str] = Field(description="read, submit, decide, rerun: what the API allows this caller.")
