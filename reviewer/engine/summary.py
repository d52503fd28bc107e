"""Count changes by action, type and module."""

from __future__ import annotations

from collections import Counter

from reviewer.engine.plan import Action, Plan
from reviewer.engine.results import ChangeSummary


def summarize(plan: Plan) -> ChangeSummary:
    """Counts for the review header; by_type/by_module count real changes only (no no-op or read)."""
    actions = Counter(rc.action for rc in plan.resource_changes)
    by_type: Counter[str] = Counter()
    by_module: Counter[str] = Counter()
    for rc in plan.resource_changes:
        if rc.action in (Action.NO_OP, Action.READ):
            continue
        by_type[rc.type] += 1
        by_module[rc.module or "root"] += 1
    replace = (
        actions[Action.REPLACE_DESTROY_FIRST]
        + actions[Action.REPLACE_CREATE_FIRST]
        + actions[Action.REPLACE_FORGET]
    )
    return ChangeSummary(
        create=actions[Action.CREATE],
        update=actions[Action.UPDATE],
        delete=actions[Action.DELETE],
        replace=replace,
        read=actions[Action.READ],
        no_op=actions[Action.NO_OP],
        import_=sum(1 for rc in plan.resource_changes if rc.is_import),
        move=sum(1 for rc in plan.resource_changes if rc.is_move),
        forget=actions[Action.FORGET],
        drift=sum(1 for rc in plan.resource_drift if rc.action is not Action.NO_OP),
        by_type=dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_module=dict(sorted(by_module.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
