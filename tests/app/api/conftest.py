"""A live uvicorn server over the real app on DynamoDB Local, per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.settings import Settings
from app.main import create_app
from app.services.container import build_services
from tests.support import live_server


@pytest.fixture
def services(settings: Settings) -> Any:
    return build_services(settings)


@pytest.fixture
def base_url(settings: Settings, services: Any) -> Iterator[str]:
    with live_server(create_app(settings, services)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        yield http
