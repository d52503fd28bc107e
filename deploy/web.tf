# The dashboard: the Next.js standalone server on Lambda, run by the AWS Lambda Web Adapter layer,
# behind its own HTTP API. deploy/web/run.sh starts deploy/web/lambda-start.cjs, which reads the
# sign-in secrets (OIDC client secret, session key) from Secrets Manager into the environment and
# then loads server.js: they are never in Terraform. The dashboard holds no API key of its own; its
# server-side /ui-api/* routes forward the signed-in person's token to the API.
locals {
  web_adapter_layer_arn = format(
    "arn:%s:lambda:%s:753240598075:layer:%s:%d",
    local.partition,
    var.aws_region,
    var.web_architecture == "arm64" ? "LambdaAdapterLayerArm64" : "LambdaAdapterLayerX86",
    var.web_adapter_layer_version,
  )
}

resource "aws_lambda_function" "web" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by API Gateway; a DLQ only applies to asynchronous invokes.
  #checkov:skip=CKV_AWS_117:Calls only the tfreview HTTP API and Secrets Manager over HTTPS; a VPC would add NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only the secret ARN and the API URL; a CMK is used when kms_key_arn is set.
  #checkov:skip=CKV_AWS_115:The dashboard is bounded by the HTTP API stage throttling; reserving concurrency would take it from the account pool.
  count = var.enable_web ? 1 : 0

  function_name = local.function_names.web
  description   = "tfreview dashboard (Next.js standalone + Lambda Web Adapter)"
  role          = aws_iam_role.web[0].arn

  runtime       = "nodejs22.x"
  architectures = [var.web_architecture]
  handler       = "run.sh"
  layers        = [local.web_adapter_layer_arn]
  memory_size   = var.web_memory_mb
  timeout       = 30

  filename         = local.deploy_from_s3 ? null : local.package_files["web"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["web"].key : null
  source_code_hash = filebase64sha256(local.package_files["web"])

  kms_key_arn = var.kms_key_arn

  environment {
    variables = {
      AWS_LAMBDA_EXEC_WRAPPER          = "/opt/bootstrap"
      AWS_LWA_PORT                     = "3000"
      AWS_LWA_READINESS_CHECK_PROTOCOL = "tcp"
      NODE_ENV                         = "production"
      TFR_API_URL                      = local.api_url
      # Sign-in; deploy/web/lambda-start.cjs reads the two secrets into TFR_OIDC_CLIENT_SECRET
      # and TFR_SESSION_SECRET at start.
      TFR_OIDC_ISSUER                  = var.oidc_issuer
      TFR_OIDC_CLIENT_ID               = var.oidc_client_id
      TFR_OIDC_CLIENT_SECRET_SECRET_ID = aws_secretsmanager_secret.this["oidc_client_secret"].arn
      TFR_SESSION_SECRET_SECRET_ID     = aws_secretsmanager_secret.this["session_secret"].arn
      TFR_PUBLIC_URL                   = coalesce(local.edge_url, aws_apigatewayv2_api.web[0].api_endpoint)
    }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda["web"].name
  }

  depends_on = [aws_iam_role_policy.web]
}

resource "aws_lambda_permission" "web_from_http_api" {
  count = var.enable_web ? 1 : 0

  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.web[0].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.web[0].execution_arn}/*/*"
}

resource "aws_apigatewayv2_api" "web" {
  count = var.enable_web ? 1 : 0

  name          = "${local.name}-web"
  description   = "tfreview dashboard"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "web" {
  count = var.enable_web ? 1 : 0

  api_id                 = aws_apigatewayv2_api.web[0].id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.web[0].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "web" {
  #checkov:skip=CKV_AWS_309:People sign in to the dashboard itself (OIDC, required with enable_web); with the edge the origin header is checked here first.
  count = var.enable_web ? 1 : 0

  api_id    = aws_apigatewayv2_api.web[0].id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.web[0].id}"

  authorization_type = local.edge_enabled ? "CUSTOM" : "NONE"
  authorizer_id      = local.edge_enabled ? aws_apigatewayv2_authorizer.web[0].id : null
}

resource "aws_apigatewayv2_stage" "web" {
  count = var.enable_web ? 1 : 0

  api_id      = aws_apigatewayv2_api.web[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.web_access[0].arn
    format          = local.access_log_format
  }
}
