# One role per function, each with only what its code calls. No "*" action anywhere; the only "*"
# resources are for X-Ray, which has no resource-level permissions (commented where used).
# tests/deploy/test_iam.py enforces both rules; tests/deploy/test_iam_vs_code.py derives from the
# code what each function can call and checks that its role grants exactly that.

locals {
  table_arns = [aws_dynamodb_table.this.arn, "${aws_dynamodb_table.this.arn}/index/*"]

  # What each function's code calls on the table; tests/deploy/test_iam_vs_code.py derives these
  # from the code and fails when one is missing or unused. No Scan anywhere.
  dynamodb_actions = {
    # Reviews (version transactions of Put + Update, reads, list queries), plan chunks
    # (BatchWriteItem), Spacelift delivery claims (Put/Update, released with DeleteItem when
    # starting the review failed, so Spacelift's retry is not dropped), /readyz (DescribeTable).
    api = [
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # Claim, result and counters in version transactions; a result document over 300 KB goes to
    # chunks (BatchWriteItem); the daily token budget reads counter items (Query).
    reviewer = [
      "dynamodb:BatchWriteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
    # Finds stale reviews on GSI2 (Query) and writes their next version (transaction; chunks
    # for documents over 300 KB).
    sweep = [
      "dynamodb:BatchWriteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]
  }

  # With a customer managed key (var.kms_key_arn), the key actions each function needs, per
  # service that uses the key on its behalf; every grant carries kms:ViaService for that service.
  # Table reads need Decrypt, writes also Encrypt and GenerateDataKey; a secret read needs
  # Decrypt; a message to an encrypted queue or topic needs GenerateDataKey and Decrypt.
  kms_via_service = {
    api = {
      dynamodb       = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      secretsmanager = ["kms:Decrypt"]
    }
    reviewer = {
      dynamodb       = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      secretsmanager = ["kms:Decrypt"]
      sqs            = ["kms:Decrypt", "kms:GenerateDataKey"] # the on-failure destination
      sns            = ["kms:Decrypt", "kms:GenerateDataKey"] # the notifications topic
    }
    sweep = {
      dynamodb       = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
      secretsmanager = ["kms:Decrypt"]
      sns            = ["kms:Decrypt", "kms:GenerateDataKey"]
    }
    authorizer = {
      secretsmanager = ["kms:Decrypt"]
    }
  }

  lambda_log_group_arns = { for k, g in aws_cloudwatch_log_group.lambda : k => "${g.arn}:*" }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    sid     = "LambdaAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ---------------------------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "api" {
  name               = local.function_names.api
  description        = "tfreview API Lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.lambda_log_group_arns["api"]]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions: AWS requires "*".
  }

  statement {
    sid       = "Table"
    actions   = local.dynamodb_actions.api
    resources = local.table_arns
  }

  statement {
    sid       = "DispatchReview"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_alias.reviewer.arn] # the API invokes the "live" alias only
  }

  statement {
    sid     = "OwnSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.this["api_keys"].arn,
      aws_secretsmanager_secret.this["spacelift_webhook_secret"].arn,
      aws_secretsmanager_secret.this["spacelift_api_key"].arn, # GraphQL plan fetch in the webhook route
    ]
  }

  dynamic "statement" {
    for_each = { for service, actions in local.kms_via_service.api : service => actions if var.kms_key_arn != null }

    content {
      sid       = "CustomerKeyVia${title(statement.key)}"
      actions   = statement.value
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${statement.key}.${var.aws_region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

# ---------------------------------------------------------------------------------------------
# Reviewer
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "reviewer" {
  name               = local.function_names.reviewer
  description        = "tfreview reviewer Lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "reviewer" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.lambda_log_group_arns["reviewer"]]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions: AWS requires "*".
  }

  statement {
    sid       = "Table"
    actions   = local.dynamodb_actions.reviewer
    resources = local.table_arns
  }

  statement {
    sid     = "OwnSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.this["openai_api_key"].arn,
      aws_secretsmanager_secret.this["anthropic_api_key"].arn,
      aws_secretsmanager_secret.this["spacelift_api_key"].arn,
      aws_secretsmanager_secret.this["notifications"].arn,
    ]
  }

  # Review events and notifications, sent right after the review's final write (notifications.tf).
  statement {
    sid       = "PublishEvents"
    actions   = ["events:PutEvents"]
    resources = [local.event_bus_arn]
  }

  statement {
    sid       = "PublishNotifications"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]
  }

  # Lambda sends the on-failure record with the function's own role.
  statement {
    sid       = "OnFailureDestination"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.reviewer_failures.arn]
  }

  dynamic "statement" {
    for_each = { for service, actions in local.kms_via_service.reviewer : service => actions if var.kms_key_arn != null }

    content {
      sid       = "CustomerKeyVia${title(statement.key)}"
      actions   = statement.value
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${statement.key}.${var.aws_region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = var.enable_bedrock ? [var.bedrock_model_arns] : []

    content {
      sid       = "Bedrock"
      actions   = ["bedrock:InvokeModel"]
      resources = statement.value
    }
  }
}

resource "aws_iam_role_policy" "reviewer" {
  name   = "reviewer"
  role   = aws_iam_role.reviewer.id
  policy = data.aws_iam_policy_document.reviewer.json
}

# ---------------------------------------------------------------------------------------------
# Stuck-review sweep and its scheduler
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "sweep" {
  name               = local.function_names.sweep
  description        = "tfreview sweep Lambda (re-dispatches reviews whose reviewer is gone)"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "sweep" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.lambda_log_group_arns["sweep"]]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions: AWS requires "*".
  }

  statement {
    sid       = "Table"
    actions   = local.dynamodb_actions.sweep
    resources = local.table_arns
  }

  statement {
    sid       = "DispatchReview"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_alias.reviewer.arn] # re-dispatches go to the "live" alias, like the API's
  }

  # Decisions' events and delivery retries (notifications.tf).
  statement {
    sid       = "NotificationSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.this["notifications"].arn]
  }

  statement {
    sid       = "PublishEvents"
    actions   = ["events:PutEvents"]
    resources = [local.event_bus_arn]
  }

  statement {
    sid       = "PublishNotifications"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]
  }

  dynamic "statement" {
    for_each = { for service, actions in local.kms_via_service.sweep : service => actions if var.kms_key_arn != null }

    content {
      sid       = "CustomerKeyVia${title(statement.key)}"
      actions   = statement.value
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${statement.key}.${var.aws_region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "sweep" {
  name   = "sweep"
  role   = aws_iam_role.sweep.id
  policy = data.aws_iam_policy_document.sweep.json
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    sid     = "SchedulerAssume"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-scheduler"
  description        = "EventBridge Scheduler running the tfreview sweep"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "RunSweep"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.sweep.arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "CustomerKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# ---------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "web" {
  count = var.enable_web ? 1 : 0

  name               = local.function_names.web
  description        = "tfreview dashboard Lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "web" {
  count = var.enable_web ? 1 : 0

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.lambda_log_group_arns["web"]]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions: AWS requires "*".
  }

  statement {
    sid     = "OwnSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.this["oidc_client_secret"].arn,
      aws_secretsmanager_secret.this["session_secret"].arn,
    ]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "CustomerKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "web" {
  count = var.enable_web ? 1 : 0

  name   = "web"
  role   = aws_iam_role.web[0].id
  policy = data.aws_iam_policy_document.web[0].json
}

# ---------------------------------------------------------------------------------------------
# Edge authorizer (enable_edge)
# ---------------------------------------------------------------------------------------------

resource "aws_iam_role" "authorizer" {
  count = local.edge_enabled ? 1 : 0

  name               = local.function_names.authorizer
  description        = "tfreview edge authorizer Lambda"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "authorizer" {
  count = local.edge_enabled ? 1 : 0

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [local.lambda_log_group_arns["authorizer"]]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions: AWS requires "*".
  }

  statement {
    sid     = "OwnSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      one(aws_secretsmanager_secret.origin[*].arn),
      aws_secretsmanager_secret.this["api_keys"].arn, # the same key hashes the API accepts
    ]
  }

  dynamic "statement" {
    for_each = { for service, actions in local.kms_via_service.authorizer : service => actions if var.kms_key_arn != null }

    content {
      sid       = "CustomerKeyVia${title(statement.key)}"
      actions   = statement.value
      resources = [var.kms_key_arn]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["${statement.key}.${var.aws_region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role_policy" "authorizer" {
  count = local.edge_enabled ? 1 : 0

  name   = "authorizer"
  role   = aws_iam_role.authorizer[0].id
  policy = data.aws_iam_policy_document.authorizer[0].json
}
