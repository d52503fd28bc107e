"""What a review produces: findings, change summary and risk (DESIGN.md §4)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    INFO = "INFO"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self)


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
        return RISK_ORDER.index(self)


RISK_ORDER: tuple[RiskLevel, ...] = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH, RiskLevel.CRITICAL)


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


class FindingSource(StrEnum):
    RULE = "rule"
    LLM = "llm"


class Introduction(StrEnum):
    """How a finding relates to this plan: it creates the problem, makes it worse, or it was there."""

    INTRODUCED = "introduced"
    WORSENED = "worsened"
    PRE_EXISTING = "pre_existing"


class Finding(BaseModel):
    """One problem found in the plan, tied to a resource address where there is one."""

    model_config = ConfigDict(frozen=True)

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


class ChangeSummary(BaseModel):
    """Counts of resource changes by action, type and module."""

    create: int = 0
    update: int = 0
    delete: int = 0
    replace: int = 0
    read: int = 0
    no_op: int = 0
    import_: int = Field(0, alias="import")
    move: int = 0
    forget: int = 0
    drift: int = 0
    by_type: dict[str, int] = Field(default_factory=dict)
    by_module: dict[str, int] = Field(default_factory=dict)

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Risk(BaseModel):
    """The verdict: a 0-100 score, its level and the reasons behind it."""

    score: int = Field(0, ge=0, le=100)
    level: RiskLevel = RiskLevel.LOW
    reasons: list[str] = Field(default_factory=list)


class PlanInfo(BaseModel):
    """Facts about the plan file itself."""

    sha256: str = ""
    bytes: int = 0
    terraform_version: str | None = None
    format_version: str | None = None
    errored: bool = False
    applyable: bool | None = None
    complete: bool | None = None


class RedactionReport(BaseModel):
    """How many values were redacted and where (paths only, never values)."""

    count: int = 0
    by_reason: dict[str, int] = Field(default_factory=dict)
    paths: list[str] = Field(default_factory=list)


class ChangeRef(BaseModel):
    """A destroy or replace in the plan, listed whether or not a rule fired on it."""

    address: str
    type: str
    action: str
    reason: str | None = None
    replace_paths: list[str] = Field(default_factory=list)


class EngineResult(BaseModel):
    """Everything the rule engine says about one plan."""

    plan: PlanInfo
    summary: ChangeSummary
    findings: list[Finding]
    risk: Risk
    redaction: RedactionReport = Field(default_factory=RedactionReport)
    engine_version: str = ""
    suppressed: list[Finding] = Field(default_factory=list)
    custom_instructions: str = ""
    destructive_changes: list[ChangeRef] = Field(default_factory=list)


class AIStatus(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"
    FAILED = "failed"


class AIReview(BaseModel):
    """The LLM layer's contribution to a review (DESIGN.md §4 `ai`)."""

    status: AIStatus = AIStatus.SKIPPED
    provider: str = "none"
    model: str | None = None
    prompt_version: str | None = None
    summary_md: str = ""
    risk_level: RiskLevel | None = None
    justification: str = ""
    recommendations: list[str] = Field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    dropped_findings: int = 0
    untrusted_text: bool = False
    fake: bool = False
    error: str | None = None
