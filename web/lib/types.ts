// Domain types of the tfreview API, as the dashboard uses them.
// They mirror the OpenAPI schema; lib/api-types.ts is generated from web/openapi.json and
// tests/unit/api-types.test.ts checks that these stay assignable from the generated ones.

export const STATUSES = ["PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"] as const;
export type Status = (typeof STATUSES)[number];
export const RISK_LEVELS = ["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const DECISIONS = ["APPROVED", "REJECTED"] as const;
export type Decision = (typeof DECISIONS)[number];
export const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SpaceliftInfo {
  account?: string | null;
  stack_id?: string | null;
  stack_name?: string | null;
  run_id?: string | null;
  run_type?: string | null;
  run_state?: string | null;
  state_version?: number | null;
  branch?: string | null;
  commit?: { hash?: string | null; message?: string | null; author?: string | null } | null;
  run_url?: string | null;
}

export interface PlanInfo {
  sha256?: string | null;
  bytes?: number | null;
  terraform_version?: string | null;
  format_version?: string | null;
  errored?: boolean | null;
  applyable?: boolean | null;
  complete?: boolean | null;
}

export interface ChangeSummary {
  create: number;
  update: number;
  delete: number;
  replace: number;
  read?: number;
  no_op?: number;
  import?: number;
  move?: number;
  forget?: number;
  drift?: number;
  by_type?: Record<string, number>;
  by_module?: Record<string, number>;
}

export interface Finding {
  rule_id: string;
  title: string;
  severity: Severity;
  category?: string | null;
  address?: string | null;
  type?: string | null;
  action?: string | null;
  attribute?: string | null;
  introduced?: boolean | null;
  message?: string | null;
  remediation?: string | null;
  source?: string | null;
}

export interface Risk {
  score: number;
  level: RiskLevel;
  reasons?: string[];
}

export interface AiResult {
  status: string;
  provider?: string | null;
  model?: string | null;
  prompt_version?: string | null;
  summary_md?: string | null;
  risk_level?: string | null;
  justification?: string | null;
  recommendations?: string[];
  tokens_in?: number | null;
  tokens_out?: number | null;
  cost_usd?: number | null;
  latency_ms?: number | null;
  dropped_findings?: number | null;
  untrusted_text?: boolean | null;
  fake?: boolean | null;
  error?: string | null;
}

export interface AttributeChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ResourceChange {
  address: string;
  type?: string | null;
  action: string;
  module?: string | null;
  changed?: AttributeChange[];
}

export interface StatusEvent {
  status: Status;
  at: string;
  version?: number | null;
}

export interface ReviewBase {
  id: string;
  version: number;
  latest_version: number;
  status: Status;
  decision?: Decision | null;
  decision_note?: string | null;
  decided_by?: string | null;
  decided_at?: string | null;
  source?: string | null;
  title?: string | null;
  tags?: string[];
  metadata?: Record<string, unknown>;
  spacelift?: SpaceliftInfo | null;
  plan?: PlanInfo | null;
  summary?: ChangeSummary | null;
  risk?: Risk | null;
  status_history?: StatusEvent[];
  created_at: string;
  updated_at?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  duration_ms?: number | null;
  error?: string | null;
  created_by?: string | null;
}

export interface Review extends ReviewBase {
  findings?: Finding[];
  changes?: ResourceChange[];
  ai?: AiResult | null;
}

export interface ReviewListItem extends ReviewBase {
  finding_counts?: Partial<Record<Severity, number>>;
}

export interface ReviewPage {
  items: ReviewListItem[];
  next_cursor: string | null;
}

export interface Analytics {
  days: number;
  from: string;
  to: string;
  totals: {
    reviews: number;
    completed: number;
    failed: number;
    by_status: Record<string, number>;
    by_risk: Record<string, number>;
    by_decision: Record<string, number>;
  };
  daily: {
    date: string;
    reviews: number;
    by_status: Record<string, number>;
    by_risk: Record<string, number>;
    by_decision: Record<string, number>;
  }[];
  top_rules: { rule_id: string; title?: string | null; count: number }[];
  top_resource_types: { type: string; count: number }[];
  stacks: { stack_id: string; stack_name?: string | null; reviews: number; failed: number; by_risk: Record<string, number> }[];
  duration: { mean_ms?: number | null; p95_ms?: number | null };
  ai: { tokens_in: number; tokens_out: number; cost_usd: number };
}

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
  request_id?: string;
}

export function isTerminal(status: Status): boolean {
  return status === "COMPLETED" || status === "FAILED";
}
