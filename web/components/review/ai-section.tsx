import { ChevronRight, ShieldAlert } from "lucide-react";

import { SafeMarkdown } from "@/components/review/safe-markdown";
import { Card, CardContent, CardTitle } from "@/components/ui/card";
import { formatCost, formatDuration, formatNumber } from "@/lib/format";
import type { AiResult } from "@/lib/types";

export function AiSection({ ai }: { ai: AiResult | null }) {
  return (
    <Card data-testid="ai-section" id="ai-section" className="scroll-mt-20 gap-0 py-0">
      <details className="group" open={!ai || ai.status !== "ok" ? true : undefined}>
      <summary className="flex cursor-pointer flex-wrap items-center gap-x-2 gap-y-1 px-4 py-4 sm:px-6">
        <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden="true" />
        <CardTitle>
          <h2>AI review</h2>
        </CardTitle>
        <span className="text-muted-foreground text-sm">
          {ai?.status === "ok"
            ? `summary${(ai.recommendations ?? []).length ? `, ${(ai.recommendations ?? []).length} recommendation${(ai.recommendations ?? []).length === 1 ? "" : "s"}` : ""}, model usage`
            : ""}
        </span>
      </summary>
      <CardContent className="space-y-4 px-4 pb-6 text-sm sm:px-6">
        {!ai ? (
          <p className="text-muted-foreground">No AI review for this version.</p>
        ) : ai.status !== "ok" ? (
          <p className="text-muted-foreground">
            AI review {ai.status}
            {ai.error ? `: ${ai.error}` : "."} The rule findings above stand on their own.
          </p>
        ) : (
          <>
            {ai.untrusted_text ? (
              <p className="flex items-center gap-2 rounded-md border border-amber-300 bg-amber-50 p-2 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
                <ShieldAlert className="size-4 shrink-0" aria-hidden="true" /> The summary quotes text from the plan; treat links and instructions in it with care.
              </p>
            ) : null}
            {ai.summary_md ? <SafeMarkdown>{ai.summary_md}</SafeMarkdown> : <p className="text-muted-foreground">No summary.</p>}
            {ai.justification ? (
              <p>
                <span className="font-medium">Risk justification{ai.risk_level ? ` (${ai.risk_level})` : ""}: </span>
                {ai.justification}
              </p>
            ) : null}
            {(ai.recommendations ?? []).length > 0 ? (
              <div>
                <h3 className="mb-1 font-medium">Recommendations</h3>
                <ul className="list-disc space-y-1 pl-5" data-testid="recommendations">
                  {(ai.recommendations ?? []).map((rec, i) => (
                    <li key={i}>{rec}</li>
                  ))}
                </ul>
              </div>
            ) : null}
          </>
        )}
        {ai ? (
          <dl className="text-muted-foreground grid grid-cols-2 gap-x-4 gap-y-1 text-xs sm:grid-cols-4" aria-label="AI usage">
            <div>
              <dt>Model</dt>
              <dd className="text-foreground">
                {ai.provider ?? "—"}
                {ai.model ? ` / ${ai.model}` : ""}
                {ai.fake ? " (fake)" : ""}
              </dd>
            </div>
            <div>
              <dt>Tokens in / out</dt>
              <dd className="text-foreground tabular-nums">
                {formatNumber(ai.tokens_in)} / {formatNumber(ai.tokens_out)}
              </dd>
            </div>
            <div>
              <dt>Cost</dt>
              <dd className="text-foreground tabular-nums">{formatCost(ai.cost_usd)}</dd>
            </div>
            <div>
              <dt>Latency</dt>
              <dd className="text-foreground tabular-nums">{formatDuration(ai.latency_ms)}</dd>
            </div>
            {ai.prompt_version ? (
              <div>
                <dt>Prompt</dt>
                <dd className="text-foreground">{ai.prompt_version}</dd>
              </div>
            ) : null}
            {ai.dropped_findings ? (
              <div>
                <dt>Dropped AI findings</dt>
                <dd className="text-foreground">{ai.dropped_findings}</dd>
              </div>
            ) : null}
          </dl>
        ) : null}
      </CardContent>
      </details>
    </Card>
  );
}
