terraform {
  # 1.9: validation blocks may refer to other variables (used by the Bedrock and domain checks).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }
}
