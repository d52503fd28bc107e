"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";

import { DecisionBadge, RiskBadge, StatusBadge } from "@/components/badges";
import { EmptyState, ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect, NativeSelectOption } from "@/components/ui/native-select";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatAge } from "@/lib/format";
import { newerQuery, newestQuery, olderQuery } from "@/lib/pagination";
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
  const { data, error, mutate, isLoading } = useSWR<ReviewPage>(`/api/reviews${query ? `?${query}` : ""}`, {
    fallbackData: initial,
  });

  const { data: analytics } = useSWR<Analytics>("/api/analytics?days=90", { refreshInterval: 0, revalidateOnFocus: false });
  const stacks = (analytics?.stacks ?? []).map((s) => ({ id: s.stack_id, name: s.stack_name || s.stack_id }));

  function setParam(name: string, value: string) {
    const next = new URLSearchParams(searchParams.toString());
    if (value) next.set(name, value);
    else next.delete(name);
    next.delete("cursor");
    next.delete("back");
    const text = next.toString();
    router.replace(text ? `${pathname}?${text}` : pathname);
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
          <div aria-busy={isLoading} className={isLoading ? "opacity-60 transition-opacity" : undefined}>
            <ReviewsTable items={data.items} />
          </div>
          <nav aria-label="Pagination" className="flex items-center justify-between gap-2">
            <div className="flex gap-2">
              {newer !== null ? (
                <>
                  <Button variant="outline" size="sm" asChild>
                    <Link href={newer ? `${pathname}?${newer}` : pathname} rel="prev">
                      ← Newer
                    </Link>
                  </Button>
                  <Button variant="ghost" size="sm" asChild>
                    <Link href={newestQuery(searchParams) ? `${pathname}?${newestQuery(searchParams)}` : pathname}>Newest</Link>
                  </Button>
                </>
              ) : null}
            </div>
            {data.next_cursor ? (
              <Button variant="outline" size="sm" asChild>
                <Link href={`${pathname}?${olderQuery(searchParams, data.next_cursor)}`} rel="next">
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
    <span className="font-mono text-xs tabular-nums" aria-label={`${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.replace} to replace`}>
      <span className="text-emerald-700 dark:text-emerald-400">+{s.create}</span>{" "}
      <span className="text-amber-700 dark:text-amber-400">~{s.update}</span>{" "}
      <span className="text-red-700 dark:text-red-400">-{s.delete}</span>{" "}
      <span className="text-orange-700 dark:text-orange-400">±{s.replace}</span>
    </span>
  );
}

export function ReviewsTable({ items }: { items: ReviewListItem[] }) {
  const now = useNow();
  return (
    <>
      <ReviewCards items={items} now={now} />
      <div className="hidden rounded-lg border md:block">
      <Table data-testid="reviews-table">
        <TableHeader>
          <TableRow>
            <TableHead>Status</TableHead>
            <TableHead>Risk</TableHead>
            <TableHead>Title</TableHead>
            <TableHead>Stack</TableHead>
            <TableHead>Run</TableHead>
            <TableHead>Changes</TableHead>
            <TableHead>Decision</TableHead>
            <TableHead>Age</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((item) => (
            <TableRow key={item.id} data-review-id={item.id} data-status={item.status}>
              <TableCell>
                <StatusBadge status={item.status} />
              </TableCell>
              <TableCell>
                <RiskBadge level={item.risk?.level} score={item.risk?.score} />
              </TableCell>
              <TableCell className="max-w-[22rem] truncate">
                <Link href={`/reviews/${item.id}`} className="font-medium underline-offset-4 hover:underline">
                  {item.title || item.id}
                </Link>
              </TableCell>
              <TableCell data-testid="stack-cell">{item.spacelift?.stack_name || item.spacelift?.stack_id || <span className="text-muted-foreground">—</span>}</TableCell>
              <TableCell className="font-mono text-xs">{item.spacelift?.run_id || <span className="text-muted-foreground">—</span>}</TableCell>
              <TableCell>
                <Counts item={item} />
              </TableCell>
              <TableCell>
                <DecisionBadge decision={item.decision} />
              </TableCell>
              <TableCell className="text-muted-foreground" suppressHydrationWarning>
                <time dateTime={item.created_at} title={item.created_at} suppressHydrationWarning>
                  {formatAge(item.created_at, now)}
                </time>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      </div>
    </>
  );
}

/** Below the md breakpoint rows become cards, so title and risk fit a 375 px screen. */
function ReviewCards({ items, now }: { items: ReviewListItem[]; now: number }) {
  return (
    <ul className="divide-y rounded-lg border md:hidden" data-testid="review-cards">
      {items.map((item) => (
        <li key={item.id} data-review-id={item.id} data-status={item.status} className="space-y-2 p-3">
          <Link href={`/reviews/${item.id}`} className="block font-medium break-words underline-offset-4 hover:underline">
            {item.title || item.id}
          </Link>
          <div className="flex flex-wrap items-center gap-2">
            <StatusBadge status={item.status} />
            <RiskBadge level={item.risk?.level} score={item.risk?.score} />
            <DecisionBadge decision={item.decision} />
          </div>
          <div className="text-muted-foreground flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
            <Counts item={item} />
            {item.spacelift?.stack_name || item.spacelift?.stack_id ? <span>{item.spacelift?.stack_name || item.spacelift?.stack_id}</span> : null}
            {item.spacelift?.run_id ? <span className="font-mono">{item.spacelift.run_id}</span> : null}
            <time dateTime={item.created_at} suppressHydrationWarning>
              {formatAge(item.created_at, now)}
            </time>
          </div>
        </li>
      ))}
    </ul>
  );
}
