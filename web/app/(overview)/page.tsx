import type { Metadata } from "next";

import { Overview } from "@/components/overview/overview";
import { getAnalytics, needsAttention } from "@/lib/api";
import { PERIODS, parseDays } from "@/lib/periods";

export const metadata: Metadata = { title: "Overview" };
export const dynamic = "force-dynamic";

// No loading.tsx: the server answers with the numbers in the first HTML, never a skeleton first.
export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const days = parseDays(params.days);
  const [result, attention] = await Promise.all([getAnalytics(days), needsAttention()]);
  return (
    <Overview
      days={days}
      periods={PERIODS}
      initial={result.ok ? result.data : undefined}
      initialError={result.ok ? undefined : result.error.message}
      attention={attention.ok ? attention.data : undefined}
    />
  );
}
