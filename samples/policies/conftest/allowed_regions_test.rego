package tfreview.allowed_regions

import rego.v1

test_resource_outside_allowed_regions if {
	deny == {{
		"msg": "aws_s3_bucket.b is in us-east-1, outside the allowed regions",
		"address": "aws_s3_bucket.b",
		"attribute": "region",
	}} with input as {"resource_changes": [{
		"address": "aws_s3_bucket.b",
		"change": {"actions": ["create"], "after": {"region": "us-east-1"}},
	}]}
}

test_allowed_region_passes if {
	count(deny) == 0 with input as {"resource_changes": [{
		"address": "azurerm_resource_group.g",
		"change": {"actions": ["update"], "after": {"location": "westeurope"}},
	}]}
}

test_deleted_resources_are_ignored if {
	count(deny) == 0 with input as {"resource_changes": [{
		"address": "aws_s3_bucket.b",
		"change": {"actions": ["delete"], "before": {"region": "us-east-1"}, "after": null},
	}]}
}

test_provider_region if {
	deny == {{"msg": "provider aws.us is configured for us-east-1, outside the allowed regions"}} with input as {
		"resource_changes": [],
		"configuration": {"provider_config": {"aws.us": {"expressions": {"region": {"constant_value": "us-east-1"}}}}},
	}
}
