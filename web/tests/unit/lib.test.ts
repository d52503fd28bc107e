import { describe, expect, it } from "vitest";

import { diffReviews } from "@/lib/diff";
import { formatAge, formatCost, formatDuration, formatValue } from "@/lib/format";
import { parseDays } from "@/lib/periods";
import { makeReview } from "./fixtures";

describe("format", () => {
  it("ages", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(formatAge("2026-01-01T23:59:30Z", now)).toBe("30s ago");
    expect(formatAge("2026-01-01T23:00:00Z", now)).toBe("1h ago");
    expect(formatAge("2025-12-20T00:00:00Z", now)).toBe("13d ago");
    expect(formatAge(null, now)).toBe("—");
  });
  it("durations, costs and values", () => {
    expect(formatDuration(450)).toBe("450 ms");
    expect(formatDuration(2500)).toBe("2.5 s");
    expect(formatCost(0.0123)).toBe("$0.0123");
    expect(formatValue("(redacted)")).toBe("(redacted)");
    expect(formatValue(undefined)).toBe("(absent)");
  });
  it("periods fall back to 30 days", () => {
    expect(parseDays("7")).toBe(7);
    expect(parseDays("1000")).toBe(30);
    expect(parseDays(undefined)).toBe(30);
  });
});

describe("diffReviews", () => {
  it("lists what changed between versions", () => {
    const a = makeReview({ version: 2 });
    const b = makeReview({ version: 3, decision: "APPROVED", decision_note: "fine", findings: [] });
    const paths = diffReviews(a, b).map((c) => c.path);
    expect(paths).toContain("decision");
    expect(paths).toContain("decision_note");
    expect(paths).toContain("finding: CRITICAL TFR-DB-001 aws_db_instance.main");
    expect(paths).not.toContain("status");
  });
});

describe("pagination links", () => {
  it("walks older and back to newer pages through the URL alone", async () => {
    const { newerQuery, newestQuery, olderQuery } = await import("@/lib/pagination");
    const first = new URLSearchParams("risk_level=HIGH");
    expect(newerQuery(first)).toBeNull();
    const second = new URLSearchParams(olderQuery(first, "c2"));
    expect(second.get("cursor")).toBe("c2");
    expect(second.get("back")).toBeNull();
    const third = new URLSearchParams(olderQuery(second, "c3"));
    expect(third.get("cursor")).toBe("c3");
    expect(third.get("back")).toBe("c2");
    const fourth = new URLSearchParams(olderQuery(third, "c4"));
    expect(fourth.get("back")).toBe("c2.c3");
    expect(newerQuery(fourth)).toBe("risk_level=HIGH&cursor=c3&back=c2");
    expect(newerQuery(new URLSearchParams(newerQuery(fourth) ?? ""))).toBe("risk_level=HIGH&cursor=c2");
    expect(newerQuery(second)).toBe("risk_level=HIGH");
    expect(newestQuery(fourth)).toBe("risk_level=HIGH");
  });
});

describe("triage", () => {
  it("prefers introduced counts and the API's destructive counts, and marks errored plans and failed AI", async () => {
    const { triageOf } = await import("@/lib/triage");
    const base = {
      id: "x",
      version: 2,
      latest_version: 2,
      title: "t",
      source: "api",
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      status: "COMPLETED" as const,
      finding_counts: { HIGH: 4, CRITICAL: 1, LOW: 3 },
      findings_total: 8,
      changes_total: 4,
      posture_count: 0,
      destroyed: 2,
      replaced: 1,
      plan_errored: false,
      summary: { create: 1, update: 0, delete: 2, replace: 1, read: 0, no_op: 0, import: 0, move: 0, forget: 0, drift: 0 },
    };
    expect(triageOf(base)).toEqual({ highPlus: 5, critical: 1, destroyed: 2, replaced: 1, errored: false, aiFailed: false, failed: false });
    const newer = { ...base, introduced_counts: { HIGH: 1 }, destroyed: 3, replaced: 0, plan_errored: true, ai_status: "failed" };
    expect(triageOf(newer)).toEqual({ highPlus: 1, critical: 0, destroyed: 3, replaced: 0, errored: true, aiFailed: true, failed: false });
  });
});
