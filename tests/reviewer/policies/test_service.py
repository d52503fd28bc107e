"""Policies in the service: a review posted to the live API is reviewed by the reviewer (local dispatch,
reviewer/handler.py) with the policies of TFR_POLICY_PATHS or the reviewer's .tfreview.toml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.services.container import build_services
from tests.reviewer.policies.conftest import (
    MULTI_REGION_EXPECTED,
    SAMPLE_POLICIES,
    finding_table,
    sample_plan,
)
from tests.support import READ_AUTH, WRITE_AUTH, live_server, wait_terminal

pytestmark = [pytest.mark.integration, pytest.mark.http]


@pytest.fixture
def service(settings_factory: Any) -> Iterator[Any]:
    """Factory: a live API with the local dispatcher (the reviewer runs in its worker thread)."""
    opened: list[Any] = []

    def start(**overrides: Any) -> httpx.Client:
        settings = settings_factory(dispatcher="local", **overrides)
        services = build_services(settings)
        server = live_server(create_app(settings, services))
        http = httpx.Client(base_url=server.__enter__(), timeout=30)
        opened.append((server, http, services))
        return http

    yield start
    for server, http, services in opened:
        http.close()
        server.__exit__(None, None, None)
        services.close()


def review(http: httpx.Client, plan: dict[str, Any]) -> dict[str, Any]:
    """POST the plan, then poll until the review is COMPLETED or FAILED."""
    created = http.post("/api/reviews", json={"plan": plan}, headers=WRITE_AUTH)
    assert created.status_code == 202, created.text
    return wait_terminal(http, created.json()["id"])


def all_findings(http: httpx.Client, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding of the review, through the paged findings resource when there is one."""
    findings = current["findings"]
    if current["findings_total"] <= len(findings):
        return list(findings)
    listed: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str] = {"cursor": cursor} if cursor else {}
        body = http.get(f"/api/reviews/{current['id']}/findings", params=params, headers=READ_AUTH).json()
        listed.extend(body["items"])
        cursor = body.get("next_cursor")
        if not cursor:
            return listed


@pytest.mark.parametrize(("shape", "prefix"), [("conftest", "tfreview"), ("spacelift", "spacelift")])
def test_a_review_through_the_api_shows_policy_findings(service: Any, shape: str, prefix: str) -> None:
    http = service(policy_paths=[str(SAMPLE_POLICIES / shape)])
    done = review(http, sample_plan("multi-region-storage"))
    assert done["status"] == "COMPLETED", done.get("error")
    policy = [f for f in all_findings(http, done) if f["source"] == "policy"]
    assert finding_table(policy) == MULTI_REGION_EXPECTED[shape]
    assert {(f["rule_id"], f["address"], f["introduction"]) for f in policy} >= {
        (f"{prefix}.no_public_buckets", "aws_s3_bucket_acl.us_replica", "introduced"),
        (f"{prefix}.allowed_regions", "aws_s3_bucket.us_replica", "introduced"),
        (f"{prefix}.required_tags", "aws_s3_bucket.archive", "pre_existing"),
        (f"{prefix}.allowed_regions", "google_storage_bucket.media", "pre_existing"),
    }
    assert done["risk"]["level"] in ("HIGH", "CRITICAL")
    report = http.get(f"/api/reviews/{done['id']}/report", params={"format": "md"}, headers=READ_AUTH)
    assert report.status_code == 200 and f"{prefix}.no_public_buckets" in report.text


def test_the_reviewer_lambda_handler_applies_both_sample_folders_and_the_api_serves_the_findings(
    settings_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewer import handler as reviewer_handler

    folders = [str(SAMPLE_POLICIES / "conftest"), str(SAMPLE_POLICIES / "spacelift")]
    # No dispatcher: the review waits until the Lambda entry point is invoked with its event, as on AWS.
    settings = settings_factory(dispatcher="none", policy_paths=folders)
    services = build_services(settings)
    with live_server(create_app(settings, services)) as base, httpx.Client(base_url=base, timeout=30) as http:
        created = http.post(
            "/api/reviews", json={"plan": sample_plan("multi-region-storage")}, headers=WRITE_AUTH
        )
        assert created.status_code == 202, created.text
        review_id = created.json()["id"]
        monkeypatch.setattr(reviewer_handler, "_deps", reviewer_handler.build_deps(settings))
        assert reviewer_handler.handler({"review_id": review_id, "version": 1})["status"] == "COMPLETED"
        done = http.get(f"/api/reviews/{review_id}", headers=READ_AUTH).json()
        assert done["status"] == "COMPLETED", done.get("error")
        # The same findings the dashboard lists: the review document and its paged findings resource.
        assert finding_table(all_findings(http, done)) == (
            MULTI_REGION_EXPECTED["conftest"] | MULTI_REGION_EXPECTED["spacelift"]
        )
    services.close()


def test_policies_named_by_the_reviewer_config_file(service: Any, tmp_path: Path) -> None:
    (tmp_path / "policy").mkdir()
    source = SAMPLE_POLICIES / "conftest" / "no_public_buckets.rego"
    (tmp_path / "policy" / "public.rego").write_text(source.read_text())
    config = tmp_path / ".tfreview.toml"
    config.write_text('[policies]\npaths = ["policy"]\n')
    http = service(review_config_path=str(config))
    done = review(http, sample_plan("azure-gcp-exposure"))
    assert done["status"] == "COMPLETED"
    rules = {f["rule_id"] for f in all_findings(http, done) if f["source"] == "policy"}
    assert rules == {"tfreview.no_public_buckets"}


def test_a_broken_policy_fails_the_review_with_the_reason(service: Any, tmp_path: Path) -> None:
    (tmp_path / "bad.rego").write_text("package bad\nimport rego.v1\n\ndeny contains m if {\n  m := \n}\n")
    http = service(policy_paths=[str(tmp_path)])
    done = review(http, sample_plan("safe-tag-update"))
    assert done["status"] == "FAILED"
    assert (
        done["error"].startswith("configuration_error: ") and f"{tmp_path / 'bad.rego'}:5:" in done["error"]
    )
    # The API itself stays healthy and the next review fails the same clear way (no crash, no hang).
    assert http.get("/healthz").status_code == 200
    assert review(http, sample_plan("safe-tag-update"))["status"] == "FAILED"


def test_a_policy_failing_on_the_plan_fails_only_that_review(service: Any, tmp_path: Path) -> None:
    (tmp_path / "strict.rego").write_text(
        "package strict\nimport rego.v1\ndeny contains m if {\n  some rc in input.resource_changes\n"
        '  m := object.get(rc.change.after, "acl", "none")\n  m == "public-read"\n}\n'
    )
    http = service(policy_paths=[str(tmp_path)])
    plan = sample_plan("prod-payments-risky")  # deletes a database: its `after` is null
    done = review(http, plan)
    assert done["status"] == "FAILED" and "strict.rego:5:" in done["error"]
    safe = sample_plan("azure-gcp-exposure")
    safe["resource_changes"] = [rc for rc in safe["resource_changes"] if rc["change"]["after"] is not None]
    assert review(http, safe)["status"] == "COMPLETED"
