import type { Finding, Review } from "@/lib/types";

/** The counts the API sends beside a review's findings when the document holds all of them. */
function countsOf(findings: Finding[]): Pick<Review, "findings_total" | "finding_counts" | "introduced_counts" | "posture_count"> {
  const all: Record<string, number> = {};
  const introduced: Record<string, number> = {};
  for (const finding of findings) {
    all[finding.severity] = (all[finding.severity] ?? 0) + 1;
    if (finding.introduced) introduced[finding.severity] = (introduced[finding.severity] ?? 0) + 1;
  }
  return { findings_total: findings.length, finding_counts: all, introduced_counts: introduced, posture_count: findings.filter((f) => !f.introduced).length };
}

/** A completed review as the API sends it; its counts agree with its findings unless a test overrides them. */
export function makeReview(overrides: Partial<Review> = {}): Review {
  const review: Review = {
    id: "01JD8Z4Q7W3V5K2M9N8P6R4T2Y",
    version: 2,
    latest_version: 2,
    attempts: 0,
    status: "COMPLETED",
    decision: null,
    source: "api",
    title: "prod-db: drop replica",
    tags: ["prod"],
    spacelift: null,
    plan: { sha256: "ab", bytes: 100, terraform_version: "1.9.5", format_version: "1.2", errored: false, applyable: true, complete: true, chunks: 1 },
    summary: { create: 1, update: 2, delete: 1, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
    findings: [
      {
        rule_id: "TFR-DB-001",
        title: "Database deleted",
        severity: "CRITICAL",
        category: "change",
        address: "aws_db_instance.main",
        type: "aws_db_instance",
        action: "delete",
        attribute: null,
        introduced: true,
        message: "The database is destroyed.",
        remediation: "Take a snapshot first.",
        source: "rule",
      },
      {
        rule_id: "TFR-S3-002",
        title: "Bucket without versioning",
        severity: "MEDIUM",
        category: "security",
        address: "aws_s3_bucket.logs",
        attribute: "versioning",
        introduced: false,
        message: "Versioning is off.",
        remediation: "Enable versioning.",
        source: "rule",
      },
    ],
    risk: { score: 92, level: "CRITICAL", reasons: ["database deleted"], introduced: 2, posture: 0, verdict: "" },
    ai: null,
    changes_total: 1,
    changes_truncated: 0,
    changes: [
      {
        address: "aws_db_instance.main",
        type: "aws_db_instance",
        action: "update",
        changed: [
          { path: "password", before: "(redacted)", after: "(redacted)" },
          { path: "instance_class", before: "db.t3.micro", after: "db.t3.large" },
        ],
      },
    ],
    status_history: [
      { status: "PENDING", at: "2026-01-01T00:00:00Z", version: 1 },
      { status: "COMPLETED", at: "2026-01-01T00:00:05Z", version: 2 },
    ],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:05Z",
    findings_total: 0,
    posture_count: 0,
  };
  return { ...review, ...countsOf(overrides.findings ?? review.findings ?? []), ...overrides };
}
