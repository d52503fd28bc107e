# Where the functions' code comes from: the zips `make package` wrote, uploaded directly (up to
# 50 MB zipped) or, with package_s3_bucket, through S3 (up to 250 MB unzipped).
locals {
  deploy_from_s3 = var.package_s3_bucket != null

  package_files = merge(
    {
      api           = "${local.package_dir}/api.zip"
      reviewer      = "${local.package_dir}/reviewer.zip"
      reviewer_deps = "${local.package_dir}/reviewer-deps.zip" # a layer: bpe-openai's native library
    },
    var.enable_web ? { web = "${local.package_dir}/web.zip" } : {},
  )
}

resource "aws_s3_object" "package" {
  for_each = local.deploy_from_s3 ? local.package_files : {}

  bucket = var.package_s3_bucket
  # Content-addressed: a new build is a new key, so an old one stays for a rollback.
  key                    = "tfreview/${var.environment}/${each.key}-${filesha256(each.value)}.zip"
  source                 = each.value
  source_hash            = filemd5(each.value)
  server_side_encryption = var.kms_key_arn == null ? "AES256" : "aws:kms"
  kms_key_id             = var.kms_key_arn
}
