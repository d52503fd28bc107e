"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import useSWR from "swr";

import { RiskBadge } from "@/components/badges";
import { ScrollRegion } from "@/components/scroll-region";
import { EmptyState, ErrorState } from "@/components/states";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCost, formatDuration, formatNumber, formatPercent } from "@/lib/format";
import { RISK_LEVELS, type Analytics, type RiskLevel } from "@/lib/types";
import { cn } from "@/lib/utils";

// Recharts is loaded after the page shows its numbers, so KPI cards render without it.
const chartFallback = () => <Skeleton className="h-64 w-full" />;
const DailyChart = dynamic(() => import("@/components/overview/charts").then((m) => m.DailyChart), { ssr: false, loading: chartFallback });
const RiskChart = dynamic(() => import("@/components/overview/charts").then((m) => m.RiskChart), { ssr: false, loading: chartFallback });

export function Overview({
  days,
  periods,
  initial,
  initialError,
  attention,
}: {
  days: number;
  periods: readonly number[];
  initial?: Analytics;
  initialError?: string;
  /** The needs-attention list, rendered and streamed by the server after the numbers. */
  attention?: React.ReactNode;
}) {
  const { data, error, mutate } = useSWR<Analytics>(`/ui-api/analytics?days=${days}`, {
    fallbackData: initial,
  });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Overview</h1>
          <p className="text-muted-foreground text-sm">Plan reviews over the last {days} days.</p>
        </div>
        <nav aria-label="Period" className="bg-muted inline-flex rounded-lg p-1 text-sm">
          {periods.map((p) => (
            <Link
              key={p}
              href={`/?days=${p}`}
              aria-current={p === days ? "page" : undefined}
              className={cn(
                "rounded-md px-3 py-1 outline-none focus-visible:ring-ring/50 focus-visible:ring-[3px]",
                p === days ? "bg-background shadow-sm font-medium" : "text-muted-foreground hover:text-foreground",
              )}
            >
              {p} days
            </Link>
          ))}
        </nav>
      </div>

      {attention}

      {/* The server's numbers render at once; SWR only refreshes them (no skeleton while it does). */}
      {!data && (error || initialError) ? (
        <ErrorState title="Analytics unavailable" message={error?.message ?? initialError ?? ""} onRetry={() => void mutate()} />
      ) : !data ? (
        <OverviewSkeleton />
      ) : (
        <OverviewBody data={data} />
      )}
    </div>
  );
}

function OverviewSkeleton() {
  return (
    <div className="grid grid-cols-2 gap-4 md:grid-cols-4" aria-busy="true" aria-label="Loading analytics">
      {Array.from({ length: 8 }, (_, i) => (
        <Skeleton key={i} className="h-24" />
      ))}
    </div>
  );
}

function Kpi({ label, value, hint, href }: { label: string; value: string; hint?: React.ReactNode; href?: string }) {
  return (
    <Card className="relative gap-2 py-4" data-testid="kpi">
      <CardHeader className="px-4">
        <CardDescription>
          {href ? (
            // The whole card is the link's target area; the link's name is the label.
            <Link href={href} className="underline-offset-4 after:absolute after:inset-0 hover:underline">
              {label}
            </Link>
          ) : (
            label
          )}
        </CardDescription>
        <CardTitle className="text-2xl tabular-nums">{value}</CardTitle>
      </CardHeader>
      {hint ? <CardContent className="text-muted-foreground px-4 text-xs">{hint}</CardContent> : null}
    </Card>
  );
}

function OverviewBody({ data }: { data: Analytics }) {
  const { totals } = data;
  const highCritical = (totals.by_risk.HIGH ?? 0) + (totals.by_risk.CRITICAL ?? 0);
  const rated = RISK_LEVELS.reduce((sum, level) => sum + (totals.by_risk[level] ?? 0), 0);
  const tokens = data.ai.tokens_in + data.ai.tokens_out;
  if (totals.reviews === 0) {
    return (
      <EmptyState title="No reviews in this period">
        <p className="text-sm">
          Submit a plan on <Link className="underline" href="/reviews/new">New review</Link> or connect a Spacelift stack.
        </p>
      </EmptyState>
    );
  }
  return (
    <div className="space-y-6">
      <section aria-label="Key figures" className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-6 [&>*]:min-w-0">
        <Kpi label="Reviews" value={formatNumber(totals.reviews)} href="/reviews" />
        <Kpi label="Completed" value={formatNumber(totals.completed)} hint={formatPercent(totals.completed, totals.reviews)} href="/reviews?status=COMPLETED" />
        <Kpi label="Failed" value={formatNumber(totals.failed)} hint={formatPercent(totals.failed, totals.reviews)} href="/reviews?status=FAILED" />
        <Kpi label="High / critical" value={formatPercent(highCritical, rated)} hint={`${formatNumber(highCritical)} of ${formatNumber(rated)} rated`} href="/reviews?risk_level=CRITICAL" />
        <Kpi label="Mean duration" value={formatDuration(data.duration.mean_ms)} hint={`p95 ${formatDuration(data.duration.p95_ms)}`} />
        <Kpi label="AI tokens" value={formatNumber(tokens)} hint={`${formatCost(data.ai.cost_usd)} spent`} />
      </section>

      <div className="grid gap-4 lg:grid-cols-3 [&>*]:min-w-0">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Daily reviews by risk level</CardTitle>
          </CardHeader>
          <CardContent>
            <DailyChart daily={data.daily} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Risk distribution</CardTitle>
          </CardHeader>
          <CardContent>
            <RiskChart byRisk={totals.by_risk} />
            <ul className="mt-3 grid grid-cols-2 gap-2 text-sm">
              {RISK_LEVELS.map((level: RiskLevel) => (
                <li key={level}>
                  <Link
                    href={`/reviews?risk_level=${level}`}
                    className="hover:bg-muted flex items-center justify-between gap-2 rounded-md p-1 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
                    data-testid="risk-link"
                  >
                    <RiskBadge level={level} />
                    <span className="tabular-nums underline underline-offset-4">{formatNumber(totals.by_risk[level] ?? 0)}</span>
                  </Link>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      </div>

      <div className="grid gap-4 lg:grid-cols-2 [&>*]:min-w-0">
        <Card>
          <CardHeader>
            <CardTitle>Top rules</CardTitle>
          </CardHeader>
          <CardContent>
            <RankList rows={data.top_rules.map((r) => ({ key: r.rule_id, label: r.title ? `${r.rule_id} · ${r.title}` : r.rule_id, count: r.count }))} empty="No findings in this period." />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Top resource types</CardTitle>
          </CardHeader>
          <CardContent>
            <RankList rows={data.top_resource_types.map((r) => ({ key: r.type, label: r.type, count: r.count }))} empty="No resource changes in this period." />
          </CardContent>
        </Card>
      </div>

      <Card className="min-w-0">
        <CardHeader>
          <CardTitle>Stacks</CardTitle>
        </CardHeader>
        <CardContent>
          {data.stacks.length === 0 ? (
            <p className="text-muted-foreground text-sm">No Spacelift stacks reviewed in this period.</p>
          ) : (
            <ScrollRegion label="Stacks table">
              <table className="w-full min-w-[34rem] text-sm" data-testid="stacks-table">
                <caption className="sr-only">Reviews per Spacelift stack and risk level</caption>
                <TableHeader>
                  <TableRow>
                    <TableHead scope="col">Stack</TableHead>
                    <TableHead scope="col" className="text-right">Reviews</TableHead>
                    <TableHead scope="col" className="text-right">Failed</TableHead>
                    {RISK_LEVELS.map((level) => (
                      <TableHead key={level} scope="col" className="text-right">
                        {level}
                      </TableHead>
                    ))}
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {data.stacks.map((stack) => {
                    const base = `/reviews?stack_id=${encodeURIComponent(stack.stack_id)}`;
                    const name = stack.stack_name || stack.stack_id;
                    return (
                      <TableRow key={stack.stack_id}>
                        <TableCell>
                          <Link className="underline-offset-4 hover:underline" href={base}>
                            {name}
                          </Link>
                        </TableCell>
                        <TableCell className="text-right tabular-nums">{formatNumber(stack.reviews)}</TableCell>
                        <TableCell className="text-right tabular-nums">
                          {stack.failed ? (
                            <Link className="underline underline-offset-4" href={`${base}&status=FAILED`} aria-label={`${stack.failed} failed reviews of ${name}`}>
                              {formatNumber(stack.failed)}
                            </Link>
                          ) : (
                            0
                          )}
                        </TableCell>
                        {RISK_LEVELS.map((level) => (
                          <TableCell key={level} className="text-right tabular-nums">
                            {stack.by_risk[level] ? (
                              <Link className="underline underline-offset-4" href={`${base}&risk_level=${level}`} aria-label={`${stack.by_risk[level]} ${level} reviews of ${name}`}>
                                {formatNumber(stack.by_risk[level] ?? 0)}
                              </Link>
                            ) : (
                              0
                            )}
                          </TableCell>
                        ))}
                      </TableRow>
                    );
                  })}
                </TableBody>
              </table>
            </ScrollRegion>
          )}
        </CardContent>
      </Card>
    </div>
  );
}

function RankList({ rows, empty }: { rows: { key: string; label: string; count: number }[]; empty: string }) {
  if (rows.length === 0) return <p className="text-muted-foreground text-sm">{empty}</p>;
  const max = Math.max(...rows.map((r) => r.count), 1);
  return (
    <ol className="space-y-2 text-sm">
      {rows.map((row) => (
        <li key={row.key} className="space-y-1">
          <div className="flex justify-between gap-3">
            <span className="min-w-0 truncate font-mono text-xs" title={row.label}>
              {row.label}
            </span>
            <span className="tabular-nums">{formatNumber(row.count)}</span>
          </div>
          <div className="bg-muted h-1.5 rounded-full" aria-hidden="true">
            <div className="bg-primary/70 h-1.5 rounded-full" style={{ width: `${(row.count / max) * 100}%` }} />
          </div>
        </li>
      ))}
    </ol>
  );
}
