import type { ReviewListItem } from "@/lib/types";

// What a row of the reviews list needs for triage: how bad (introduced HIGH+ findings), how
// destructive, and whether the review itself can be trusted (errored plan, failed AI).

export interface Triage {
  /** Introduced HIGH and CRITICAL findings (all findings when the API gives no split). */
  highPlus: number;
  critical: number;
  destroyed: number;
  replaced: number;
  errored: boolean;
  aiFailed: boolean;
  failed: boolean;
}

export function triageOf(item: ReviewListItem): Triage {
  const counts = item.introduced_counts ?? item.finding_counts ?? {};
  return {
    highPlus: (counts.HIGH ?? 0) + (counts.CRITICAL ?? 0),
    critical: counts.CRITICAL ?? 0,
    destroyed: item.destroyed ?? item.summary?.delete ?? 0,
    replaced: item.replaced ?? item.summary?.replace ?? 0,
    errored: item.plan_errored === true,
    aiFailed: item.ai_status === "failed",
    failed: item.status === "FAILED",
  };
}
