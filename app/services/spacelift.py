"""The Spacelift webhook use case: verify, classify, dedupe, decide, then create or update a review."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from app.core.errors import AppError, ServiceUnavailable, Unauthorized, VersionConflict
from app.core.settings import Settings
from app.services.reviews import ReviewService
from app.services.secrets import spacelift_api_key_secret
from app.services.spacelift_signature import configured_verifier
from app.storage.models import Actor, Commit, Review, ReviewSource, SpaceliftInfo
from app.storage.spacelift import ClaimOutcome, Ordering, RunReviewClaim
from webhook.graphql import SpaceliftClient, SpaceliftError, SpaceliftTransientError
from webhook.signature import SignatureStatus, SignatureVerifier

if TYPE_CHECKING:
    # The payload models and plan builders load with the first delivery, not at every cold start of
    # the API (their pydantic models are a sixth of its import).
    from webhook.events import PayloadKind, PolicyPayload, RunEvent

logger = logging.getLogger(__name__)

UPDATE_ATTEMPTS = 4
# How long a plan-ready delivery waits for a concurrent one that is creating the run's review: the
# creator fetches the plan from Spacelift (two tries of 5 s at most) and stores it, slower on a busy
# host; the waiter still answers within the API's 30 s (API Gateway's integration limit).
CREATION_WAIT_SECONDS = 20.0
CREATION_POLL_SECONDS = 0.2
# A planning log shorter than this holds no plan (e.g. the unreplaced placeholder or an empty phase).
MIN_PLANNING_LOG_CHARS = 20
LOG_PLACEHOLDER = "spacelift::logs::planning"


class Outcome(StrEnum):
    CREATED = "created"
    STATE_UPDATED = "state_updated"
    DUPLICATE = "duplicate"
    STALE = "stale"
    NO_REVIEW = "no_review"
    NO_PLAN = "no_plan"
    INVALID = "invalid"
    IGNORED = "ignored"


@dataclass(frozen=True)
class WebhookResult:
    """What one delivery did; the route answers 2xx with it."""

    outcome: Outcome
    kind: PayloadKind
    run_id: str | None = None
    review_id: str | None = None
    plan_source: str | None = None


class DeliveryLedger(Protocol):
    """Conditional delivery records (app.storage.spacelift.SpaceliftDeliveryStore)."""

    def claim(
        self, account: str, run_id: str, sequence: int, ordering: Ordering, *, state: str, kind: str
    ) -> ClaimOutcome: ...

    def release(self, account: str, run_id: str, sequence: int) -> None: ...

    def latest(self, account: str, run_id: str, ordering: Ordering) -> tuple[int, str] | None: ...

    def claim_run_review(self, account: str, run_id: str) -> RunReviewClaim: ...

    def run_review_id(self, account: str, run_id: str) -> str | None: ...

    def set_run_review(self, account: str, run_id: str, review_id: str) -> None: ...

    def release_run_review(self, account: str, run_id: str) -> None: ...


class PlanFetcher(Protocol):
    """Gets a run's plan from Spacelift's API when the delivery carried none."""

    def fetch(self, stack_id: str, run_id: str) -> tuple[dict[str, Any], str] | None: ...


class GraphQLPlanFetcher:
    """changesV3 first (structured), then the planning log's headlines."""

    def __init__(self, client: SpaceliftClient) -> None:
        self._client = client

    def fetch(self, stack_id: str, run_id: str) -> tuple[dict[str, Any], str] | None:
        """A synthetic plan and its source name, or None when Spacelift has no change data."""
        from webhook.changes import plan_from_changes_v3, plan_from_planning_log

        resources = self._client.run_changes(stack_id, run_id)
        if resources:
            plan = plan_from_changes_v3(resources)
            return plan, str(plan["tfreview_synthetic"]["source"])
        logs = self._client.run_logs(stack_id, run_id, state="PLANNING")
        if logs.exists and len(logs.text) >= MIN_PLANNING_LOG_CHARS:
            plan = plan_from_planning_log(logs.text)
            return plan, str(plan["tfreview_synthetic"]["source"])
        return None


@dataclass(frozen=True)
class _Delivery:
    """The fields of a run delivery this use case needs, whatever the payload kind."""

    kind: PayloadKind
    account: str
    run_id: str
    stack_id: str
    state: str
    run_type: str | None
    sequence: int
    ordering: Ordering
    info: SpaceliftInfo


def _from_run_event(event: RunEvent) -> _Delivery:
    from webhook.events import PayloadKind

    commit = event.run.commit
    info = SpaceliftInfo(
        account=event.account,
        stack_id=event.stack.id,
        stack_name=event.stack.name,
        run_id=event.run.id,
        run_type=event.run.type,
        run_state=event.state,
        state_version=event.state_version,
        branch=event.run.branch,
        commit=Commit(
            hash=commit.hash, message=commit.message, author=commit.author_login or commit.author_name
        )
        if commit
        else None,
        run_url=event.run_url,
    )
    return _Delivery(
        kind=PayloadKind.RUN_EVENT,
        account=event.account,
        run_id=event.run.id,
        stack_id=event.stack.id,
        state=event.state,
        run_type=event.run.type,
        sequence=event.state_version,
        ordering=Ordering.STATE_VERSION,
        info=info,
    )


def _from_policy(payload: PolicyPayload) -> _Delivery:
    from webhook.events import PayloadKind

    commit = payload.run.commit
    state = payload.effective_state or ""
    info = SpaceliftInfo(
        account=payload.account,
        stack_id=payload.stack.id,
        stack_name=payload.stack.name,
        run_id=payload.run.id,
        run_type=payload.run.type,
        run_state=state or None,
        branch=payload.run.branch,
        commit=Commit(hash=commit.hash, message=commit.message, author=commit.author or commit.author_login)
        if commit
        else None,
        run_url=payload.run_url
        or f"https://{payload.account}.app.spacelift.io/stack/{payload.stack.id}/run/{payload.run.id}",
    )
    return _Delivery(
        kind=PayloadKind.POLICY,
        account=payload.account,
        run_id=payload.run.id,
        stack_id=payload.stack.id,
        state=state,
        run_type=payload.run.type,
        sequence=payload.sequence,
        ordering=Ordering.UPDATED_NS,
        info=info,
    )


class SpaceliftWebhookService:
    """Handles one signed delivery; raises Unauthorized for a bad signature, ServiceUnavailable when transient."""

    def __init__(
        self,
        reviews: ReviewService,
        ledger: DeliveryLedger,
        verifier: SignatureVerifier | None,
        fetcher_factory: Callable[[], PlanFetcher | None] = lambda: None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._reviews = reviews
        self._ledger = ledger
        self._sleep = sleep
        # None only when spacelift_allow_unsigned is on (local envs); the route refuses to start otherwise.
        self._verifier = verifier
        self._fetcher_factory = fetcher_factory

    def handle(self, body: bytes, headers: Mapping[str, str]) -> WebhookResult:
        """Verify, then process; every outcome of a correctly signed delivery is a WebhookResult."""
        from webhook.events import parse_payload

        if self._verifier is not None:
            status = self._verifier.verify_headers(body, headers)
            if status is not SignatureStatus.VALID:
                logger.warning(
                    "spacelift.bad_signature",
                    extra={"event": "spacelift.bad_signature", "reason": status.value},
                )
                raise Unauthorized("invalid or missing X-Signature-256", details={"reason": status.value})
        parsed = parse_payload(body)
        base = {"event": "spacelift.delivery", "kind": parsed.kind.value}
        if parsed.problem is not None:
            logger.warning("spacelift.delivery_invalid", extra={**base, "problem": parsed.problem})
            return WebhookResult(Outcome.INVALID, parsed.kind)
        if parsed.run_event is not None:
            self._log_unknown_fields(parsed.run_event)
            delivery = _from_run_event(parsed.run_event)
        elif parsed.policy is not None:
            delivery = _from_policy(parsed.policy)
        else:
            extra: dict[str, Any] = {}
            if parsed.internal_error is not None:
                extra = {
                    "severity": parsed.internal_error.severity,
                    "title": (parsed.internal_error.title or "")[:200],
                }
            elif parsed.audit is not None:
                extra = {"action": parsed.audit.action[:100]}
            logger.info("spacelift.delivery_acknowledged", extra={**base, **extra})
            return WebhookResult(Outcome.IGNORED, parsed.kind)
        return self._process(delivery, parsed.policy)

    @staticmethod
    def _log_unknown_fields(event: RunEvent) -> None:
        unknown = sorted(
            [f"{k}" for k in (event.model_extra or {})]
            + [f"run.{k}" for k in (event.run.model_extra or {})]
            + [f"stack.{k}" for k in (event.stack.model_extra or {})]
        )
        if unknown:
            logger.info(
                "spacelift.unknown_fields",
                extra={"event": "spacelift.unknown_fields", "fields": unknown[:20]},
            )

    def _process(self, delivery: _Delivery, policy: PolicyPayload | None) -> WebhookResult:
        context = {
            "event": "spacelift.delivery",
            "kind": delivery.kind.value,
            "account": delivery.account,
            "run_id": delivery.run_id,
            "state": delivery.state,
            "sequence": delivery.sequence,
        }
        claim = self._ledger.claim(
            delivery.account,
            delivery.run_id,
            delivery.sequence,
            delivery.ordering,
            state=delivery.state,
            kind=delivery.kind.value,
        )
        if claim is ClaimOutcome.DUPLICATE:
            logger.info("spacelift.delivery_dropped", extra={**context, "claim": claim.value})
            return WebhookResult(Outcome.DUPLICATE, delivery.kind, run_id=delivery.run_id)
        try:
            # An older delivery than one already seen never moves the run's state, but it may be the
            # plan-ready one that arrived late: the run still gets its review.
            result = self._act(delivery, policy, stale=claim is ClaimOutcome.STALE)
        except (ServiceUnavailable, SpaceliftTransientError) as exc:
            # Let Spacelift's retry (only on 5xx) find the delivery unclaimed.
            self._ledger.release(delivery.account, delivery.run_id, delivery.sequence)
            logger.warning(
                "spacelift.delivery_transient_failure", extra={**context, "error": type(exc).__name__}
            )
            if isinstance(exc, ServiceUnavailable):
                raise
            raise ServiceUnavailable("Spacelift's API is unavailable; retry the delivery") from exc
        except VersionConflict as exc:
            self._ledger.release(delivery.account, delivery.run_id, delivery.sequence)
            raise ServiceUnavailable("the review was busy; retry the delivery") from exc
        except Exception:
            self._ledger.release(delivery.account, delivery.run_id, delivery.sequence)
            raise
        logger.info(
            "spacelift.delivery_processed",
            extra={
                **context,
                "outcome": result.outcome.value,
                "review_id": result.review_id,
                "plan_source": result.plan_source,
            },
        )
        return result

    def _act(
        self, delivery: _Delivery, policy: PolicyPayload | None, *, stale: bool = False
    ) -> WebhookResult:
        from webhook.trigger import reached_plan_ready

        existing = self._run_review(delivery.account, delivery.run_id)
        if existing is not None:
            if stale:
                return WebhookResult(Outcome.STALE, delivery.kind, delivery.run_id, existing.id)
            # One review per run: later deliveries (and plan-ready ones after the hook) only move its run state.
            review = self._update_state(existing, delivery)
            return WebhookResult(Outcome.STATE_UPDATED, delivery.kind, delivery.run_id, review.id)
        if not reached_plan_ready(delivery.run_type, delivery.state):
            return WebhookResult(
                Outcome.STALE if stale else Outcome.NO_REVIEW, delivery.kind, delivery.run_id
            )
        claim = self._await_run_review(
            delivery.account,
            delivery.run_id,
            self._ledger.claim_run_review(delivery.account, delivery.run_id),
        )
        if claim.review_id is not None:
            # Another plan-ready delivery of this run created its review: record our state on it.
            review_id = claim.review_id
            if stale:
                return WebhookResult(Outcome.STALE, delivery.kind, delivery.run_id, review_id)
            review = self._update_state(self._reviews.get(review_id), delivery)
            return WebhookResult(Outcome.STATE_UPDATED, delivery.kind, delivery.run_id, review.id)
        try:
            result = self._create(delivery, policy)
        except BaseException:
            self._ledger.release_run_review(delivery.account, delivery.run_id)
            raise
        if result.review_id is None:
            self._ledger.release_run_review(delivery.account, delivery.run_id)
            return result
        self._ledger.set_run_review(delivery.account, delivery.run_id, result.review_id)
        self._catch_up(result.review_id, delivery)
        return result

    def _catch_up(self, review_id: str, delivery: _Delivery) -> None:
        """A newer delivery may have come and gone while this one created the review: take its state.

        Every delivery records the run's newest state before it looks for the review, so either that
        delivery found the review, or this read finds its state.
        """
        latest = self._ledger.latest(delivery.account, delivery.run_id, delivery.ordering)
        if latest is None or latest[0] <= delivery.sequence:
            return
        sequence, state = latest
        newer = replace(
            delivery,
            state=state,
            sequence=sequence,
            info=delivery.info.model_copy(
                update={
                    "run_state": state,
                    "state_version": sequence if delivery.ordering is Ordering.STATE_VERSION else None,
                }
            ),
        )
        self._update_state(self._reviews.get(review_id), newer)

    def _run_review(self, account: str, run_id: str) -> Review | None:
        """The run's review: by the id a delivery recorded (a consistent read), else through the run
        index (a review the hook created)."""
        known_id = self._ledger.run_review_id(account, run_id)
        if known_id:
            return self._reviews.get(known_id)
        found = self._reviews.find_by_run(run_id)
        return found[0] if found else None

    def _await_run_review(self, account: str, run_id: str, claim: RunReviewClaim) -> RunReviewClaim:
        """A claim this request won, or one naming the run's review: while another request holds the
        claim, wait for its review id; if it gives up (no plan, a failure), claim again and create it here.

        Only a creator that is still working after CREATION_WAIT_SECONDS makes this a 503 (Spacelift
        retries the delivery); a slow or failed creator never costs this delivery its review.
        """
        waited = 0.0
        while not claim.won and claim.review_id is None:
            if waited >= CREATION_WAIT_SECONDS:
                raise ServiceUnavailable("another delivery is still creating this run's review; retry")
            self._sleep(CREATION_POLL_SECONDS)
            waited += CREATION_POLL_SECONDS
            # Wins when the creator released its claim (or its lease ran out); else its review id, if any.
            claim = self._ledger.claim_run_review(account, run_id)
        return claim

    def submit_plan(
        self,
        plan: Any,
        info: SpaceliftInfo,
        *,
        title: str | None,
        tags: list[str],
        metadata: dict[str, str],
        created_by: str | None,
        idempotency_key: str | None,
        request_sha: str | None,
        creator: Actor | None = None,
    ) -> tuple[Review, bool]:
        """A full plan for a Spacelift run (the after_plan hook): one review per run, this plan wins.

        The per-run claim is the same one plan-ready webhooks take, so a hook and a webhook arriving
        at the same moment still make one review.
        """
        account, run_id = info.account or "", info.run_id or ""
        existing = self._run_review(account, run_id)
        if existing is not None:
            return self._reviews.merge_run_plan(existing, plan, info), False
        claim = self._await_run_review(account, run_id, self._ledger.claim_run_review(account, run_id))
        if claim.review_id is not None:
            return self._reviews.merge_run_plan(self._reviews.get(claim.review_id), plan, info), False
        try:
            review, created = self._reviews.create_review(
                plan,
                title=title,
                tags=tags,
                metadata=metadata,
                source=ReviewSource.SPACELIFT,
                spacelift=info,
                created_by=created_by,
                creator=creator,
                idempotency_key=idempotency_key,
                request_sha=request_sha,
            )
        except BaseException:
            self._ledger.release_run_review(account, run_id)
            raise
        self._ledger.set_run_review(account, run_id, review.id)
        return review, created

    def _create(self, delivery: _Delivery, policy: PolicyPayload | None) -> WebhookResult:
        found = self._plan_for(delivery, policy)
        if found is None:
            logger.warning(
                "spacelift.no_plan_source",
                extra={"event": "spacelift.no_plan_source", "run_id": delivery.run_id},
            )
            return WebhookResult(Outcome.NO_PLAN, delivery.kind, delivery.run_id)
        plan, source = found
        try:
            review, _created = self._reviews.create_review(
                plan,
                title=f"{delivery.info.stack_name or delivery.stack_id}: {delivery.run_type or 'run'} {delivery.run_id}",
                metadata={"plan_source": source, "spacelift_account": delivery.account},
                source=ReviewSource.SPACELIFT,
                spacelift=delivery.info,
                created_by=f"spacelift:{delivery.account}",
                creator=Actor(
                    kind="system",
                    subject=f"spacelift:{delivery.account}"[:256],
                    name=f"Spacelift webhook ({delivery.account})"[:200],
                ),
            )
        except AppError as exc:
            if exc.status_code >= 500:
                raise
            logger.warning(
                "spacelift.plan_rejected", extra={"event": "spacelift.plan_rejected", "code": exc.code}
            )
            return WebhookResult(Outcome.INVALID, delivery.kind, delivery.run_id, plan_source=source)
        return WebhookResult(Outcome.CREATED, delivery.kind, delivery.run_id, review.id, plan_source=source)

    def _plan_for(
        self, delivery: _Delivery, policy: PolicyPayload | None
    ) -> tuple[dict[str, Any], str] | None:
        """The plan, best source first: the policy's change list, its planning log, then the GraphQL API."""
        from webhook.changes import plan_from_planning_log, plan_from_policy_changes

        if policy is not None:
            if policy.run.changes:
                plan = plan_from_policy_changes(
                    policy.run.changes, terraform_version=policy.run.terraform_version
                )
                if plan["resource_changes"]:
                    return plan, str(plan["tfreview_synthetic"]["source"])
            log_text = policy.planning_log or ""
            if len(log_text) >= MIN_PLANNING_LOG_CHARS and LOG_PLACEHOLDER not in log_text:
                plan = plan_from_planning_log(log_text)
                if plan["resource_changes"]:
                    return plan, str(plan["tfreview_synthetic"]["source"])
        fetcher = self._fetcher_factory()
        if fetcher is not None:
            try:
                found = fetcher.fetch(delivery.stack_id, delivery.run_id)
            except SpaceliftTransientError:
                raise
            except SpaceliftError as exc:
                logger.warning(
                    "spacelift.graphql_failed",
                    extra={
                        "event": "spacelift.graphql_failed",
                        "error": type(exc).__name__,
                        "run_id": delivery.run_id,
                    },
                )
                found = None
            if found is not None:
                return found
        if policy is not None and policy.run.changes is not None:
            # The policy said "no changes": review the empty plan so the run still gets a verdict.
            plan = plan_from_policy_changes(
                policy.run.changes, terraform_version=policy.run.terraform_version
            )
            return plan, str(plan["tfreview_synthetic"]["source"])
        return None

    def _update_state(self, review: Review, delivery: _Delivery) -> Review:
        """Record the run's newer state; an older delivery never overwrites a newer one."""
        from webhook.events import TERMINAL_STATES, parse_state

        current = review
        for _ in range(UPDATE_ATTEMPTS):
            known = current.spacelift.state_version if current.spacelift else None
            current_state = parse_state(current.spacelift.run_state) if current.spacelift else None
            # Without two stateVersions to compare (a policy payload or the hook set the state), a run
            # never moves back out of a terminal state.
            leaves_terminal = (
                current_state in TERMINAL_STATES and parse_state(delivery.state) not in TERMINAL_STATES
            )
            if delivery.ordering is Ordering.STATE_VERSION:
                if known is not None and known >= delivery.sequence:
                    return current
                if known is None and leaves_terminal:
                    return current
                state_version: int | None = delivery.sequence
            else:
                state_version = known
                if leaves_terminal:
                    return current
            if (
                current.spacelift is not None
                and current.spacelift.run_state == delivery.state
                and state_version == known
            ):
                return current
            try:
                return self._reviews.update_run_state(
                    current.id, run_state=delivery.state, state_version=state_version, seen=current
                )
            except VersionConflict:
                current = self._reviews.get(current.id)
        raise VersionConflict(f"review {review.id} kept changing while its run state was recorded")


def build_fetcher_factory(settings: Settings) -> Callable[[], PlanFetcher | None]:
    """A factory of the GraphQL plan fetcher, or of None when no Spacelift API key is configured."""
    client: list[SpaceliftClient] = []

    def factory() -> PlanFetcher | None:
        if not (settings.spacelift_api_endpoint and settings.spacelift_api_key_id):
            return None
        api_secret = spacelift_api_key_secret(settings)
        if not api_secret:
            return None
        if not client:
            # Inside a webhook request: few attempts and short timeouts, Spacelift's own retry covers the rest.
            client.append(
                SpaceliftClient(
                    settings.spacelift_api_endpoint,
                    settings.spacelift_api_key_id,
                    api_secret,
                    max_attempts=2,
                    timeout_seconds=5.0,
                )
            )
        return GraphQLPlanFetcher(client[0])

    return factory


def build_webhook_service(settings: Settings, reviews: ReviewService) -> SpaceliftWebhookService:
    """Wire the use case to its delivery ledger, verifier and plan fetcher; NoWebhookSecret when unconfigured."""
    return webhook_service_with(settings, reviews, configured_verifier(settings))


def webhook_service_with(
    settings: Settings, reviews: ReviewService, verifier: SignatureVerifier | None
) -> SpaceliftWebhookService:
    """The use case around a verifier built already (the API builds it at start-up, the rest on first use)."""
    from app.storage.client import dynamodb_client
    from app.storage.spacelift import SpaceliftDeliveryStore

    ledger = SpaceliftDeliveryStore(
        dynamodb_client(settings.aws_region, settings.dynamodb_endpoint_url), settings.resolved_table_name
    )
    return SpaceliftWebhookService(reviews, ledger, verifier, build_fetcher_factory(settings))
