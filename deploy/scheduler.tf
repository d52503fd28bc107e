# The stuck-review sweep: reviews IN_PROGRESS for longer than the reviewer can run (its Lambda
# timed out or crashed) are marked FAILED. Same zip as the reviewer, another handler.
locals {
  sweep_environment = {
    TFR_ENV                      = var.environment
    TFR_TABLE_NAME               = aws_dynamodb_table.this.name
    TFR_AWS_REGION               = var.aws_region
    TFR_LOG_LEVEL                = var.log_level
    TFR_DISPATCHER               = "none"
    TFR_REVIEWER_TIMEOUT_SECONDS = tostring(local.stuck_review_seconds)
  }
}

resource "aws_lambda_function" "sweep" {
  #checkov:skip=CKV_AWS_116:Run by EventBridge Scheduler, whose retry policy and the next run (minutes later) cover a failure.
  #checkov:skip=CKV_AWS_117:Talks only to DynamoDB; a VPC would add endpoints or NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the zip is built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only settings; a CMK is used when kms_key_arn is set.
  #checkov:skip=CKV_AWS_115:One sweep at a time is enforced by the schedule (every few minutes, 60 s timeout); reserving concurrency would take it from the account pool.
  function_name = local.function_names.sweep
  description   = "tfreview stuck-review sweep (EventBridge Scheduler)"
  role          = aws_iam_role.sweep.arn

  runtime       = var.python_runtime
  architectures = [var.lambda_architecture]
  handler       = "reviewer.handler.sweep_handler"
  memory_size   = 512
  timeout       = 60

  filename         = local.deploy_from_s3 ? null : local.package_files["reviewer"]
  s3_bucket        = local.deploy_from_s3 ? var.package_s3_bucket : null
  s3_key           = local.deploy_from_s3 ? aws_s3_object.package["reviewer"].key : null
  source_code_hash = filebase64sha256(local.package_files["reviewer"])

  kms_key_arn = var.kms_key_arn

  environment {
    variables = local.sweep_environment
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda["sweep"].name
  }

  depends_on = [aws_iam_role_policy.sweep]
}

resource "aws_scheduler_schedule" "sweep" {
  name                         = "${local.name}-sweep"
  description                  = "Mark reviews stuck IN_PROGRESS as FAILED"
  schedule_expression          = var.sweep_schedule_expression
  schedule_expression_timezone = "UTC"
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.sweep.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ source = "scheduler" })

    # The next run comes in minutes; retrying a failed sweep longer than that only piles up.
    retry_policy {
      maximum_event_age_in_seconds = 300
      maximum_retry_attempts       = 1
    }
  }
}
