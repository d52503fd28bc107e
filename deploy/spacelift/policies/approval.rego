# tfreview approval policy example (APPROVAL, engine REGO_V1).
#
# A run proceeds once the tfreview API key (member of reviewer_group) approves it through runReview, and
# fails when it rejects it, unless a human from override_group approves. Queued runs are let through:
# nothing has been planned yet, so there is nothing to review.
package spacelift

reviewer_group := "tfreview"

override_group := "infra-admins"

# How an API key's review shows up in this input is not documented; if its groups are missing from
# session.teams in your account, list the key's author id here (runs show API keys as "api::<key id>").
reviewer_authors := set()

teams(review) := object.get(object.get(review, "session", {}), "teams", [])

reviews := object.get(input, "reviews", {})

current := object.get(reviews, "current", {})

approvals := object.get(current, "approvals", [])

rejections := object.get(current, "rejections", [])

is_reviewer(review) if reviewer_group in teams(review)

is_reviewer(review) if object.get(review, "author", "") in reviewer_authors

ai_approved if {
	some review in approvals
	is_reviewer(review)
}

ai_rejected if {
	some review in rejections
	is_reviewer(review)
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
