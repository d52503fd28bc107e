"""The HTTP API: routes to the API Lambda, CORS, throttling, JSON access logs, optional domain."""

from __future__ import annotations

import json

from tests.deploy.terraform import expression, load_module


def test_routes_reach_the_api_lambda() -> None:
    module = load_module()
    assert set(module.locals["api_routes"]) == {
        "ANY /api/{proxy+}",
        "ANY /webhooks/{proxy+}",
        "GET /docs",
        "GET /openapi.json",
        "GET /healthz",
        "GET /readyz",
    }
    route = module.resource("aws_apigatewayv2_route", "api")
    assert expression(route["for_each"]) == "toset(local.api_routes)"
    assert route["target"] == "integrations/${aws_apigatewayv2_integration.api.id}"
    integration = module.resource("aws_apigatewayv2_integration", "api")
    assert expression(integration["integration_uri"]) == "aws_lambda_alias.api.invoke_arn"
    assert integration["payload_format_version"] == "2.0"


def test_lambda_permission_is_scoped_to_this_api() -> None:
    module = load_module()
    permission = module.resource("aws_lambda_permission", "api_from_http_api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["source_arn"] == "${aws_apigatewayv2_api.this.execution_arn}/*/*"


def test_cors_origins_come_from_a_variable() -> None:
    module = load_module()
    api = module.resource("aws_apigatewayv2_api", "this")
    (dynamic,) = api["dynamic"]
    cors = dynamic["cors_configuration"]
    assert expression(cors["content"][0]["allow_origins"]) == "var.cors_allowed_origins"
    assert "*" not in module.variables["cors_allowed_origins"]["default"]


def test_stage_throttles_and_writes_json_access_logs() -> None:
    module = load_module()
    stage = module.resource("aws_apigatewayv2_stage", "this")
    (route_settings,) = stage["default_route_settings"]
    assert module.default(route_settings["throttling_burst_limit"]) > 0
    assert module.default(route_settings["throttling_rate_limit"]) > 0
    (logs,) = stage["access_log_settings"]
    assert expression(logs["destination_arn"]) == "aws_cloudwatch_log_group.api_access.arn"
    assert expression(logs["format"]) == "local.access_log_format"
    log_format = module.locals["access_log_format"]
    # jsonencode({...}) of a literal map: check the keys that make access logs useful.
    assert log_format.startswith("${jsonencode(")
    for field in ("requestId", "status", "routeKey", "responseLatency", "integrationError"):
        assert field in log_format
    assert "$context.requestBody" not in log_format  # bodies can carry plans and keys


def test_custom_domain_is_optional() -> None:
    module = load_module()
    assert module.variables["custom_domain_name"]["default"] is None
    assert (
        expression(module.locals["custom_domain_enabled"])
        == "var.custom_domain_name != null && !var.enable_edge"
    )
    for type_, name in (
        ("aws_acm_certificate", "api"),
        ("aws_acm_certificate_validation", "api"),
        ("aws_apigatewayv2_domain_name", "this"),
        ("aws_apigatewayv2_api_mapping", "this"),
    ):
        assert expression(module.resource(type_, name)["count"]) == "local.custom_domain_enabled ? 1 : 0"
    alias = module.resource("aws_route53_record", "api_alias")
    assert "local.custom_domain_enabled" in str(expression(alias["for_each"]))
    (domain,) = module.resource("aws_apigatewayv2_domain_name", "this")["domain_name_configuration"]
    assert domain["security_policy"] == "TLS_1_2"


def test_dashboard_has_its_own_api_when_enabled() -> None:
    module = load_module()
    assert module.variables["enable_web"]["default"] is False
    for type_ in ("aws_apigatewayv2_api", "aws_apigatewayv2_stage", "aws_apigatewayv2_route"):
        assert expression(module.resource(type_, "web")["count"]) == "var.enable_web ? 1 : 0"
    stage = module.resource("aws_apigatewayv2_stage", "web")
    assert stage["access_log_settings"][0]["format"] == "${local.access_log_format}"


def test_tfvars_are_valid_hcl_json_free() -> None:
    # The dev example opens CORS to the local dashboard only.
    from tests.deploy.terraform import DEPLOY, clean, parse_file

    dev = clean(parse_file(DEPLOY / "env" / "dev.tfvars"))
    assert dev["cors_allowed_origins"] == ["http://localhost:3000"]
    assert json.dumps(dev)
