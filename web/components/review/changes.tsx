"use client";

import { ChevronRight } from "lucide-react";
import { useState } from "react";

import { ACTION_TONE } from "@/components/badges";
import { Button } from "@/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { actionOutcome, actionStyle, diffSummary, formatPlanValue, REDACTED, resourceDiff, UNKNOWN, type DiffLine } from "@/lib/plan-diff";
import type { ChangeSummary, ResourceChange } from "@/lib/types";
import { cn } from "@/lib/utils";

// The diff reads like `terraform plan`: one collapsed line per resource, opened on demand (or
// all at once); inside, only the attributes that change. Lines wrap instead of scrolling, so the
// page never grows wider than the screen and nothing needs a scroll container.

/** Plans with this many changed resources or fewer open every resource at first. */
export const OPEN_UP_TO = 3;

function Value({ value }: { value: unknown }) {
  if (value === REDACTED) {
    return (
      <span className="bg-muted rounded px-1 italic" data-redacted="true" title="This value is sensitive and was redacted before storage">
        (redacted)
      </span>
    );
  }
  return <span className={cn(value === UNKNOWN && "italic")}>{formatPlanValue(value)}</span>;
}

function Line({ line }: { line: DiffLine }) {
  const sign = line.kind === "add" ? "+" : line.kind === "remove" ? "-" : "~";
  return (
    <li className="grid grid-cols-[1.25rem_minmax(0,1fr)] gap-1 px-3 py-0.5" data-testid="diff-row" data-kind={line.kind}>
      <span aria-hidden="true" className={cn("font-bold", ACTION_TONE[sign])}>
        {sign}
      </span>
      <span className="break-all whitespace-pre-wrap">
        <span className="sr-only">{line.kind === "add" ? "added " : line.kind === "remove" ? "removed " : "changed "}</span>
        <span className="font-semibold">{line.path}</span> ={" "}
        {line.kind === "add" ? (
          <Value value={line.after} />
        ) : line.kind === "remove" ? (
          <Value value={line.before} />
        ) : (
          <>
            <Value value={line.before} /> <span aria-hidden="true">→</span>
            <span className="sr-only">becomes</span> <Value value={line.after} />
          </>
        )}
      </span>
    </li>
  );
}

function ResourceItem({ change, open, onToggle }: { change: ResourceChange; open: boolean; onToggle: (open: boolean) => void }) {
  const diff = resourceDiff(change);
  const style = actionStyle(change.action);
  return (
    <li className="rounded-md border" data-testid="change" data-action={change.action}>
      <details open={open} onToggle={(event) => onToggle(event.currentTarget.open)} className="group">
        <summary className="flex cursor-pointer items-start gap-2 px-2.5 py-1.5 text-sm">
          <ChevronRight className="mt-0.5 size-4 shrink-0 transition-transform group-open:rotate-90" aria-hidden="true" />
          <span className={cn("w-8 shrink-0 font-mono font-bold", ACTION_TONE[style.symbol])} aria-hidden="true">
            {style.symbol}
          </span>
          <span className="min-w-0">
            <span className="font-mono text-xs font-semibold break-all">{change.address}</span>{" "}
            <span className={cn("text-xs font-medium", ACTION_TONE[style.symbol])}>will be {actionOutcome(change.action) ?? style.word}</span>
            <span className="text-muted-foreground block text-xs sm:ml-2 sm:inline">{diffSummary(diff)}</span>
          </span>
        </summary>
        {diff.lines.length > 0 || diff.knownAfterApply > 0 ? (
          <ul className="border-t py-1.5 font-mono text-xs" aria-label={`Attribute changes of ${change.address}`}>
            {diff.lines.map((line, i) => (
              <Line key={`${line.path}#${i}`} line={line} />
            ))}
            {diff.knownAfterApply > 0 ? (
              <li className="text-muted-foreground px-3 py-0.5 italic" data-testid="known-after-apply">
                + {diff.knownAfterApply} attribute{diff.knownAfterApply === 1 ? "" : "s"} known after apply
              </li>
            ) : null}
          </ul>
        ) : null}
      </details>
    </li>
  );
}

function summaryLine(summary: ChangeSummary | null | undefined): string | null {
  if (!summary) return null;
  const parts = [
    [summary.create, "to create"],
    [summary.update, "to update"],
    [summary.replace, "to replace"],
    [summary.delete, "to destroy"],
    [summary.import, "to import"],
    [summary.move, "to move"],
    [summary.forget, "to forget"],
  ]
    .filter(([count]) => Number(count) > 0)
    .map(([count, word]) => `${count} ${word}`);
  return parts.length > 0 ? parts.join(" · ") : "No changes";
}

export function ChangesSection({
  changes,
  truncated = 0,
  summary,
}: {
  changes: ResourceChange[];
  truncated?: number;
  summary?: ChangeSummary | null;
}) {
  const [open, setOpen] = useState<Set<number>>(() => new Set(changes.length <= OPEN_UP_TO ? changes.map((_, i) => i) : []));
  const allOpen = changes.length > 0 && open.size === changes.length;
  const line = summaryLine(summary);
  return (
    <Card data-testid="changes" className="gap-4">
      <CardHeader>
        <CardTitle>
          <h2>
            Resource changes <span className="text-muted-foreground font-normal">({changes.length + truncated})</span>
          </h2>
        </CardTitle>
        {line ? <CardDescription data-testid="change-summary">{line}</CardDescription> : null}
        {changes.length > 1 ? (
          <CardAction>
            <Button variant="outline" size="sm" aria-expanded={allOpen} onClick={() => setOpen(allOpen ? new Set() : new Set(changes.map((_, i) => i)))}>
              {allOpen ? "Collapse all" : "Expand all"}
            </Button>
          </CardAction>
        ) : null}
      </CardHeader>
      <CardContent>
        {changes.length === 0 ? (
          <p className="text-muted-foreground text-sm">No resource changes to show.</p>
        ) : (
          <ul className="space-y-1">
            {changes.map((change, i) => (
              <ResourceItem
                key={`${change.address}#${change.action}#${i}`}
                change={change}
                open={open.has(i)}
                onToggle={(isOpen) =>
                  setOpen((current) => {
                    if (current.has(i) === isOpen) return current;
                    const next = new Set(current);
                    if (isOpen) next.add(i);
                    else next.delete(i);
                    return next;
                  })
                }
              />
            ))}
          </ul>
        )}
        {truncated > 0 ? <p className="text-muted-foreground mt-3 text-sm">{truncated} more changed resources are not shown; download the report for all of them.</p> : null}
      </CardContent>
    </Card>
  );
}
