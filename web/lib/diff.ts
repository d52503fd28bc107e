import type { Review } from "@/lib/types";

// The difference between two versions of a review, as a flat list of changed fields.

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

function findingKey(f: NonNullable<Review["findings"]>[number]): string {
  return `${f.severity} ${f.rule_id} ${f.address ?? ""}${f.attribute ? `.${f.attribute}` : ""}`;
}

/** The parts of a review worth comparing between versions, flattened to paths. */
export function projectReview(review: Review): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: review.status,
    decision: review.decision ?? null,
    decision_note: review.decision_note ?? null,
    decided_by: review.decided_by ?? null,
    title: review.title ?? null,
    tags: (review.tags ?? []).join(", "),
    "risk.level": review.risk?.level ?? null,
    "risk.score": review.risk?.score ?? null,
    "ai.status": review.ai?.status ?? null,
    "ai.model": review.ai?.model ?? null,
    "ai.risk_level": review.ai?.risk_level ?? null,
    error: review.error ?? null,
  };
  for (const key of ["create", "update", "delete", "replace"] as const) {
    out[`summary.${key}`] = review.summary?.[key] ?? null;
  }
  for (const finding of review.findings ?? []) {
    out[`finding: ${findingKey(finding)}`] = finding.introduced ? "introduced" : "pre-existing";
  }
  return out;
}

export function diffReviews(a: Review, b: Review): FieldChange[] {
  const left = projectReview(a);
  const right = projectReview(b);
  const paths = [...new Set([...Object.keys(left), ...Object.keys(right)])];
  const changes: FieldChange[] = [];
  for (const path of paths) {
    const before = path in left ? left[path] : undefined;
    const after = path in right ? right[path] : undefined;
    if (JSON.stringify(before) !== JSON.stringify(after)) changes.push({ path, before, after });
  }
  return changes;
}
