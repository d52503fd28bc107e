"""The composition root: builds the real implementations (DynamoDB, dispatcher, reviewer, keys) from Settings.

Nothing imports this module back: the API (app.main), the reviewer Lambda (reviewer.handler) and the
scripts call it, and it wires the use cases of app.services to storage and, for the reviewer, to the
review run and the LLM layer (imported lazily: the API Lambda dispatches reviews, it never runs them).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from app.core.settings import DispatcherKind, Settings
from app.services.analytics import analytics
from app.services.auth import KeyRing
from app.services.dispatch import LambdaDispatcher, LocalDispatcher, NullDispatcher, ReviewDispatcher
from app.services.identity import token_validator
from app.services.reviews import ReviewService
from app.services.secrets import secret_value
from app.storage.bootstrap import ensure_table
from app.storage.client import RetryPolicy, dynamodb_client
from app.storage.plans import BlobStore
from app.storage.reviews import ReviewRepository

if TYPE_CHECKING:
    from app.services.notifications.delivery import Notifier
    from app.services.review_run import AIOutcomeLike, ChangeViews, ReviewerDeps, SweepDeps
    from app.storage.models import Review
    from reviewer.engine import ReviewConfig
    from reviewer.engine.plan import Plan
    from reviewer.engine.prompt import ReviewContext
    from reviewer.engine.results import EngineResult

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request handler needs, shared by all requests of a process."""

    settings: Settings
    repository: ReviewRepository
    reviews: ReviewService
    dispatcher: ReviewDispatcher
    keys: KeyRing
    _stop: threading.Event = field(default_factory=threading.Event)
    _background: list[threading.Thread] = field(default_factory=list)

    def analytics(self, *, days: int, today: date, rule_titles: dict[str, str]) -> dict[str, Any]:
        """The analytics use case over this process's counter items."""
        return analytics(self.repository, days=days, today=today, rule_titles=rule_titles)

    def start_sweeper(self) -> None:
        """Local mode: sweep stale reviews in a background thread of this process (Lambda uses a schedule)."""
        if self.settings.dispatcher is not DispatcherKind.LOCAL or self._background:
            return
        from app.services.review_run import SweepDeps, run_sweeps_forever

        deps = SweepDeps(
            settings=self.settings,
            reviews=self.reviews,
            dispatcher=self.dispatcher,
            retry=RetryPolicy(budget_seconds=self.settings.store_retry_seconds),
            notifier=build_notifier(self.settings, self.repository),
        )
        thread = threading.Thread(
            target=run_sweeps_forever, args=(deps, self._stop), name="sweeper", daemon=True
        )
        thread.start()
        self._background.append(thread)

    def close(self) -> None:
        self._stop.set()
        for thread in self._background:
            thread.join(timeout=5)
        if isinstance(self.dispatcher, LocalDispatcher):
            self.dispatcher.shutdown()


def load_key_lines(settings: Settings) -> list[str]:
    """Configured key lines plus those in the keys secret (fetched once, at start-up)."""
    lines = list(settings.api_keys)
    if settings.api_keys_secret_id:
        lines += secret_value(settings.api_keys_secret_id, settings.aws_region).splitlines()
    return lines


def build_repository(settings: Settings) -> ReviewRepository:
    """The review repository on the configured table; creates the table first when settings ask for it."""
    client = dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url)
    table = settings.resolved_table_name
    if settings.create_table and ensure_table(client, table):
        logger.info("table_created", extra={"table": table})
    blobs = BlobStore(client, table, settings.plan_ttl_days)
    hook = None
    if settings.notifications_enabled:
        from app.services.notifications.events import outbox_hook

        hook = outbox_hook(settings)
    return ReviewRepository(client, table, blobs, settings.idempotency_ttl_hours, outbox_hook=hook)


def build_notifier(settings: Settings, repository: ReviewRepository) -> Notifier | None:
    """The deliverer of review events, when an event bus or a channel is configured."""
    if repository.outbox is None:
        return None
    # Loaded only where events are sent (reviewer, sweep, local mode): the API Lambda never needs httpx here.
    from app.services.notifications.delivery import Notifier
    from app.services.notifications.senders import Senders

    return Notifier(settings=settings, store=repository.outbox, senders=Senders(settings))


def _ai_step(settings: Settings) -> Any:
    """The LLM layer bound to settings; imported on first use so the API never loads an LLM SDK."""

    def step(
        plan: Plan,
        result: EngineResult,
        *,
        context: ReviewContext,
        custom_instructions: str,
        tokens_used_today: int,
    ) -> AIOutcomeLike:
        from reviewer.llm import run_ai_review

        return run_ai_review(
            plan,
            result,
            settings=settings,
            context=context,
            custom_instructions=custom_instructions,
            tokens_used_today=tokens_used_today,
        )

    return step


def _change_views() -> ChangeViews:
    from reviewer.changes import change_views

    return change_views


def _policy_findings(config: ReviewConfig, settings: Settings) -> Any:
    """Custom Rego policies (loaded once per process), as the engine hook of one review."""
    from reviewer.policies.configured import ConfiguredPolicies

    policies = ConfiguredPolicies.load(config, settings.policy_paths)

    def findings(review: Review) -> Any:
        return policies.extra_findings(_policy_context(review))

    return findings


def _policy_context(review: Review) -> dict[str, Any]:
    """input.spacelift for Spacelift-shaped policies: what the review knows of its run."""
    from reviewer.policies.inputs import spacelift_context

    spacelift = review.spacelift
    if spacelift is None:
        return spacelift_context()
    commit = spacelift.commit
    return spacelift_context(
        stack_id=spacelift.stack_id,
        stack_name=spacelift.stack_name,
        run_id=spacelift.run_id,
        run_type=spacelift.run_type,
        branch=spacelift.branch,
        commit_hash=commit.hash if commit else None,
        commit_message=commit.message if commit else None,
        commit_author=commit.author if commit else None,
    )


def _write_back(settings: Settings) -> Any:
    """Spacelift write-back after a completed review, when settings switch it on."""
    if not (settings.spacelift_write_comment or settings.spacelift_write_review):
        return None

    def write_back(reviews: ReviewService, review: Any) -> Any:
        from app.services.writeback import write_back_review

        return write_back_review(reviews, review, settings)

    return write_back


def reviewer_deps(settings: Settings, reviews: ReviewService, dispatcher: ReviewDispatcher) -> ReviewerDeps:
    """The review run's dependencies: the reviews service, the engine config, the AI step, write-back."""
    from app.services.review_run import ReviewerDeps
    from reviewer.engine import ReviewConfig, load_config

    config = load_config(settings.review_config_path) if settings.review_config_path else ReviewConfig()
    return ReviewerDeps(
        settings=settings,
        reviews=reviews,
        config=config,
        ai_step=_ai_step(settings),
        change_views=_change_views(),
        policy_findings=_policy_findings(config, settings),
        dispatcher=dispatcher,
        retry=RetryPolicy(budget_seconds=settings.store_retry_seconds),
        write_back=_write_back(settings),
        notifier=build_notifier(settings, reviews.repository),
    )


def build_dispatcher(settings: Settings, repository: ReviewRepository) -> ReviewDispatcher:
    """Lambda async invoke, a local worker thread running the review run, or nothing."""
    if settings.dispatcher is DispatcherKind.LAMBDA:
        from app.core import aws

        client = aws.client("lambda", region_name=settings.aws_region)
        return LambdaDispatcher(client, settings.reviewer_function_name or "")
    if settings.dispatcher is DispatcherKind.LOCAL:
        from app.services.review_run import process

        local = LocalDispatcher()
        # The worker's own service never dispatches a review; its sweep hands reviews back to this pool.
        deps = reviewer_deps(settings, ReviewService(repository, NullDispatcher()), local)

        def run(event: dict[str, Any]) -> dict[str, Any]:
            return process(deps, event)

        local.start(run)
        return local
    return NullDispatcher()


def build_services(settings: Settings) -> Services:
    """Wire storage, dispatcher and keys; create the table first when settings ask for it."""
    repository = build_repository(settings)
    dispatcher = build_dispatcher(settings, repository)
    return Services(
        settings=settings,
        repository=repository,
        reviews=ReviewService(repository, dispatcher),
        dispatcher=dispatcher,
        keys=KeyRing(load_key_lines(settings), token_validator(settings)),
    )


def build_reviewer(settings: Settings) -> ReviewerDeps:
    """The reviewer Lambda's dependencies; a reviewer never dispatches."""
    repository = build_repository(settings)
    return reviewer_deps(settings, ReviewService(repository, NullDispatcher()), NullDispatcher())


def build_sweeper(settings: Settings) -> SweepDeps:
    """The scheduled sweep's dependencies: it hands stale reviews to the reviewer again."""
    from app.services.review_run import SweepDeps

    repository = build_repository(settings)
    if settings.dispatcher is DispatcherKind.LOCAL:
        # A sweep process never runs reviews in its own threads (local mode sweeps inside the API).
        settings = settings.model_copy(update={"dispatcher": DispatcherKind.NONE})
    dispatcher = build_dispatcher(settings, repository)
    return SweepDeps(
        settings=settings,
        reviews=ReviewService(repository, NullDispatcher()),
        dispatcher=dispatcher,
        retry=RetryPolicy(budget_seconds=settings.store_retry_seconds),
        notifier=build_notifier(settings, repository),
    )
