"""Loose models of what Spacelift sends: run events, our policy payload, internal errors, audit events."""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

log = logging.getLogger(__name__)

# The `schema` value our notification policy (deploy/spacelift/policies/notification.rego) puts in its payload.
POLICY_SCHEMA = "tfreview.spacelift/v1"
# Account, stack and run ids become DynamoDB key parts (2 KB at most); Spacelift's are far shorter.
MAX_ID_CHARS = 256
# Bounds of the strings a review stores (the same as app/storage/models.py, which webhook/ does not
# import): a delivery over them is answered `invalid` (2xx), never a 500 on every redelivery.
MAX_NAME_CHARS = 1000
MAX_COMMIT_MESSAGE_CHARS = 16_000
MAX_URL_CHARS = 2048
MAX_STATE_CHARS = 64
MAX_SEQUENCE = 2**63 - 1


class PayloadKind(StrEnum):
    RUN_EVENT = "run_event"
    POLICY = "policy"
    INTERNAL_ERROR = "internal_error"
    AUDIT = "audit"
    UNKNOWN = "unknown"


class RunState(StrEnum):
    NONE = "NONE"
    QUEUED = "QUEUED"
    READY = "READY"
    PREPARING = "PREPARING"
    INITIALIZING = "INITIALIZING"
    PLANNING = "PLANNING"
    UNCONFIRMED = "UNCONFIRMED"
    PENDING_REVIEW = "PENDING_REVIEW"
    CONFIRMED = "CONFIRMED"
    PREPARING_APPLY = "PREPARING_APPLY"
    APPLYING = "APPLYING"
    PERFORMING = "PERFORMING"
    DESTROYING = "DESTROYING"
    REPLAN_REQUESTED = "REPLAN_REQUESTED"
    PREPARING_REPLAN = "PREPARING_REPLAN"
    PENDING = "PENDING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    DISCARDED = "DISCARDED"
    CANCELED = "CANCELED"
    STOPPED = "STOPPED"
    SKIPPED = "SKIPPED"


TERMINAL_STATES = frozenset(
    {
        RunState.FINISHED,
        RunState.FAILED,
        RunState.DISCARDED,
        RunState.CANCELED,
        RunState.STOPPED,
        RunState.SKIPPED,
    }
)


class RunType(StrEnum):
    PROPOSED = "PROPOSED"
    TRACKED = "TRACKED"
    TASK = "TASK"
    TESTING = "TESTING"
    DESTROY = "DESTROY"
    PARSE = "PARSE"


def parse_state(value: str | None) -> RunState | None:
    """The run state, or None (logged) for a value this code does not know."""
    if value is None:
        return None
    try:
        return RunState(value.upper())
    except ValueError:
        log.warning(
            "spacelift.unknown_run_state", extra={"event": "spacelift.unknown_run_state", "state": value[:64]}
        )
        return None


def parse_run_type(value: str | None) -> RunType | None:
    """The run type, or None (logged) for a value this code does not know."""
    if value is None:
        return None
    try:
        return RunType(value.upper())
    except ValueError:
        log.warning(
            "spacelift.unknown_run_type",
            extra={"event": "spacelift.unknown_run_type", "run_type": value[:64]},
        )
        return None


class _Loose(BaseModel):
    # Spacelift adds fields over time; unknown ones are kept, never an error.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Commit(_Loose):
    """A run's commit, as in the default payload (camelCase) or the policy input (snake_case)."""

    hash: str | None = Field(None, max_length=MAX_ID_CHARS)
    message: str | None = Field(None, max_length=MAX_COMMIT_MESSAGE_CHARS)
    author_login: str | None = Field(None, alias="authorLogin", max_length=MAX_NAME_CHARS)
    author_name: str | None = Field(None, alias="authorName", max_length=MAX_NAME_CHARS)
    author: str | None = Field(None, max_length=MAX_NAME_CHARS)
    branch: str | None = Field(None, max_length=MAX_NAME_CHARS)
    url: str | None = Field(None, max_length=MAX_URL_CHARS)
    timestamp: int | None = None
    created_at: int | None = None


class Delta(_Loose):
    """Resource counts of a run, when Spacelift has them."""

    added: int | None = None
    changed: int | None = None
    deleted: int | None = None
    resources: int | None = None


class StackInfo(_Loose):
    """The parent stack of a run."""

    id: str = Field(max_length=MAX_ID_CHARS)
    name: str | None = Field(None, max_length=MAX_NAME_CHARS)
    description: str | None = None
    labels: list[str] = Field(default_factory=list)
    repository: str | None = None
    url: str | None = None
    vcs: str | None = None
    space: str | dict[str, Any] | None = None


class WorkerPool(_Loose):
    """The worker pool that ran the run (newer payloads only)."""

    id: str | None = None
    name: str | None = None


class RunInfo(_Loose):
    """The run of a default run-state-change payload."""

    id: str = Field(max_length=MAX_ID_CHARS)
    type: str | None = Field(None, max_length=MAX_STATE_CHARS)
    branch: str | None = Field(None, max_length=MAX_NAME_CHARS)
    command: str | None = None
    commit: Commit | None = None
    created_at: int | None = Field(None, alias="createdAt")
    delta: Delta | None = None
    drift_detection: bool | None = Field(None, alias="driftDetection")
    triggered_by: str | None = Field(None, alias="triggeredBy")
    url: str | None = Field(None, max_length=MAX_URL_CHARS)


class RunEvent(_Loose):
    """The default payload of a run state change (documented fields plus the newer ones)."""

    account: str = Field(max_length=MAX_ID_CHARS)
    state: str = Field(max_length=MAX_STATE_CHARS)
    state_version: int = Field(alias="stateVersion", ge=0, le=2**53)
    timestamp: int | None = None
    timestamp_millis: int | None = None
    note: str | None = None
    event_source: str | None = None
    event_type: str | None = None
    run: RunInfo
    stack: StackInfo
    worker_pool: WorkerPool | None = Field(None, alias="workerPool")

    @property
    def run_url(self) -> str | None:
        """The run's URL: from the payload when present, else the documented URL shape."""
        if self.run.url:
            return self.run.url
        return f"https://{self.account}.app.spacelift.io/stack/{self.stack.id}/run/{self.run.id}"


class PolicyChangeEntity(_Loose):
    """One entity of `run_updated.run.changes[]`."""

    address: str | None = None
    name: str | None = None
    type: str | None = None
    data: dict[str, Any] | None = None
    entity_vendor: str | None = None
    entity_type: str | None = None


class PolicyChange(_Loose):
    """One element of `run_updated.run.changes[]`: action, entity and phase."""

    action: str | None = None
    entity: PolicyChangeEntity = Field(default_factory=PolicyChangeEntity)
    phase: str | None = None


class PolicyRun(_Loose):
    """The run part of our notification-policy payload (snake_case, as in the policy input)."""

    id: str = Field(max_length=MAX_ID_CHARS)
    type: str | None = Field(None, max_length=MAX_STATE_CHARS)
    state: str | None = Field(None, max_length=MAX_STATE_CHARS)
    updated_at: int | None = Field(None, ge=0, le=MAX_SEQUENCE)
    created_at: int | None = None
    branch: str | None = Field(None, max_length=MAX_NAME_CHARS)
    commit: Commit | None = None
    drift_detection: bool | None = None
    triggered_by: str | None = None
    changes: list[PolicyChange] | None = None
    terraform_version: str | None = None


class PolicyPayload(_Loose):
    """The custom payload our notification policy sends (has `schema`)."""

    schema_: str = Field(alias="schema")
    account: str = Field(max_length=MAX_ID_CHARS)
    state: str | None = Field(None, max_length=MAX_STATE_CHARS)
    run: PolicyRun
    stack: StackInfo
    run_url: str | None = Field(None, max_length=MAX_URL_CHARS)
    planning_log: str | None = None
    policy_receipts: list[dict[str, Any]] | None = None

    @property
    def effective_state(self) -> str | None:
        """The run state: the top-level one, else the run's own."""
        return self.state or self.run.state

    @property
    def sequence(self) -> int:
        """The ordering number of this delivery: the run's `updated_at` (ns), as the policy input has no stateVersion."""
        return self.run.updated_at or 0


class InternalErrorPayload(_Loose):
    """A Spacelift internal-error notification."""

    title: str | None = None
    body: str | None = None
    error: str | None = None
    severity: str | None = None
    account: str | None = None


class AuditPayload(_Loose):
    """An audit-trail event."""

    account: str | None = None
    action: str
    actor: str | None = None
    actor_roles: list[str] | None = None
    context: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    remote_ip: str | None = Field(None, alias="remoteIP")
    timestamp: int | None = None


def classify(payload: Any) -> PayloadKind:
    """Tell payload kinds apart by their fields (Spacelift sends no event-type header)."""
    if not isinstance(payload, dict):
        return PayloadKind.UNKNOWN
    if isinstance(payload.get("schema"), str):
        return PayloadKind.POLICY
    if isinstance(payload.get("run"), dict) and isinstance(payload.get("stack"), dict):
        return PayloadKind.RUN_EVENT
    if "error" in payload and "severity" in payload and ("title" in payload or "body" in payload):
        return PayloadKind.INTERNAL_ERROR
    if isinstance(payload.get("action"), str):
        return PayloadKind.AUDIT
    return PayloadKind.UNKNOWN


class ParsedPayload(BaseModel):
    """A classified payload and its model (None when it did not validate)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: PayloadKind
    run_event: RunEvent | None = None
    policy: PolicyPayload | None = None
    internal_error: InternalErrorPayload | None = None
    audit: AuditPayload | None = None
    problem: str | None = None


_MODELS: dict[PayloadKind, type[_Loose]] = {
    PayloadKind.RUN_EVENT: RunEvent,
    PayloadKind.POLICY: PolicyPayload,
    PayloadKind.INTERNAL_ERROR: InternalErrorPayload,
    PayloadKind.AUDIT: AuditPayload,
}


def _problem(exc: ValidationError) -> str:
    # Field locations and error types only: input values may hold plan data.
    parts = [f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in exc.errors()[:5]]
    return "; ".join(parts)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Parsers disagree on which duplicate wins; a signed body must mean one thing.
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("duplicate key")
    return value


def loads_strict(body: bytes | str) -> Any:
    """JSON without NaN/Infinity, out-of-range numbers or duplicate keys (ValueError otherwise)."""
    return json.loads(
        body, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_unique_keys
    )


def parse_payload(body: bytes | str | Any) -> ParsedPayload:
    """Decode and classify a delivery; never raises for content (problems are reported, not thrown)."""
    if isinstance(body, bytes | str):
        try:
            body = loads_strict(body)
        except (ValueError, UnicodeDecodeError):
            return ParsedPayload(kind=PayloadKind.UNKNOWN, problem="body is not JSON")
        except RecursionError:
            return ParsedPayload(kind=PayloadKind.UNKNOWN, problem="body is nested too deeply")
    kind = classify(body)
    model = _MODELS.get(kind)
    if model is None:
        return ParsedPayload(kind=kind)
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        return ParsedPayload(kind=kind, problem=_problem(exc))
    if kind is PayloadKind.POLICY and isinstance(parsed, PolicyPayload) and parsed.schema_ != POLICY_SCHEMA:
        log.warning(
            "spacelift.unknown_policy_schema",
            extra={"event": "spacelift.unknown_policy_schema", "schema": parsed.schema_[:64]},
        )
    field = {
        PayloadKind.RUN_EVENT: "run_event",
        PayloadKind.POLICY: "policy",
        PayloadKind.INTERNAL_ERROR: "internal_error",
        PayloadKind.AUDIT: "audit",
    }[kind]
    return ParsedPayload(kind=kind, **{field: parsed})
