"""Turn deny/warn results into findings: rule id, severity, address, and whether this plan introduced them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from reviewer.engine.config import PolicyConfig
from reviewer.engine.plan import Action, Plan, ResourceChange
from reviewer.engine.results import Category, Finding, FindingSource, Introduction, Severity
from reviewer.policies.evaluation import RuleResult
from reviewer.policies.source import PolicyModule

MAX_MESSAGE_CHARS = 2000
# Candidate resource addresses inside a message: module path, optional data., type.name, optional index.
_ADDRESS = re.compile(
    r"(?:module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?\.)*(?:data\.)?[A-Za-z][A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?"
)
_SUFFIX = {
    Introduction.INTRODUCED: "introduced by this plan",
    Introduction.WORSENED: "made worse by this plan",
    Introduction.PRE_EXISTING: "already present before this plan",
}
# Changes whose finding is about the change itself: there is no "before" to compare with.
_NEW_OR_GONE = frozenset({Action.CREATE, Action.DELETE, Action.FORGET})


@dataclass(slots=True)
class PolicyHit:
    """One deny/warn message, before the introduced/pre-existing verdict."""

    package: str
    rule: str
    message: str
    address: str | None
    severity: Severity
    title: str
    category: Category
    attribute: str | None
    remediation: str

    def identity(self) -> tuple[str, str, str | None, str]:
        return (self.package, self.rule, self.address, self.message)


def _items(value: Any) -> list[Any]:
    if value is None or value is False:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and not any(key in value for key in ("msg", "message")):
        return list(value.values())  # a partial object rule: deny[key] := message
    return [value]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _custom(annotation: dict[str, Any]) -> dict[str, Any]:
    custom = annotation.get("custom")
    return custom if isinstance(custom, dict) else {}


def severity_of(value: Any) -> Severity | None:
    """A severity named in a policy (any case), or None."""
    if isinstance(value, str):
        try:
            return Severity(value.strip().upper())
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class _RuleInfo:
    """What the METADATA of a rule and its package (or the configuration) give every message of the rule."""

    severity: Severity
    category: Category
    title: str
    remediation: str


_ITEM_KEYS = frozenset({"severity", "category", "title", "remediation"})


class HitBuilder:
    """Builds PolicyHits with the metadata of the modules and the configured default severities."""

    def __init__(self, modules: list[PolicyModule], config: PolicyConfig, plan: Plan) -> None:
        self.config = config
        self.package_meta: dict[str, dict[str, Any]] = {}
        self.rule_meta: dict[tuple[str, str], dict[str, Any]] = {}
        for module in modules:
            self.package_meta.setdefault(module.package, {}).update(module.annotations.package)
            for rule, data in module.annotations.rules.items():
                self.rule_meta.setdefault((module.package, rule), data)
        self._info: dict[tuple[str, str], _RuleInfo] = {}
        self.by_address: dict[str, ResourceChange] = {}
        for rc in plan.resource_changes:
            if rc.deposed is None or rc.address not in self.by_address:
                self.by_address[rc.address] = rc

    def hits(self, results: list[RuleResult]) -> list[PolicyHit]:
        found: dict[tuple[str, str, str | None, str], PolicyHit] = {}
        for result in results:
            info = self._rule_info(result.package, result.rule)
            for item in _items(result.value):
                hit = self._hit(result.package, result.rule, item, info)
                found.setdefault(hit.identity(), hit)
        return list(found.values())

    def _rule_info(self, package: str, rule: str) -> _RuleInfo:
        info = self._info.get((package, rule))
        if info is None:
            info = self._info[(package, rule)] = self._layered(package, rule, {})
        return info

    def _layered(self, package: str, rule: str, item: dict[str, Any]) -> _RuleInfo:
        """Item fields first, then the rule's METADATA, then the package's, then the configuration."""
        rule_meta, package_meta = self.rule_meta.get((package, rule), {}), self.package_meta.get(package, {})
        layers = [item, _custom(rule_meta), _custom(package_meta)]
        default = self.config.warn_severity if rule.startswith("warn") else self.config.deny_severity
        severity = next((s for s in (severity_of(layer.get("severity")) for layer in layers) if s), default)
        category = Category.POLICY
        for layer in layers:
            name = layer.get("category")
            if isinstance(name, str) and name in Category._value2member_map_:
                category = Category(name)
                break
        title = (
            _text(item.get("title"))
            or _text(rule_meta.get("title"))
            or _text(package_meta.get("title"))
            or f"Policy {package}"
        )
        remediation = next(
            (t for t in (_text(layer.get("remediation")) for layer in layers) if t),
            _text(rule_meta.get("description")) or _text(package_meta.get("description")) or "",
        )
        return _RuleInfo(severity, category, title[:200], remediation[:MAX_MESSAGE_CHARS])

    def _address(self, item: dict[str, Any], message: str) -> str | None:
        given = _text(item.get("address")) or _text(item.get("resource"))
        if given is not None:
            return given
        named = {m for m in _ADDRESS.findall(message) if m in self.by_address}
        return named.pop() if len(named) == 1 else None

    def _hit(self, package: str, rule: str, raw: Any, info: _RuleInfo) -> PolicyHit:
        item: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if isinstance(raw, str):
            message = raw
        elif raw is True:
            message = f"{package}: {rule}"
        else:
            message = _text(item.get("msg")) or _text(item.get("message")) or json.dumps(raw, sort_keys=True)
        message = message[:MAX_MESSAGE_CHARS]
        if not _ITEM_KEYS.isdisjoint(item):
            info = self._layered(package, rule, item)
        return PolicyHit(
            package=package,
            rule=rule,
            message=message,
            address=self._address(item, message),
            severity=info.severity,
            title=info.title,
            category=info.category,
            attribute=_text(item.get("attribute")) or _text(item.get("field")),
            remediation=info.remediation,
        )

    def needs_before(self, hit: PolicyHit) -> bool:
        """True when only evaluating the plan's `before` can say whether this plan introduced the hit."""
        rc = self.by_address.get(hit.address or "")
        return rc is not None and _introduction_of_change(rc) is None

    def finding(self, hit: PolicyHit, before: dict[tuple[str, str | None], set[str]] | None) -> Finding:
        """The finding; `before` maps (package, address) to the messages the policy gave before the change."""
        rc = self.by_address.get(hit.address or "")
        introduction: Introduction | None = None
        if rc is not None:
            introduction = _introduction_of_change(rc)
            if introduction is None and before is not None:
                earlier = before.get((hit.package, hit.address), set())
                if hit.message in earlier:
                    introduction = Introduction.PRE_EXISTING
                elif earlier:
                    introduction = Introduction.WORSENED
                else:
                    introduction = Introduction.INTRODUCED
        message = hit.message if introduction is None else f"{hit.message} ({_SUFFIX[introduction]})"
        return Finding(
            rule_id=hit.package,
            title=hit.title,
            severity=hit.severity,
            category=hit.category,
            address=hit.address,
            type=rc.type if rc is not None else None,
            action=rc.action.value if rc is not None else None,
            attribute=hit.attribute,
            introduced=introduction is not Introduction.PRE_EXISTING,
            message=message,
            remediation=hit.remediation,
            source=FindingSource.POLICY,
            introduction=introduction,
        )


def _introduction_of_change(rc: ResourceChange) -> Introduction | None:
    """What the change alone says (None when only the `before` evaluation can tell).

    A created or removed object's finding is about the change itself; when nothing about the object
    changes (no-op, pure move or import), what is wrong was already there.
    """
    if rc.action in _NEW_OR_GONE:
        return Introduction.INTRODUCED
    if rc.action is Action.NO_OP or (
        isinstance(rc.before, dict) and not rc.after_unknown and rc.before == rc.after
    ):
        return Introduction.PRE_EXISTING
    return None
