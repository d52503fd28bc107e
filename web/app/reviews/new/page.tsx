import type { Metadata } from "next";

import { NewReviewForm } from "@/components/reviews/new-review-form";

export const metadata: Metadata = { title: "New review" };

export default function NewReviewPage() {
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <h1 className="text-2xl font-semibold tracking-tight">New review</h1>
      <p className="text-muted-foreground text-sm">
        Upload or paste the output of <code className="bg-muted rounded px-1">terraform show -json plan.tfplan</code>. Sensitive values are
        redacted before the plan is stored or sent to a model.
      </p>
      <NewReviewForm />
    </div>
  );
}
