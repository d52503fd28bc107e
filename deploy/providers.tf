locals {
  default_tags = merge(
    {
      Application = "tfreview"
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.default_tags
  }
}

# CloudFront takes certificates and web ACLs from us-east-1 only (edge.tf, waf.tf).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.default_tags
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}
