import { describe, expect, it } from "vitest";

import type { Finding, ResourceChange } from "@/lib/types";
import { approveBlocked, approveNeedsConfirmation, findingClause, planHealth, verdictOf } from "@/lib/verdict";

import { makeReview } from "./fixtures";

function finding(severity: Finding["severity"], category: Finding["category"], title: string, introduction: Finding["introduction"] = "introduced"): Finding {
  return { rule_id: `TFR-${title.length}`, title, severity, category, message: "", introduced: introduction !== "pre_existing", introduction, source: "rule" } as Finding;
}

function change(address: string, type: string, action: string): ResourceChange {
  return { address, type, action, changed: [] };
}

describe("verdictOf", () => {
  it("says what a risky plan destroys and opens, worst first, with the counts that matter", () => {
    const review = makeReview({
      title: "Prod payments",
      risk: { score: 100, level: "CRITICAL", introduced: 1, posture: 0, reasons: [], verdict: "" },
      summary: { create: 3, update: 2, delete: 1, replace: 1, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [change("aws_db_instance.payments", "aws_db_instance", "delete"), change("aws_instance.batch[0]", "aws_instance", "replace_destroy_first"), change("aws_s3_bucket.x", "aws_s3_bucket", "update")],
      findings: [
        finding("LOW", "security", "S3 bucket has no public access block", "pre_existing"),
        finding("HIGH", "change", "Stateful resource deleted"),
        finding("HIGH", "network", "Security group allows a database port from the internet"),
        finding("CRITICAL", "iam", "IAM policy grants full admin (*:* on *)"),
        finding("MEDIUM", "cost", "Cost risk: larger instance size", "worsened"),
      ],
    });
    const verdict = verdictOf(review);
    expect(verdict.headline).toBe("Critical risk");
    expect(verdict.sentence).toBe("Destroys a production database, replaces a server and grants full admin rights.");
    expect(verdict.counts).toMatchObject({ destroyed: 1, replaced: 1, introducedHighPlus: 3, introduced: 4, posture: 1 });
    expect(verdict.worst.map((f) => f.severity)).toEqual(["CRITICAL", "HIGH", "HIGH"]);
    expect(verdict.destructive.map((c) => c.address)).toEqual(["aws_db_instance.payments", "aws_instance.batch[0]"]);
  });

  it("names the exposure when nothing is destroyed", () => {
    const review = makeReview({
      title: "network",
      risk: { score: 70, level: "HIGH", introduced: 1, posture: 0, reasons: [], verdict: "" },
      summary: { create: 0, update: 1, delete: 0, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [change("aws_security_group.db", "aws_security_group", "update")],
      findings: [finding("HIGH", "network", "Ingress from 0.0.0.0/0 on port 5432 (PostgreSQL)"), finding("HIGH", "network", "Security group allows SSH from the internet")],
    });
    expect(verdictOf(review).sentence).toBe("Opens PostgreSQL to the internet and opens SSH to the internet.");
  });

  it("says one exposure once when several rules see it, and names the compound it makes", () => {
    const review = makeReview({
      title: "orders",
      risk: { score: 100, level: "CRITICAL", introduced: 5, posture: 0, reasons: [], verdict: "" },
      summary: { create: 1, update: 1, delete: 1, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [change("aws_s3_bucket.audit_logs", "aws_s3_bucket", "delete"), change("aws_db_instance.orders", "aws_db_instance", "update")],
      findings: [
        { ...finding("CRITICAL", "network", "Internet-open security group on a publicly reachable resource"), message: "open security group: PostgreSQL (tcp/5432) from 0.0.0.0/0" },
        finding("HIGH", "network", "Database publicly accessible"),
        finding("HIGH", "change", "Database deletable with no protection and no final snapshot"),
        finding("HIGH", "network", "Security group allows a database port from the internet"),
      ],
    });
    expect(verdictOf(review).sentence).toBe("Destroys a bucket, opens PostgreSQL to the internet and leaves a database deletable with no final snapshot.");
  });

  it("keeps a low plan calm and notes posture apart, never as the reason", () => {
    const review = makeReview({
      risk: { score: 3, level: "LOW", introduced: 0, posture: 2, reasons: [], verdict: "" },
      introduced_counts: {},
      summary: { create: 0, update: 3, delete: 0, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [],
      findings: [finding("LOW", "security", "S3 bucket has no public access block", "pre_existing"), finding("LOW", "reliability", "S3 bucket versioning is off", "pre_existing")],
    });
    const verdict = verdictOf(review);
    expect(verdict.headline).toBe("Low risk");
    expect(verdict.sentence).toBe("Changes 3 resources; nothing risky is introduced. 2 pre-existing issues are noted apart.");
    expect(verdict.counts).toMatchObject({ destroyed: 0, replaced: 0, introducedHighPlus: 0, posture: 2 });
    expect(verdict.worst).toEqual([]);
  });

  it("says an errored plan is never safe, and a failed or running review says so", () => {
    const errored = makeReview({ plan: { ...makeReview().plan, errored: true }, findings: [], changes: [] });
    expect(verdictOf(errored).sentence).toMatch(/^Terraform could not finish this plan, so it is never safe to apply\./);
    expect(verdictOf(errored).errored).toBe(true);
    expect(verdictOf(makeReview({ status: "FAILED", error: "plan blob missing", risk: null })).sentence).toBe("The review could not finish: plan blob missing.");
    expect(verdictOf(makeReview({ status: "FAILED", error: "plan blob missing", risk: null })).headline).toBe("Review failed");
    expect(verdictOf(makeReview({ status: "PENDING", risk: null })).headline).toBe("Review running");
  });

  it("counts from the summary when the change list is cut short", () => {
    const review = makeReview({
      summary: { create: 0, update: 0, delete: 40, replace: 2, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [],
      findings: [],
    });
    const verdict = verdictOf(review);
    expect(verdict.counts.destroyed).toBe(40);
    expect(verdict.sentence).toBe("Destroys 40 resources and replaces 2 resources.");
  });

  it("never names only the first page's destroys as if they were all of them", () => {
    const review = makeReview({
      title: "database cleanup",
      summary: { create: 0, update: 0, delete: 40, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [change("aws_db_instance.a", "aws_db_instance", "delete"), change("aws_db_instance.b", "aws_db_instance", "delete")],
      findings: [],
    });
    expect(verdictOf(review).sentence).toBe("Destroys 2 databases and more.");
  });
  it("counts every finding and change from the API's totals when the document holds only their first pages", () => {
    const review = makeReview({
      summary: { create: 0, update: 10, delete: 3, replace: 0, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
      changes: [change("aws_db_instance.a", "aws_db_instance", "delete")],
      findings: [finding("CRITICAL", "iam", "IAM policy grants full admin (*:* on *)")],
      findings_total: 40,
      introduced_counts: { CRITICAL: 2, HIGH: 5, MEDIUM: 8 },
      posture_count: 25,
    });
    expect(verdictOf(review).counts).toMatchObject({ destroyed: 3, introducedHighPlus: 7, introduced: 15, posture: 25 });
  });
});

describe("findingClause", () => {
  it("turns finding categories into plain verbs", () => {
    expect(findingClause(finding("HIGH", "secrets", "Secret in Lambda environment variables"))).toBe("puts a secret where it can be read");
    expect(findingClause(finding("HIGH", "security", "Public IAM member (allUsers)"))).toBe("makes data public");
    expect(findingClause(finding("HIGH", "security", "Privileged container"))).toBe("runs privileged containers");
    expect(findingClause(finding("HIGH", "change", "Deletion protection turned off"))).toBe("turns off deletion protection");
    expect(findingClause(finding("HIGH", "change", "Stateful resource deleted"))).toBeNull();
  });
});

describe("decision guard rails", () => {
  it("offers no Approve on an errored or unfinished review, and asks for confirmation on HIGH and CRITICAL", () => {
    expect(approveBlocked(makeReview())).toBeNull();
    expect(approveBlocked(makeReview({ plan: { ...makeReview().plan, errored: true } }))).toMatch(/could not finish/);
    expect(approveBlocked(makeReview({ status: "IN_PROGRESS" }))).toMatch(/once the review has completed/);
    expect(approveNeedsConfirmation(makeReview())).toBe(true);
    expect(approveNeedsConfirmation(makeReview({ risk: { score: 60, level: "HIGH", introduced: 1, posture: 0, reasons: [], verdict: "" } }))).toBe(true);
    expect(approveNeedsConfirmation(makeReview({ risk: { score: 10, level: "LOW", introduced: 1, posture: 0, reasons: [], verdict: "" } }))).toBe(false);
  });
});

describe("aiLead", () => {
  it("takes the first paragraph under the headings and cuts long ones at a sentence", async () => {
    const { aiLead } = await import("@/lib/verdict");
    expect(aiLead("## Summary\n\nThis plan deletes the payments DB.\nIt also opens SSH.\n\n- more")).toBe("This plan deletes the payments DB. It also opens SSH.");
    expect(aiLead(null)).toBeNull();
    expect(aiLead("## Only a heading")).toBeNull();
    const long = `${"First sentence is here. ".repeat(20)}`;
    const lead = aiLead(long, 100) ?? "";
    expect(lead.length).toBeLessThanOrEqual(100);
    expect(lead.endsWith(".")).toBe(true);
  });
});

describe("planHealth", () => {
  const none = { create: 0, update: 0, delete: 0, replace: 0, read: 0, no_op: 4, import: 0, move: 0, forget: 0, drift: 0 };
  const plan = { sha256: "0".repeat(64), bytes: 10, chunks: 0, terraform_version: "1.9.5", format_version: "1.2", errored: false, applyable: false, complete: true };

  it("does not call a plan with nothing to change 'not applyable' (Terraform marks every such plan so)", () => {
    expect(planHealth(makeReview({ plan, summary: none }))).toBe("ok");
  });

  it("says 'not applyable' when the plan changes resources, and every other flag it has", () => {
    expect(planHealth(makeReview({ plan, summary: { ...none, update: 1 } }))).toBe("ok, not applyable");
    expect(planHealth(makeReview({ plan: { ...plan, errored: true, complete: false }, summary: { ...none, delete: 2 } }))).toBe(
      "errored, not applyable, incomplete",
    );
    expect(planHealth(makeReview({ plan, summary: null }))).toBe("ok, not applyable");
  });
});
