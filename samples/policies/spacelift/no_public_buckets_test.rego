package spacelift

import rego.v1

test_public_acl_is_denied if {
	deny == {"aws_s3_bucket_acl.a grants the public-read ACL"} with input as {"terraform": {"resource_changes": [{
		"address": "aws_s3_bucket_acl.a",
		"type": "aws_s3_bucket_acl",
		"change": {"actions": ["create"], "after": {"acl": "public-read"}},
	}]}}
}

test_gcs_public_member_is_denied if {
	count(deny) == 1 with input as {"terraform": {"resource_changes": [{
		"address": "google_storage_bucket_iam_member.m",
		"type": "google_storage_bucket_iam_member",
		"change": {"actions": ["create"], "after": {"bucket": "b", "member": "allUsers"}},
	}]}}
}
