terraform {
  # secret_wo (write-only arguments) needs Terraform/OpenTofu 1.11 or later.
  required_version = ">= 1.11.0"

  required_providers {
    spacelift = {
      source  = "spacelift-io/spacelift"
      version = ">= 1.53.0, < 2.0.0"
    }
  }
}
