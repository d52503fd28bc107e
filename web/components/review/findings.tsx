import { SeverityBadge } from "@/components/badges";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { SEVERITIES, type Finding } from "@/lib/types";

export function groupBySeverity(findings: Finding[]): { severity: Finding["severity"]; items: Finding[] }[] {
  return SEVERITIES.map((severity) => ({ severity, items: findings.filter((f) => f.severity === severity) })).filter((g) => g.items.length > 0);
}

export function introductionLabel(finding: Finding): { text: string; introduced: boolean } {
  const how = finding.introduction ?? (finding.introduced ? "introduced" : "pre_existing");
  if (how === "introduced") return { text: "Introduced by this change", introduced: true };
  if (how === "worsened") return { text: "Made worse by this change", introduced: true };
  return { text: "Pre-existing", introduced: false };
}

export function FindingsSection({ findings, pending, total }: { findings: Finding[]; pending: boolean; total?: number }) {
  const groups = groupBySeverity(findings);
  const shown = total !== undefined && total > findings.length ? `first ${findings.length} of ${total}` : String(findings.length);
  return (
    <Card data-testid="findings">
      <CardHeader>
        <CardTitle>
          Findings <span className="text-muted-foreground font-normal">({shown})</span>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-6">
        {groups.length === 0 ? (
          <p className="text-muted-foreground text-sm">{pending ? "Findings appear when the review completes." : "No findings: the rules found nothing to flag."}</p>
        ) : (
          groups.map((group) => (
            <section key={group.severity} aria-labelledby={`sev-${group.severity}`} data-severity-group={group.severity}>
              <h3 id={`sev-${group.severity}`} className="mb-2 flex items-center gap-2 text-sm font-semibold">
                <SeverityBadge severity={group.severity} /> {group.items.length} finding{group.items.length === 1 ? "" : "s"}
              </h3>
              <ul className="divide-y rounded-md border">
                {group.items.map((finding, i) => (
                  <li key={`${finding.rule_id}-${finding.address}-${i}`} className="space-y-1 p-3 text-sm" data-testid="finding">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="font-medium">{finding.title}</span>
                      <span className="text-muted-foreground font-mono text-xs">{finding.rule_id}</span>
                      <span
                        data-introduced={introductionLabel(finding).introduced}
                        className={
                          introductionLabel(finding).introduced
                            ? "rounded bg-red-100 px-1.5 text-xs text-red-900 dark:bg-red-950 dark:text-red-200"
                            : "bg-muted text-muted-foreground rounded px-1.5 text-xs"
                        }
                      >
                        {introductionLabel(finding).text}
                      </span>
                      {finding.source === "llm" ? <span className="bg-muted rounded px-1.5 text-xs">AI finding</span> : null}
                      {finding.source === "policy" ? <span className="bg-muted rounded px-1.5 text-xs">Policy</span> : null}
                    </div>
                    {finding.address ? (
                      <p className="font-mono text-xs break-all">
                        {finding.address}
                        {finding.attribute ? <span className="text-muted-foreground"> · {finding.attribute}</span> : null}
                        {finding.action ? <span className="text-muted-foreground"> ({finding.action})</span> : null}
                      </p>
                    ) : null}
                    {finding.message ? <p>{finding.message}</p> : null}
                    {finding.remediation ? (
                      <p className="text-muted-foreground">
                        <span className="text-foreground font-medium">Remediation: </span>
                        {finding.remediation}
                      </p>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
      </CardContent>
    </Card>
  );
}
