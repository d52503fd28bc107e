# The sweep: a review whose reviewer is gone (IN_PROGRESS past the reviewer's timeout, or PENDING
# long after its dispatch: the event was lost, dropped or sent to the on-failure queue) is
# dispatched again to the reviewer alias, with the attempt counted on the review; only after the
# last attempt, and once no earlier event can still arrive (last dispatch + the async event age +
# the reviewer timeout), is it marked FAILED with the reason. Same zip as the reviewer.
locals {
  sweep_environment = {
    TFR_ENV                             = var.environment
    TFR_TABLE_NAME                      = aws_dynamodb_table.this.name
    TFR_AWS_REGION                      = var.aws_region
    TFR_LOG_LEVEL                       = var.log_level
    TFR_DISPATCHER                      = "lambda"
    TFR_REVIEWER_FUNCTION_NAME          = aws_lambda_alias.reviewer.arn
    TFR_REVIEWER_TIMEOUT_SECONDS        = tostring(var.reviewer_timeout_seconds)
    TFR_SWEEP_IN_PROGRESS_AFTER_SECONDS = tostring(local.stuck_review_seconds)
    TFR_SWEEP_PENDING_AFTER_SECONDS     = tostring(var.sweep_pending_after_seconds)
    TFR_REVIEW_MAX_ATTEMPTS             = tostring(var.review_max_attempts)
    # Must be the reviewer's maximum_event_age_in_seconds (lambda_reviewer.tf): same variable.
    TFR_ASYNC_EVENT_MAX_AGE_SECONDS = tostring(var.reviewer_max_event_age_seconds)
    TFR_STORE_RETRY_SECONDS         = tostring(var.store_retry_seconds)
    # Sends decisions' events and retries deliveries whose backoff ran out (notifications.tf).
    TFR_EVENT_BUS_NAME           = var.event_bus_name
    TFR_NOTIFY_CHANNELS          = local.notification_channels_json
    TFR_NOTIFY_SECRETS_SECRET_ID = aws_secretsmanager_secret.this["notifications"].arn
    TFR_DASHBOARD_URL            = local.notification_dashboard_url
  }
}

resource "aws_lambda_function" "sweep" {
  #checkov:skip=CKV_AWS_116:Run by EventBridge Scheduler, whose retry policy and the next run (minutes later) cover a failure.
  #checkov:skip=CKV_AWS_117:Talks only to DynamoDB and Lambda; a VPC would add endpoints or NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the operator owns; the zip is built reproducibly by make package instead.
  #checkov:skip=CKV_AWS_173:The environment holds no secret values, only settings; a CMK is used when kms_key_arn is set.
  #checkov:skip=CKV_AWS_115:One sweep at a time is enforced by the schedule (every few minutes, 120 s timeout); reserving concurrency would take it from the account pool.
  function_name = local.function_names.sweep
  description   = "tfreview sweep: re-dispatches reviews whose reviewer is gone (EventBridge Scheduler)"
  role          = aws_iam_role.sweep.arn

  runtime       = var.python_runtime
  architectures = [var.lambda_architecture]
  handler       = "reviewer.handler.sweep_handler"
  layers        = [aws_lambda_layer_version.reviewer_deps.arn] # same code as the reviewer, same layer
  memory_size   = 512
  timeout       = 120 # room for the store retries (store_retry_seconds) during a DynamoDB outage

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
  description                  = "Re-dispatch reviews whose reviewer is gone; fail those out of attempts"
  schedule_expression          = var.sweep_schedule_expression
  state                        = var.sweep_enabled ? "ENABLED" : "DISABLED"
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
