"use client";

import { AlertOctagon, ShieldAlert, Trash2 } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";

import { ACTION_TONE, DecisionBadge, RiskBadge, StatusBadge } from "@/components/badges";
import { EmptyState, ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect, NativeSelectOption } from "@/components/ui/native-select";
import { Skeleton } from "@/components/ui/skeleton";
import { formatAge, stackLabel } from "@/lib/format";
import { newerQuery, newestQuery, olderQuery } from "@/lib/pagination";
import { triageOf, type Triage } from "@/lib/triage";
import { DECISIONS, RISK_LEVELS, STATUSES, type Analytics, type ReviewListItem, type ReviewPage } from "@/lib/types";
import { useNow } from "@/lib/use-now";

export function ReviewsView({
  query,
  initial,
  initialError,
}: {
  query: string;
  initial?: ReviewPage;
  initialError?: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const { data, error, mutate, isLoading } = useSWR<ReviewPage>(`/ui-api/reviews${query ? `?${query}` : ""}`, {
    fallbackData: initial,
  });

  const { data: analytics } = useSWR<Analytics>("/ui-api/analytics?days=90", { refreshInterval: 0, revalidateOnFocus: false });
  const stacks = (analytics?.stacks ?? []).map((s) => ({ id: s.stack_id, name: s.stack_name || s.stack_id }));

  const at = (query: string) => (query ? `${pathname}?${query}` : pathname);

  /** A new filter starts again at the newest page. */
  function setParam(name: string, value: string) {
    const next = new URLSearchParams(newestQuery(searchParams));
    if (value) next.set(name, value);
    else next.delete(name);
    router.replace(at(next.toString()));
  }

  const newer = newerQuery(searchParams);
  const filtered = ["status", "risk_level", "decision", "stack_id", "q", "run_id"].some((n) => searchParams.get(n));
  const stackOptions = [...stacks];
  const currentStack = searchParams.get("stack_id");
  if (currentStack && !stackOptions.some((s) => s.id === currentStack)) stackOptions.push({ id: currentStack, name: currentStack });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-semibold tracking-tight">Reviews</h1>
        <Button asChild size="sm">
          <Link href="/reviews/new">New review</Link>
        </Button>
      </div>

      <form
        role="search"
        className="flex flex-wrap items-end gap-3"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          setParam("q", String(form.get("q") ?? "").trim());
        }}
      >
        <Filter label="Status" name="status" value={searchParams.get("status") ?? ""} options={STATUSES.map((s) => ({ value: s, label: s.replace("_", " ") }))} onChange={setParam} />
        <Filter label="Risk" name="risk_level" value={searchParams.get("risk_level") ?? ""} options={RISK_LEVELS.map((s) => ({ value: s, label: s }))} onChange={setParam} />
        <Filter label="Decision" name="decision" value={searchParams.get("decision") ?? ""} options={[...DECISIONS.map((s) => ({ value: s, label: s })), { value: "NONE", label: "Undecided" }]} onChange={setParam} />
        <Filter label="Stack" name="stack_id" value={currentStack ?? ""} options={stackOptions.map((s) => ({ value: s.id, label: s.name }))} onChange={setParam} />
        <SearchBox key={searchParams.get("q") ?? ""} initial={searchParams.get("q") ?? ""} />
        {filtered ? (
          <Button variant="ghost" size="sm" asChild>
            <Link href={pathname}>Clear filters</Link>
          </Button>
        ) : null}
      </form>

      {!data && (error || initialError) ? (
        <ErrorState title="Reviews unavailable" message={error?.message ?? initialError ?? ""} onRetry={() => void mutate()} />
      ) : !data && isLoading ? (
        <div className="space-y-2" aria-busy="true" aria-label="Loading reviews">
          {Array.from({ length: 8 }, (_, i) => (
            <Skeleton key={i} className="h-10 w-full" />
          ))}
        </div>
      ) : !data || data.items.length === 0 ? (
        <EmptyState title={filtered ? "No reviews match these filters" : "No reviews yet"}>
          {filtered ? (
            <Link className="text-sm underline" href={pathname}>
              Clear filters
            </Link>
          ) : (
            <Link className="text-sm underline" href="/reviews/new">
              Submit a plan
            </Link>
          )}
        </EmptyState>
      ) : (
        <>
          {error ? <p className="text-destructive text-sm" role="status">Live refresh failed: {error.message}. Showing the last data.</p> : null}
          <div aria-busy={isLoading}>
            <ReviewsTable items={data.items} />
          </div>
          <nav aria-label="Pagination" className="flex items-center justify-between gap-2">
            <div className="flex gap-2">
              {newer !== null ? (
                <>
                  <Button variant="outline" size="sm" asChild>
                    <Link href={at(newer)} rel="prev">
                      ← Newer
                    </Link>
                  </Button>
                  <Button variant="ghost" size="sm" asChild>
                    <Link href={at(newestQuery(searchParams))}>Newest</Link>
                  </Button>
                </>
              ) : null}
            </div>
            {data.next_cursor ? (
              <Button variant="outline" size="sm" asChild>
                <Link href={at(olderQuery(searchParams, data.next_cursor))} rel="next">
                  Older →
                </Link>
              </Button>
            ) : null}
          </nav>
        </>
      )}
    </div>
  );
}

function Filter({
  label,
  name,
  value,
  options,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (name: string, value: string) => void;
}) {
  const id = `filter-${name}`;
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <NativeSelect id={id} name={name} value={value} onChange={(event) => onChange(name, event.target.value)}>
        <NativeSelectOption value="">All</NativeSelectOption>
        {options.map((option) => (
          <NativeSelectOption key={option.value} value={option.value}>
            {option.label}
          </NativeSelectOption>
        ))}
      </NativeSelect>
    </div>
  );
}

function SearchBox({ initial }: { initial: string }) {
  const [value, setValue] = useState(initial);
  return (
    <div className="grid gap-1.5">
      <Label htmlFor="filter-q">Search</Label>
      <div className="flex gap-2">
        <Input id="filter-q" name="q" type="search" placeholder="Title or run id" value={value} onChange={(e) => setValue(e.target.value)} className="w-56" />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </div>
    </div>
  );
}

function Counts({ item }: { item: ReviewListItem }) {
  const s = item.summary;
  if (!s) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="font-mono text-xs whitespace-nowrap tabular-nums" aria-label={`${s.create} to create, ${s.update} to update, ${s.delete} to destroy, ${s.replace} to replace`}>
      <span className={ACTION_TONE["+"]}>+{s.create}</span> <span className={ACTION_TONE["~"]}>~{s.update}</span>{" "}
      <span className={ACTION_TONE["-"]}>-{s.delete}</span> <span className={ACTION_TONE["+/-"]}>±{s.replace}</span>
    </span>
  );
}

/** Introduced HIGH and CRITICAL findings: the number that says how much to worry. */
function HighPlus({ triage, status }: { triage: Triage; status: ReviewListItem["status"] }) {
  if (status !== "COMPLETED") return <span className="text-muted-foreground">—</span>;
  if (triage.highPlus === 0) return <span className="text-muted-foreground tabular-nums" data-testid="high-count">0</span>;
  return (
    <span className="inline-flex items-center gap-1 font-semibold text-red-800 tabular-nums dark:text-red-300" data-testid="high-count">
      <ShieldAlert className="size-3.5" aria-hidden="true" />
      {triage.highPlus}
      <span className="sr-only"> new HIGH or CRITICAL finding{triage.highPlus === 1 ? "" : "s"}</span>
    </span>
  );
}

function Destructive({ triage }: { triage: Triage }) {
  if (triage.destroyed + triage.replaced === 0) return <span className="text-muted-foreground" data-testid="destructive-count">none</span>;
  const parts = [triage.destroyed ? `${triage.destroyed} destroyed` : "", triage.replaced ? `${triage.replaced} replaced` : ""].filter(Boolean);
  return (
    <span className="inline-flex items-center gap-1 font-medium whitespace-nowrap text-red-800 dark:text-red-300" data-testid="destructive-count">
      <Trash2 className="size-3.5 shrink-0" aria-hidden="true" />
      {parts.join(", ")}
    </span>
  );
}

/** Marks for a review that cannot be trusted as it stands: failed, errored plan, failed AI. */
function Marks({ triage, item }: { triage: Triage; item: ReviewListItem }) {
  const marks: { text: string; title: string; testId: string }[] = [];
  if (triage.failed) marks.push({ text: "Review failed", title: item.error ?? "The review could not finish", testId: "mark-failed" });
  if (triage.errored) marks.push({ text: "Plan errored", title: "Terraform could not finish this plan: never safe to apply", testId: "mark-errored" });
  if (triage.aiFailed) marks.push({ text: "AI failed", title: "The AI review failed; the rule findings stand on their own", testId: "mark-ai-failed" });
  if (marks.length === 0) return null;
  return (
    <span className="flex flex-wrap gap-1">
      {marks.map((mark) => (
        <span key={mark.testId} title={mark.title} data-testid={mark.testId} className="inline-flex items-center gap-1 rounded border border-red-700 px-1.5 text-xs font-medium text-red-800 dark:border-red-400 dark:text-red-300">
          <AlertOctagon className="size-3" aria-hidden="true" />
          {mark.text}
        </span>
      ))}
    </span>
  );
}

function StackRun({ item }: { item: ReviewListItem }) {
  const sl = item.spacelift;
  const stack = stackLabel(sl);
  if (!sl || !stack) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="block min-w-0">
      <span className="block truncate" data-testid="stack-cell">
        {stack}
      </span>
      {sl.run_id ? (
        <span className="text-muted-foreground block truncate font-mono text-xs" data-testid="run-cell" title={sl.run_id}>
          {sl.run_id}
        </span>
      ) : null}
    </span>
  );
}

export function ReviewsTable({ items }: { items: ReviewListItem[] }) {
  const now = useNow();
  return (
    <>
      <ReviewCards items={items} now={now} />
      <div className="hidden rounded-lg border xl:block">
        <table className="w-full table-fixed text-sm" data-testid="reviews-table">
          <caption className="sr-only">Reviews, newest first</caption>
          <thead className="[&_tr]:border-b">
            <tr className="text-muted-foreground text-left">
              <th scope="col" className="w-[8.5rem] p-2 font-medium">Risk</th>
              <th scope="col" className="p-2 font-medium">Review</th>
              <th scope="col" className="w-[11rem] p-2 font-medium">Stack / run</th>
              <th scope="col" className="w-[6rem] p-2 font-medium">New HIGH+</th>
              <th scope="col" className="w-[9rem] p-2 font-medium">Destroys</th>
              <th scope="col" className="w-[8rem] p-2 font-medium">Changes</th>
              <th scope="col" className="w-[8rem] p-2 font-medium">Decision</th>
              <th scope="col" className="w-[5rem] p-2 font-medium">Age</th>
            </tr>
          </thead>
          <tbody className="[&_tr:last-child]:border-0">
            {items.map((item) => {
              const triage = triageOf(item);
              return (
                <tr key={item.id} data-review-id={item.id} data-status={item.status} className="hover:bg-muted/50 border-b align-top">
                  <td className="p-2">
                    <RiskBadge level={item.risk?.level} score={item.risk?.score} />
                  </td>
                  <td className="min-w-0 space-y-1 p-2">
                    <Link href={`/reviews/${item.id}`} className="block truncate font-medium underline-offset-4 hover:underline" title={item.title || item.id}>
                      {item.title || item.id}
                    </Link>
                    <span className="flex flex-wrap items-center gap-1">
                      {item.status !== "COMPLETED" ? <StatusBadge status={item.status} /> : <span className="sr-only" data-status="COMPLETED">Completed</span>}
                      <Marks triage={triage} item={item} />
                    </span>
                  </td>
                  <td className="min-w-0 p-2">
                    <StackRun item={item} />
                  </td>
                  <td className="p-2">
                    <HighPlus triage={triage} status={item.status} />
                  </td>
                  <td className="p-2">
                    <Destructive triage={triage} />
                  </td>
                  <td className="p-2">
                    <Counts item={item} />
                  </td>
                  <td className="p-2">
                    <DecisionBadge decision={item.decision} />
                  </td>
                  <td className="text-muted-foreground p-2" suppressHydrationWarning>
                    <time dateTime={item.created_at} title={item.created_at} suppressHydrationWarning>
                      {formatAge(item.created_at, now)}
                    </time>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Below the xl breakpoint rows become cards, so risk, title and the triage numbers fit a phone. */
function ReviewCards({ items, now }: { items: ReviewListItem[]; now: number }) {
  return (
    <ul className="divide-y rounded-lg border xl:hidden" data-testid="review-cards">
      {items.map((item) => {
        const triage = triageOf(item);
        const stack = stackLabel(item.spacelift);
        return (
          <li key={item.id} data-review-id={item.id} data-status={item.status} className="space-y-2 p-3">
            <div className="flex flex-wrap items-center gap-2">
              <RiskBadge level={item.risk?.level} score={item.risk?.score} />
              {item.status !== "COMPLETED" ? <StatusBadge status={item.status} /> : null}
              <Marks triage={triage} item={item} />
            </div>
            <Link href={`/reviews/${item.id}`} className="block font-medium break-words underline-offset-4 hover:underline">
              {item.title || item.id}
            </Link>
            <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs">
              <span className="inline-flex items-center gap-1">
                New HIGH+: <HighPlus triage={triage} status={item.status} />
              </span>
              <span className="inline-flex items-center gap-1">
                Destroys: <Destructive triage={triage} />
              </span>
              <DecisionBadge decision={item.decision} />
            </div>
            <div className="text-muted-foreground flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
              <Counts item={item} />
              {stack ? <span>{stack}</span> : null}
              {item.spacelift?.run_id ? <span className="font-mono break-all">{item.spacelift.run_id}</span> : null}
              <time dateTime={item.created_at} suppressHydrationWarning>
                {formatAge(item.created_at, now)}
              </time>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
