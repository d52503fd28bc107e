"""Which Spacelift run transitions start a review, and which only update an existing one."""

from __future__ import annotations

from enum import StrEnum

from webhook.events import RunState, RunType, parse_run_type, parse_state


class TriggerAction(StrEnum):
    START_REVIEW = "start_review"
    UPDATE_STATE = "update_state"


# A plan is ready to review in exactly these (type, state) pairs (DESIGN.md §6).
REVIEW_TRIGGERS: frozenset[tuple[RunType, RunState]] = frozenset(
    {
        (RunType.PROPOSED, RunState.FINISHED),
        (RunType.PROPOSED, RunState.PENDING_REVIEW),
        (RunType.TRACKED, RunState.UNCONFIRMED),
    }
)


def decide(run_type: str | None, state: str | None) -> TriggerAction:
    """START_REVIEW when the plan is ready; otherwise only the run state of an existing review moves."""
    parsed_type = parse_run_type(run_type)
    parsed_state = parse_state(state)
    if parsed_type is None or parsed_state is None:
        return TriggerAction.UPDATE_STATE
    if (parsed_type, parsed_state) in REVIEW_TRIGGERS:
        return TriggerAction.START_REVIEW
    return TriggerAction.UPDATE_STATE


# States a tracked run reaches only after its plan was ready (UNCONFIRMED, or straight on with autodeploy):
# seen first (deliveries come out of order), they stand for the plan-ready state not yet delivered.
AFTER_PLAN_READY: frozenset[tuple[RunType, RunState]] = frozenset(
    {
        (RunType.TRACKED, RunState.CONFIRMED),
        (RunType.TRACKED, RunState.PREPARING_APPLY),
        (RunType.TRACKED, RunState.APPLYING),
        (RunType.TRACKED, RunState.FINISHED),
    }
)


def reached_plan_ready(run_type: str | None, state: str | None) -> bool:
    """True when a run in this state has had a plan ready to review, whichever delivery came first."""
    parsed = (parse_run_type(run_type), parse_state(state))
    return parsed in REVIEW_TRIGGERS or parsed in AFTER_PLAN_READY
