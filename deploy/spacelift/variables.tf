variable "space_id" {
  type        = string
  description = "Spacelift space that holds the webhook, the policies and the context (policies apply to this space and its children)."
  default     = "root"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name; the webhook id is a slug of its name."
  default     = "tfreview"
}

variable "webhook_endpoint" {
  type        = string
  description = "Public URL of the tfreview webhook route, e.g. https://reviews.example.com/webhooks/spacelift."

  validation {
    condition     = can(regex("^https://", var.webhook_endpoint)) && endswith(var.webhook_endpoint, "/webhooks/spacelift")
    error_message = "webhook_endpoint must be an https URL ending in /webhooks/spacelift."
  }
}

variable "webhook_secret" {
  type        = string
  description = "Shared secret Spacelift signs deliveries with (X-Signature-256); the same value as TFR_SPACELIFT_WEBHOOK_SECRET."
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = length(var.webhook_secret) >= 32
    error_message = "Use at least 32 characters, e.g. `openssl rand -hex 32`."
  }
}

variable "webhook_secret_version" {
  type        = string
  description = "Bump this (e.g. 1 -> 2) to send a new webhook_secret to Spacelift; secret_wo is never stored in state."
  default     = "1"
}

variable "webhook_labels" {
  type        = list(string)
  description = "Labels of the named webhook; the notification policy routes to webhooks carrying the first one."
  default     = ["tfreview"]
}

variable "stack_ids" {
  type        = list(string)
  description = "Stacks that get the after_plan hook context and the plan and approval policies."
  default     = []
}

variable "enable_approval_policy" {
  type        = bool
  description = "Attach the approval policy that requires the AI reviewer's approval (needs TFR_SPACELIFT_WRITE_REVIEW=true)."
  default     = false
}

variable "reviewer_group" {
  type        = string
  description = "Group given to the tfreview Spacelift API key; the approval policy trusts reviews from this group."
  default     = "tfreview"
}

variable "tfreview_api_url" {
  type        = string
  description = "Base URL of the tfreview API used by the after_plan hook, e.g. https://reviews.example.com."
}

variable "tfreview_api_key" {
  type        = string
  description = "tfreview API key with write scope, stored as a secret (write_only) variable of the hook context."
  sensitive   = true
}

variable "tfreview_install_command" {
  type        = string
  description = "Command that installs the tfreview CLI on the worker before the plan (skip if the runner image has it)."
  default     = "python3 -m pip install --quiet --user tfreview"
}
