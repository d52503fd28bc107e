"""API Gateway, CloudFront, IAM user keys and GCP VM rules beyond the posture cases: severities, exclusions, words."""

from __future__ import annotations

from typing import Any

from reviewer.engine import review_plan
from reviewer.engine.results import Finding, Severity
from tests.reviewer.engine.plans import change, plan

DEFAULT_SA = "123-compute@developer.gserviceaccount.com"


def found(rule_id: str, rtype: str, after: dict[str, Any]) -> list[Finding]:
    return [f for f in review_plan(plan(change(rtype, after))).result.findings if f.rule_id == rule_id]


def test_the_default_service_account_with_full_api_access_is_high() -> None:
    full = {
        "service_account": [
            {"email": DEFAULT_SA, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}
        ]
    }
    [hit] = found("TFR-GCP-VM-001", "google_compute_instance", full)
    assert hit.severity is Severity.HIGH and "cloud-platform" in hit.message
    narrow = {
        "service_account": [
            {"email": DEFAULT_SA, "scopes": ["https://www.googleapis.com/auth/logging.write"]}
        ]
    }
    assert found("TFR-GCP-VM-001", "google_compute_instance", narrow)[0].severity is Severity.MEDIUM
    assert found("TFR-GCP-VM-001", "google_compute_instance", {"name": "no-account"}) == []


def test_serial_console_on_the_project_names_every_vm() -> None:
    [hit] = found(
        "TFR-GCP-VM-002", "google_compute_project_metadata", {"metadata": {"serial-port-enable": "true"}}
    )
    assert "every VM of the project" in hit.message


def test_cors_preflight_and_keyed_methods_are_not_open_methods() -> None:
    assert (
        found(
            "TFR-AWS-APIGW-001", "aws_api_gateway_method", {"http_method": "OPTIONS", "authorization": "NONE"}
        )
        == []
    )
    keyed = {"http_method": "GET", "authorization": "NONE", "api_key_required": True}
    assert found("TFR-AWS-APIGW-001", "aws_api_gateway_method", keyed) == []
    route = {"route_key": "POST /orders", "authorization_type": "NONE"}
    [hit] = found("TFR-AWS-APIGW-001", "aws_apigatewayv2_route", route)
    assert "POST /orders" in hit.message
    assert found("TFR-AWS-APIGW-001", "aws_apigatewayv2_route", {**route, "authorization_type": "JWT"}) == []
    assert (
        found(
            "TFR-AWS-APIGW-001",
            "aws_apigatewayv2_route",
            {"route_key": "OPTIONS /x", "authorization_type": "NONE"},
        )
        == []
    )


def test_every_plain_http_cache_behavior_is_named() -> None:
    distribution = {
        "default_cache_behavior": [{"viewer_protocol_policy": "https-only"}],
        "ordered_cache_behavior": [
            {"path_pattern": "/static/*", "viewer_protocol_policy": "allow-all"},
            {"path_pattern": "/api/*", "viewer_protocol_policy": "redirect-to-https"},
        ],
    }
    [hit] = found("TFR-AWS-CF-001", "aws_cloudfront_distribution", distribution)
    assert (
        "path /static/*" in hit.message
        and hit.attribute == "ordered_cache_behavior[0].viewer_protocol_policy"
    )


def test_an_access_key_encrypted_with_pgp_does_not_sit_in_clear_in_the_state() -> None:
    [clear] = found("TFR-AWS-USER-001", "aws_iam_access_key", {"user": "ci", "status": "Active"})
    assert "clear text in the state" in clear.message
    [pgp] = found(
        "TFR-AWS-USER-001", "aws_iam_access_key", {"user": "ci", "status": "Active", "pgp_key": "keybase:ci"}
    )
    assert "clear text" not in pgp.message


def test_verdicts_say_what_opens() -> None:
    # Before: each read "Safe to apply: 1 new resource, no risky change."
    cases: list[tuple[str, dict[str, Any]]] = [
        (
            "google_compute_instance",
            {"service_account": [{"email": DEFAULT_SA, "scopes": ["cloud-platform"]}]},
        ),
        ("aws_api_gateway_method", {"http_method": "POST", "authorization": "NONE"}),
        (
            "aws_cloudfront_distribution",
            {"default_cache_behavior": [{"viewer_protocol_policy": "allow-all"}]},
        ),
        ("aws_iam_access_key", {"user": "ci", "status": "Active"}),
    ]
    assert [review_plan(plan(change(rtype, after))).result.risk.verdict for rtype, after in cases] == [
        "Not safe to apply without review: runs a server as the default service account.",
        "Review before applying: leaves an API open without authorization.",
        "Review before applying: serves a CDN distribution over plain HTTP.",
        "Review before applying: creates a long-lived access key for an IAM user.",
    ]


def test_search_and_kafka_encryption_gaps_are_each_named() -> None:
    domain = {"domain_name": "logs", "node_to_node_encryption": [{"enabled": False}],
              "domain_endpoint_options": [{"enforce_https": False}]}  # fmt: skip
    hits = found("TFR-AWS-OS-001", "aws_elasticsearch_domain", domain)
    assert sorted(h.attribute or "" for h in hits) == [
        "domain_endpoint_options.enforce_https",
        "encrypt_at_rest.enabled",  # absent: the API's default is off
        "node_to_node_encryption.enabled",
    ]
    # No endpoint options block: HTTPS enforcement is not assumed either way.
    quiet = {
        "domain_name": "logs",
        "encrypt_at_rest": [{"enabled": True}],
        "node_to_node_encryption": [{"enabled": True}],
    }
    assert found("TFR-AWS-OS-001", "aws_opensearch_domain", quiet) == []
    transit = {"client_broker": "TLS_PLAINTEXT", "in_cluster": False}
    hits = found(
        "TFR-AWS-MSK-001", "aws_msk_cluster", {"encryption_info": [{"encryption_in_transit": [transit]}]}
    )
    assert [h.attribute for h in hits] == [
        "encryption_info.encryption_in_transit.client_broker",
        "encryption_info.encryption_in_transit.in_cluster",
    ]
    result = review_plan(
        plan(change("aws_msk_cluster", {"encryption_info": [{"encryption_in_transit": [transit]}]}))
    ).result
    assert result.risk.verdict == "Review before applying: sends the messages of a Kafka cluster unencrypted."
