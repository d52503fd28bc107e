# tfreview approval policy example (APPROVAL, engine REGO_V1).
#
# A run proceeds once the tfreview API key (member of reviewer_group) approves it through runReview, and
# fails when it rejects it, unless a human from override_group approves. Queued runs are let through:
# nothing has been planned yet, so there is nothing to review.
package spacelift

reviewer_group := "tfreview"

override_group := "infra-admins"

teams(review) := object.get(object.get(review, "session", {}), "teams", [])

reviews := object.get(input, "reviews", {})

current := object.get(reviews, "current", {})

approvals := object.get(current, "approvals", [])

rejections := object.get(current, "rejections", [])

ai_approved if {
	some review in approvals
	reviewer_group in teams(review)
}

ai_rejected if {
	some review in rejections
	reviewer_group in teams(review)
}

human_override if {
	some review in approvals
	override_group in teams(review)
}

approve if input.run.state == "QUEUED"

approve if {
	ai_approved
	not ai_rejected
}

approve if human_override

reject if {
	ai_rejected
	not human_override
}
