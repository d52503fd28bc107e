import type { Metadata } from "next";
import { Suspense } from "react";

import { NeedsAttention, NeedsAttentionFrame } from "@/components/overview/needs-attention";
import { Overview } from "@/components/overview/overview";
import { getAnalytics, needsAttention } from "@/lib/api";
import { PERIODS, parseDays } from "@/lib/periods";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

async function AttentionList() {
  const result = await needsAttention();
  return <NeedsAttention items={result.ok ? result.data : undefined} error={result.ok ? undefined : result.error.message} />;
}

// No loading.tsx: the server answers with the numbers in the first HTML, never a skeleton first;
// the needs-attention list (three filtered queries) streams in right after them.
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const days = parseDays(params.days);
  const result = await getAnalytics(days);
  return (
    <Overview
      days={days}
      periods={PERIODS}
      initial={result.ok ? result.data : undefined}
      initialError={result.ok ? undefined : result.error.message}
      attention={
        <Suspense
          fallback={
            <NeedsAttentionFrame>
              <p className="text-muted-foreground text-sm" role="status">
                Looking for undecided HIGH and CRITICAL plans and failed reviews…
              </p>
            </NeedsAttentionFrame>
          }
        >
          <AttentionList />
        </Suspense>
      }
    />
  );
}
