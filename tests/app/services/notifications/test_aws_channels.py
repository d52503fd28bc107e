"""Events on EventBridge and messages on SNS, in moto: captured through an EventBridge rule and an SNS
subscription, both into SQS queues, and every captured detail checked against docs/schemas/event-detail.json.

The review runs for real (DynamoDB Local, the engine, review_run.process); only AWS is moto's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from moto import mock_aws

from app.core.settings import Settings
from app.services.container import build_repository, build_sweeper, reviewer_deps
from app.services.dispatch import NullDispatcher
from app.services.review_run import fail, process
from app.services.reviews import ReviewService
from app.storage.models import Actor, Decision, ReviewStatus
from tests.support import simple_plan

pytestmark = [pytest.mark.integration]

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[4] / "docs" / "schemas" / "event-detail.json").read_text()
)
REGION = "eu-west-1"
BUS = "tfreview-events"


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    """A bus with a rule for tfreview events and an SNS topic, each delivering into its own SQS queue."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        sns = boto3.client("sns", region_name=REGION)
        event_queue = sqs.create_queue(QueueName="tfreview-events")["QueueUrl"]
        topic_queue = sqs.create_queue(QueueName="tfreview-topic")["QueueUrl"]

        def arn(url: str) -> str:
            return str(
                sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            )

        events.create_event_bus(Name=BUS)
        events.put_rule(
            Name="all-tfreview", EventBusName=BUS, EventPattern=json.dumps({"source": ["tfreview"]})
        )
        events.put_targets(
            Rule="all-tfreview", EventBusName=BUS, Targets=[{"Id": "q", "Arn": arn(event_queue)}]
        )
        topic = sns.create_topic(Name="tfreview-notifications")["TopicArn"]
        sns.subscribe(
            TopicArn=topic,
            Protocol="sqs",
            Endpoint=arn(topic_queue),
            Attributes={"RawMessageDelivery": "true"},
        )
        yield {"sqs": sqs, "event_queue": event_queue, "topic_queue": topic_queue, "topic": topic}


def drain(sqs: Any, url: str) -> list[str]:
    bodies: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_events_reach_eventbridge_and_sns_and_match_the_schema(
    settings_factory: Any, aws: dict[str, Any]
) -> None:
    channels = [{"name": "ops-topic", "type": "sns", "topic_arn": aws["topic"], "min_level": "MEDIUM"}]
    settings: Settings = settings_factory(
        aws_region=REGION,
        event_bus_name=BUS,
        notify_channels=json.dumps(channels),
        dashboard_url="https://tfr.example.com",
    )
    repository = build_repository(settings)
    reviews = ReviewService(repository, NullDispatcher())
    deps = reviewer_deps(settings, reviews, NullDispatcher())

    completed, _ = reviews.create_review(simple_plan(), title="drop the main DB")
    assert process(deps, {"review_id": completed.id, "version": 1})["status"] == "COMPLETED"
    done = reviews.get(completed.id)
    reviews.update(
        done.id,
        expected_version=done.latest_version,
        actor=Actor(kind="person", subject="alice", name="alice"),
        decision=Decision.REJECTED,
    )

    failing, _ = reviews.create_review(simple_plan(), title="never reviewed")
    claimed = reviews.record(failing, status=ReviewStatus.IN_PROGRESS, started_at=failing.created_at)
    fail(deps, claimed, "reviewer error: KeyError")

    sweeper = build_sweeper(settings)
    assert sweeper.notifier is not None
    sweeper.notifier.deliver_due()  # the decision and the failure: the sweep's to deliver

    envelopes = [json.loads(body) for body in drain(aws["sqs"], aws["event_queue"])]
    kinds = sorted((e["detail-type"], e["detail"]["id"]) for e in envelopes)
    assert kinds == sorted(
        [("Review Completed", done.id), ("Review Decided", done.id), ("Review Failed", failing.id)]
    )
    for envelope in envelopes:
        assert envelope["source"] == "tfreview"
        jsonschema.validate(envelope["detail"], SCHEMA, format_checker=jsonschema.FormatChecker())
        assert "deletion_protection" not in json.dumps(envelope)
    completed_detail = next(e["detail"] for e in envelopes if e["detail-type"] == "Review Completed")
    assert completed_detail["level"] in ("HIGH", "CRITICAL") and completed_detail["counts"]["delete"] == 1
    assert completed_detail["urls"]["review"] == f"https://tfr.example.com/reviews/{done.id}"
    failed_detail = next(e["detail"] for e in envelopes if e["detail-type"] == "Review Failed")
    assert failed_detail["error"] == "reviewer error: KeyError" and failed_detail["level"] is None

    # SNS: the three events too (the topic takes MEDIUM and up, failures and decisions).
    messages = drain(aws["sqs"], aws["topic_queue"])
    assert len(messages) == 3
    for message in messages:
        detail = json.loads(message.rsplit("\n\n", 1)[1])
        jsonschema.validate(detail, SCHEMA)

    # Delivered once: another sweep sends nothing more.
    sweeper.notifier.deliver_due()
    assert drain(aws["sqs"], aws["event_queue"]) == [] and drain(aws["sqs"], aws["topic_queue"]) == []
    records = {(r.kind, r.channel): r for r in _records(repository, done.id)}
    assert {key: r.status for key, r in records.items()} == {
        ("completed", "eventbridge"): "sent",
        ("completed", "ops-topic"): "sent",
        ("decided", "eventbridge"): "sent",
        ("decided", "ops-topic"): "sent",
    }


def _records(repository: Any, review_id: str) -> list[Any]:
    from app.services.notifications.records import notification_records

    return notification_records(repository.outbox, review_id)
