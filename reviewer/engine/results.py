"""What a review produces: findings, change summary and risk (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum, StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self]


SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.INFO,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)


class RiskLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return RISK_RANK[self]


RISK_ORDER: tuple[RiskLevel, ...] = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITY_ORDER)}
RISK_RANK = {level: rank for rank, level in enumerate(RISK_ORDER)}


class Category(StrEnum):
    CHANGE = "change"
    SECURITY = "security"
    IAM = "iam"
    NETWORK = "network"
    SECRETS = "secrets"
    COST = "cost"
    RELIABILITY = "reliability"
    PLAN_HEALTH = "plan_health"
    DRIFT = "drift"
    AI = "ai"
    POLICY = "policy"


class FindingSource(StrEnum):
    RULE = "rule"
    LLM = "llm"
    POLICY = "policy"  # a custom Rego policy (reviewer/policies)


class Introduction(StrEnum):
    """How a finding relates to this plan: it creates the problem, makes it worse, or it was there."""

    INTRODUCED = "introduced"
    WORSENED = "worsened"
    PRE_EXISTING = "pre_existing"


# The results are stdlib dataclasses, not pydantic models: the CLI then never imports pydantic (a tenth
# of a second), and a finding costs a fraction of a validated model. The service's pydantic models hold
# them as fields, which pydantic validates, serialises and describes in OpenAPI like its own models;
# `__pydantic_config__` is plain data that only pydantic reads.


# No __slots__ on the two records a big plan has thousands of: orjson writes (and pickle copies) an
# instance's __dict__ several times faster than it reads slots one by one.
@dataclass(kw_only=True)
class Finding:
    """One problem found in the plan, tied to a resource address where there is one."""

    rule_id: str
    title: str
    severity: Severity
    category: Category
    address: str | None = None
    type: str | None = None
    action: str | None = None
    attribute: str | None = None
    introduced: bool = True
    message: str
    remediation: str = ""
    source: FindingSource = FindingSource.RULE
    checkov_id: str | None = None
    introduction: Introduction | None = None
    trivy_id: str | None = None
    # A compound finding's other resources (the open security group of a public server), by address.
    related: list[str] | None = None


def _summary_alias(name: str) -> str:
    return "import" if name == "import_" else name


@dataclass(slots=True, kw_only=True)
class ChangeSummary:
    """Counts of resource changes by action, type and module."""

    __pydantic_config__ = {
        "alias_generator": _summary_alias,
        "populate_by_name": True,
        "serialize_by_alias": True,
    }

    create: int = 0
    update: int = 0
    delete: int = 0
    replace: int = 0
    read: int = 0
    no_op: int = 0
    import_: int = 0
    move: int = 0
    forget: int = 0
    drift: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    by_module: dict[str, int] = field(default_factory=dict)


def _risk_schema(schema: dict[str, Any]) -> None:
    schema["properties"]["score"].update(minimum=0, maximum=100)


@dataclass(slots=True, kw_only=True)
class Reason:
    """One concern of the verdict (data, network, IAM, ...) in plain words, with what it rests on for machines."""

    concern: str
    title: str  # the concern in words: "Opens networks"
    text: str  # what the plan does about it, naming the resources (capped): no rule ID
    severity: Severity
    resources: int = 0  # resources named by this reason, in total
    addresses: list[str] = field(default_factory=list)  # the first of them
    rule_ids: list[str] = field(default_factory=list)  # the rules behind the words, for machines


@dataclass(slots=True, kw_only=True)
class Risk:
    """The verdict on applying this change: a 0-100 score, its level, the reasons, and the posture apart."""

    __pydantic_config__ = {"json_schema_extra": _risk_schema}

    score: int = 0
    level: RiskLevel = RiskLevel.LOW
    # Plain words for people: the health of the plan, one line per concern (`why`), the posture count.
    reasons: list[str] = field(default_factory=list)
    # What the score and level are made of: findings this plan introduces or worsens.
    introduced: int = 0
    # Posture: findings already present before this plan, counted apart; they never raise the level.
    posture: int = 0
    posture_by_severity: dict[str, int] = field(default_factory=dict)
    # The verdict in one sentence ("Not safe to apply without review: destroys a database ...").
    verdict: str = ""
    # The reasons by concern, worst first, each with the rule IDs and addresses behind it.
    why: list[Reason] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class PlanInfo:
    """Facts about the plan file itself."""

    sha256: str = ""
    bytes: int = 0
    terraform_version: str | None = None
    format_version: str | None = None
    errored: bool = False
    applyable: bool | None = None
    complete: bool | None = None


@dataclass(slots=True, kw_only=True)
class RedactionReport:
    """How many values were redacted and where (paths only, never values)."""

    count: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class ChangeRef:
    """A destroy or replace in the plan, listed whether or not a rule fired on it."""

    address: str
    type: str
    action: str
    reason: str | None = None
    replace_paths: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class EngineResult:
    """Everything the rule engine says about one plan."""

    plan: PlanInfo
    summary: ChangeSummary
    findings: list[Finding]
    risk: Risk
    redaction: RedactionReport = field(default_factory=RedactionReport)
    engine_version: str = ""
    suppressed: list[Finding] = field(default_factory=list)
    custom_instructions: str = ""
    destructive_changes: list[ChangeRef] = field(default_factory=list)


class AIStatus(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(slots=True, kw_only=True)
class AIReview:
    """The LLM layer's contribution to a review (DESIGN.md §4 `ai`)."""

    status: AIStatus = AIStatus.SKIPPED
    provider: str = "none"
    model: str | None = None
    prompt_version: str | None = None
    summary_md: str = ""
    risk_level: RiskLevel | None = None
    justification: str = ""
    recommendations: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    dropped_findings: int = 0
    untrusted_text: bool = False
    fake: bool = False
    error: str | None = None


def to_json(value: Any) -> Any:
    """JSON-ready data of a result: dataclasses as dicts (`import_` as "import"), enums as their values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {_summary_alias(f.name): to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value
