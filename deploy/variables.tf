# ---------------------------------------------------------------------------------------------
# Where and what
# ---------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region to deploy into (also the region the app uses for DynamoDB, Lambda and Bedrock)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like eu-west-1."
  }
}

variable "environment" {
  description = "Environment name (dev, prod, ...). Names the table terraform-spacelift-ai-reviewer-reviews-<environment> and every resource; becomes TFR_ENV."
  type        = string

  validation {
    # Same pattern as Settings.env in app/core/settings.py.
    condition     = can(regex("^[a-z0-9-]{1,20}$", var.environment))
    error_message = "environment must be 1-20 characters of a-z, 0-9 and '-'."
  }

  validation {
    # local/test switch on developer-only behaviour in the app (unsigned webhooks, no auth).
    condition     = !contains(["local", "test"], var.environment)
    error_message = "environment 'local' and 'test' are reserved for developer machines."
  }
}

variable "tags" {
  description = "Extra tags added to every resource."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------
# Lambda packages and sizing
# ---------------------------------------------------------------------------------------------

variable "package_dir" {
  description = "Directory holding api.zip, reviewer.zip and web.zip from `make package`. Defaults to ../build next to this module."
  type        = string
  default     = null
}

variable "max_body_mb" {
  description = "Largest request body the API accepts after gzip decompression, in MiB. Peak API memory is about 13x the body, so keep it near api_memory_mb / 20; API Gateway and Lambda cap the compressed body at 6 MB, so larger plans must be sent gzipped."
  type        = number
  default     = 24

  validation {
    condition     = var.max_body_mb >= 1 && var.max_body_mb <= 64
    error_message = "max_body_mb must be between 1 and 64."
  }
}

variable "python_runtime" {
  description = "Lambda runtime of the Python functions; must match `make package` (scripts/package.py --python-version, 3.12 by default)."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.python_runtime)
    error_message = "python_runtime must be python3.12 or python3.13 (python3.11 is blocked by Lambda since 2026) and match `make package --python-version`."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of the Python functions; arm64 is about 20% cheaper per GB-second. Must match `scripts/package.py --architecture`."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "api_memory_mb" {
  description = "Memory of the API Lambda in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.api_memory_mb >= 128 && var.api_memory_mb <= 10240
    error_message = "api_memory_mb must be between 128 and 10240."
  }
}

variable "api_timeout_seconds" {
  description = "Timeout of the API Lambda in seconds (API Gateway HTTP APIs stop waiting at 30 s)."
  type        = number
  default     = 30

  validation {
    condition     = var.api_timeout_seconds >= 3 && var.api_timeout_seconds <= 30
    error_message = "api_timeout_seconds must be between 3 and 30 (the HTTP API integration limit)."
  }
}

variable "reviewer_memory_mb" {
  description = "Memory of the reviewer Lambda in MB (more memory also means more CPU for the rules and redaction)."
  type        = number
  default     = 2048

  validation {
    condition     = var.reviewer_memory_mb >= 512 && var.reviewer_memory_mb <= 10240
    error_message = "reviewer_memory_mb must be between 512 and 10240."
  }
}

variable "reviewer_timeout_seconds" {
  description = "Timeout of the reviewer Lambda in seconds. A review IN_PROGRESS for longer than this plus a minute has lost its reviewer: the sweep dispatches it again (up to review_max_attempts)."
  type        = number
  default     = 300

  validation {
    condition     = var.reviewer_timeout_seconds >= 30 && var.reviewer_timeout_seconds <= 900
    error_message = "reviewer_timeout_seconds must be between 30 and 900."
  }
}

variable "reviewer_max_retry_attempts" {
  description = "Retries Lambda makes of a failed asynchronous review (0-2). Each retry can call the LLM again, so keep it low."
  type        = number
  default     = 1

  validation {
    condition     = var.reviewer_max_retry_attempts >= 0 && var.reviewer_max_retry_attempts <= 2
    error_message = "reviewer_max_retry_attempts must be 0, 1 or 2."
  }
}

variable "reviewer_max_event_age_seconds" {
  description = "How long a queued review event may wait (retries included) before it goes to the on-failure queue. The sweep waits this long after a review's last dispatch before failing it (TFR_ASYNC_EVENT_MAX_AGE_SECONDS)."
  type        = number
  default     = 3600

  validation {
    condition     = var.reviewer_max_event_age_seconds >= 60 && var.reviewer_max_event_age_seconds <= 21600
    error_message = "reviewer_max_event_age_seconds must be between 60 and 21600."
  }
}

variable "api_reserved_concurrency" {
  description = "Reserved concurrency of the API Lambda; -1 leaves it unreserved (new accounts often cannot reserve any)."
  type        = number
  default     = -1

  validation {
    condition     = var.api_reserved_concurrency >= -1
    error_message = "api_reserved_concurrency must be -1 (unreserved) or a non-negative number."
  }
}

variable "reviewer_reserved_concurrency" {
  description = "Reserved concurrency of the reviewer Lambda, which also caps parallel LLM calls; -1 leaves it unreserved."
  type        = number
  default     = -1

  validation {
    condition     = var.reviewer_reserved_concurrency >= -1
    error_message = "reviewer_reserved_concurrency must be -1 (unreserved) or a non-negative number."
  }
}

variable "api_pinned_version" {
  description = "Roll the API back: published Lambda version the 'live' alias points at. null follows the version this apply publishes."
  type        = string
  default     = null

  validation {
    condition     = var.api_pinned_version == null || can(regex("^[0-9]+$", var.api_pinned_version))
    error_message = "api_pinned_version must be a published version number such as \"12\"."
  }
}

variable "reviewer_pinned_version" {
  description = "Roll the reviewer back: published Lambda version the 'live' alias points at. null follows the version this apply publishes."
  type        = string
  default     = null

  validation {
    condition     = var.reviewer_pinned_version == null || can(regex("^[0-9]+$", var.reviewer_pinned_version))
    error_message = "reviewer_pinned_version must be a published version number such as \"12\"."
  }
}

variable "review_max_attempts" {
  description = "TFR_REVIEW_MAX_ATTEMPTS: dispatches of one review (the first plus the sweep's re-dispatches) before it is marked FAILED with the reason."
  type        = number
  default     = 3

  validation {
    condition     = var.review_max_attempts >= 1 && var.review_max_attempts <= 10
    error_message = "review_max_attempts must be between 1 and 10."
  }
}

variable "sweep_pending_after_seconds" {
  description = "TFR_SWEEP_PENDING_AFTER_SECONDS: a review PENDING this long since its last dispatch is dispatched again by the sweep (an older event that still arrives is skipped by the claim)."
  type        = number
  default     = 900

  validation {
    # Below the reviewer timeout a review still waiting for a busy reviewer would be re-sent at once.
    condition     = var.sweep_pending_after_seconds >= var.reviewer_timeout_seconds && var.sweep_pending_after_seconds <= var.reviewer_max_event_age_seconds
    error_message = "sweep_pending_after_seconds must be at least reviewer_timeout_seconds and at most reviewer_max_event_age_seconds."
  }
}

variable "store_retry_seconds" {
  description = "TFR_STORE_RETRY_SECONDS: how long the reviewer retries one DynamoDB write through throttling or an outage before it gives the event back to Lambda's async retry."
  type        = number
  default     = 45

  validation {
    condition     = var.store_retry_seconds >= 0 && var.store_retry_seconds * 3 < var.reviewer_timeout_seconds
    error_message = "store_retry_seconds must be at least 0 and under a third of reviewer_timeout_seconds (claim, result and counters each get the budget)."
  }
}

variable "sweep_enabled" {
  description = "Run the sweep schedule. Turn off while restoring the table (deploy/README.md), so the sweep does not spend reviews' attempts against a table being replaced."
  type        = bool
  default     = true
}

variable "sweep_schedule_expression" {
  description = "EventBridge Scheduler expression for the sweep that re-dispatches reviews whose reviewer is gone."
  type        = string
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.sweep_schedule_expression))
    error_message = "sweep_schedule_expression must be a rate(...) or cron(...) expression."
  }
}

# ---------------------------------------------------------------------------------------------
# Application settings (become TFR_* environment variables)
# ---------------------------------------------------------------------------------------------

variable "log_level" {
  description = "TFR_LOG_LEVEL of every Python function."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "plan_ttl_days" {
  description = "Days a stored (redacted) plan lives before DynamoDB TTL deletes it (TFR_PLAN_TTL_DAYS)."
  type        = number
  default     = 400

  validation {
    condition     = var.plan_ttl_days >= 1
    error_message = "plan_ttl_days must be at least 1."
  }
}

variable "llm_provider" {
  description = "TFR_LLM_PROVIDER: none, openai, anthropic, bedrock or openai_compatible."
  type        = string
  default     = "openai"

  validation {
    condition     = contains(["none", "openai", "anthropic", "bedrock", "openai_compatible"], var.llm_provider)
    error_message = "llm_provider must be none, openai, anthropic, bedrock or openai_compatible."
  }

  validation {
    condition     = var.llm_provider != "bedrock" || var.enable_bedrock
    error_message = "llm_provider = \"bedrock\" needs enable_bedrock = true and bedrock_model_arns."
  }
}

variable "llm_model" {
  description = "TFR_LLM_MODEL: model id for the provider; null uses the app's default for the provider."
  type        = string
  default     = null
}

variable "llm_fallbacks" {
  description = "TFR_LLM_FALLBACKS: fallback models as 'provider:model', tried in order."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for f in var.llm_fallbacks : can(regex("^(openai|anthropic|bedrock|openai_compatible):.+$", f))])
    error_message = "each llm_fallbacks entry must be 'provider:model'."
  }
}

variable "llm_base_url" {
  description = "TFR_LLM_BASE_URL for an OpenAI-compatible endpoint; null otherwise."
  type        = string
  default     = null

  validation {
    condition     = var.llm_base_url == null || can(regex("^https://", var.llm_base_url))
    error_message = "llm_base_url must be an https:// URL."
  }
}

variable "reviewer_policy_paths" {
  description = "TFR_POLICY_PATHS of the reviewer: custom Rego policy files or folders, relative to the reviewer package. `python -m scripts.package --policies DIR` ships DIR as `policies`, so [\"policies\"]; [] runs none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.reviewer_policy_paths : !startswith(p, "/") && !strcontains(p, "..") && !strcontains(p, ",")])
    error_message = "reviewer_policy_paths must be relative paths inside the package, without '..' or ','."
  }
}

variable "enable_bedrock" {
  description = "Allow the reviewer to call Amazon Bedrock (bedrock:InvokeModel on bedrock_model_arns only)."
  type        = bool
  default     = false
}

variable "bedrock_model_arns" {
  description = "Bedrock foundation-model or inference-profile ARNs the reviewer may invoke when enable_bedrock is true. For a cross-region inference profile list the profile and the foundation model in each of its regions."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.bedrock_model_arns : can(regex("^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]*:(foundation-model|inference-profile|application-inference-profile|provisioned-model)/[^*]+$", arn))])
    error_message = "bedrock_model_arns must be Bedrock model or inference-profile ARNs, without wildcards."
  }

  validation {
    condition     = !var.enable_bedrock || length(var.bedrock_model_arns) > 0
    error_message = "enable_bedrock = true needs at least one ARN in bedrock_model_arns."
  }
}

variable "spacelift_api_endpoint" {
  description = "TFR_SPACELIFT_API_ENDPOINT, https://<account>.app.spacelift.io; null turns off GraphQL calls (comments, plan fetch)."
  type        = string
  default     = null

  validation {
    condition     = var.spacelift_api_endpoint == null || can(regex("^https://[a-z0-9-]+\\.app(\\.[a-z]+)?\\.spacelift\\.io/?$", var.spacelift_api_endpoint))
    error_message = "spacelift_api_endpoint must look like https://<account>.app.spacelift.io."
  }
}

variable "spacelift_api_key_id" {
  description = "TFR_SPACELIFT_API_KEY_ID: id of the Spacelift API key (not secret); its secret goes into the spacelift-api-key secret."
  type        = string
  default     = null
}

variable "spacelift_write_comment" {
  description = "TFR_SPACELIFT_WRITE_COMMENT: post the review as a comment on the Spacelift run."
  type        = bool
  default     = false
}

variable "spacelift_write_review" {
  description = "TFR_SPACELIFT_WRITE_REVIEW: also approve or reject the run (for approval policies)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------------

variable "cors_allowed_origins" {
  description = "Browser origins allowed by CORS on the HTTP API (and TFR_CORS_ORIGINS). Empty turns CORS off; the dashboard is same-origin and needs none."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : can(regex("^https://[^/*]+$|^http://localhost(:[0-9]+)?$", o))])
    error_message = "cors_allowed_origins must be https://host[:port] origins (or http://localhost), without paths or wildcards."
  }
}

variable "throttling_burst_limit" {
  description = "HTTP API stage burst limit (requests)."
  type        = number
  default     = 100

  validation {
    condition     = var.throttling_burst_limit >= 1
    error_message = "throttling_burst_limit must be at least 1."
  }
}

variable "throttling_rate_limit" {
  description = "HTTP API stage steady-state rate limit (requests per second)."
  type        = number
  default     = 50

  validation {
    condition     = var.throttling_rate_limit >= 1
    error_message = "throttling_rate_limit must be at least 1."
  }
}

variable "custom_domain_name" {
  description = "Optional custom domain for the API and dashboard (e.g. tfreview.example.com). null uses the execute-api URL only."
  type        = string
  default     = null

  validation {
    condition     = var.custom_domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.custom_domain_name))
    error_message = "custom_domain_name must be a lower-case DNS name."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone that holds custom_domain_name (for the ACM validation records and the alias). Optional with the edge: create the records from the outputs yourself."
  type        = string
  default     = null

  validation {
    condition     = var.custom_domain_name == null || var.enable_edge || var.route53_zone_id != null
    error_message = "custom_domain_name without the edge needs route53_zone_id."
  }
}

# ---------------------------------------------------------------------------------------------
# The edge: CloudFront + AWS WAF in front of the API and the dashboard (edge.tf, waf.tf)
# ---------------------------------------------------------------------------------------------

variable "enable_edge" {
  description = "Put CloudFront with an AWS WAF web ACL in front of the API and the dashboard on custom_domain_name; API Gateway then admits only requests that come through CloudFront (edge_authorizer.tf)."
  type        = bool
  default     = false

  validation {
    # TLSv1.2_2021 and one domain for API and dashboard need a certificate of our own.
    condition     = !var.enable_edge || var.custom_domain_name != null
    error_message = "enable_edge needs custom_domain_name (CloudFront's certificate is issued for it in us-east-1)."
  }
}

variable "edge_price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe, Israel), PriceClass_200 (adds Asia, Middle East, Africa) or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.edge_price_class)
    error_message = "edge_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "waf_rate_limit" {
  description = "Requests one IP address may send in 5 minutes before the web ACL answers 429 for a while. A CI fleet behind one NAT address counts as one client."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 10 and 2,000,000,000 (AWS WAF's bounds)."
  }
}

variable "waf_logging_enabled" {
  description = "Log the web ACL's requests to CloudWatch Logs (aws-waf-logs-tfreview-<env> in us-east-1), Authorization and Cookie redacted. $0.50 per GB ingested."
  type        = bool
  default     = false
}

variable "edge_access_log_bucket" {
  description = "Existing S3 bucket (name) for CloudFront standard access logs, with ACLs enabled (object ownership BucketOwnerPreferred); null turns them off."
  type        = string
  default     = null

  validation {
    condition     = var.edge_access_log_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.edge_access_log_bucket))
    error_message = "edge_access_log_bucket must be an S3 bucket name."
  }
}

variable "origin_secret_rotation" {
  description = "Increase by one to rotate the origin secret CloudFront sends to API Gateway; the value sent until then stays accepted until the next rotation (rotate twice to retire a leaked value)."
  type        = number
  default     = 0

  validation {
    condition     = var.origin_secret_rotation >= 0 && floor(var.origin_secret_rotation) == var.origin_secret_rotation
    error_message = "origin_secret_rotation must be a whole number, 0 or more."
  }
}

# ---------------------------------------------------------------------------------------------
# Data, secrets, encryption
# ---------------------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "Optional customer managed KMS key for the table, secrets, queue, log groups, SNS topic, schedule and Lambda environment. null uses AWS owned/managed keys (encryption stays on). Its key policy must let logs.<region>.amazonaws.com and cloudwatch.amazonaws.com use it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (not an alias)."
  }
}

variable "table_deletion_protection" {
  description = "DynamoDB deletion protection. Turn off (and apply) before a deliberate destroy."
  type        = bool
  default     = true
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can be restored (0 deletes at once, else 7-30)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# ---------------------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------------------

variable "log_retention_days" {
  description = "Retention of every log group (Lambda and API access logs)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "alarm_email" {
  description = "Optional e-mail address subscribed to the alarm topic (the subscription must be confirmed from the mail)."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address."
  }
}

variable "api_latency_p99_threshold_ms" {
  description = "Alarm when the HTTP API's p99 latency over 5 minutes is above this many milliseconds."
  type        = number
  default     = 3000

  validation {
    condition     = var.api_latency_p99_threshold_ms >= 100
    error_message = "api_latency_p99_threshold_ms must be at least 100."
  }
}

# ---------------------------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------------------------

variable "enable_web" {
  description = "Host the Next.js dashboard on Lambda (Lambda Web Adapter) behind its own HTTP API (and CloudFront with the edge). Needs web.zip from `make package` after `npm --prefix web run build`, and OIDC sign-in (oidc_issuer, oidc_client_id)."
  type        = bool
  default     = false

  validation {
    # The dashboard approves and uploads: never without sign-in.
    condition     = !var.enable_web || (var.oidc_issuer != null && var.oidc_client_id != null)
    error_message = "enable_web needs OIDC sign-in: set oidc_issuer and oidc_client_id (deploy/README.md, \"Sign-in\")."
  }
}

# ---------------------------------------------------------------------------------------------
# Sign-in (OIDC): people sign in to the dashboard; the API checks their tokens
# ---------------------------------------------------------------------------------------------

variable "oidc_issuer" {
  description = "OIDC issuer URL of the identity provider (Okta, Entra ID, Cognito, ...), exactly as in its discovery document's \"issuer\"; the dashboard signs people in there and the API accepts its tokens."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_issuer == null || can(regex("^https://[^\\s?#]+$", var.oidc_issuer))
    error_message = "oidc_issuer must be an https:// URL without query or fragment."
  }
}

variable "oidc_audience" {
  description = "Audiences (aud) the API and the edge authorizer accept in people's tokens; empty means the dashboard's client id (its ID tokens carry it)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.oidc_audience : length(a) >= 1 && length(a) <= 200 && !strcontains(a, ",")])
    error_message = "oidc_audience entries must be 1-200 characters without ','."
  }
}

variable "oidc_roles_claim" {
  description = "Token claim that holds a person's groups or roles: groups (Okta), roles (Entra ID app roles), cognito:groups (Cognito); dots walk into objects."
  type        = string
  default     = "groups"

  validation {
    condition     = can(regex("^[A-Za-z0-9_:./-]{1,100}$", var.oidc_roles_claim))
    error_message = "oidc_roles_claim must be a claim name (letters, digits, _:./-)."
  }
}

variable "oidc_role_map" {
  description = "Group or role value in oidc_roles_claim -> tfreview role (viewer, approver, submitter, admin); people with none of these get no role."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for group, role in var.oidc_role_map : contains(["viewer", "approver", "submitter", "admin"], role) && !strcontains(group, ",") && !strcontains(group, "=")])
    error_message = "oidc_role_map values must be viewer, approver, submitter or admin, and its keys must hold no ',' or '='."
  }
}

variable "oidc_client_id" {
  description = "Client id of the dashboard's application at the identity provider (authorization code + PKCE, confidential client); its secret goes into the oidc-client-secret secret."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_client_id == null || can(regex("^[A-Za-z0-9._:/@-]{1,200}$", var.oidc_client_id))
    error_message = "oidc_client_id must be 1-200 characters of letters, digits and ._:/@-."
  }
}

variable "web_architecture" {
  description = "Instruction set of the dashboard Lambda. The Next.js standalone output may carry native modules (sharp) built for the machine that ran `next build`, so match that machine."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.web_architecture)
    error_message = "web_architecture must be arm64 or x86_64."
  }
}

variable "web_memory_mb" {
  description = "Memory of the dashboard Lambda in MB."
  type        = number
  default     = 1024

  validation {
    condition     = var.web_memory_mb >= 256 && var.web_memory_mb <= 10240
    error_message = "web_memory_mb must be between 256 and 10240."
  }
}

variable "web_adapter_layer_version" {
  description = "Version of AWS's public Lambda Web Adapter layer in commercial regions (arn:aws:lambda:<region>:753240598075:layer:LambdaAdapterLayer{X86,Arm64}:<version>)."
  type        = number
  default     = 26

  validation {
    condition     = var.web_adapter_layer_version >= 1
    error_message = "web_adapter_layer_version must be a positive layer version."
  }
}

variable "package_s3_bucket" {
  description = "Existing S3 bucket to upload the Lambda zips to and deploy them from (lifts the 50 MB direct-upload limit; 250 MB unzipped still applies). null uploads the zips directly."
  type        = string
  default     = null

  validation {
    condition     = var.package_s3_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.package_s3_bucket))
    error_message = "package_s3_bucket must be an S3 bucket name."
  }
}

# ---------------------------------------------------------------------------------------------
# Events and notifications (notifications.tf, docs/notifications.md)
# ---------------------------------------------------------------------------------------------

variable "event_bus_name" {
  description = "TFR_EVENT_BUS_NAME: EventBridge bus that receives the review events ('default' for the account's default bus); null publishes none."
  type        = string
  default     = "default"

  validation {
    condition     = var.event_bus_name == null || can(regex("^[A-Za-z0-9._-]{1,256}$", var.event_bus_name))
    error_message = "event_bus_name must be a bus name (not an ARN) or null."
  }
}

variable "notification_channels" {
  description = "Slack and webhook channels (TFR_NOTIFY_CHANNELS, beside the SNS topic): name, type (slack or webhook), optional stacks (Spacelift stack id globs), min_level, on_failure, on_decision. Their URLs and signing secrets go into the notifications secret."
  type = list(object({
    name        = string
    type        = string
    stacks      = optional(list(string))
    min_level   = optional(string, "HIGH")
    on_failure  = optional(bool, true)
    on_decision = optional(bool, true)
  }))
  default = []

  validation {
    condition = alltrue([
      for c in var.notification_channels :
      contains(["slack", "webhook"], c.type) && can(regex("^[a-z0-9][a-z0-9_-]{0,62}$", c.name)) && contains(["LOW", "MEDIUM", "HIGH", "CRITICAL"], c.min_level) && !contains(["aws-topic", "eventbridge"], c.name)
    ])
    error_message = "each channel needs a name of a-z, 0-9, '_' and '-' (not aws-topic or eventbridge), type slack or webhook, and min_level LOW, MEDIUM, HIGH or CRITICAL."
  }
}

variable "notification_topic_min_level" {
  description = "Reviews at or above this level are published to the SNS topic (failures and decisions always are)."
  type        = string
  default     = "HIGH"

  validation {
    condition     = contains(["LOW", "MEDIUM", "HIGH", "CRITICAL"], var.notification_topic_min_level)
    error_message = "notification_topic_min_level must be LOW, MEDIUM, HIGH or CRITICAL."
  }
}

variable "notification_email" {
  description = "Optional e-mail address subscribed to the notifications topic (confirm the subscription from the mail)."
  type        = string
  default     = null

  validation {
    condition     = var.notification_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an e-mail address."
  }
}

variable "dashboard_url" {
  description = "TFR_DASHBOARD_URL: public URL of the dashboard for links in events and messages; null uses the dashboard's own endpoint when enable_web is on."
  type        = string
  default     = null

  validation {
    condition     = var.dashboard_url == null || can(regex("^https://", var.dashboard_url))
    error_message = "dashboard_url must start with https://."
  }
}
