import type { ResourceChange } from "@/lib/types";

// A resource change as Terraform's plan output shows it: only the attributes that change, one
// line each, with values that only exist after apply counted rather than listed.

export const UNKNOWN = "(known after apply)";
export const REDACTED = "(redacted)";

export type LineKind = "add" | "remove" | "change";

export interface DiffLine {
  kind: LineKind;
  path: string;
  before: unknown;
  after: unknown;
  /** The value becomes known only after apply (and had a value before). */
  unknownAfter: boolean;
  sensitive: boolean;
}

export interface ResourceDiff {
  lines: DiffLine[];
  /** Attributes that only get a value after apply (nothing before): summarised as a count. */
  knownAfterApply: number;
}

function absent(value: unknown): boolean {
  return value === null || value === undefined;
}

/** The lines of one resource's diff and how many attributes are known only after apply. */
export function resourceDiff(change: ResourceChange): ResourceDiff {
  const lines: DiffLine[] = [];
  let knownAfterApply = 0;
  for (const attr of change.changed ?? []) {
    const unknownAfter = attr.after === UNKNOWN;
    if (unknownAfter && absent(attr.before)) {
      knownAfterApply += 1;
      continue;
    }
    const sensitive = attr.before === REDACTED || attr.after === REDACTED;
    const kind: LineKind = absent(attr.before) ? "add" : absent(attr.after) ? "remove" : "change";
    lines.push({ kind, path: attr.path, before: attr.before, after: attr.after, unknownAfter, sensitive });
  }
  return { lines, knownAfterApply };
}

export interface ActionStyle {
  symbol: string;
  word: string;
}

/** Terraform's symbol and a word for each action. */
export function actionStyle(action: string): ActionStyle {
  switch (action) {
    case "create":
      return { symbol: "+", word: "create" };
    case "delete":
      return { symbol: "-", word: "destroy" };
    case "update":
      return { symbol: "~", word: "update" };
    case "replace_destroy_first":
      return { symbol: "-/+", word: "replace (destroy first)" };
    case "replace_create_first":
      return { symbol: "+/-", word: "replace (create first)" };
    case "replace_forget":
      return { symbol: "+/.", word: "replace (forget the old)" };
    case "forget":
      return { symbol: ".", word: "forget" };
    case "import":
      return { symbol: "<=", word: "import" };
    case "move":
      return { symbol: "→", word: "move" };
    default:
      return { symbol: "?", word: action.replaceAll("_", " ") };
  }
}

const ACTION_OUTCOMES: Record<string, string> = {
  create: "created",
  update: "updated in place",
  delete: "destroyed",
  replace_destroy_first: "replaced (destroyed first)",
  replace_create_first: "replaced (created first)",
  replace_forget: "replaced (old one forgotten)",
  forget: "removed from state",
  import: "imported",
  move: "moved",
};

/** What applying the plan does to a resource ("will be …"), or null for an action that changes nothing. */
export function actionOutcome(action: string): string | null {
  return Object.hasOwn(ACTION_OUTCOMES, action) ? (ACTION_OUTCOMES[action] ?? null) : null;
}

/** Attribute values as Terraform prints them. */
export function formatPlanValue(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (typeof value === "string") return value === UNKNOWN ? UNKNOWN : JSON.stringify(value);
  return JSON.stringify(value);
}

/** A short line for a collapsed resource: "3 attributes change, + 14 known after apply". */
export function diffSummary(diff: ResourceDiff): string {
  const parts: string[] = [];
  if (diff.lines.length > 0) parts.push(`${diff.lines.length} attribute${diff.lines.length === 1 ? "" : "s"} change`);
  if (diff.knownAfterApply > 0) parts.push(`+ ${diff.knownAfterApply} known after apply`);
  return parts.join(", ") || "no attribute changes";
}
