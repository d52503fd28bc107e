"use client";

import { useState } from "react";
import useSWRImmutable from "swr/immutable";

import { StatusBadge, RiskBadge, DecisionBadge } from "@/components/badges";
import { ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { NativeSelect, NativeSelectOption } from "@/components/ui/native-select";
import { Skeleton } from "@/components/ui/skeleton";
import { diffReviews } from "@/lib/diff";
import { formatTime, formatValue } from "@/lib/format";
import { fetchAllPages, jsonFetcher } from "@/lib/fetcher";
import type { Review, ReviewListItem } from "@/lib/types";

/** Differences listed before the rest fold away (a first review lists every finding as new). */
const FIRST_DIFFERENCES = 4;

export function VersionHistory({ id, latest }: { id: string; latest: number }) {
  // Versions are written once and never change, so nothing here polls: the key carries the latest
  // version, and a new version (seen by the review's own refresh) fetches the history again.
  const { data, error, mutate } = useSWRImmutable(`/ui-api/reviews/${id}/versions?latest=${latest}`, () =>
    fetchAllPages<ReviewListItem>(`/ui-api/reviews/${id}/versions`, 200),
  );
  const [left, setLeft] = useState<number | null>(null);
  const [right, setRight] = useState<number | null>(null);
  const [showAll, setShowAll] = useState(false);

  const versions = data?.items ?? [];
  const b = right ?? versions.at(-1)?.version ?? null;
  const a = left ?? (versions.length > 1 ? versions.at(-2)?.version : versions.at(-1)?.version) ?? null;
  // The summaries carry no findings: the two compared versions are fetched as documents.
  const { data: pair } = useSWRImmutable(a !== null && b !== null && a !== b ? `/ui-api/reviews/${id}/versions/${a}..${b}` : null, () =>
    Promise.all([jsonFetcher<Review>(`/ui-api/reviews/${id}/versions/${a}`), jsonFetcher<Review>(`/ui-api/reviews/${id}/versions/${b}`)]),
  );
  const changes = pair ? diffReviews(pair[0], pair[1]) : [];

  return (
    <Card data-testid="version-history">
      <CardHeader>
        <CardTitle>
          <h2>Version history</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-4">
        {error ? (
          <ErrorState title="Versions unavailable" message={error.message} onRetry={() => void mutate()} />
        ) : !data ? (
          <Skeleton className="h-24" />
        ) : (
          <>
            <ol className="divide-y rounded-md border text-sm">
              {[...versions].reverse().map((v) => (
                <li key={v.version} className="flex flex-wrap items-center gap-2 p-2" data-testid="version-row" data-version={v.version}>
                  <span className="w-10 font-mono">v{v.version}</span>
                  <StatusBadge status={v.status} />
                  <RiskBadge level={v.risk?.level} />
                  <DecisionBadge decision={v.decision} />
                  {v.acted_by ? (
                    <span className="text-sm" data-testid="version-actor">
                      {v.action === "decided" ? "decided" : v.action === "rerun" ? "rerun" : v.action === "created" ? "uploaded" : v.action === "plan_replaced" ? "new plan" : "edited"}{" "}
                      by <span className="font-medium">{v.acted_by.name}</span>
                      {v.acted_by.kind === "key" ? " (API key)" : v.acted_by.email ? ` (${v.acted_by.email})` : ""}
                    </span>
                  ) : null}
                  <span className="text-muted-foreground ml-auto text-xs">{formatTime(v.updated_at ?? v.created_at)}</span>
                </li>
              ))}
            </ol>
            {versions.length > 1 ? (
              <div className="space-y-3">
                <div className="flex flex-wrap items-end gap-3">
                  <div className="grid gap-1.5">
                    <Label htmlFor="diff-from">Compare version</Label>
                    <NativeSelect id="diff-from" value={a ?? ""} onChange={(e) => setLeft(Number(e.target.value))}>
                      {versions.map((v) => (
                        <NativeSelectOption key={v.version} value={v.version}>
                          v{v.version}
                        </NativeSelectOption>
                      ))}
                    </NativeSelect>
                  </div>
                  <div className="grid gap-1.5">
                    <Label htmlFor="diff-to">with version</Label>
                    <NativeSelect id="diff-to" value={b ?? ""} onChange={(e) => setRight(Number(e.target.value))}>
                      {versions.map((v) => (
                        <NativeSelectOption key={v.version} value={v.version}>
                          v{v.version}
                        </NativeSelectOption>
                      ))}
                    </NativeSelect>
                  </div>
                </div>
                {changes.length === 0 ? (
                  <p className="text-muted-foreground text-sm">No differences in status, decision, risk, summary or findings.</p>
                ) : (
                  <div>
                    <table className="w-full table-fixed text-xs" data-testid="version-diff">
                      <caption className="sr-only">
                        Differences between version {a} and version {b}
                      </caption>
                      <thead>
                        <tr className="text-muted-foreground text-left">
                          <th scope="col" className="w-[40%] p-2 font-medium">Field</th>
                          <th scope="col" className="p-2 font-medium">v{a}</th>
                          <th scope="col" className="p-2 font-medium">v{b}</th>
                        </tr>
                      </thead>
                      <tbody className="font-mono">
                        {(showAll ? changes : changes.slice(0, FIRST_DIFFERENCES)).map((change) => (
                          <tr key={change.path} className="border-t align-top">
                            <td className="p-2 break-all">{change.path}</td>
                            <td className="bg-red-50 p-2 break-all dark:bg-red-950/40">{formatValue(change.before)}</td>
                            <td className="bg-emerald-50 p-2 break-all dark:bg-emerald-950/40">{formatValue(change.after)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                    {changes.length > FIRST_DIFFERENCES ? (
                      <Button variant="link" size="sm" className="px-0" aria-expanded={showAll} onClick={() => setShowAll(!showAll)}>
                        {showAll ? "Show fewer differences" : `Show ${changes.length - FIRST_DIFFERENCES} more differences`}
                      </Button>
                    ) : null}
                  </div>
                )}
              </div>
            ) : (
              <p className="text-muted-foreground text-sm">Only one version so far.</p>
            )}
          </>
        )}
      </CardContent>
    </Card>
  );
}
