"""make dev's seeding over HTTP: each sample posted as its Spacelift run, a few decided."""

from __future__ import annotations

from typing import Any

import httpx

from app.main import create_app
from app.services.container import build_services
from scripts.dev import seed_over_http
from scripts.seed import SAMPLE_RUNS
from tests.support import READ_AUTH, WRITE_KEY, live_server


def test_seed_over_http_posts_spacelift_runs_and_records_decisions(settings_factory: Any) -> None:
    settings = settings_factory(dispatcher="local")
    services = build_services(settings)
    try:
        with live_server(create_app(settings, services)) as base:
            assert seed_over_http(base, WRITE_KEY) == len(SAMPLE_RUNS)
            assert seed_over_http(base, WRITE_KEY) == 0  # not twice
            items = httpx.get(f"{base}/api/reviews?limit=50", headers=READ_AUTH).json()["items"]
    finally:
        services.close()
    by_title = {item["title"]: item for item in items}
    assert all(item["source"] == "spacelift" and item["spacelift"]["run_id"] for item in items)
    assert {item["spacelift"]["stack_id"] for item in items} == {run.stack_id for run in SAMPLE_RUNS.values()}
    assert by_title["Safe tag update"]["decision"] == "APPROVED"
    assert by_title["Drift moves imports"]["decision"] == "REJECTED"
    assert by_title["Errored plan"]["plan_errored"] is True
