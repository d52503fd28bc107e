import { ChevronRight } from "lucide-react";

import { SeverityBadge } from "@/components/badges";
import { InlineCode } from "@/components/review/inline-code";
import { findingAnchor } from "@/components/review/verdict-banner";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { actionOutcome } from "@/lib/plan-diff";
import type { Finding } from "@/lib/types";
import { bySeverity, introductionOf, isIntroduced, SEVERITY_RANK } from "@/lib/verdict";

// Findings for people: what this plan introduces or makes worse comes first, grouped by the
// resource it touches, each saying what changed and what to do. Problems that were already there
// (posture) sit apart, collapsed: they are worth fixing, but they are not this plan's risk.

/** Introduced findings shown before the rest fold away, so a big plan keeps a short page. */
export const FIRST_FINDINGS = 6;

export interface ResourceGroup {
  address: string | null;
  action: string | null;
  findings: Finding[];
}

/** Findings grouped by resource address (plan-wide ones together), the group with the worst finding first. */
export function groupByResource(findings: Finding[]): ResourceGroup[] {
  const groups = new Map<string, ResourceGroup>();
  for (const finding of findings) {
    const key = finding.address ?? "";
    const group = groups.get(key) ?? { address: finding.address ?? null, action: finding.action ?? null, findings: [] };
    group.findings.push(finding);
    groups.set(key, group);
  }
  const worst = (g: ResourceGroup) => Math.max(...g.findings.map((f) => SEVERITY_RANK[f.severity]));
  const list = [...groups.values()];
  for (const group of list) group.findings.sort(bySeverity);
  return list.sort((a, b) => worst(b) - worst(a) || b.findings.length - a.findings.length);
}

const INTRODUCTION_WORDS: Record<ReturnType<typeof introductionOf>, string> = {
  introduced: "Introduced by this change",
  worsened: "Made worse by this change",
  pre_existing: "Pre-existing",
};

function FindingItem({ finding, anchor }: { finding: Finding; anchor: string | null }) {
  const how = introductionOf(finding);
  return (
    <li id={anchor ?? undefined} className="scroll-mt-20 space-y-1 px-3 py-2 text-sm" data-testid="finding" data-introduced={how !== "pre_existing"} data-severity={finding.severity}>
      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
        <SeverityBadge severity={finding.severity} />
        <span className="font-medium">{finding.title}</span>
        {how === "worsened" ? <span className="rounded border px-1.5 text-xs">made worse</span> : null}
        {finding.source === "llm" ? <span className="bg-muted rounded px-1.5 text-xs">AI finding</span> : null}
        {finding.source === "policy" ? <span className="bg-muted rounded px-1.5 text-xs">Policy</span> : null}
        {finding.attribute ? <span className="text-muted-foreground font-mono text-xs">{finding.attribute}</span> : null}
        <span className="text-muted-foreground ml-auto font-mono text-xs">
          <span className="sr-only">Rule </span>
          {finding.rule_id}
          <span className="sr-only"> · {INTRODUCTION_WORDS[how]}</span>
        </span>
      </div>
      {finding.message || finding.remediation ? (
        <div className="grid gap-x-6 gap-y-1 lg:grid-cols-2">
          {finding.message ? (
            <p>
              <span className="font-medium">What changed: </span>
              <InlineCode text={finding.message} />
            </p>
          ) : null}
          {finding.remediation ? (
            <p>
              <span className="font-medium">What to do: </span>
              <InlineCode text={finding.remediation} />
            </p>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

function GroupList({ groups, anchors }: { groups: ResourceGroup[]; anchors: Map<Finding, string> }) {
  return (
    <ul className="space-y-3">
      {groups.map((group, gi) => (
        <li key={`${group.address ?? "plan"}#${gi}`} className="rounded-md border" data-testid="finding-group">
          <h3 className="bg-muted/50 flex flex-wrap items-baseline gap-x-2 border-b px-3 py-1.5 text-sm">
            <span className="font-mono font-semibold break-all">{group.address ?? "The plan as a whole"}</span>
            {group.action && actionOutcome(group.action) ? <span className="text-muted-foreground text-xs">{actionOutcome(group.action)}</span> : null}
          </h3>
          <ul className="divide-y">
            {group.findings.map((finding, i) => (
              <FindingItem key={`${finding.rule_id}-${i}`} finding={finding} anchor={anchors.get(finding) ?? null} />
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

/** The link anchor of each finding, in the order shown; a repeated anchor goes to its first finding only. */
function anchorsOf(groups: ResourceGroup[]): Map<Finding, string> {
  // Computed before rendering: render must stay pure, or React's second render (Strict Mode,
  // hydration) sees every anchor as taken and the server and client markup differ.
  const anchors = new Map<Finding, string>();
  const taken = new Set<string>();
  for (const finding of groups.flatMap((group) => group.findings)) {
    const anchor = `finding-${findingAnchor(finding)}`;
    if (taken.has(anchor)) continue;
    taken.add(anchor);
    anchors.set(finding, anchor);
  }
  return anchors;
}

/** Split groups so the first ones hold at most `limit` findings (or one group); the rest fold away. */
function splitGroups(groups: ResourceGroup[], limit: number): [ResourceGroup[], ResourceGroup[]] {
  let shown = 0;
  let index = 0;
  while (index < groups.length) {
    const next = groups[index]?.findings.length ?? 0;
    // Whole groups only, and never past the limit once something is shown.
    if (shown > 0 && shown + next > limit) break;
    shown += next;
    index += 1;
  }
  return [groups.slice(0, index), groups.slice(index)];
}

export function FindingsSection({
  findings,
  pending,
  total,
  introducedTotal,
  postureTotal,
}: {
  findings: Finding[];
  pending: boolean;
  /** How many findings, introduced and posture, the review has in all (findings may be the first page). */
  total?: number;
  introducedTotal?: number;
  postureTotal?: number;
}) {
  const introduced = findings.filter(isIntroduced);
  const posture = findings.filter((f) => !isIntroduced(f));
  const [first, rest] = splitGroups(groupByResource(introduced), FIRST_FINDINGS);
  const restCount = rest.reduce((sum, g) => sum + g.findings.length, 0);
  const postureGroups = groupByResource(posture);
  const anchors = anchorsOf([...first, ...rest, ...postureGroups]);
  const missing = (total ?? findings.length) - findings.length;
  return (
    <Card data-testid="findings" className="gap-4">
      <CardHeader>
        <CardTitle>
          <h2>
            What this plan introduces <span className="text-muted-foreground font-normal">({introducedTotal ?? introduced.length})</span>
          </h2>
        </CardTitle>
        <CardDescription>Findings this change introduces or makes worse, by resource. These set the risk level.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {introduced.length === 0 ? (
          <p className="text-muted-foreground text-sm" data-testid="no-introduced">
            {pending ? "Findings appear when the review completes." : "Nothing risky: this plan introduces no findings."}
          </p>
        ) : (
          <GroupList groups={first} anchors={anchors} />
        )}
        {rest.length > 0 ? (
          <details className="group rounded-md border" data-testid="more-findings">
            <summary className="flex cursor-pointer items-center gap-2 p-3 text-sm font-medium">
              <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden="true" />
              {restCount} more introduced finding{restCount === 1 ? "" : "s"} on {rest.length} more resource{rest.length === 1 ? "" : "s"}
            </summary>
            <div className="border-t p-3">
              <GroupList groups={rest} anchors={anchors} />
            </div>
          </details>
        ) : null}
        {posture.length > 0 ? (
          <details className="group rounded-md border" data-testid="posture">
            <summary className="flex cursor-pointer items-center gap-2 p-3 text-sm">
              <ChevronRight className="size-4 transition-transform group-open:rotate-90" aria-hidden="true" />
              <span>
                <span className="font-medium">Pre-existing posture ({postureTotal ?? posture.length})</span>
                <span className="text-muted-foreground"> · already true before this plan; not part of its risk level</span>
              </span>
            </summary>
            <div className="border-t p-3">
              <GroupList groups={postureGroups} anchors={anchors} />
            </div>
          </details>
        ) : null}
        {missing > 0 ? (
          <p className="text-muted-foreground text-sm">
            {missing} more finding{missing === 1 ? "" : "s"} are not shown here; download the report for all of them.
          </p>
        ) : null}
      </CardContent>
    </Card>
  );
}
