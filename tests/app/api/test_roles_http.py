"""Roles on every mutating route, over HTTP: people by their verified tokens, keys by their scopes;
and decisions, reruns and uploads are stored with the person who made them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.services.auth import hash_key
from app.services.container import build_services
from tests.fakes.oidc_issuer import AUDIENCE, ROLE_MAP, Issuer, serve_issuer
from tests.support import READ_AUTH, WRITE_AUTH, live_server, simple_plan

LEGACY_WRITE_KEY = "tfr_legacy_write_key_0123456789"


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with serve_issuer() as served:
        yield served


@pytest.fixture
def client(settings_factory: Any, issuer: Issuer) -> Iterator[httpx.Client]:
    settings: Settings = settings_factory(
        oidc_issuer=issuer.url,
        oidc_audience=AUDIENCE,
        oidc_role_map=ROLE_MAP,
        api_keys=[
            *settings_factory().api_keys,
            f"legacy:write:{hash_key(LEGACY_WRITE_KEY)}",
        ],
    )
    with (
        live_server(create_app(settings, build_services(settings))) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def _as(issuer: Issuer, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issuer.token(role)}"}


def _review(client: httpx.Client) -> dict[str, Any]:
    created = client.post("/api/reviews", json={"plan": simple_plan()}, headers=WRITE_AUTH)
    assert created.status_code == 202, created.text
    return dict(created.json())


def _mutations(client: httpx.Client, headers: dict[str, str]) -> dict[str, int]:
    """The status of each mutating route for these credentials, on a fresh review."""
    review = _review(client)
    rid, version = review["id"], review["latest_version"]
    return {
        "submit": client.post("/api/reviews", json={"plan": simple_plan()}, headers=headers).status_code,
        "decide": client.put(
            f"/api/reviews/{rid}",
            json={"decision": "REJECTED", "note": "no"},
            headers={**headers, "If-Match": str(version)},
        ).status_code,
        "edit": client.put(
            f"/api/reviews/{rid}", json={"title": "renamed", "expected_version": version}, headers=headers
        ).status_code,
        "rerun": client.post(f"/api/reviews/{rid}/rerun", headers=headers).status_code,
    }


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("viewer", set()),
        ("submitter", {"submit"}),
        ("approver", {"decide", "rerun"}),
        ("admin", {"submit", "decide", "rerun"}),
    ],
)
def test_every_mutating_route_follows_the_persons_role(
    client: httpx.Client, issuer: Issuer, role: str, allowed: set[str]
) -> None:
    headers = _as(issuer, role)
    assert client.get("/api/reviews", headers=headers).status_code == 200  # every role reads
    statuses = _mutations(client, headers)
    for route, status in statuses.items():
        # An edit (title, note) is a decide-scope write; it conflicts (409) after a decision in the same run.
        wanted_ok = (route if route != "edit" else "decide") in allowed
        if wanted_ok:
            assert status in (200, 202, 409), (route, status)
        else:
            assert status == 403, (route, status)


def test_keys_follow_their_scopes(client: httpx.Client) -> None:
    legacy = {"Authorization": f"Bearer {LEGACY_WRITE_KEY}"}
    # A key configured with the old `write` scope still submits and reruns but never decides.
    assert _mutations(client, legacy) == {"submit": 202, "decide": 403, "edit": 403, "rerun": 202}
    assert set(_mutations(client, READ_AUTH).values()) == {403}
    assert _mutations(client, WRITE_AUTH)["decide"] == 200  # 'write+decide' grants decide explicitly


def test_bad_tokens_are_refused(client: httpx.Client, issuer: Issuer) -> None:
    review = _review(client)
    url, body = f"/api/reviews/{review['id']}", {"decision": "APPROVED", "expected_version": 1}
    issuer.add_key("attacker", publish=False)
    for token in (
        issuer.token("admin", lifetime=-600),  # expired
        issuer.token("admin", kid="attacker").rsplit(".", 1)[0]
        + "."
        + issuer.token("admin").rsplit(".", 1)[1],
        issuer.token("admin", aud="another-app"),
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    ):
        response = client.put(url, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.text
        assert client.get("/api/reviews", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get(url, headers=READ_AUTH).json()["decision"] is None


def test_the_person_who_acts_is_stored_and_shown_in_the_history(client: httpx.Client, issuer: Issuer) -> None:
    created = client.post("/api/reviews", json={"plan": simple_plan()}, headers=_as(issuer, "submitter"))
    assert created.status_code == 202
    rid = created.json()["id"]
    submitter = {
        "kind": "person",
        "subject": "user-submitter",
        "name": "Submitter Person",
        "email": "submitter@example.test",
    }
    assert created.json()["creator"] == submitter
    assert created.json()["created_by"] == "Submitter Person"
    decided = client.put(
        f"/api/reviews/{rid}",
        json={"decision": "APPROVED", "note": "fine", "expected_version": 1},
        headers=_as(issuer, "approver"),
    )
    assert decided.status_code == 200, decided.text
    approver = {
        "kind": "person",
        "subject": "user-approver",
        "name": "Approver Person",
        "email": "approver@example.test",
    }
    assert decided.json()["decider"] == approver and decided.json()["decided_by"] == "Approver Person"
    rerun = client.post(f"/api/reviews/{rid}/rerun", headers=_as(issuer, "admin"))
    assert rerun.status_code == 202
    assert rerun.json()["acted_by"]["subject"] == "user-admin" and rerun.json()["decider"] is None
    history = client.get(f"/api/reviews/{rid}/versions", headers=_as(issuer, "viewer")).json()["items"]
    assert [(v["version"], v["action"], (v["acted_by"] or {}).get("name")) for v in history] == [
        (1, "created", "Submitter Person"),
        (2, "decided", "Approver Person"),
        (3, "rerun", "Admin Person"),
    ]
    assert history[1]["decider"] == approver
    # A key's decision is recorded as the key's, never as a person's.
    keyed = client.put(
        f"/api/reviews/{rid}", json={"decision": "REJECTED", "expected_version": 3}, headers=WRITE_AUTH
    )
    assert keyed.json()["decider"] == {"kind": "key", "subject": "writer", "name": "writer", "email": None}


def test_openapi_documents_both_schemes(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) >= {"ApiKey", "PersonToken"}
    put = schema["paths"]["/api/reviews/{review_id}"]["put"]
    assert put["security"] == [{"ApiKey": []}, {"PersonToken": []}]


def test_me_names_the_caller_and_their_scopes(client: httpx.Client, issuer: Issuer) -> None:
    me = client.get("/api/me", headers=_as(issuer, "approver")).json()
    assert me == {
        "kind": "person",
        "subject": "user-approver",
        "name": "Approver Person",
        "email": "approver@example.test",
        "scopes": ["decide", "read", "rerun"],
    }
    assert client.get("/api/me", headers=READ_AUTH).json()["scopes"] == ["read"]
    assert client.get("/api/me").status_code == 401
