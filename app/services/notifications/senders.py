"""One sender per channel type: EventBridge PutEvents, SNS Publish, Slack and signed webhook POSTs.

A sender raises DeliveryError with a reason safe to store and show: a status code or an error class,
never a URL (Slack webhook URLs are secrets) and never a response body.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, ValidationError

from app.core.settings import NotificationChannel, Settings
from app.services.notifications.events import DETAIL_TYPES, EVENT_SOURCE
from app.services.notifications.messages import (
    signature,
    slack_message,
    sns_message,
    sns_subject,
    webhook_body,
)
from app.services.secrets import notify_secrets

if TYPE_CHECKING:
    from mypy_boto3_events.client import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

HTTP_TIMEOUT_SECONDS = 10.0
USER_AGENT = "tfreview-notifications/1"


class DeliveryError(Exception):
    """A failed delivery; retryable unless the receiver refused the message for good."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class Sender(Protocol):
    """Delivers one event's detail to one channel."""

    def send(self, detail: dict[str, Any], idempotency_key: str) -> None: ...


class ChannelSecret(BaseModel):
    """A channel's secret part: its URL (Slack, webhook) and the webhook's signing secret."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    signing_secret: str | None = None


def _check_url(url: str, settings: Settings, channel: str) -> str:
    parsed = httpx.URL(url)
    # Plain HTTP only for a local sink (make dev, tests); anywhere else a URL carries a secret.
    if parsed.scheme == "https" or (settings.is_local and parsed.scheme == "http"):
        return url
    raise DeliveryError(f"channel {channel}: the URL must be https", retryable=False)


def _post(client: httpx.Client, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        response = client.post(url, content=body, headers={"User-Agent": USER_AGENT, **headers})
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}") from None
    if 200 <= response.status_code < 300:
        return
    # 408 and 429 are "later", 5xx the receiver's fault: retried. Any other 4xx will not change.
    retryable = response.status_code in (408, 429) or response.status_code >= 500
    raise DeliveryError(f"HTTP {response.status_code}", retryable=retryable)


@dataclass
class SlackSender:
    """A Slack incoming webhook: POST the Block Kit message."""

    url: str
    client: httpx.Client

    def send(self, detail: dict[str, Any], idempotency_key: str) -> None:
        body = json.dumps(slack_message(detail)).encode()
        _post(self.client, self.url, body, {"Content-Type": "application/json"})


@dataclass
class WebhookSender:
    """A generic HTTPS webhook, signed like Spacelift's: X-Signature-256 over the exact body."""

    url: str
    signing_secret: str
    client: httpx.Client

    def send(self, detail: dict[str, Any], idempotency_key: str) -> None:
        delivery_id = str(uuid.uuid4())
        timestamp = int(time.time())
        body = webhook_body(
            detail, delivery_id=delivery_id, idempotency_key=idempotency_key, timestamp=timestamp
        )
        headers = {
            "Content-Type": "application/json",
            "X-Tfreview-Event": DETAIL_TYPES[detail["kind"]],
            "X-Tfreview-Delivery": delivery_id,
            "X-Tfreview-Timestamp": str(timestamp),
            "Idempotency-Key": idempotency_key,
            "X-Signature-256": signature(self.signing_secret, body),
        }
        _post(self.client, self.url, body, headers)


@dataclass
class SnsSender:
    """Publish to an SNS topic; message attributes let subscriptions filter on kind and level."""

    topic_arn: str
    client: SNSClient

    def send(self, detail: dict[str, Any], idempotency_key: str) -> None:
        attributes: dict[str, MessageAttributeValueTypeDef] = {
            "kind": {"DataType": "String", "StringValue": detail["kind"]},
            "level": {"DataType": "String", "StringValue": detail.get("level") or "NONE"},
            "idempotency_key": {"DataType": "String", "StringValue": idempotency_key},
        }
        try:
            self.client.publish(
                TopicArn=self.topic_arn,
                Subject=sns_subject(detail),
                Message=sns_message(detail),
                MessageAttributes=attributes,
            )
        except (ClientError, BotoCoreError) as exc:
            raise DeliveryError(_aws_reason(exc)) from None


@dataclass
class EventBridgeSender:
    """PutEvents on the configured bus: source tfreview, one detail-type per kind."""

    bus_name: str
    client: EventBridgeClient

    def send(self, detail: dict[str, Any], idempotency_key: str) -> None:
        entry: PutEventsRequestEntryTypeDef = {
            "Source": EVENT_SOURCE,
            "DetailType": DETAIL_TYPES[detail["kind"]],
            "Detail": json.dumps(detail, separators=(",", ":"), sort_keys=True),
            "EventBusName": self.bus_name,
        }
        try:
            response = self.client.put_events(Entries=[entry])
        except (ClientError, BotoCoreError) as exc:
            raise DeliveryError(_aws_reason(exc)) from None
        if response.get("FailedEntryCount"):
            failed = response.get("Entries", [{}])[0]
            raise DeliveryError(f"PutEvents: {failed.get('ErrorCode', 'failed')}")


def _aws_reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return f"{exc.response.get('Error', {}).get('Code', 'ClientError')}"
    return type(exc).__name__


class Senders:
    """The sender of each configured channel, built on first use (secrets read once per process)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._built: dict[str, Sender] = {}

    @cached_property
    def _http(self) -> httpx.Client:
        return httpx.Client(timeout=HTTP_TIMEOUT_SECONDS, follow_redirects=False)

    @cached_property
    def _secrets(self) -> dict[str, ChannelSecret]:
        raw = notify_secrets(self._settings)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
            return {str(name): ChannelSecret.model_validate(value) for name, value in data.items()}
        except (ValueError, AttributeError, ValidationError):
            # The message would quote the secret: say only where it is wrong.
            raise DeliveryError(
                "the notification secrets are not a JSON object of {url, signing_secret}"
            ) from None

    def get(self, name: str) -> Sender:
        """The sender of a channel; DeliveryError (not retried) when it is not configured."""
        if name not in self._built:
            self._built[name] = self._build(name)
        return self._built[name]

    def _build(self, name: str) -> Sender:
        from app.services.notifications.events import EVENTBRIDGE_CHANNEL

        settings = self._settings
        if name == EVENTBRIDGE_CHANNEL:
            if not settings.event_bus_name:
                raise DeliveryError("no event bus is configured any more", retryable=False)
            from app.core import aws

            events: EventBridgeClient = aws.client("events", region_name=settings.aws_region)
            return EventBridgeSender(bus_name=settings.event_bus_name, client=events)
        channel = next((c for c in settings.notify_channels if c.name == name), None)
        if channel is None:
            raise DeliveryError(f"channel {name} is not configured any more", retryable=False)
        return self._channel_sender(channel)

    def _channel_sender(self, channel: NotificationChannel) -> Sender:
        settings = self._settings
        if channel.type == "sns":
            from app.core import aws

            sns: SNSClient = aws.client("sns", region_name=settings.aws_region)
            return SnsSender(topic_arn=channel.topic_arn or "", client=sns)
        secret = self._secrets.get(channel.name)
        if secret is None or not secret.url:
            raise DeliveryError(
                f"channel {channel.name} has no URL in the notification secrets", retryable=False
            )
        url = _check_url(secret.url, settings, channel.name)
        if channel.type == "slack":
            return SlackSender(url=url, client=self._http)
        if not secret.signing_secret:
            raise DeliveryError(f"channel {channel.name} has no signing_secret", retryable=False)
        return WebhookSender(url=url, signing_secret=secret.signing_secret, client=self._http)
