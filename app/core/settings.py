"""One Settings class for the whole product; every environment variable starts with TFR_."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

TABLE_NAME_PREFIX = "terraform-spacelift-ai-reviewer-reviews"
LOCAL_ENVS = frozenset({"local", "dev", "test"})
# A person's roles (app/services/identity.Role holds the same names).
PERSON_ROLES = ("viewer", "submitter", "approver", "admin")


class DispatcherKind(StrEnum):
    LOCAL = "local"
    LAMBDA = "lambda"
    NONE = "none"


class LLMProvider(StrEnum):
    NONE = "none"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    BEDROCK = "bedrock"
    OPENAI_COMPATIBLE = "openai_compatible"
    FAKE = "fake"


class NotificationChannel(BaseModel):
    """One notification channel and which events reach it (the URL and signing secret are secrets)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    type: Literal["slack", "webhook", "sns"]
    # Spacelift stack id globs (fnmatch); None reaches every review, a list only reviews of a matching stack.
    stacks: list[str] | None = None
    min_level: Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"] = "HIGH"
    on_failure: bool = True
    on_decision: bool = True
    topic_arn: str | None = Field(
        None, pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
    )

    @model_validator(mode="after")
    def _topic(self) -> NotificationChannel:
        if (self.type == "sns") != (self.topic_arn is not None):
            raise ValueError(f"channel {self.name}: topic_arn is required for sns and only for sns")
        return self


class SettingsError(RuntimeError):
    """Raised when the environment holds an invalid setting; the message names it."""


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return []
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


ENV_PREFIX = "tfr_"


def environment_values(names: Iterable[str]) -> dict[str, str]:
    """The TFR_<NAME> variables (any case) of the given field names, as the raw strings."""
    found = {key.lower(): value for key, value in os.environ.items() if key[:4].lower() == ENV_PREFIX}
    return {name: found[ENV_PREFIX + name] for name in names if ENV_PREFIX + name in found}


# Not pydantic-settings: a TFR_ variable reaches its field as the raw string, which pydantic validates
# as it would the same argument (lax: "true", "300") and the validators below split the lists and maps
# and decode the JSON ones. That is all pydantic-settings did with these fields (every list and map
# was NoDecode), and its import and per-field source machinery were a sixth of what the API Lambda's
# cold start added to FastAPI's own (tests/benchmarks/bench_coldstart.py).
class Settings(BaseModel):
    """Every setting of the product; read once through get_settings(). Arguments win over TFR_ variables."""

    model_config = ConfigDict(extra="ignore", frozen=True, validate_default=True)

    def __init__(self, **values: Any) -> None:
        super().__init__(**{**environment_values(type(self).model_fields), **values})

    # Deployment
    env: str = Field("dev", pattern=r"^[a-z0-9-]{1,20}$", description="Environment name (dev, test, prod).")
    table_name: str | None = Field(None, description="Override of the DynamoDB table name.")
    aws_region: str = Field("us-east-1", description="AWS region for DynamoDB, Lambda and Bedrock.")
    dynamodb_endpoint_url: str | None = Field(None, description="DynamoDB Local URL; unset on AWS.")
    create_table: bool = Field(False, description="Create the table on start-up (local and tests only).")
    log_level: str = Field("INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")

    # HTTP API
    max_body_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest accepted request body after decompression."
    )
    cors_origins: list[str] = Field(default_factory=list, description="Origins allowed by CORS.")
    api_keys: list[str] = Field(
        default_factory=list,
        description="API keys as 'name:scopes:sha256hex'; scopes read, submit, decide, rerun joined by '+' "
        "(write = read+submit+rerun).",
    )
    api_keys_secret_id: str | None = Field(
        None, description="Secrets Manager secret holding more 'name:scope:sha256hex' lines."
    )
    auth_disabled: bool = Field(False, description="Turn off API auth; allowed only in local envs.")
    origin_secret_id: str | None = Field(
        None,
        description="Edge authorizer: Secrets Manager secret with the origin header values CloudFront sends.",
    )
    # People (OIDC): the API checks their tokens itself (app/services/identity.py).
    oidc_issuer: str | None = Field(
        None, description="OIDC issuer URL; its discovery document names the keys that sign people's tokens."
    )
    oidc_audience: list[str] = Field(
        default_factory=list,
        description="Accepted token audiences (comma-separated): the dashboard's client id, as its ID tokens carry.",
    )
    oidc_roles_claim: str = Field(
        "groups",
        max_length=200,
        description="Claim holding a person's groups or roles (dots walk into objects).",
    )
    oidc_role_map: dict[str, str] = Field(
        default_factory=dict,
        description="Group to role: 'tfreview-admins=admin,tfreview-approvers=approver,...' "
        "(roles viewer, approver, submitter, admin).",
    )
    plan_ttl_days: int = Field(400, ge=1, description="Days a stored plan blob lives.")
    idempotency_ttl_hours: int = Field(24, ge=1, description="Hours an Idempotency-Key is remembered.")

    # Dispatch and reviewer
    dispatcher: DispatcherKind = Field(DispatcherKind.LOCAL, description="How reviews are dispatched.")
    reviewer_function_name: str | None = Field(None, description="Reviewer Lambda name (lambda dispatch).")
    reviewer_timeout_seconds: int = Field(300, ge=10, description="Reviews IN_PROGRESS longer are swept.")
    sweep_interval_seconds: int = Field(60, ge=1, description="Local mode: seconds between sweeps.")
    review_max_attempts: int = Field(
        3, ge=1, le=10, description="Dispatches of one review before the sweeper marks it FAILED."
    )
    sweep_pending_after_seconds: int = Field(
        900, ge=1, description="A review PENDING this long since its last dispatch is dispatched again."
    )
    sweep_in_progress_after_seconds: int | None = Field(
        None,
        ge=1,
        description="A review IN_PROGRESS this long has lost its reviewer (default: reviewer timeout + 60 s).",
    )
    async_event_max_age_seconds: int = Field(
        3600,
        ge=1,
        description="How long a dispatch may wait in Lambda's async queue (the reviewer's maximum event age).",
    )
    store_retry_seconds: float = Field(
        45.0,
        ge=0,
        description="The reviewer's budget for retrying DynamoDB throttling and outages per write.",
    )
    review_config_path: str | None = Field(None, description="Path of a .tfreview.toml for the reviewer.")
    policy_paths: list[str] = Field(
        default_factory=list,
        description="Rego policy files or folders the reviewer evaluates (comma-separated; docs/policies.md).",
    )

    # LLM
    llm_provider: LLMProvider | None = Field(
        None, description="none, openai, anthropic, bedrock, openai_compatible or fake."
    )
    llm_model: str | None = Field(None, description="Model id for the provider.")
    llm_fallbacks: list[str] = Field(default_factory=list, description="Fallbacks as 'provider:model'.")
    llm_base_url: str | None = Field(None, description="Base URL (OpenAI-compatible, or a fake in tests).")
    openai_api_key: SecretStr | None = None
    openai_api_key_secret_id: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_api_key_secret_id: str | None = None
    anthropic_base_url: str | None = None
    bedrock_endpoint_url: str | None = None
    llm_timeout_seconds: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(3, ge=0, le=10)
    llm_max_output_tokens: int = Field(4096, ge=256)
    llm_prompt_token_budget: int = Field(60_000, ge=1000)
    llm_daily_token_budget: int = Field(0, ge=0, description="0 means unlimited.")
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="JSON {model: [usd_per_million_in, usd_per_million_out]}."
    )

    # Spacelift
    spacelift_webhook_secret: SecretStr | None = None
    spacelift_webhook_secret_previous: SecretStr | None = None
    spacelift_webhook_secret_id: str | None = None
    spacelift_allow_unsigned: bool = Field(False, description="Accept unsigned webhooks; local envs only.")
    spacelift_api_endpoint: str | None = Field(None, description="https://<account>.app.spacelift.io")
    spacelift_api_key_id: str | None = None
    spacelift_api_key_secret: SecretStr | None = None
    spacelift_api_key_secret_id: str | None = None
    spacelift_write_comment: bool = False
    spacelift_write_review: bool = False
    spacelift_reject_at: str = Field("HIGH", pattern=r"^(LOW|MEDIUM|HIGH|CRITICAL)$")

    # Events and notifications (docs/notifications.md)
    event_bus_name: str | None = Field(
        None,
        description="EventBridge bus for review events ('default' for the account's default bus); unset: none.",
    )
    notify_channels: list[NotificationChannel] = Field(
        default_factory=list,
        description="JSON list of notification channels (Slack, SNS, webhook) and their routing.",
    )
    notify_secrets: SecretStr | None = Field(
        None,
        description="JSON {channel: {url, signing_secret}} (local); on AWS the secret notify_secrets_secret_id.",
    )
    notify_secrets_secret_id: str | None = Field(
        None, description="Secrets Manager secret holding the channels' webhook URLs and signing secrets."
    )
    notify_max_attempts: int = Field(
        6, ge=1, le=20, description="Deliveries of one message before it is failed."
    )
    notify_retry_base_seconds: float = Field(
        30.0, ge=0, description="Backoff before the second delivery attempt; doubles with each attempt."
    )
    dashboard_url: str | None = Field(
        None, max_length=500, description="Public URL of the dashboard, for links in events and messages."
    )

    @field_validator("cors_origins", "api_keys", "llm_fallbacks", "policy_paths", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("notify_channels", mode="before")
    @classmethod
    def _channels(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else []
        return value

    @field_validator("notify_channels")
    @classmethod
    def _unique_channels(cls, value: list[NotificationChannel]) -> list[NotificationChannel]:
        names = [channel.name for channel in value]
        if len(set(names)) != len(names) or "eventbridge" in names:
            raise ValueError("channel names must be unique and not 'eventbridge' (the event bus's own)")
        return value

    @field_validator("oidc_audience", mode="before")
    @classmethod
    def _audiences(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        mapping: dict[str, str] = {}
        for part in value.split(","):
            item = part.strip()
            if not item:
                continue
            group, sep, role = item.rpartition("=")
            if not sep or not group.strip() or role.strip().lower() not in PERSON_ROLES:
                raise ValueError(
                    f"role map entry {item!r} must be 'group=role', role one of {', '.join(PERSON_ROLES)}"
                )
            mapping[group.strip()] = role.strip().lower()
        return mapping

    @field_validator("llm_prices", mode="before")
    @classmethod
    def _prices(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    @field_validator("api_keys")
    @classmethod
    def _api_keys(cls, value: list[str]) -> list[str]:
        words = {"read", "write", "submit", "decide", "rerun"}
        for line in value:
            parts = line.split(":")
            if len(parts) != 3 or not set(parts[1].split("+")) <= words or len(parts[2]) != 64:
                raise ValueError(
                    "each key must be 'name:scopes:<sha256 hex>', scopes read, submit, decide, rerun "
                    "or write joined by '+'"
                )
        return value

    @model_validator(mode="after")
    def _local_only_switches(self) -> Settings:
        if self.auth_disabled and not self.is_local:
            raise ValueError("auth_disabled is allowed only when TFR_ENV is local, dev or test")
        if self.spacelift_allow_unsigned and not self.is_local:
            raise ValueError("spacelift_allow_unsigned is allowed only when TFR_ENV is local, dev or test")
        if self.oidc_issuer is not None:
            local_http = self.oidc_issuer.startswith(("http://localhost", "http://127.0.0.1"))
            if not self.oidc_issuer.startswith("https://") and not (local_http and self.is_local):
                raise ValueError("oidc_issuer must be https:// (http://localhost only in local envs)")
            if not self.oidc_audience:
                raise ValueError("oidc_issuer needs TFR_OIDC_AUDIENCE (the dashboard's client id)")
        if self.dispatcher is DispatcherKind.LAMBDA and not self.reviewer_function_name:
            raise ValueError("dispatcher=lambda needs TFR_REVIEWER_FUNCTION_NAME")
        return self

    @property
    def is_local(self) -> bool:
        return self.env in LOCAL_ENVS

    @property
    def stale_in_progress_seconds(self) -> int:
        """After this long IN_PROGRESS the reviewer is gone (Lambda stopped it at its timeout)."""
        return self.sweep_in_progress_after_seconds or self.reviewer_timeout_seconds + 60

    @property
    def notifications_enabled(self) -> bool:
        """Whether review events go anywhere (an event bus or a channel)."""
        return bool(self.event_bus_name or self.notify_channels)

    @property
    def resolved_table_name(self) -> str:
        return self.table_name or f"{TABLE_NAME_PREFIX}-{self.env}"

    @property
    def effective_llm_provider(self) -> LLMProvider:
        """The configured provider, or none when no key makes one usable."""
        if self.llm_provider is not None:
            return self.llm_provider
        if self.openai_api_key or self.openai_api_key_secret_id:
            return LLMProvider.OPENAI
        if self.anthropic_api_key or self.anthropic_api_key_secret_id:
            return LLMProvider.ANTHROPIC
        return LLMProvider.NONE


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from the environment; raise SettingsError naming each bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "TFR_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
    except (ValueError, json.JSONDecodeError) as exc:
        raise SettingsError(f"invalid settings: {exc}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide Settings, built once."""
    return load_settings()
