package spacelift

import future.keywords.in

bucket(tags) = {"address": "aws_s3_bucket.b", "change": {"actions": ["update"], "after": {"tags": tags}}}

test_missing_tags_are_denied {
	deny == {"aws_s3_bucket.b is missing required tags: team"} with input as {
		"spacelift": {"stack": {"labels": []}},
		"terraform": {"resource_changes": [bucket({"env": "prod"})]},
	}
}

test_label_exempts_the_stack {
	count(deny) == 0 with input as {
		"spacelift": {"stack": {"labels": ["tags:optional"]}},
		"terraform": {"resource_changes": [bucket({})]},
	}
}
