package tfreview.required_tags

import rego.v1

change(tags) := {"resource_changes": [{
	"address": "aws_s3_bucket.b",
	"mode": "managed",
	"type": "aws_s3_bucket",
	"change": {"actions": ["create"], "after": {"bucket": "b", "tags": tags}},
}]}

test_missing_team_is_denied if {
	deny == {{
		"msg": "aws_s3_bucket.b is missing required tags: team",
		"address": "aws_s3_bucket.b",
		"attribute": "tags",
	}} with input as change({"env": "prod"})
}

test_null_tags_miss_both if {
	some finding in deny with input as change(null)
	finding.msg == "aws_s3_bucket.b is missing required tags: env, team"
}

test_complete_tags_pass if {
	count(deny) == 0 with input as change({"env": "prod", "team": "web"})
}

test_untaggable_resources_are_skipped if {
	count(deny) == 0 with input as {"resource_changes": [{
		"address": "aws_iam_role_policy_attachment.a",
		"mode": "managed",
		"change": {"actions": ["create"], "after": {"role": "r"}},
	}]}
}
