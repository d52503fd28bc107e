# The reviewer: invoked asynchronously by the API with {review_id, version}; runs the rules and
# the LLM and stores the result. Failed events (after the bounded retries) land in an SQS queue.
locals {
  # Values are strings or null; null entries are left out of the function's environment.
  reviewer_environment = {
    TFR_ENV                         = var.environment
    TFR_TABLE_NAME                  = aws_dynamodb_table.this.name
    TFR_AWS_REGION                  = var.aws_region
    TFR_LOG_LEVEL                   = var.log_level
    TFR_DISPATCHER                  = "none"
    TFR_REVIEWER_TIMEOUT_SECONDS    = tostring(var.reviewer_timeout_seconds)
    TFR_STORE_RETRY_SECONDS         = tostring(var.store_retry_seconds)
    TFR_PLAN_TTL_DAYS               = tostring(var.plan_ttl_days)
    TFR_LLM_PROVIDER                = var.llm_provider
    TFR_LLM_MODEL                   = var.llm_model
    TFR_LLM_FALLBACKS               = join(",", var.llm_fallbacks)
    TFR_LLM_BASE_URL                = var.llm_base_url
    TFR_OPENAI_API_KEY_SECRET_ID    = aws_secretsmanager_secret.this["openai_api_key"].arn
    TFR_ANTHROPIC_API_KEY_SECRET_ID = aws_secretsmanager_secret.this["anthropic_api_key"].arn
    TFR_SPACELIFT_API_ENDPOINT      = var.spacelift_api_endpoint
    TFR_SPACELIFT_API_KEY_ID        = var.spacelift_api_key_id
    TFR_SPACELIFT_API_KEY_SECRET_ID = aws_secretsmanager_secret.this["spacelift_api_key"].arn
    TFR_SPACELIFT_WRITE_COMMENT     = tostring(var.spacelift_write_comment)
    TFR_SPACELIFT_WRITE_REVIEW      = tostring(var.spacelift_write_review)
    TFR_POLICY_PATHS                = join(",", var.reviewer_policy_paths)
    # Sends a review's events right after its final write (notifications.tf).
    TFR_EVENT_BUS_NAME           = var.event_bus_name
    TFR_NOTIFY_CHANNELS          = local.notification_channels_json
    TFR_NOTIFY_SECRETS_SECRET_ID = aws_secretsmanager_secret.this["notifications"].arn
    TFR_DASHBOARD_URL            = local.notification_dashboard_url
  }
}

# The reviewer's big native dependency (bpe-openai's tokenizer, 37 MB zipped) as a layer, unpacked
# under /opt/python (on sys.path): with it inside, reviewer.zip would pass the 50 MB direct-upload
# limit; split, both upload directly and carry bytecode compiled for the runtime.
resource "aws_lambda_layer_version" "reviewer_deps" {
  layer_name               = "${local.name}-reviewer-deps"
  description              = "tfreview reviewer dependencies (bpe-openai)"
  compatible_runtimes      = [var.python_runtime]
  compatible_architectures = [var.lambda_architecture]

  filename         = local.deploy_from_s3 ? null : local.package_files["reviewer_deps"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["reviewer_deps"].key : null
  source_code_hash = filebase64sha256(local.package_files["reviewer_deps"])
}

resource "aws_lambda_function" "reviewer" {
  #checkov:skip=CKV_AWS_116:Failures go to an on-failure destination (aws_sqs_queue.reviewer_failures), the successor of the function DLQ.
  #checkov:skip=CKV_AWS_117:Talks only to AWS APIs and LLM/Spacelift over HTTPS; a VPC would add NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the zip is built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only secret ARNs and settings; a CMK is used when kms_key_arn is set.
  function_name = local.function_names.reviewer
  description   = "tfreview reviewer (rules + LLM), invoked asynchronously"
  role          = aws_iam_role.reviewer.arn

  runtime       = var.python_runtime
  architectures = [var.lambda_architecture]
  handler       = "reviewer.handler.handler"
  layers        = [aws_lambda_layer_version.reviewer_deps.arn]
  memory_size   = var.reviewer_memory_mb
  timeout       = var.reviewer_timeout_seconds

  filename         = local.deploy_from_s3 ? null : local.package_files["reviewer"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["reviewer"].key : null
  source_code_hash = filebase64sha256(local.package_files["reviewer"])
  publish          = true

  reserved_concurrent_executions = var.reviewer_reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = { for k, v in local.reviewer_environment : k => v if v != null }
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda["reviewer"].name
  }

  depends_on = [aws_iam_role_policy.reviewer]
}

# The API invokes the alias (TFR_REVIEWER_FUNCTION_NAME is its ARN), so the async settings below
# and a rollback both act on "live".
resource "aws_lambda_alias" "reviewer" {
  name             = "live"
  description      = "Version the API dispatches reviews to"
  function_name    = aws_lambda_function.reviewer.function_name
  function_version = coalesce(var.reviewer_pinned_version, aws_lambda_function.reviewer.version)
}

resource "aws_lambda_function_event_invoke_config" "reviewer" {
  function_name                = aws_lambda_function.reviewer.function_name
  qualifier                    = aws_lambda_alias.reviewer.name
  maximum_retry_attempts       = var.reviewer_max_retry_attempts
  maximum_event_age_in_seconds = var.reviewer_max_event_age_seconds

  destination_config {
    on_failure {
      destination = aws_sqs_queue.reviewer_failures.arn
    }
  }
}

# Review events that failed every attempt or grew too old. Any message raises an alarm; the
# queue keeps the event (and the error) for 14 days for a look or a re-drive (README).
resource "aws_sqs_queue" "reviewer_failures" {
  name                      = "${local.name}-reviewer-failures"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
}

data "aws_iam_policy_document" "reviewer_failures_queue" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.reviewer_failures.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "reviewer_failures" {
  queue_url = aws_sqs_queue.reviewer_failures.id
  policy    = data.aws_iam_policy_document.reviewer_failures_queue.json
}
