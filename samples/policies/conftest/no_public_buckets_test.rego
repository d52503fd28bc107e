package tfreview.no_public_buckets

import rego.v1

one(type, after) := {"resource_changes": [{
	"address": concat(".", [type, "x"]),
	"type": type,
	"change": {"actions": ["create"], "after": after},
}]}

test_public_acl if {
	count(deny) == 1 with input as one("aws_s3_bucket_acl", {"acl": "public-read"})
}

test_private_acl if {
	count(deny) == 0 with input as one("aws_s3_bucket_acl", {"acl": "private"})
}

test_access_block_turned_off if {
	count(deny) == 2 with input as one("aws_s3_bucket_public_access_block", {
		"block_public_acls": false, "block_public_policy": true,
		"ignore_public_acls": true, "restrict_public_buckets": false,
	})
}

test_gcs_all_users if {
	some finding in deny with input as one("google_storage_bucket_iam_member", {"bucket": "b", "member": "allUsers"})
	finding.attribute == "member"
}

test_azure_public_containers if {
	count(deny) == 1 with input as one("azurerm_storage_account", {"allow_nested_items_to_be_public": true})
}
