"""Every DynamoDB key of the single table is built here and nowhere else."""

from __future__ import annotations

PK = "PK"
SK = "SK"
GSI1 = "GSI1"
GSI1_PK = "GSI1PK"
GSI1_SK = "GSI1SK"
GSI2 = "GSI2"
GSI2_PK = "GSI2PK"
GSI2_SK = "GSI2SK"
TTL_ATTRIBUTE = "expires_at"

CURRENT_SK = "VERSION#0"
NO_SORT = "-"


def review_pk(review_id: str) -> str:
    return f"REVIEW#{review_id}"


def version_sk(version: int) -> str:
    return f"VERSION#{version:08d}"


def plan_pk(sha256: str) -> str:
    return f"PLAN#{sha256}"


def plan_chunk_sk(index: int) -> str:
    return f"CHUNK#{index:04d}"


def spacelift_delivery_pk(account: str, run_id: str) -> str:
    return f"SPACELIFT#{account}#{run_id}"


def spacelift_state_sk(state_version: int) -> str:
    return f"STATE#{state_version:08d}"


def stats_pk(day: str) -> str:
    return f"STATS#{day}"


STATS_ALL_SK = "ALL"


def stats_stack_sk(stack_id: str) -> str:
    return f"STACK#{stack_id}"


def stats_dimension_sk(kind: str, name: str) -> str:
    """One counter of a day per resource type (TYPE) or rule (RULE)."""
    return f"{kind}#{name}"


def idempotency_pk(key: str) -> str:
    return f"IDEMPOTENCY#{key}"


def gsi1_pk(run_id: str) -> str:
    return f"SPACELIFT_RUN#{run_id}"


def gsi2_pk(status: str) -> str:
    return f"STATUS#{status}"


def created_sk(created_at_iso: str) -> str:
    return f"CREATED#{created_at_iso}"


def list_pk(sha256: str) -> str:
    """A stored full list (findings or changes) of a review, content-addressed."""
    return f"LIST#{sha256}"


def list_segment_sk(index: int) -> str:
    return f"SEG#{index:05d}"


def outbox_pk(review_id: str) -> str:
    """The events of one review waiting for (or done with) delivery."""
    return f"OUTBOX#{review_id}"


def outbox_sk(version: int, kind: str) -> str:
    return f"EVENT#{version:08d}#{kind}"


# GSI2 partition of the outbox items that still have a channel to deliver to (the sweep's query).
OUTBOX_DUE_PK = "OUTBOX#DUE"


def outbox_due_sk(due_iso: str, review_id: str, version: int, kind: str) -> str:
    return f"DUE#{due_iso}#{review_id}#{version:08d}#{kind}"
