"""Messages are made from the event detail alone: Slack text is escaped, the SNS subject fits, the
webhook signature verifies like a Spacelift one, and no plan value or secret can get in."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.core.settings import load_settings
from app.services.notifications.events import event_detail
from app.services.notifications.messages import (
    signature,
    slack_message,
    sns_message,
    sns_subject,
    webhook_body,
)
from app.storage.models import Review
from webhook.signature import SignatureStatus, SignatureVerifier

SECRET_VALUE = "AKIAIOSFODNN7EXAMPLE"


def review(**extra: Any) -> Review:
    data: dict[str, Any] = {
        "id": "01JAAAAAAAAAAAAAAAAAAAAAAA",
        "version": 4,
        "latest_version": 4,
        "status": "COMPLETED",
        "title": "prod <!channel> & friends",
        "plan": {"sha256": "0" * 64, "bytes": 1},
        "risk": {"score": 80, "level": "HIGH"},
        "findings": [
            {
                "rule_id": "rds.deleted",
                "title": "Database destroyed",
                "severity": "HIGH",
                "category": "change",
                "address": "aws_db_instance.main",
                "message": f"password {SECRET_VALUE} in the old value",
                "introduced": True,
            }
        ],
        "ai": {
            "status": "ok",
            "summary_md": "Deletes <script>x</script> the DB.\n\nSecond paragraph.",
            "provider": "fake",
        },
        "spacelift": {
            "stack_id": "prod-db",
            "run_id": "01RUN",
            "run_url": "https://acme.app.spacelift.io/stack/prod-db/run/01RUN",
        },
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    data.update(extra)
    return Review.model_validate(data)


def detail() -> dict[str, Any]:
    settings = load_settings(env="test", dashboard_url="https://tfr.example.com/")
    return event_detail(settings, review(), "completed", datetime(2026, 1, 1, tzinfo=UTC))


def test_no_finding_message_or_secret_reaches_a_message() -> None:
    data = detail()
    for text in (json.dumps(slack_message(data)), sns_message(data), json.dumps(data)):
        assert SECRET_VALUE not in text and "password" not in text
    assert data["top_findings"] == [
        {
            "rule_id": "rds.deleted",
            "severity": "HIGH",
            "title": "Database destroyed",
            "address": "`aws_db_instance.main`",  # inert like the report: a linkable word is code
        }
    ]


def test_ai_text_and_titles_are_inert() -> None:
    data = detail()
    assert (
        data["ai_summary"] == "Deletes \\<script\\>x\\</script\\> the DB."
    )  # first paragraph, escaped like the report (reviewer/engine/reports/inert.py)
    slack = json.dumps(slack_message(data))
    assert "<!channel>" not in slack and "<script>" not in slack
    assert "<https://tfr.example.com/reviews/01JAAAAAAAAAAAAAAAAAAAAAAA|Open review>" in slack
    assert "<https://acme.app.spacelift.io/stack/prod-db/run/01RUN|Spacelift run>" in slack


def test_sns_subject_is_short_ascii() -> None:
    subject = sns_subject({**detail(), "title": "é" * 300})
    assert len(subject) <= 100 and subject.isascii()


def test_webhook_signature_verifies_like_spacelifts() -> None:
    body = webhook_body(detail(), delivery_id="d-1", idempotency_key="k", timestamp=1)
    header = signature("s3cret", body)
    assert SignatureVerifier(["s3cret"]).verify(body, header) is SignatureStatus.VALID
    assert SignatureVerifier(["other"]).verify(body, header) is not SignatureStatus.VALID


def test_messages_say_the_verdict_in_words_without_rule_ids() -> None:
    words = "Not safe to apply without review: destroys a database <!channel> without a final snapshot."
    risk = {
        "score": 80,
        "level": "HIGH",
        "verdict": words,
        "why": [
            {
                "concern": "data",
                "title": "Data",
                "severity": "HIGH",
                "text": "destroys a database without a final snapshot (aws_db_instance.main).",
                "resources": 1,
                "addresses": ["aws_db_instance.main"],
                "rule_ids": ["TFR-CHG-001", "TFR-CHG-007"],
            }
        ],
    }
    settings = load_settings(env="test", dashboard_url="https://tfr.example.com/")
    data = event_detail(settings, review(risk=risk), "completed", datetime(2026, 1, 1, tzinfo=UTC))
    assert data["verdict"] == words.replace("<", "\\<").replace(">", "\\>")
    assert data["why"] == [
        {
            "concern": "data",
            "title": "Data",
            "severity": "HIGH",
            "text": "destroys a database without a final snapshot (`aws_db_instance.main`).",
            "rule_ids": ["TFR-CHG-001", "TFR-CHG-007"],
        }
    ]
    slack = slack_message(data)
    texts = [b["text"]["text"] for b in slack["blocks"] if b["type"] == "section"]
    assert texts[1].startswith("*Not safe to apply without review: destroys a database")
    assert "&lt;!channel" in texts[1] and "<!channel>" not in json.dumps(slack)
    assert "• *Data:* destroys a database without a final snapshot" in texts[3]
    assert not any("TFR-" in text or "rds.deleted" in text for text in texts)
    sns = sns_message(data).split("\n\n{")[0]
    assert "Why:\n- Data: destroys a database without a final snapshot" in sns
    assert "TFR-" not in sns.split("Why:")[1].split("http")[0]


def test_an_event_stored_before_the_verdict_lists_its_top_findings() -> None:
    data = detail()
    assert data["verdict"] is None and data["why"] == []
    assert "rds.deleted" in sns_message(data).split("\n\n{")[0]


def test_slack_sections_stay_within_slacks_limit_with_every_reason_long() -> None:
    # Slack refuses the whole message (invalid_blocks) when a section's text passes 3,000 characters.
    address = 'module.payments["<&>"].aws_security_group.' + "x" * 40
    text = "opens SSH to the internet (" + ", ".join([address] * 10) + ")."
    reason = {"title": "Network exposure", "severity": "HIGH", "text": text, "rule_ids": ["TFR-AWS-NET-001"]}
    why = [{**reason, "concern": f"c{i}"} for i in range(8)]
    risk = {
        "score": 90,
        "level": "CRITICAL",
        "verdict": "Not safe to apply without review: " + text,
        "why": why,
    }
    settings = load_settings(env="test")
    data = event_detail(settings, review(risk=risk), "completed", datetime(2026, 1, 1, tzinfo=UTC))
    assert len(data["why"]) == 8
    texts = [b["text"]["text"] for b in slack_message(data)["blocks"] if b["type"] == "section"]
    assert max(len(t) for t in texts) <= 3000
    said = "\n".join(texts)
    assert said.count("• *Network exposure:*") == 8 and "<&>" not in said
