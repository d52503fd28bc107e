"""Alarms on what breaks (DESIGN.md §7) go to one SNS topic, with an optional e-mail."""

from __future__ import annotations

from tests.deploy.terraform import expression, load_module


def alarm(name: str):
    return load_module().resource("aws_cloudwatch_metric_alarm", name)


def test_every_alarm_notifies_the_topic() -> None:
    module = load_module()
    alarms = module.of_type("aws_cloudwatch_metric_alarm")
    assert len(alarms) >= 7
    assert module.locals["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"]
    for name, body in alarms.items():
        assert expression(body["alarm_actions"]) == "local.alarm_actions", name
        assert body["treat_missing_data"] == "notBreaching", name
        assert body.get("alarm_description"), name


def test_lambda_errors_and_throttles_for_every_function() -> None:
    for name, metric in (("lambda_errors", "Errors"), ("lambda_throttles", "Throttles")):
        body = alarm(name)
        assert expression(body["for_each"]) == "local.function_names"
        assert body["namespace"] == "AWS/Lambda"
        assert body["metric_name"] == metric


def test_api_5xx_and_p99_latency() -> None:
    errors = alarm("api_5xx")
    assert (errors["namespace"], errors["metric_name"]) == ("AWS/ApiGateway", "5xx")
    latency = alarm("api_latency_p99")
    assert (latency["metric_name"], latency["extended_statistic"]) == ("Latency", "p99")


def test_dynamodb_throttles() -> None:
    body = alarm("dynamodb_throttles")
    metrics = {q["metric"][0]["metric_name"] for q in body["metric_query"] if "metric" in q}
    assert metrics == {"ReadThrottleEvents", "WriteThrottleEvents"}


def test_on_failure_queue_depth_above_zero() -> None:
    body = alarm("reviewer_failures_queue")
    assert body["metric_name"] == "ApproximateNumberOfMessagesVisible"
    assert body["threshold"] == 0
    assert body["comparison_operator"] == "GreaterThanThreshold"


def test_reviews_failed_metric_matches_what_the_app_emits() -> None:
    import inspect

    from app.core import logging as app_logging

    body = alarm("reviews_failed")
    signature = inspect.signature(app_logging.emit_metric)
    assert body["namespace"] == signature.parameters["namespace"].default == "tfreview"
    assert body["metric_name"] == "ReviewsFailed"
    assert body["dimensions"] == {"Environment": "${var.environment}"}
    assert '"Dimensions": [["Environment"]]' in inspect.getsource(app_logging.emit_metric)


def test_alarm_email_is_optional() -> None:
    module = load_module()
    assert module.variables["alarm_email"]["default"] is None
    subscription = module.resource("aws_sns_topic_subscription", "alarm_email")
    assert expression(subscription["count"]) == "var.alarm_email == null ? 0 : 1"
