"use client";

import { CheckCircle2 } from "lucide-react";
import Link from "next/link";

import { RiskBadge, StatusBadge } from "@/components/badges";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { AttentionItem } from "@/lib/api";
import { formatAge, stackLabel } from "@/lib/format";
import { useNow } from "@/lib/use-now";

// What needs a person now. The server renders it; it streams in right after the overview's numbers.

export function NeedsAttentionFrame({ children }: { children: React.ReactNode }) {
  return (
    <Card className="gap-3" data-testid="needs-attention">
      <CardHeader>
        <CardTitle>
          <h2>Needs attention</h2>
        </CardTitle>
        <CardDescription>Undecided HIGH and CRITICAL plans, and reviews that failed.</CardDescription>
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

export function NeedsAttention({ items, error }: { items?: AttentionItem[]; error?: string }) {
  const now = useNow();
  if (!items) {
    return (
      <NeedsAttentionFrame>
        <p className="text-destructive text-sm">The list could not be loaded: {error ?? "unknown error"}.</p>
      </NeedsAttentionFrame>
    );
  }
  return (
    <NeedsAttentionFrame>
      {items.length === 0 ? (
        <p className="text-sm" data-testid="attention-empty">
          <CheckCircle2 className="mr-1 inline size-4 text-emerald-700 dark:text-emerald-400" aria-hidden="true" />
          Nothing waits for you: every HIGH and CRITICAL plan has a decision and no review failed.
        </p>
      ) : (
        <ul className="divide-y rounded-md border">
          {items.map(({ review, reason }) => {
            const stack = stackLabel(review.spacelift);
            return (
              <li key={review.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 p-2.5 text-sm" data-testid="attention-item" data-review-id={review.id}>
                {review.status === "FAILED" ? <StatusBadge status="FAILED" /> : <RiskBadge level={review.risk?.level} />}
                <Link href={`/reviews/${review.id}`} className="min-w-0 flex-1 font-medium break-words underline-offset-4 hover:underline">
                  {review.title || review.id}
                </Link>
                <span className="text-muted-foreground basis-full text-xs sm:basis-auto">
                  {reason}
                  {stack ? ` · ${stack}` : ""} ·{" "}
                  <time dateTime={review.created_at} suppressHydrationWarning>
                    {formatAge(review.created_at, now)}
                  </time>
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <p className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-sm">
        <Link className="underline underline-offset-4" href="/reviews?risk_level=CRITICAL&decision=NONE">
          All undecided CRITICAL
        </Link>
        <Link className="underline underline-offset-4" href="/reviews?risk_level=HIGH&decision=NONE">
          All undecided HIGH
        </Link>
        <Link className="underline underline-offset-4" href="/reviews?status=FAILED">
          All failed reviews
        </Link>
      </p>
    </NeedsAttentionFrame>
  );
}
