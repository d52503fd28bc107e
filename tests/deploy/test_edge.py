"""The edge (deploy/edge.tf, waf.tf, edge_authorizer.tf) against the app it fronts: the web ACL's
body limits are the API's, its path conditions match the API's routes, CloudFront sends the API's
paths to the API uncached with their credentials, and the authorizer agrees with app/edge.

The rendered regexes are checked on the applied web ACL in test_terraform_apply.py."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any, cast

import pytest

from app.api.reviews import UPDATE_BODY_BYTES
from app.api.webhooks import MAX_WEBHOOK_BODY_BYTES
from app.core.settings import load_settings
from app.edge.authorizer import CREDENTIAL_ROUTES, ORIGIN_HEADER
from app.main import create_app
from app.services.container import Services
from tests.deploy.terraform import DEPLOY, ROOT, clean, expression, load_module, parse_file
from tests.security.test_routes_auth import app_routes

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def evaluate(value: str, max_body_mb: int) -> int:
    """A limit expression of local.edge_body_limits (arithmetic, min()) for one max_body_mb."""
    expr = expression(value)
    assert expr is not None, value
    code = expr.replace("var.max_body_mb", str(max_body_mb))
    assert re.fullmatch(r"[0-9 *+(),min]+", code), f"unexpected expression {expr!r}"
    result = eval(code, {"__builtins__": {}}, {"min": min})  # noqa: S307 - digits, *, min() only
    assert isinstance(result, int)
    return result


def app_limits(max_body_bytes: int) -> dict[str, int]:
    """What the API refuses with 413, per kind of route (app/api/body.py, reviews.py, webhooks.py)."""
    return {
        "any": max_body_bytes,
        "update": min(max_body_bytes, UPDATE_BODY_BYTES),
        "webhook": min(max_body_bytes, MAX_WEBHOOK_BODY_BYTES),
    }


@pytest.mark.parametrize("max_body_mb", [1, 6, 24, 64])
def test_the_web_acl_body_limits_are_the_apis(max_body_mb: int) -> None:
    module = load_module()
    limits = {name: evaluate(value, max_body_mb) for name, value in module.locals["edge_body_limits"].items()}
    # The API Lambda's own limit comes from the same variable.
    api_env = module.locals["api_environment"]
    assert expression(api_env["TFR_MAX_BODY_BYTES"]) == "tostring(var.max_body_mb * 1024 * 1024)"
    assert limits == app_limits(max_body_mb * 1024 * 1024)


def _rules() -> dict[str, dict[str, Any]]:
    acl = load_module().resource("aws_wafv2_web_acl", "this")
    return {rule["name"]: rule for rule in acl["rule"]}


def _statements(rule: dict[str, Any]) -> list[dict[str, Any]]:
    (statement,) = rule["statement"]
    if "and_statement" in statement:
        return [s for block in statement["and_statement"] for s in block["statement"]]
    return [statement]


def _regex_on(rule: dict[str, Any], field: str) -> str:
    for statement in _statements(rule):
        for match in statement.get("regex_match_statement", []):
            if field in match["field_to_match"][0]:
                return str(match["regex_string"])
    raise AssertionError(f"{rule['name']}: no regex on {field}")


def test_each_body_rule_uses_its_limit_on_content_length_and_answers_413() -> None:
    rules = _rules()
    for rule_name, limit_name in [
        ("body-over-update-limit", "update"),
        ("body-over-webhook-limit", "webhook"),
        ("body-over-api-limit", "any"),
    ]:
        rule = rules[rule_name]
        for statement in _statements(rule):
            for match in statement.get("regex_match_statement", []):
                if "single_header" in match["field_to_match"][0]:
                    assert match["field_to_match"][0]["single_header"][0]["name"] == "content-length"
        assert _regex_on(rule, "single_header") == f"${{local.edge_over_limit_patterns.{limit_name}}}"
        response = rule["action"][0]["block"][0]["custom_response"][0]
        assert response["response_code"] == 413


def _api_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves (its routes only: no storage behind them)."""
    settings = load_settings(env="test", spacelift_webhook_secret="x" * 32)
    app = create_app(settings, cast(Services, SimpleNamespace(settings=settings, reviews=None)))
    return app_routes(app)


def test_the_path_conditions_match_the_routes_with_smaller_limits() -> None:
    rules = _rules()
    update_path = re.compile(_regex_on(rules["body-over-update-limit"], "uri_path"))
    (put,) = [s for s in _statements(rules["body-over-update-limit"]) if "byte_match_statement" in s]
    assert put["byte_match_statement"][0]["search_string"] == "PUT"
    (webhook,) = [s for s in _statements(rules["body-over-webhook-limit"]) if "byte_match_statement" in s]
    prefix = webhook["byte_match_statement"][0]["search_string"]
    assert webhook["byte_match_statement"][0]["positional_constraint"] == "STARTS_WITH"
    seen = set()
    for method, path in _api_routes():
        example = re.sub(r"\{[^}]+\}", "01JB3Y8ZK6T8W9X0ABCDEFGHJK", path)
        if method == "PUT" and path.startswith("/api/reviews/"):
            # Every PUT on a review is an update with the 64 KiB limit; nothing else is.
            assert update_path.match(example), path
            seen.add("update")
        elif update_path.match(example):
            assert method != "PUT", path
        if path.startswith("/webhooks/"):
            assert example.startswith(prefix)
            seen.add("webhook")
        else:
            assert not example.startswith(prefix), path
    assert seen == {"update", "webhook"}


def _cloudfront_matches(pattern: str, path: str) -> bool:
    """CloudFront path patterns: * is any run of characters, ? one character, case-sensitive."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), path) is not None


def test_every_api_route_is_sent_to_the_api_origin() -> None:
    module = load_module()
    patterns = module.locals["edge_api_paths"]
    gateway_paths = {route.split(" ", 1)[1].replace("{proxy+}", "x") for route in module.locals["api_routes"]}
    app_paths = {path for _, path in _api_routes() if path.startswith(("/api/", "/webhooks/"))}
    assert app_paths, "no /api or /webhooks routes found"
    for path in app_paths | gateway_paths:
        assert any(_cloudfront_matches(p, path) for p in patterns), path


def test_api_behaviours_are_uncached_forward_credentials_and_need_https() -> None:
    module = load_module()
    distribution = module.resource("aws_cloudfront_distribution", "this")
    api = [d["ordered_cache_behavior"] for d in distribution["dynamic"] if "ordered_cache_behavior" in d]
    api_behaviour = next(b for b in api if expression(b["for_each"]) == "local.edge_api_paths")["content"][0]
    assert api_behaviour["target_origin_id"] == "api"
    assert api_behaviour["viewer_protocol_policy"] == "https-only"
    policies = module.locals
    assert expression(api_behaviour["cache_policy_id"]) == "local.managed_cache_policy.caching_disabled"
    assert policies["managed_cache_policy"]["caching_disabled"] == CACHING_DISABLED
    assert (
        expression(api_behaviour["origin_request_policy_id"])
        == "local.managed_origin_request_policy_all_viewer_except_host"
    )
    assert policies["managed_origin_request_policy_all_viewer_except_host"] == ALL_VIEWER_EXCEPT_HOST
    assert {"PUT", "POST", "PATCH", "DELETE"} <= set(api_behaviour["allowed_methods"])
    default = distribution["default_cache_behavior"][0]
    assert default["cache_policy_id"] == "${local.managed_cache_policy.caching_disabled}"
    assert default["viewer_protocol_policy"] in ("https-only", "redirect-to-https")
    (certificate,) = distribution["viewer_certificate"]
    assert certificate["minimum_protocol_version"] == "TLSv1.2_2021"
    assert certificate["ssl_support_method"] == "sni-only"
    assert expression(distribution["web_acl_id"]) == "aws_wafv2_web_acl.this[0].arn"
    for behaviour in [default, api_behaviour]:
        assert behaviour["response_headers_policy_id"] == "${local.managed_response_headers_policy_security}"


def test_both_origins_get_the_origin_header_over_tls_only() -> None:
    module = load_module()
    assert module.locals["origin_header"] == ORIGIN_HEADER
    distribution = module.resource("aws_cloudfront_distribution", "this")
    origins = list(distribution["origin"]) + [
        d["origin"]["content"][0] for d in distribution["dynamic"] if "origin" in d
    ]
    assert {o["origin_id"] for o in origins} == {"api", "web"}
    for origin in origins:
        headers = {expression(h["name"]) or h["name"]: h["value"] for h in origin["custom_header"]}
        assert expression(headers["local.origin_header"]) == (
            "terraform_data.origin_secret[local.origin_secret_slot].output"
        )
        if origin["origin_id"] == "web":
            # The dashboard's CSRF check compares Origin with the host the browser addressed.
            assert expression(headers["X-Forwarded-Host"]) == "var.custom_domain_name"
        (config,) = origin["custom_origin_config"]
        assert config["origin_protocol_policy"] == "https-only"
        assert config["origin_ssl_protocols"] == ["TLSv1.2"]


def test_the_authorizer_guards_every_route_and_asks_for_credentials_on_the_apis() -> None:
    module = load_module()
    assert set(module.locals["authorizer_credential_routes"]) == CREDENTIAL_ROUTES
    assert set(module.locals["api_routes"]) >= CREDENTIAL_ROUTES
    for name in ("api", "default"):
        route = module.resource("aws_apigatewayv2_route", name)
        assert expression(route["authorization_type"]) == 'local.edge_enabled ? "CUSTOM" : "NONE"'
    assert (
        "aws_apigatewayv2_authorizer.caller[0].id"
        in module.resource("aws_apigatewayv2_route", "api")["authorizer_id"]
    )
    web_route = module.resource("aws_apigatewayv2_route", "web")
    assert (
        expression(web_route["authorizer_id"])
        == "local.edge_enabled ? aws_apigatewayv2_authorizer.web[0].id : null"
    )
    for name in ("origin", "caller", "web"):
        authorizer = module.resource("aws_apigatewayv2_authorizer", name)
        assert authorizer["authorizer_type"] == "REQUEST"
        assert authorizer["enable_simple_responses"] is True
        # A request without the header is refused by API Gateway without invoking the function.
        assert authorizer["identity_sources"][0] == "$request.header.${local.origin_header}"
    assert module.resource("aws_apigatewayv2_authorizer", "caller")["identity_sources"][1] == (
        "$request.header.Authorization"
    )


def test_managed_rule_groups_rate_rule_and_redacted_logs() -> None:
    rules = _rules()
    groups = {
        s["managed_rule_group_statement"][0]["name"]
        for rule in rules.values()
        for s in rule["statement"]
        if "managed_rule_group_statement" in s
    }
    assert groups == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesAnonymousIpList",
    }
    rate = rules["rate-per-ip"]["statement"][0]["rate_based_statement"][0]
    assert expression(rate["limit"]) == "var.waf_rate_limit" and rate["aggregate_key_type"] == "IP"
    logging = load_module().resource("aws_wafv2_web_acl_logging_configuration", "this")
    redacted = {r["single_header"][0]["name"] for r in logging["redacted_fields"]}
    assert redacted == {"authorization", "cookie"}
    acl = load_module().resource("aws_wafv2_web_acl", "this")
    assert acl["scope"] == "CLOUDFRONT" and acl["provider"] == "${aws.us_east_1}"


def _tfvars(name: str) -> dict[str, Any]:
    return dict(clean(parse_file(DEPLOY / "env" / name)))


def test_prod_tfvars_ship_the_edge_and_sign_in() -> None:
    prod = _tfvars("prod.tfvars")
    assert prod["enable_edge"] is True and prod["custom_domain_name"]
    if prod.get("enable_web"):
        assert prod.get("oidc_issuer", "").startswith("https://") and prod.get("oidc_client_id")


def test_dev_tfvars_stay_cheap() -> None:
    dev = _tfvars("dev.tfvars")
    assert not dev.get("enable_edge", False) and not dev.get("waf_logging_enabled", False)
    if dev.get("enable_web"):
        assert dev.get("oidc_issuer") and dev.get("oidc_client_id")


def test_a_dashboard_without_sign_in_is_refused_by_validation() -> None:
    web = load_module().variables["enable_web"]
    conditions = [v["condition"] for v in web["validation"]]
    assert any("var.oidc_issuer != null" in c and "var.oidc_client_id != null" in c for c in conditions)


def dashboard_paths() -> list[str]:
    """URL paths of the dashboard's pages and route handlers (web/app), route groups dropped."""
    app_dir = ROOT / "web" / "app"
    paths = []
    for file in sorted(app_dir.rglob("*")):
        if file.name not in ("page.tsx", "route.ts") or "node_modules" in file.parts:
            continue
        parts = [
            p for p in file.parent.relative_to(app_dir).parts if not (p.startswith("(") and p.endswith(")"))
        ]
        paths.append("/" + "/".join(re.sub(r"^\[+\.*([^\]]+)\]+$", r"x-\1", p) for p in parts))
    return paths


def test_no_dashboard_page_or_handler_lives_under_an_api_path() -> None:
    """On the one domain CloudFront sends the API's paths to the API: a dashboard route there would
    be unreachable (its browser calls go to /ui-api/*)."""
    paths = dashboard_paths()
    if not paths:
        pytest.skip("web/app not present")
    assert any(p.startswith("/ui-api/") for p in paths)
    patterns = load_module().locals["edge_api_paths"]
    shadowed = [p for p in paths if any(_cloudfront_matches(pattern, p) for pattern in patterns)]
    assert shadowed == []


def test_the_api_and_the_authorizer_check_tokens_with_the_same_settings() -> None:
    module = load_module()
    api = {k: v for k, v in module.locals["api_environment"].items() if k.startswith("TFR_OIDC_")}
    authorizer = {
        k: v for k, v in module.locals["authorizer_environment"].items() if k.startswith("TFR_OIDC_")
    }
    assert set(api) == {"TFR_OIDC_ISSUER", "TFR_OIDC_AUDIENCE", "TFR_OIDC_ROLES_CLAIM", "TFR_OIDC_ROLE_MAP"}
    assert authorizer == api
