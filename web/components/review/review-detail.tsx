"use client";

import { ExternalLink, GitCommit } from "lucide-react";
import Link from "next/link";
import useSWR from "swr";

import { DecisionBadge, RiskBadge, SourceBadge, StatusBadge } from "@/components/badges";
import { AiSection } from "@/components/review/ai-section";
import { DecisionPanel } from "@/components/review/decision-panel";
import { FindingsSection } from "@/components/review/findings";
import { ChangesSection } from "@/components/review/changes";
import { VersionHistory } from "@/components/review/version-history";
import { ErrorState } from "@/components/states";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDuration, formatTime } from "@/lib/format";
import { isTerminal, type Review } from "@/lib/types";

export function ReviewDetail({ id, initial, initialError }: { id: string; initial?: Review; initialError?: string }) {
  const { data, error, mutate } = useSWR<Review>(`/api/reviews/${id}`, { fallbackData: initial });

  if (!data) {
    if (error || initialError) {
      return <ErrorState title="Review unavailable" message={error?.message ?? initialError ?? ""} onRetry={() => void mutate()} />;
    }
    return <Skeleton className="h-64" />;
  }

  const review = data;
  const live = !isTerminal(review.status);
  return (
    <div className="space-y-6" data-testid="review-detail" data-status={review.status} data-version={review.version}>
      <div className="space-y-2">
        <p className="text-muted-foreground text-sm">
          <Link href="/reviews" className="underline-offset-4 hover:underline">
            Reviews
          </Link>{" "}
          / <span className="font-mono">{review.id}</span>
        </p>
        <h1 className="text-2xl font-semibold tracking-tight break-words">{review.title || review.id}</h1>
        <div className="flex flex-wrap items-center gap-2">
          <StatusBadge status={review.status} />
          <RiskBadge level={review.risk?.level} score={review.risk?.score} />
          <DecisionBadge decision={review.decision} />
          <SourceBadge source={review.source} />
          <span className="text-muted-foreground text-sm" data-testid="version-label">
            Version {review.version}
            {review.latest_version !== review.version ? ` of ${review.latest_version}` : ""}
          </span>
          {live ? (
            <span className="text-muted-foreground text-sm" role="status">
              Refreshing every 10 s while the review runs…
            </span>
          ) : null}
        </div>
        {(review.tags ?? []).length > 0 ? (
          <ul className="flex flex-wrap gap-1 text-xs" aria-label="Tags">
            {(review.tags ?? []).map((tag) => (
              <li key={tag} className="bg-muted rounded px-2 py-0.5">
                {tag}
              </li>
            ))}
          </ul>
        ) : null}
        {review.error ? <ErrorState title="The review failed" message={review.error} /> : null}
      </div>

      <DecisionPanel review={review} onChange={(next) => void mutate(next, { revalidate: false })} />

      <div className="grid gap-4 lg:grid-cols-3 [&>*]:min-w-0">
        <RiskCard review={review} />
        <TimelineCard review={review} />
        <SpaceliftCard review={review} />
      </div>

      <SummaryCard review={review} />
      <FindingsSection findings={review.findings ?? []} pending={live} total={review.findings_total} />
      <ChangesSection changes={review.changes ?? []} truncated={review.changes_truncated ?? 0} />
      <AiSection ai={review.ai ?? null} />
      <VersionHistory id={review.id} latest={review.latest_version} />
    </div>
  );
}

function RiskCard({ review }: { review: Review }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Risk</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        {review.risk ? (
          <>
            <div className="flex items-baseline gap-3">
              <span className="text-4xl font-semibold tabular-nums" data-testid="risk-score">
                {review.risk.score}
              </span>
              <span className="text-muted-foreground text-sm">/ 100</span>
              <RiskBadge level={review.risk.level} />
            </div>
            {(review.risk.reasons ?? []).length > 0 ? (
              <ul className="list-disc space-y-1 pl-5 text-sm">
                {(review.risk.reasons ?? []).map((reason, i) => (
                  <li key={i}>{reason}</li>
                ))}
              </ul>
            ) : null}
          </>
        ) : (
          <p className="text-muted-foreground text-sm">Not scored yet.</p>
        )}
        {review.plan ? (
          <dl className="text-muted-foreground grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
            <dt>Terraform</dt>
            <dd>{review.plan.terraform_version ?? "—"}</dd>
            <dt>Plan format</dt>
            <dd>{review.plan.format_version ?? "—"}</dd>
            <dt>Plan health</dt>
            <dd>
              {review.plan.errored ? "errored" : "ok"}
              {review.plan.applyable === false ? ", not applyable" : ""}
              {review.plan.complete === false ? ", incomplete" : ""}
            </dd>
          </dl>
        ) : null}
      </CardContent>
    </Card>
  );
}

function TimelineCard({ review }: { review: Review }) {
  const history = review.status_history ?? [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Status timeline</CardTitle>
      </CardHeader>
      <CardContent>
        {history.length === 0 ? (
          <p className="text-muted-foreground text-sm">Created {formatTime(review.created_at)}</p>
        ) : (
          <ol className="border-muted relative space-y-3 border-l pl-4 text-sm" data-testid="status-timeline">
            {history.map((event, i) => (
              <li key={`${event.status}-${event.at}-${i}`} className="relative">
                <span className="bg-primary absolute top-1.5 -left-[1.3rem] size-2 rounded-full" aria-hidden="true" />
                <div className="flex flex-wrap items-center gap-2">
                  <StatusBadge status={event.status} />
                  {event.version != null ? <span className="text-muted-foreground text-xs">v{event.version}</span> : null}
                </div>
                <time className="text-muted-foreground text-xs" dateTime={event.at}>
                  {formatTime(event.at)}
                </time>
              </li>
            ))}
          </ol>
        )}
        <p className="text-muted-foreground mt-3 text-xs">Duration {formatDuration(review.duration_ms)}</p>
      </CardContent>
    </Card>
  );
}

const SOURCE_LABELS: Record<string, string> = { api: "API", cli: "CLI", spacelift: "Spacelift" };

function SpaceliftCard({ review }: { review: Review }) {
  const sl = review.spacelift;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Spacelift</CardTitle>
      </CardHeader>
      <CardContent className="space-y-2 text-sm">
        {!sl ? (
          <p className="text-muted-foreground">Submitted through the {SOURCE_LABELS[review.source] ?? review.source}, not a Spacelift run.</p>
        ) : (
          <>
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
              <dt className="text-muted-foreground">Stack</dt>
              <dd className="break-all">{sl.stack_name || sl.stack_id || "—"}</dd>
              <dt className="text-muted-foreground">Run</dt>
              <dd className="font-mono text-xs break-all">
                {sl.run_id ?? "—"} {sl.run_type ? `(${sl.run_type}, ${sl.run_state ?? "?"})` : null}
              </dd>
              <dt className="text-muted-foreground">Branch</dt>
              <dd className="break-all">{sl.branch ?? "—"}</dd>
            </dl>
            {sl.commit?.hash ? (
              <p className="flex items-start gap-2">
                <GitCommit className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
                <span>
                  <span className="font-mono text-xs">{sl.commit.hash.slice(0, 10)}</span> {sl.commit.message}
                  {sl.commit.author ? <span className="text-muted-foreground"> — {sl.commit.author}</span> : null}
                </span>
              </p>
            ) : null}
            {sl.run_url && /^https?:\/\//.test(sl.run_url) ? (
              <a href={sl.run_url} target="_blank" rel="noopener noreferrer" className="text-primary inline-flex items-center gap-1 underline underline-offset-4">
                Open the run in Spacelift <ExternalLink className="size-3" aria-hidden="true" />
              </a>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}

function SummaryCard({ review }: { review: Review }) {
  const s = review.summary;
  const items: [string, number | undefined][] = s
    ? [
        ["Create", s.create],
        ["Update", s.update],
        ["Delete", s.delete],
        ["Replace", s.replace],
        ["Read", s.read],
        ["Import", s.import],
        ["Move", s.move],
        ["Forget", s.forget],
        ["Drift", s.drift],
        ["No-op", s.no_op],
      ]
    : [];
  return (
    <Card>
      <CardHeader>
        <CardTitle>Change summary</CardTitle>
      </CardHeader>
      <CardContent>
        {!s ? (
          <p className="text-muted-foreground text-sm">The plan has not been analysed yet.</p>
        ) : (
          <div className="space-y-4">
            <dl className="grid grid-cols-3 gap-3 sm:grid-cols-5 lg:grid-cols-10" data-testid="change-summary">
              {items.map(([label, value]) => (
                <div key={label} className="rounded-md border p-2 text-center">
                  <dt className="text-muted-foreground text-xs">{label}</dt>
                  <dd className="text-lg font-semibold tabular-nums">{value ?? 0}</dd>
                </div>
              ))}
            </dl>
            {s.by_type && Object.keys(s.by_type).length > 0 ? (
              <div>
                <h3 className="mb-1 text-sm font-medium">By resource type</h3>
                <ul className="flex flex-wrap gap-2 text-xs">
                  {Object.entries(s.by_type)
                    .sort((a, b) => b[1] - a[1])
                    .map(([type, count]) => (
                      <li key={type} className="bg-muted rounded px-2 py-0.5 font-mono">
                        {type} × {count}
                      </li>
                    ))}
                </ul>
              </div>
            ) : null}
          </div>
        )}
      </CardContent>
    </Card>
  );
}
