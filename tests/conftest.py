"""Session-wide DynamoDB Local (real, in memory) and per-test settings on a fresh table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.settings import Settings
from scripts import dynamodb_local
from tests.support import make_settings


@pytest.fixture(autouse=True)
def _offline_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy AWS credentials: SDKs sign requests to the local fakes and never look for real ones."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """The endpoint of a DynamoDB Local started for this test session (or TFR_TEST_DYNAMODB_ENDPOINT)."""
    external = os.environ.get("TFR_TEST_DYNAMODB_ENDPOINT")
    if external:
        yield external
        return
    server = dynamodb_local.start()
    try:
        yield server.endpoint
    finally:
        server.stop()


@pytest.fixture
def settings(dynamodb_endpoint: str) -> Settings:
    return make_settings(dynamodb_endpoint)


@pytest.fixture
def settings_factory(dynamodb_endpoint: str) -> Any:
    def build(**overrides: Any) -> Settings:
        return make_settings(dynamodb_endpoint, **overrides)

    return build
