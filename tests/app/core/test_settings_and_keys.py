"""Settings validation, API keys and ids: pure unit tests."""

from __future__ import annotations

import pytest

from app.core.errors import Forbidden, Unauthorized
from app.core.ids import iso, new_ulid
from app.core.settings import SettingsError, load_settings
from app.services.auth import LEGACY_WRITE, KeyRing, Scope, hash_key, main, new_key_line
from app.storage import keys


def test_defaults_and_table_name() -> None:
    settings = load_settings(env="prod")
    assert settings.resolved_table_name == "terraform-spacelift-ai-reviewer-reviews-prod"
    assert settings.effective_llm_provider.value == "none"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"max_body_bytes": 5}, "TFR_MAX_BODY_BYTES"),
        ({"env": "Prod!"}, "TFR_ENV"),
        ({"api_keys": "broken"}, "TFR_API_KEYS"),
        ({"env": "prod", "auth_disabled": True}, "auth_disabled"),
        ({"env": "prod", "spacelift_allow_unsigned": True}, "spacelift_allow_unsigned"),
        ({"dispatcher": "lambda"}, "TFR_REVIEWER_FUNCTION_NAME"),
        ({"llm_provider": "skynet"}, "TFR_LLM_PROVIDER"),
    ],
)
def test_invalid_settings_name_the_setting(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**overrides)
    assert named in str(raised.value)


def test_environment_is_read_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFR_ENV", "staging")
    monkeypatch.setenv("TFR_CORS_ORIGINS", "https://a.example, https://b.example")
    settings = load_settings()
    assert settings.env == "staging" and settings.cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("TFR_MAX_BODY_BYTES", "lots")
    with pytest.raises(SettingsError, match="TFR_MAX_BODY_BYTES"):
        load_settings()


def test_keyring_scopes_and_errors() -> None:
    key, line = new_key_line("ci", LEGACY_WRITE)
    reader = "reader-key"
    ring = KeyRing([line, f"dash:read:{hash_key(reader)}", "# comment", ""])
    assert len(ring) == 2
    writer = ring.authenticate(f"Bearer {key}")
    assert writer.scopes == {Scope.READ, Scope.SUBMIT, Scope.RERUN}
    # The legacy `write` scope never decides: a decision needs `decide` granted explicitly.
    with pytest.raises(Forbidden):
        writer.require(Scope.DECIDE)
    principal = ring.authenticate(f"bearer {reader}")
    assert principal.name == "dash"
    for scope in (Scope.SUBMIT, Scope.DECIDE, Scope.RERUN):
        with pytest.raises(Forbidden):
            principal.require(scope)
    for header in (None, "", "Bearer", "Basic x", f"Bearer {key}x"):
        with pytest.raises(Unauthorized):
            ring.authenticate(header)


def test_key_cli_prints_key_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "ci", "--scope", "write"]) == 0
    out = capsys.readouterr().out
    key = out.split("shown once): ")[1].split()[0]
    line = out.split("secret: ")[1].strip()
    assert line == f"ci:read+submit+rerun:{hash_key(key)}"
    load_settings(api_keys=[line])  # the printed line is a valid setting
    assert main(["new", "bot", "--scope", "decide"]) == 0
    assert capsys.readouterr().out.split("secret: ")[1].startswith("bot:read+decide:")


def test_ulids_sort_by_time_and_iso_has_z() -> None:
    first, second = new_ulid(1_000), new_ulid(2_000)
    assert len(first) == 26 and first < second
    from datetime import UTC, datetime

    assert iso(datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"


def test_key_builders() -> None:
    assert keys.version_sk(3) == "VERSION#00000003"
    assert keys.review_pk("X") == "REVIEW#X"
    assert keys.gsi2_pk("PENDING") == "STATUS#PENDING"
    assert keys.plan_chunk_sk(2) == "CHUNK#0002"
    assert keys.spacelift_delivery_pk("acme", "R1") == "SPACELIFT#acme#R1"
