"""Load the sample plans in samples/plans/ as reviews (make dev), through the real service."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from app.services.reviews import ReviewService
from app.storage.models import Commit, ReviewSource, SpaceliftInfo
from app.storage.reviews import ListFilters

logger = logging.getLogger(__name__)
SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "plans"


def sample_spacelift(name: str, index: int) -> SpaceliftInfo | None:
    """Every other sample looks like it came from a Spacelift run, so the dashboard shows both kinds."""
    if index % 2:
        return None
    stack = name.split("-")[0] or "demo"
    run_id = f"01JSAMPLE{index:017d}"
    return SpaceliftInfo(
        account="acme",
        stack_id=stack,
        stack_name=stack.replace("_", " ").title(),
        run_id=run_id,
        run_type="PROPOSED",
        run_state="FINISHED",
        state_version=4,
        branch="main",
        commit=Commit(hash=f"{index:040x}", message=f"Change {name}", author="alice"),
        run_url=f"https://acme.app.spacelift.io/stack/{stack}/run/{run_id}",
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
            title=path.stem.replace("-", " ").replace("_", " ").capitalize(),
            tags=["sample"],
            source=ReviewSource.SPACELIFT if spacelift else ReviewSource.API,
            spacelift=spacelift,
            created_by="seed",
        )
        count += 1
    return count
