# The FastAPI app (Mangum) answering the HTTP API. It stores work and hands it to the reviewer
# with an asynchronous Invoke; it never imports the LLM SDKs (they are not in api.zip).
locals {
  # Values are strings or null; null entries are left out of the function's environment.
  api_environment = {
    TFR_ENV                         = var.environment
    TFR_TABLE_NAME                  = aws_dynamodb_table.this.name
    TFR_AWS_REGION                  = var.aws_region
    TFR_LOG_LEVEL                   = var.log_level
    TFR_DISPATCHER                  = "lambda"
    TFR_REVIEWER_FUNCTION_NAME      = aws_lambda_alias.reviewer.arn
    TFR_REVIEWER_TIMEOUT_SECONDS    = tostring(var.reviewer_timeout_seconds)
    TFR_PLAN_TTL_DAYS               = tostring(var.plan_ttl_days)
    TFR_MAX_BODY_BYTES              = tostring(var.max_body_mb * 1024 * 1024)
    TFR_CORS_ORIGINS                = join(",", var.cors_allowed_origins)
    TFR_API_KEYS_SECRET_ID          = aws_secretsmanager_secret.this["api_keys"].arn
    TFR_SPACELIFT_WEBHOOK_SECRET_ID = aws_secretsmanager_secret.this["spacelift_webhook_secret"].arn
    # The webhook route fetches a plan over Spacelift GraphQL when the delivery carries none.
    TFR_SPACELIFT_API_ENDPOINT      = var.spacelift_api_endpoint
    TFR_SPACELIFT_API_KEY_ID        = var.spacelift_api_key_id
    TFR_SPACELIFT_API_KEY_SECRET_ID = aws_secretsmanager_secret.this["spacelift_api_key"].arn
    # A decision's event is written beside its version (notifications.tf); the sweep sends it.
    TFR_EVENT_BUS_NAME  = var.event_bus_name
    TFR_NOTIFY_CHANNELS = local.notification_channels_json
    TFR_DASHBOARD_URL   = local.notification_dashboard_url
    # People's tokens (deploy/README.md, "Sign-in").
    TFR_OIDC_ISSUER      = var.oidc_issuer
    TFR_OIDC_AUDIENCE    = local.oidc_audience_setting
    TFR_OIDC_ROLES_CLAIM = var.oidc_roles_claim
    TFR_OIDC_ROLE_MAP    = local.oidc_role_map_setting
  }
}

resource "aws_lambda_function" "api" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a DLQ only applies to asynchronous invokes.
  #checkov:skip=CKV_AWS_117:Talks only to AWS APIs and LLM/Spacelift over HTTPS; a VPC would add NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the zip is built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only secret ARNs and settings; a CMK is used when kms_key_arn is set.
  function_name = local.function_names.api
  description   = "tfreview API (FastAPI behind API Gateway)"
  role          = aws_iam_role.api.arn

  runtime       = var.python_runtime
  architectures = [var.lambda_architecture]
  handler       = "app.handler.handler"
  memory_size   = var.api_memory_mb
  timeout       = var.api_timeout_seconds

  filename         = local.deploy_from_s3 ? null : local.package_files["api"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["api"].key : null
  source_code_hash = filebase64sha256(local.package_files["api"])
  publish          = true

  reserved_concurrent_executions = var.api_reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = { for k, v in local.api_environment : k => v if v != null }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda["api"].name
  }

  depends_on = [aws_iam_role_policy.api]
}

# API Gateway invokes the alias, so rolling back is moving the alias (README, "Rollback").
resource "aws_lambda_alias" "api" {
  name             = "live"
  description      = "Version served by API Gateway"
  function_name    = aws_lambda_function.api.function_name
  function_version = coalesce(var.api_pinned_version, aws_lambda_function.api.version)
}

resource "aws_lambda_permission" "api_from_http_api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  qualifier     = aws_lambda_alias.api.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*/*"
}
