import { AlertOctagon, AlertTriangle, CheckCircle2, CircleDashed, ShieldAlert, Sparkles, XCircle } from "lucide-react";

import { SeverityBadge } from "@/components/badges";
import { SafeMarkdown } from "@/components/review/safe-markdown";
import type { Review, RiskLevel } from "@/lib/types";
import { cn } from "@/lib/utils";
import { aiLead, type Verdict } from "@/lib/verdict";

// The first screen of a review: is this plan safe to apply, and if not, why. The level is said
// three ways (colour, icon, word); the engine's sentence and reasons by concern say why in words
// (the worst findings, for a review stored before the engine wrote them).

const ALARM_CLASSES = "border-red-600 bg-red-50 text-red-950 dark:border-red-500 dark:bg-red-950/50 dark:text-red-50";
const BANNER_CLASSES: Record<RiskLevel | "NONE" | "FAILED", string> = {
  CRITICAL: ALARM_CLASSES,
  HIGH: "border-orange-600 bg-orange-50 text-orange-950 dark:border-orange-500 dark:bg-orange-950/50 dark:text-orange-50",
  MEDIUM: "border-amber-500 bg-amber-50 text-amber-950 dark:border-amber-500 dark:bg-amber-950/50 dark:text-amber-50",
  LOW: "border-emerald-600 bg-emerald-50 text-emerald-950 dark:border-emerald-500 dark:bg-emerald-950/50 dark:text-emerald-50",
  NONE: "border-border bg-muted/40 text-foreground",
  FAILED: ALARM_CLASSES,
};

// The engine's reasons shown in the banner, worst first; every reason is in the review details.
const WHY_SHOWN = 3;

function BannerIcon({ review, level }: { review: Review; level: RiskLevel | null }) {
  const className = "size-8 shrink-0";
  if (review.status === "FAILED") return <XCircle className={className} aria-hidden="true" />;
  if (!level) return <CircleDashed className={className} aria-hidden="true" />;
  if (level === "CRITICAL") return <AlertOctagon className={className} aria-hidden="true" />;
  if (level === "HIGH") return <ShieldAlert className={className} aria-hidden="true" />;
  if (level === "MEDIUM") return <AlertTriangle className={className} aria-hidden="true" />;
  return <CheckCircle2 className={className} aria-hidden="true" />;
}

function Count({ label, value, alarm, testId }: { label: string; value: number; alarm: boolean; testId: string }) {
  return (
    <div className={cn("rounded-md border bg-background/70 px-3 py-1.5 text-foreground", alarm && value > 0 && "border-current font-semibold")} data-testid={testId}>
      <dt className="text-xs">{label}</dt>
      <dd className="text-xl tabular-nums">{value}</dd>
    </div>
  );
}

export function VerdictBanner({ review, verdict }: { review: Review; verdict: Verdict }) {
  const tone = review.status === "FAILED" ? "FAILED" : (verdict.level ?? "NONE");
  const lead = review.ai?.status === "ok" ? aiLead(review.ai.summary_md) : null;
  const completed = review.status === "COMPLETED";
  return (
    <section
      aria-labelledby="verdict-heading"
      className={cn("rounded-xl border-2 border-l-8 p-4 sm:p-5", BANNER_CLASSES[tone])}
      data-testid="verdict"
      data-risk={verdict.level ?? "none"}
    >
      <div className={cn("grid gap-4", lead && "lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]")}>
        <div className="min-w-0 space-y-3">
          <div className="flex items-start gap-3">
            <BannerIcon review={review} level={verdict.level} />
            <div className="min-w-0">
              <h2 id="verdict-heading" className="text-2xl leading-tight font-bold" data-testid="verdict-headline">
                {verdict.headline}
                {review.risk && completed ? <span className="ml-2 text-base font-medium opacity-80">score {review.risk.score}/100</span> : null}
              </h2>
              <p className="mt-1 text-base leading-snug font-medium" data-testid="verdict-sentence">
                {verdict.sentence}
              </p>
            </div>
          </div>
          {completed ? (
            <dl className="flex flex-wrap gap-2" aria-label="What this plan does">
              <Count label="Destroyed" value={verdict.counts.destroyed} alarm testId="count-destroyed" />
              <Count label="Replaced" value={verdict.counts.replaced} alarm testId="count-replaced" />
              <Count label="New HIGH+ findings" value={verdict.counts.introducedHighPlus} alarm testId="count-high" />
              <Count label="Pre-existing" value={verdict.counts.posture} alarm={false} testId="count-posture" />
            </dl>
          ) : null}
          {verdict.why.length > 0 ? (
            <div className="min-w-0">
              <h3 className="mb-1 text-sm font-semibold">
                Why
                {verdict.why.length > WHY_SHOWN ? (
                  <span className="font-normal opacity-80" data-testid="verdict-why-more">
                    {` · the worst ${WHY_SHOWN} of ${verdict.why.length} concerns; all of them under Review details`}
                  </span>
                ) : null}
              </h3>
              <ul className="space-y-1 text-sm" data-testid="verdict-why">
                {verdict.why.slice(0, WHY_SHOWN).map((reason) => (
                  <li key={reason.concern} className="flex min-w-0 items-baseline gap-2" data-concern={reason.concern}>
                    <SeverityBadge severity={reason.severity} />
                    {/* One line each on wider screens (the page keeps its height budget); the full words on hover and in Review details. */}
                    <p className="min-w-0 [overflow-wrap:anywhere] sm:truncate" title={`${reason.title}: ${reason.text}`}>
                      <span className="font-medium">{reason.title}:</span> {reason.text}
                    </p>
                  </li>
                ))}
              </ul>
            </div>
          ) : verdict.worst.length > 0 ? (
            <div>
              <h3 className="mb-1 text-sm font-semibold">Worst introduced findings</h3>
              <ul className="space-y-1 text-sm" data-testid="worst-findings">
                {verdict.worst.map((finding, i) => (
                  <li key={`${finding.rule_id}-${finding.address ?? ""}-${i}`} className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
                    <SeverityBadge severity={finding.severity} />
                    <a href={`#finding-${findingAnchor(finding)}`} className="font-medium underline-offset-4 hover:underline">
                      {finding.title}
                    </a>
                    {finding.address ? <span className="font-mono text-xs break-all opacity-80">{finding.address}</span> : null}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
        {lead ? (
          <aside className="bg-background/70 text-foreground min-w-0 rounded-lg border p-3 text-sm" aria-label="AI summary" data-testid="verdict-ai">
            <p className="text-muted-foreground mb-1 flex items-center gap-1 text-xs font-medium">
              <Sparkles className="size-3.5" aria-hidden="true" /> AI summary{review.ai?.model ? ` · ${review.ai.model}` : ""}
            </p>
            <SafeMarkdown>{lead}</SafeMarkdown>
            <a href="#ai-section" className="mt-1 inline-block text-xs underline underline-offset-4">
              Read the full AI review
            </a>
          </aside>
        ) : null}
      </div>
    </section>
  );
}

/** A stable anchor for a finding, shared by the banner's links and the findings list. */
export function findingAnchor(finding: { rule_id: string; address?: string | null; attribute?: string | null }): string {
  return `${finding.rule_id}-${finding.address ?? "plan"}-${finding.attribute ?? ""}`.replace(/[^A-Za-z0-9_-]+/g, "-");
}
