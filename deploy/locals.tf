locals {
  # Must equal TABLE_NAME_PREFIX in app/core/settings.py (checked by tests/deploy).
  table_name_prefix = "terraform-spacelift-ai-reviewer-reviews"
  table_name        = "${local.table_name_prefix}-${var.environment}"

  name        = "tfreview-${var.environment}"
  package_dir = coalesce(var.package_dir, "${path.module}/../build")
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  # Function names are known before apply, so alarms and log groups can be keyed on them.
  function_names = merge(
    {
      api      = "${local.name}-api"
      reviewer = "${local.name}-reviewer"
      sweep    = "${local.name}-sweep"
    },
    var.enable_web ? { web = "${local.name}-web" } : {},
    var.enable_edge ? { authorizer = "${local.name}-authorizer" } : {},
  )

  # A review IN_PROGRESS this long has lost its reviewer (timed out or crashed): the sweep acts.
  stuck_review_seconds = var.reviewer_timeout_seconds + 60
}

locals {
  # The dashboard server calls the execute-api URL: it works before any custom domain's DNS does.
  # With the edge, API Gateway admits only CloudFront, so it calls the API through the domain.
  api_url = var.enable_edge ? "https://${var.custom_domain_name}" : aws_apigatewayv2_api.this.api_endpoint
}

locals {
  # People's tokens, checked by the API and the edge authorizer with the same settings
  # (app/services/identity.py): TFR_OIDC_AUDIENCE is comma-separated, TFR_OIDC_ROLE_MAP is
  # 'group=role,...'. Without an issuer both are left out (API keys only).
  oidc_audience_setting = var.oidc_issuer == null ? null : join(",", length(var.oidc_audience) > 0 ? var.oidc_audience : compact([var.oidc_client_id]))
  oidc_role_map_setting = var.oidc_issuer == null || length(var.oidc_role_map) == 0 ? null : join(",", [for group, role in var.oidc_role_map : "${group}=${role}"])
}
