"""make dev's sample reviews: every sample is a Spacelift-style run, so every list column has data."""

from __future__ import annotations

from pathlib import Path

from app.core.settings import Settings
from app.services.container import build_services
from app.storage.reviews import ListFilters
from scripts.seed import SAMPLE_RUNS, SAMPLES, sample_spacelift, seed


def test_every_sample_plan_has_a_spacelift_run() -> None:
    stems = {path.stem for path in SAMPLES.glob("*.json")}
    assert stems == set(SAMPLE_RUNS), "give each sample plan a run in SAMPLE_RUNS"
    runs = [sample_spacelift(stem, index) for index, stem in enumerate(sorted(stems))]
    assert all(run is not None and run.stack_id and run.run_id and run.commit for run in runs)
    assert len({run.run_id for run in runs if run}) == len(runs)  # one review per run, none merged
    assert len({run.stack_id for run in runs if run}) >= 4  # the Stacks table has rows to compare


def test_seed_stores_reviews_with_stack_and_run(settings: Settings) -> None:
    services = build_services(settings)
    try:
        assert seed(services.reviews) == len(list(Path(SAMPLES).glob("*.json")))
        assert seed(services.reviews) == 0  # only into an empty table
        items, _ = services.reviews.list_reviews(ListFilters(), limit=50, cursor=None)
        assert all(item["spacelift"]["stack_id"] and item["spacelift"]["run_id"] for item in items)
        errored = [item for item in items if item["plan"].get("errored")]
        assert [item["title"] for item in errored] == ["Errored plan"]
    finally:
        services.close()
