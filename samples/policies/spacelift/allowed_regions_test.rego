package spacelift

import rego.v1

test_region_outside_is_a_warning if {
	warn == {"aws_s3_bucket.b is in us-east-1, outside the allowed regions"} with input as {"terraform": {"resource_changes": [{
		"address": "aws_s3_bucket.b",
		"change": {"actions": ["create"], "after": {"region": "us-east-1"}},
	}]}}
}

test_region_inside_passes if {
	count(warn) == 0 with input as {"terraform": {"resource_changes": [{
		"address": "aws_s3_bucket.b",
		"change": {"actions": ["create"], "after": {"region": "eu-west-1"}},
	}]}}
}
