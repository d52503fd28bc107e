import { AlertOctagon, AlertTriangle, CheckCircle2, CircleDashed, Info, Loader2, ShieldAlert, XCircle } from "lucide-react";

import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/utils";
import type { Decision, RiskLevel, Severity, Status } from "@/lib/types";

// Colour is never the only signal: every badge carries its level as text, and an icon.

const RISK_CLASSES: Record<RiskLevel, string> = {
  LOW: "bg-emerald-100 text-emerald-900 border-emerald-300 dark:bg-emerald-950 dark:text-emerald-200 dark:border-emerald-800",
  MEDIUM: "bg-amber-100 text-amber-900 border-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:border-amber-800",
  HIGH: "bg-orange-100 text-orange-900 border-orange-400 dark:bg-orange-950 dark:text-orange-200 dark:border-orange-700",
  CRITICAL: "bg-red-100 text-red-900 border-red-400 dark:bg-red-950 dark:text-red-200 dark:border-red-700",
};

export const RISK_COLORS: Record<RiskLevel, string> = {
  LOW: "#10b981",
  MEDIUM: "#f59e0b",
  HIGH: "#f97316",
  CRITICAL: "#dc2626",
};

/** Text colour of Terraform's action symbols (+ create, ~ update, - destroy, -/+ and +/- replace). */
export const ACTION_TONE: Record<string, string> = {
  "+": "text-emerald-800 dark:text-emerald-300",
  "-": "text-red-800 dark:text-red-300",
  "~": "text-amber-800 dark:text-amber-300",
  "-/+": "text-red-800 dark:text-red-300",
  "+/-": "text-orange-800 dark:text-orange-300",
};

export function RiskBadge({ level, score, className }: { level: RiskLevel | null | undefined; score?: number | null; className?: string }) {
  if (!level) {
    return (
      <Badge variant="outline" className={cn("text-muted-foreground", className)} data-risk="none">
        No risk yet
      </Badge>
    );
  }
  const Icon = level === "LOW" ? CheckCircle2 : level === "MEDIUM" ? AlertTriangle : level === "HIGH" ? ShieldAlert : AlertOctagon;
  return (
    <Badge variant="outline" className={cn(RISK_CLASSES[level], className)} data-risk={level} aria-label={`Risk ${level}${score != null ? `, score ${score}` : ""}`}>
      <Icon aria-hidden="true" />
      {level}
      {score != null ? <span className="font-normal">· {score}</span> : null}
    </Badge>
  );
}

const SEVERITY_CLASSES: Record<Severity, string> = {
  INFO: "bg-sky-100 text-sky-900 border-sky-300 dark:bg-sky-950 dark:text-sky-200 dark:border-sky-800",
  LOW: RISK_CLASSES.LOW,
  MEDIUM: RISK_CLASSES.MEDIUM,
  HIGH: RISK_CLASSES.HIGH,
  CRITICAL: RISK_CLASSES.CRITICAL,
};

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <Badge variant="outline" className={SEVERITY_CLASSES[severity]} data-severity={severity}>
      {severity}
    </Badge>
  );
}

export function StatusBadge({ status }: { status: Status }) {
  const icon =
    status === "COMPLETED" ? (
      <CheckCircle2 aria-hidden="true" />
    ) : status === "FAILED" ? (
      <XCircle aria-hidden="true" />
    ) : status === "IN_PROGRESS" ? (
      <Loader2 aria-hidden="true" className="animate-spin motion-reduce:animate-none" />
    ) : (
      <CircleDashed aria-hidden="true" />
    );
  return (
    <Badge
      variant={status === "FAILED" ? "destructive" : status === "COMPLETED" ? "secondary" : "outline"}
      data-status={status}
    >
      {icon}
      {status.replace("_", " ")}
    </Badge>
  );
}

export function DecisionBadge({ decision }: { decision: Decision | null | undefined }) {
  if (!decision) return <span className="text-muted-foreground text-xs">Undecided</span>;
  return (
    <Badge
      variant="outline"
      data-decision={decision}
      className={decision === "APPROVED" ? RISK_CLASSES.LOW : RISK_CLASSES.CRITICAL}
    >
      {decision === "APPROVED" ? <CheckCircle2 aria-hidden="true" /> : <XCircle aria-hidden="true" />}
      {decision}
    </Badge>
  );
}

export function SourceBadge({ source }: { source: string | null | undefined }) {
  if (!source) return null;
  return (
    <Badge variant="secondary">
      <Info aria-hidden="true" />
      {source}
    </Badge>
  );
}
