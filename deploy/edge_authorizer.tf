# With the edge, API Gateway answers only requests that came through CloudFront: a Lambda REQUEST
# authorizer (app/edge/handler.py, shipped in api.zip) on every route of both HTTP APIs checks the
# origin header against the origin secret, and on /api/* also that the caller presents a valid
# API key or user token (the app checks scope and role again). A JWT authorizer cannot do this:
# machine clients send API keys on the same routes as people's tokens.
locals {
  authorizer_environment = {
    TFR_ENV              = var.environment
    TFR_AWS_REGION       = var.aws_region
    TFR_LOG_LEVEL        = var.log_level
    TFR_ORIGIN_SECRET_ID = one(aws_secretsmanager_secret.origin[*].arn)
    # The same key hashes the API reads; a key is accepted here exactly when the API knows it.
    TFR_API_KEYS_SECRET_ID = aws_secretsmanager_secret.this["api_keys"].arn
    # People's tokens: the same check as the API's.
    TFR_OIDC_ISSUER      = var.oidc_issuer
    TFR_OIDC_AUDIENCE    = local.oidc_audience_setting
    TFR_OIDC_ROLES_CLAIM = var.oidc_roles_claim
    TFR_OIDC_ROLE_MAP    = local.oidc_role_map_setting
  }

  # API Gateway caches an answer per identity-source values for this long; the app authorises
  # every request again, so a revoked key or an expired token gets no further than the app.
  authorizer_cache_seconds = 300

  # Routes that need a caller's credential besides the origin header (the app's /api/*).
  authorizer_credential_routes = ["ANY /api/{proxy+}"]
}

resource "aws_lambda_function" "authorizer" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a DLQ only applies to asynchronous invokes.
  #checkov:skip=CKV_AWS_117:Calls only Secrets Manager and the identity provider's JWKS over HTTPS; a VPC would add NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the zip is built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only secret ARNs and settings; a CMK is used when kms_key_arn is set.
  #checkov:skip=CKV_AWS_115:Bounded by the HTTP API stage throttling and the web ACL's rate rule; reserving concurrency would take it from the account pool.
  count = local.edge_enabled ? 1 : 0

  function_name = local.function_names.authorizer
  description   = "tfreview edge authorizer (origin header, API key or user token)"
  role          = aws_iam_role.authorizer[0].arn

  runtime       = var.python_runtime
  architectures = [var.lambda_architecture]
  handler       = "app.edge.handler.handler"
  memory_size   = 256
  timeout       = 10

  filename         = local.deploy_from_s3 ? null : local.package_files["api"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["api"].key : null
  source_code_hash = filebase64sha256(local.package_files["api"])

  kms_key_arn = var.kms_key_arn

  environment {
    variables = { for k, v in local.authorizer_environment : k => v if v != null }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda["authorizer"].name
  }

  depends_on = [aws_iam_role_policy.authorizer]
}

resource "aws_apigatewayv2_authorizer" "origin" {
  count = local.edge_enabled ? 1 : 0

  api_id                            = aws_apigatewayv2_api.this.id
  name                              = "origin"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.authorizer[0].invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  # A request without the header gets 401 from API Gateway without invoking the function.
  identity_sources                 = ["$request.header.${local.origin_header}"]
  authorizer_result_ttl_in_seconds = local.authorizer_cache_seconds
}

resource "aws_apigatewayv2_authorizer" "caller" {
  count = local.edge_enabled ? 1 : 0

  api_id                            = aws_apigatewayv2_api.this.id
  name                              = "caller"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.authorizer[0].invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.${local.origin_header}", "$request.header.Authorization"]
  authorizer_result_ttl_in_seconds  = local.authorizer_cache_seconds
}

resource "aws_apigatewayv2_authorizer" "web" {
  count = local.edge_enabled && var.enable_web ? 1 : 0

  api_id                            = aws_apigatewayv2_api.web[0].id
  name                              = "origin"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.authorizer[0].invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.${local.origin_header}"]
  authorizer_result_ttl_in_seconds  = local.authorizer_cache_seconds
}

resource "aws_lambda_permission" "authorizer_from_http_api" {
  for_each = local.edge_enabled ? merge(
    { api = aws_apigatewayv2_api.this.execution_arn },
    var.enable_web ? { web = aws_apigatewayv2_api.web[0].execution_arn } : {},
  ) : {}

  statement_id  = "AllowAuthorizerFrom${title(each.key)}Api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authorizer[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${each.value}/authorizers/*"
}
