"""Print the API's OpenAPI document (for the dashboard's generated types)."""

from __future__ import annotations

import json
import sys

from app.core.settings import load_settings
from app.main import create_app
from app.services.auth import KeyRing
from app.services.container import Services
from app.services.dispatch import NullDispatcher
from app.services.reviews import ReviewService
from app.storage.client import dynamodb_client
from app.storage.plans import BlobStore
from app.storage.reviews import ReviewRepository


def openapi_document() -> dict[str, object]:
    """The schema of the app, built without touching DynamoDB."""
    settings = load_settings(
        env="test",
        dispatcher="none",
        dynamodb_endpoint_url="http://127.0.0.1:1",
        spacelift_allow_unsigned=True,
    )
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    repository = ReviewRepository(client, settings.resolved_table_name, BlobStore(client, "x", 1), 1)
    dispatcher = NullDispatcher()
    services = Services(settings, repository, ReviewService(repository, dispatcher), dispatcher, KeyRing([]))
    return create_app(settings, services).openapi()


def main() -> int:
    sys.stdout.write(json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
