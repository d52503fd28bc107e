"use client";

import { ChevronRight, ExternalLink, GitCommit } from "lucide-react";
import Link from "next/link";
import useSWR from "swr";

import { DecisionBadge, RiskBadge, SourceBadge, StatusBadge } from "@/components/badges";
import { AiSection } from "@/components/review/ai-section";
import { DecisionPanel } from "@/components/review/decision-panel";
import { FindingsSection } from "@/components/review/findings";
import { NotificationsSection } from "@/components/review/notifications";
import { ChangesSection } from "@/components/review/changes";
import { VerdictBanner } from "@/components/review/verdict-banner";
import { VersionHistory } from "@/components/review/version-history";
import { ErrorState } from "@/components/states";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDuration, formatTime, stackLabel } from "@/lib/format";
import { isTerminal, type Review, type ReviewResource } from "@/lib/types";
import { planHealth, verdictOf } from "@/lib/verdict";

export function ReviewDetail({ id, initial, initialError, scopes = [] }: { id: string; initial?: ReviewResource; initialError?: string; scopes?: string[] }) {
  const { data, error, mutate } = useSWR<ReviewResource>(`/ui-api/reviews/${id}`, { fallbackData: initial });

  if (!data) {
    if (error || initialError) {
      return <ErrorState title="Review unavailable" message={error?.message ?? initialError ?? ""} onRetry={() => void mutate()} />;
    }
    return <Skeleton className="h-64" />;
  }

  const review = data;
  const live = !isTerminal(review.status);
  const verdict = verdictOf(review);
  const sl = review.spacelift;
  return (
    <div className="space-y-4 [overflow-wrap:anywhere]" data-testid="review-detail" data-status={review.status} data-version={review.version}>
      <div className="space-y-1.5">
        <p className="text-muted-foreground text-sm break-all">
          <Link href="/reviews" className="underline-offset-4 hover:underline">
            Reviews
          </Link>{" "}
          / <span className="font-mono">{review.id}</span>
        </p>
        <h1 className="text-2xl font-semibold tracking-tight break-words">{review.title || review.id}</h1>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <StatusBadge status={review.status} />
          <DecisionBadge decision={review.decision} />
          <span className="text-muted-foreground" data-testid="version-label">
            Version {review.version}
            {review.latest_version !== review.version ? ` of ${review.latest_version}` : ""}
          </span>
          {sl ? null : <SourceBadge source={review.source} />}
          {live ? (
            <span className="text-muted-foreground" role="status">
              Refreshing every 10 s while the review runs…
            </span>
          ) : null}
        </div>
        {sl ? <RunLine review={review} /> : null}
      </div>

      <VerdictBanner review={review} verdict={verdict} />
      {review.error ? <ErrorState title="The review failed" message={review.error} /> : null}

      <FindingsSection
        findings={review.findings ?? []}
        pending={live}
        total={review.findings_total}
        introducedTotal={verdict.counts.introduced}
        postureTotal={verdict.counts.posture}
      />
      <ChangesSection changes={review.changes ?? []} truncated={review.changes_truncated ?? 0} summary={review.summary} />
      <AiSection ai={review.ai ?? null} />

      {/* A decision's answer is a version, without deliveries: the ones shown stay until the next read. */}
      <DecisionPanel review={review} scopes={scopes} onChange={(next) => void mutate({ ...next, notifications: review.notifications }, { revalidate: false })} />
      <NotificationsSection notifications={review.notifications ?? []} />

      <details className="group rounded-xl border" data-testid="review-details">
        <summary className="flex cursor-pointer items-center gap-2 px-4 py-3 text-sm sm:px-6">
          <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden="true" />
          <span className="font-semibold">Review details</span>
          <span className="text-muted-foreground">score and reasons, plan health, timeline, Spacelift run{(review.tags ?? []).length ? ", tags" : ""}</span>
        </summary>
        <div className="space-y-4 border-t p-3 sm:p-4">
          <div className="grid gap-4 lg:grid-cols-3 [&>*]:min-w-0">
            <RiskCard review={review} />
            <TimelineCard review={review} />
            <SpaceliftCard review={review} />
          </div>
          {(review.tags ?? []).length > 0 ? (
            <ul className="flex flex-wrap gap-1 text-xs" aria-label="Tags">
              {(review.tags ?? []).map((tag, i) => (
                <li key={`${tag}#${i}`} className="bg-muted rounded px-2 py-0.5">
                  {tag}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      </details>
      <VersionHistory id={review.id} latest={review.latest_version} />
    </div>
  );
}

/** The run's page in Spacelift, when its URL is a web link (never a javascript: or data: URL). */
function runLink(sl: NonNullable<Review["spacelift"]>): string | null {
  return sl.run_url && /^https?:\/\//.test(sl.run_url) ? sl.run_url : null;
}

/** The Spacelift run in one line under the title: stack, run (linked), branch and commit. */
function RunLine({ review }: { review: Review }) {
  const sl = review.spacelift;
  if (!sl) return null;
  const link = runLink(sl);
  return (
    <p className="text-muted-foreground flex flex-wrap items-center gap-x-2 gap-y-0.5 text-sm" data-testid="run-line">
      <span className="text-foreground font-medium break-all">{stackLabel(sl) ?? "Spacelift"}</span>
      {sl.run_id ? (
        link ? (
          <a href={link} target="_blank" rel="noopener noreferrer" className="text-primary inline-flex items-center gap-1 font-mono text-xs break-all underline underline-offset-4">
            <span className="sr-only">Open the run in Spacelift: </span>run {sl.run_id} <ExternalLink className="size-3 shrink-0" aria-hidden="true" />
          </a>
        ) : (
          <span className="font-mono text-xs break-all">run {sl.run_id}</span>
        )
      ) : null}
      {sl.run_type ? <span className="text-xs">{sl.run_type.toLowerCase()}{sl.run_state ? `, ${sl.run_state.toLowerCase().replaceAll("_", " ")}` : ""}</span> : null}
      {sl.branch ? <span className="text-xs break-all">on {sl.branch}</span> : null}
      {sl.commit?.hash ? (
        <span className="inline-flex min-w-0 items-center gap-1 text-xs">
          <GitCommit className="size-3.5 shrink-0" aria-hidden="true" />
          <span className="font-mono">{sl.commit.hash.slice(0, 8)}</span>
          <span className="break-words">{sl.commit.message}</span>
          {sl.commit.author ? <span>— {sl.commit.author}</span> : null}
        </span>
      ) : null}
    </p>
  );
}

function RiskCard({ review }: { review: Review }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Risk and plan</h2>
        </CardTitle>
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
            <dd>{planHealth(review)}</dd>
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
        <CardTitle>
          <h2>Status timeline</h2>
        </CardTitle>
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
  const link = sl ? runLink(sl) : null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Spacelift</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-2 text-sm">
        {!sl ? (
          <p className="text-muted-foreground">Submitted through the {SOURCE_LABELS[review.source] ?? review.source}, not a Spacelift run.</p>
        ) : (
          <>
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1">
              <dt className="text-muted-foreground">Stack</dt>
              <dd className="break-all">{stackLabel(sl) ?? "—"}</dd>
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
            {link ? (
              <a href={link} target="_blank" rel="noopener noreferrer" className="text-primary inline-flex items-center gap-1 underline underline-offset-4">
                Open the run in Spacelift <ExternalLink className="size-3" aria-hidden="true" />
              </a>
            ) : null}
          </>
        )}
      </CardContent>
    </Card>
  );
}
