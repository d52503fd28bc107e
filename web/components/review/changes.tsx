import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatValue, isRedacted } from "@/lib/format";
import type { ResourceChange } from "@/lib/types";
import { cn } from "@/lib/utils";

const ACTION_CLASSES: Record<string, string> = {
  create: "text-emerald-700 dark:text-emerald-400",
  update: "text-amber-700 dark:text-amber-400",
  delete: "text-red-700 dark:text-red-400",
  replace: "text-orange-700 dark:text-orange-400",
};

function actionClass(action: string): string {
  const key = Object.keys(ACTION_CLASSES).find((k) => action.startsWith(k));
  return key ? (ACTION_CLASSES[key] ?? "") : "text-muted-foreground";
}

function Value({ value }: { value: unknown }) {
  if (isRedacted(value)) {
    return (
      <span className="bg-muted rounded px-1 italic" data-redacted="true" title="This value is sensitive and was redacted before storage">
        (redacted)
      </span>
    );
  }
  return <span className="break-all">{formatValue(value)}</span>;
}

export function ChangesSection({ changes, truncated = 0 }: { changes: ResourceChange[]; truncated?: number }) {
  return (
    <Card data-testid="changes">
      <CardHeader>
        <CardTitle>
          Resource changes <span className="text-muted-foreground font-normal">({changes.length})</span>
        </CardTitle>
      </CardHeader>
      <CardContent>
        {changes.length === 0 ? (
          <p className="text-muted-foreground text-sm">No resource changes to show.</p>
        ) : (
          <ul className="space-y-3">
            {changes.map((change) => (
              <li key={change.address} className="rounded-md border">
                <details open={changes.length <= 20}>
                  <summary className="flex cursor-pointer flex-wrap items-center gap-2 p-3 text-sm">
                    <span className={cn("font-semibold uppercase", actionClass(change.action))}>{change.action.replaceAll("_", " ")}</span>
                    <span className="font-mono text-xs break-all">{change.address}</span>
                    {change.changed?.length ? <span className="text-muted-foreground text-xs">{change.changed.length} attribute(s)</span> : null}
                  </summary>
                  {change.changed?.length ? (
                    <div className="overflow-x-auto border-t">
                      <table className="w-full min-w-[36rem] table-fixed text-xs" data-testid="diff-table">
                        <caption className="sr-only">Changed attributes of {change.address}</caption>
                        <thead>
                          <tr className="text-muted-foreground text-left">
                            <th scope="col" className="w-[28%] p-2 font-medium">Attribute</th>
                            <th scope="col" className="p-2 font-medium">Before</th>
                            <th scope="col" className="w-8 p-2 font-medium" aria-label="becomes"></th>
                            <th scope="col" className="p-2 font-medium">After</th>
                          </tr>
                        </thead>
                        <tbody className="font-mono">
                          {change.changed.map((attr) => (
                            <tr key={attr.path} className="border-t align-top" data-testid="diff-row">
                              <td className="p-2 break-all">{attr.path}</td>
                              <td className="bg-red-50 p-2 text-red-900 dark:bg-red-950/40 dark:text-red-200">
                                <Value value={attr.before} />
                              </td>
                              <td className="text-muted-foreground p-2" aria-hidden="true">→</td>
                              <td className="bg-emerald-50 p-2 text-emerald-900 dark:bg-emerald-950/40 dark:text-emerald-200">
                                <Value value={attr.after} />
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  ) : null}
                </details>
              </li>
            ))}
          </ul>
        )}
        {truncated > 0 ? <p className="text-muted-foreground mt-3 text-sm">{truncated} more changed resources are not shown; download the report for all of them.</p> : null}
      </CardContent>
    </Card>
  );
}
