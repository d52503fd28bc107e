"""Decisions over HTTP: an errored plan can be rejected, never approved."""

from __future__ import annotations

import httpx

from tests.support import READ_AUTH, WRITE_AUTH, simple_plan


def test_an_errored_plan_is_refused_approval_and_can_be_rejected(client: httpx.Client) -> None:
    created = client.post("/api/reviews", json={"plan": simple_plan(errored=True)}, headers=WRITE_AUTH)
    assert created.status_code == 202, created.text
    review = created.json()
    assert review["plan"]["errored"] is True
    url = f"/api/reviews/{review['id']}"

    refused = client.put(
        url, json={"decision": "APPROVED", "note": "ship it"}, headers={**WRITE_AUTH, "If-Match": "1"}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "plan_errored"
    assert client.get(url, headers=READ_AUTH).json()["latest_version"] == 1  # nothing was written

    rejected = client.put(
        url, json={"decision": "REJECTED", "note": "plan failed"}, headers={**WRITE_AUTH, "If-Match": "1"}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["decision"] == "REJECTED"


def test_a_healthy_plan_can_still_be_approved(client: httpx.Client) -> None:
    review = client.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH).json()
    assert review["plan"]["errored"] is False
    approved = client.put(
        f"/api/reviews/{review['id']}", json={"decision": "APPROVED"}, headers={**WRITE_AUTH, "If-Match": "1"}
    )
    assert approved.status_code == 200, approved.text
