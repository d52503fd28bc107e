"""Load the sample plans in samples/plans/ as reviews (make dev), through the real service.

Each sample comes from a Spacelift-style run (stack, run, branch, commit), so every column, filter
and the Stacks table of the dashboard has data; `make dev` also decides a few of them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from app.services.reviews import ReviewService
from app.storage.models import Commit, Decision, ReviewSource, SpaceliftInfo
from app.storage.reviews import ListFilters

logger = logging.getLogger(__name__)
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "plans"
ACCOUNT = "acme"


@dataclass(frozen=True)
class SampleRun:
    """The Spacelift run a sample plan pretends to come from, and the decision make dev records."""

    stack_id: str
    stack_name: str
    branch: str
    message: str
    author: str
    run_type: str = "PROPOSED"
    run_state: str = "FINISHED"
    decision: Decision | None = None
    note: str | None = None


# Keyed by the sample's file stem; a sample missing here is submitted as a plain API review.
SAMPLE_RUNS: dict[str, SampleRun] = {
    "azure-gcp-exposure": SampleRun(
        "multicloud-edge",
        "Multicloud edge",
        "feat/public-reports",
        "Publish reports, open admin ports",
        "dana",
    ),
    "drift-moves-imports": SampleRun(
        "platform-refactor",
        "Platform refactor",
        "refactor/modules",
        "Move queues into modules, import the sessions table",
        "omar",
        decision=Decision.REJECTED,
        note="Re-key the workers with moved blocks instead of destroying one.",
    ),
    "errored-plan": SampleRun(
        "ledger-prod", "Ledger (production)", "feat/scale-workers", "Scale the settlement workers", "alice"
    ),
    "kubernetes-incomplete-injection": SampleRun(
        "k8s-agents", "Kubernetes agents", "feat/node-agent", "Roll out the node agent", "li"
    ),
    "multi-region-storage": SampleRun(
        "storage-global",
        "Storage (global)",
        "feat/replicas",
        "Replicate logs and media across regions",
        "kim",
    ),
    "prod-payments-risky": SampleRun(
        "ledger-prod",
        "Ledger (production)",
        "main",
        "Retire the old payments database",
        "alice",
        run_type="TRACKED",
        run_state="UNCONFIRMED",
    ),
    "safe-tag-update": SampleRun(
        "static-assets",
        "Static assets",
        "chore/tags",
        "Tag the assets bucket",
        "sam",
        decision=Decision.APPROVED,
        note="Tags only.",
    ),
}


def sample_title(name: str) -> str:
    return name.replace("-", " ").replace("_", " ").capitalize()


def sample_spacelift(name: str, index: int) -> SpaceliftInfo | None:
    """The Spacelift run of a sample plan (None for a sample submitted through the API)."""
    run = SAMPLE_RUNS.get(name)
    if run is None:
        return None
    run_id = f"01JSAMPLE{index:017d}"
    return SpaceliftInfo(
        account=ACCOUNT,
        stack_id=run.stack_id,
        stack_name=run.stack_name,
        run_id=run_id,
        run_type=run.run_type,
        run_state=run.run_state,
        state_version=4,
        branch=run.branch,
        commit=Commit(hash=f"{index + 1:040x}", message=run.message, author=run.author),
        run_url=f"https://{ACCOUNT}.app.spacelift.io/stack/{run.stack_id}/run/{run_id}",
    )


def seed(reviews: ReviewService, *, only_if_empty: bool = True) -> int:
    """Create one review per sample plan; skipped when reviews already exist."""
    if only_if_empty:
        items, _ = reviews.list_reviews(ListFilters(), limit=1, cursor=None)
        if items:
            return 0
    count = 0
    for index, path in enumerate(sorted(SAMPLES.glob("*.json"))):
        plan = json.loads(path.read_bytes())
        spacelift = sample_spacelift(path.stem, index)
        reviews.create_review(
            plan,
            title=sample_title(path.stem),
            tags=["sample"],
            source=ReviewSource.SPACELIFT if spacelift else ReviewSource.API,
            spacelift=spacelift,
            created_by="seed",
        )
        count += 1
    return count
