// Domain types of the tfreview API as the dashboard uses them, derived from the types generated
// from the API's OpenAPI schema (lib/api-types.ts, `npm run gen:types`; `npm run check:types-drift`
// fails when they no longer match the API).
import type { components } from "@/lib/api-types";

type Schemas = components["schemas"];

export const STATUSES = ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"] as const satisfies readonly Schemas["ReviewStatus"][];
export type Status = Schemas["ReviewStatus"];
export const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const satisfies readonly Schemas["RiskLevel"][];
export type RiskLevel = Schemas["RiskLevel"];
export const DECISIONS = ["APPROVED", "REJECTED"] as const satisfies readonly Schemas["Decision"][];
export type Decision = Schemas["Decision"];
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] as const satisfies readonly Schemas["Severity"][];
export type Severity = Schemas["Severity"];

export type SpaceliftInfo = Schemas["SpaceliftInfo"];
export type ChangeSummary = Schemas["ChangeSummary"];
export type Finding = Schemas["Finding"];
export type Risk = Schemas["Risk"];
export type AiResult = Schemas["AIReview"];
export type ResourceChange = Schemas["ResourceChangeView"];
export type StatusEvent = Schemas["StatusEvent"];
export type Review = Schemas["Review"];
/** GET /api/reviews/{id}: the current version with its notification deliveries. */
export type ReviewResource = Schemas["ReviewResource"];
export type NotificationDelivery = Schemas["NotificationRecord"];
export type Analytics = Schemas["Analytics"];
export type ApiErrorBody = Schemas["ErrorResponse"];

// The list schema types its nested objects loosely (dicts); they hold the same shapes as a Review.
// (Pick, not Omit: the schema allows extra keys, and Omit over an index signature loses the named ones.)
export type ReviewListItem = Pick<
  Schemas["ReviewListItem"],
  | "id"
  | "version"
  | "latest_version"
  | "title"
  | "source"
  | "tags"
  | "created_at"
  | "updated_at"
  | "duration_ms"
  | "error"
  | "ai_status"
  | "findings_total"
  | "changes_total"
  | "posture_count"
  | "destroyed"
  | "replaced"
  | "plan_errored"
  | "decided_by"
  | "decider"
  | "acted_by"
  | "action"
  | "creator"
> & {
  status: Status;
  decision?: Decision | null;
  spacelift?: SpaceliftInfo | null;
  summary?: ChangeSummary | null;
  risk?: Risk | null;
  finding_counts: Partial<Record<Severity, number>>;
  introduced_counts?: Partial<Record<Severity, number>>;
};

export type ReviewPage = { items: ReviewListItem[]; next_cursor?: string | null };

export function isTerminal(status: Status): boolean {
  return status === "COMPLETED" || status === "FAILED";
}
