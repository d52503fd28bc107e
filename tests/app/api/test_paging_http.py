"""Bounded documents over HTTP: first pages in the review, the rest paged; list triage counts; gzip."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.services.container import build_services
from tests.support import READ_AUTH, ROOT, WRITE_AUTH, live_server, wait_terminal

MAKE_PLAN = ROOT / "tests" / "fixtures" / "make_plan.py"
SEVERITY_RANK = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3, "INFO": 4}


def big_plan(resources: int) -> bytes:
    """A deterministic plan of `resources` resource changes (the shared benchmark generator)."""
    return subprocess.run(
        [sys.executable, str(MAKE_PLAN), str(resources)], check=True, capture_output=True
    ).stdout


def all_pages(http: httpx.Client, url: str, **params: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a paged resource, and the total each page reported."""
    items: list[dict[str, Any]] = []
    totals: list[int] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = http.get(url, params=query, headers=READ_AUTH)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor", "total"}
        items += page["items"]
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items, totals
        assert page["items"], "a page with a next cursor holds items"


@pytest.fixture(scope="module")
def completed(dynamodb_endpoint: str) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """One live app (local reviewer) with a reviewed 1,500-resource plan, shared by this module."""
    from tests.support import make_settings

    settings = make_settings(dynamodb_endpoint, dispatcher="local")
    services = build_services(settings)
    with live_server(create_app(settings, services)) as base, httpx.Client(base_url=base, timeout=60) as http:
        body = gzip.compress(b'{"plan":' + big_plan(1500) + b',"title":"paging"}')
        created = http.post(
            "/api/reviews",
            content=body,
            headers={**WRITE_AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        assert created.status_code == 202, created.text
        review = wait_terminal(http, created.json()["id"])
        assert review["status"] == "COMPLETED", review.get("error")
        yield http, review
    services.close()


def test_review_document_holds_first_pages_and_totals(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    _, review = completed
    assert review["findings_total"] > 100 and len(review["findings"]) == 100
    assert review["changes_total"] > 500 and len(review["changes"]) == 100
    assert review["changes_truncated"] == review["changes_total"] - len(review["changes"])
    assert "detail" not in review


def test_findings_pages_cover_every_finding_in_review_order(
    completed: tuple[httpx.Client, dict[str, Any]],
) -> None:
    http, review = completed
    url = f"/api/reviews/{review['id']}/findings"
    items, totals = all_pages(http, url, limit=37)
    assert len(items) == review["findings_total"] and set(totals) == {review["findings_total"]}
    assert items[:100] == review["findings"]
    order = [(0 if f["introduced"] else 1, SEVERITY_RANK[f["severity"]]) for f in items]
    assert order == sorted(order), "introduced first, then posture; worst first within each"
    assert len({json.dumps(f, sort_keys=True) for f in items}) == len(items)
    big, _ = all_pages(http, url, limit=500)
    assert big == items


def test_findings_filters_and_their_totals(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    url = f"/api/reviews/{review['id']}/findings"
    everything, _ = all_pages(http, url, limit=500)
    seen = 0
    for severity in SEVERITY_RANK:
        for introduced in (True, False):
            items, totals = all_pages(
                http, url, limit=200, severity=severity, introduced=str(introduced).lower()
            )
            expected = [f for f in everything if f["severity"] == severity and f["introduced"] is introduced]
            assert items == expected and set(totals) == {len(expected)}
            seen += len(items)
    assert seen == review["findings_total"]


def test_changes_pages_cover_every_change(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    items, totals = all_pages(http, f"/api/reviews/{review['id']}/changes", limit=211)
    assert len(items) == review["changes_total"] and set(totals) == {review["changes_total"]}
    assert items[:100] == review["changes"]
    assert len({c["address"] for c in items}) == len(items)
    destroys = [c["action"] == "delete" or c["action"].startswith("replace") for c in items]
    assert destroys == sorted(destroys, reverse=True), "destroys and replaces come first"


def test_cursors_are_checked_and_pin_the_version(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    url = f"/api/reviews/{review['id']}/findings"
    first = http.get(url, params={"limit": 5}, headers=READ_AUTH).json()
    for bad in ("garbage", "eyJ2IjoxfQ", first["next_cursor"][:-3]):
        response = http.get(url, params={"cursor": bad}, headers=READ_AUTH)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    other = http.get(url, params={"cursor": first["next_cursor"], "severity": "HIGH"}, headers=READ_AUTH)
    assert other.status_code == 400
    elsewhere = http.get(
        f"/api/reviews/{review['id']}/changes", params={"cursor": first["next_cursor"]}, headers=READ_AUTH
    )
    assert elsewhere.status_code == 400
    wrong_version = http.get(url, params={"cursor": first["next_cursor"], "version": 1}, headers=READ_AUTH)
    assert wrong_version.status_code == 400
    pending = http.get(url, params={"version": 1}, headers=READ_AUTH).json()
    assert pending == {"items": [], "next_cursor": None, "total": 0}
    for limit in (0, 501):
        assert http.get(url, params={"limit": limit}, headers=READ_AUTH).status_code == 422
    missing = http.get("/api/reviews/01JD8Z4Q7W3V5K2M9N8P6R4T2Y/findings", headers=READ_AUTH)
    assert missing.status_code == 404


def test_versions_are_paged_summaries(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    items, totals = all_pages(http, f"/api/reviews/{review['id']}/versions", limit=1)
    assert [v["version"] for v in items] == [1, 2, 3] and set(totals) == {3}
    assert [v["status"] for v in items] == ["PENDING", "IN_PROGRESS", "COMPLETED"]
    assert all("findings" not in v and "changes" not in v for v in items)
    assert items[-1]["findings_total"] == review["findings_total"]


def test_list_items_carry_triage_counts(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    row = next(
        item
        for item in http.get("/api/reviews", headers=READ_AUTH).json()["items"]
        if item["id"] == review["id"]
    )
    assert sum(row["introduced_counts"].values()) + row["posture_count"] == review["findings_total"]
    assert sum(row["finding_counts"].values()) == review["findings_total"]
    assert row["destroyed"] == review["summary"]["delete"] and row["replaced"] == review["summary"]["replace"]
    assert row["plan_errored"] is False and row["ai_status"] == review["ai"]["status"]
    assert "by_type" not in row["summary"] and "by_module" not in row["summary"]


def test_json_answers_are_gzipped_when_accepted(completed: tuple[httpx.Client, dict[str, Any]]) -> None:
    http, review = completed
    url = f"/api/reviews/{review['id']}"
    zipped = http.get(url, headers={**READ_AUTH, "Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.json() == review
    plain = http.get(url, headers={**READ_AUTH, "Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == review
