"""Builds the real implementations (DynamoDB, dispatcher, keys) once per process from Settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.core.settings import DispatcherKind, Settings
from app.services.auth import KeyRing
from app.services.dispatch import LambdaDispatcher, LocalDispatcher, NullDispatcher, ReviewDispatcher
from app.services.reviews import ReviewService
from app.services.secrets import secret_value
from app.storage.bootstrap import ensure_table
from app.storage.client import dynamodb_client
from app.storage.plans import BlobStore
from app.storage.reviews import ReviewRepository

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request handler needs, shared by all requests of a process."""

    settings: Settings
    repository: ReviewRepository
    reviews: ReviewService
    dispatcher: ReviewDispatcher
    keys: KeyRing

    def close(self) -> None:
        if isinstance(self.dispatcher, LocalDispatcher):
            self.dispatcher.shutdown()


def load_key_lines(settings: Settings) -> list[str]:
    """Configured key lines plus those in the keys secret (fetched once, at start-up)."""
    lines = list(settings.api_keys)
    if settings.api_keys_secret_id:
        lines += secret_value(settings.api_keys_secret_id, settings.aws_region).splitlines()
    return lines


def build_dispatcher(settings: Settings, run_review: Any = None) -> ReviewDispatcher:
    if settings.dispatcher is DispatcherKind.LAMBDA:
        from app.core import aws

        client = aws.client("lambda", region_name=settings.aws_region)
        return LambdaDispatcher(client, settings.reviewer_function_name or "")
    if settings.dispatcher is DispatcherKind.LOCAL:
        if run_review is None:
            from reviewer.handler import local_runner

            run_review = local_runner(settings)
        return LocalDispatcher(run_review)
    return NullDispatcher()


def build_services(settings: Settings) -> Services:
    """Wire storage, dispatcher and keys; create the table first when settings ask for it."""
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    table = settings.resolved_table_name
    if settings.create_table and ensure_table(client, table):
        logger.info("table_created", extra={"table": table})
    blobs = BlobStore(client, table, settings.plan_ttl_days)
    repository = ReviewRepository(client, table, blobs, settings.idempotency_ttl_hours)
    dispatcher = build_dispatcher(settings)
    return Services(
        settings=settings,
        repository=repository,
        reviews=ReviewService(repository, dispatcher),
        dispatcher=dispatcher,
        keys=KeyRing(load_key_lines(settings)),
    )
