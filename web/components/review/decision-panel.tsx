"use client";

import { Download, RotateCw } from "lucide-react";
import { useState } from "react";

import { ErrorState } from "@/components/states";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { FetchError, sendJson } from "@/lib/fetcher";
import { isTerminal, type Decision, type Review } from "@/lib/types";

type Notice = { kind: "saved" | "conflict" | "error"; text: string } | null;

function currentFromConflict(error: FetchError): Review | null {
  const details = error.details as { current?: Review } | null;
  return details?.current && typeof details.current === "object" ? details.current : null;
}

export function DecisionPanel({ review, onChange }: { review: Review; onChange: (review: Review) => void }) {
  const [note, setNote] = useState(review.decision_note ?? "");
  const [busy, setBusy] = useState<null | Decision | "rerun">(null);
  const [notice, setNotice] = useState<Notice>(null);
  const expected = review.latest_version ?? review.version;

  async function decide(decision: Decision) {
    setBusy(decision);
    setNotice(null);
    try {
      const next = await sendJson<Review>(`/api/reviews/${review.id}`, "PUT", { decision, note: note || undefined, expected_version: expected });
      onChange(next);
      setNotice({ kind: "saved", text: `${decision === "APPROVED" ? "Approved" : "Rejected"}: saved as version ${next.version}.` });
    } catch (err) {
      if (err instanceof FetchError && err.status === 409) {
        const current = currentFromConflict(err);
        if (current) onChange(current);
        setNotice({
          kind: "conflict",
          text: `Someone else changed this review first${current ? `: it is now at version ${current.version} (${current.status}${current.decision ? `, ${current.decision}` : ""})` : ""}. Your decision was not saved. Check the newer version below and decide again.`,
        });
      } else {
        setNotice({ kind: "error", text: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      setBusy(null);
    }
  }

  async function rerun() {
    setBusy("rerun");
    setNotice(null);
    try {
      const next = await sendJson<Review>(`/api/reviews/${review.id}/rerun`, "POST");
      onChange(next);
      setNotice({ kind: "saved", text: `Rerun started: version ${next.version}.` });
    } catch (err) {
      setNotice({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(null);
    }
  }

  const canDecide = review.status === "COMPLETED";
  return (
    <Card className="py-4" data-testid="decision-panel">
      <CardContent className="space-y-3 px-4">
        <div className="grid gap-1.5">
          <Label htmlFor="decision-note">Decision note</Label>
          <Textarea
            id="decision-note"
            value={note}
            maxLength={2000}
            onChange={(e) => setNote(e.target.value)}
            placeholder="Why you approve or reject this plan (optional)"
            className="min-h-16"
          />
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Button onClick={() => void decide("APPROVED")} disabled={!canDecide || busy !== null} className="bg-emerald-700 text-white hover:bg-emerald-800">
            {busy === "APPROVED" ? "Approving…" : "Approve"}
          </Button>
          <Button variant="destructive" onClick={() => void decide("REJECTED")} disabled={!canDecide || busy !== null}>
            {busy === "REJECTED" ? "Rejecting…" : "Reject"}
          </Button>
          <Button variant="outline" onClick={() => void rerun()} disabled={!isTerminal(review.status) || busy !== null}>
            <RotateCw aria-hidden="true" /> {busy === "rerun" ? "Starting…" : "Rerun"}
          </Button>
          <span className="text-muted-foreground ml-auto flex flex-wrap items-center gap-1 text-sm">
            <Download className="size-4" aria-hidden="true" /> Report:
            {(["md", "json", "sarif"] as const).map((format) => (
              <Button key={format} variant="link" size="sm" asChild className="px-1">
                <a href={`/api/reviews/${review.id}/report?format=${format}`} download aria-label={`Download the report as ${format === "md" ? "Markdown" : format.toUpperCase()}`}>
                  {format === "md" ? "Markdown" : format.toUpperCase()}
                </a>
              </Button>
            ))}
          </span>
        </div>
        {!canDecide ? <p className="text-muted-foreground text-xs">Approve and Reject are available once the review has completed.</p> : null}
        {review.decided_by || review.decided_at ? (
          <p className="text-muted-foreground text-xs">
            Last decision by {review.decided_by ?? "unknown"}
            {review.decided_at ? ` at ${review.decided_at}` : ""}
            {review.decision_note ? `: “${review.decision_note}”` : ""}
          </p>
        ) : null}
        <div aria-live="polite">
          {notice?.kind === "saved" ? (
            <Alert data-testid="decision-saved">
              <AlertTitle>Saved</AlertTitle>
              <AlertDescription>{notice.text}</AlertDescription>
            </Alert>
          ) : notice?.kind === "conflict" ? (
            <Alert variant="destructive" data-testid="decision-conflict">
              <AlertTitle>This review changed while you were looking</AlertTitle>
              <AlertDescription>{notice.text}</AlertDescription>
            </Alert>
          ) : notice?.kind === "error" ? (
            <ErrorState title="The action failed" message={notice.text} />
          ) : null}
        </div>
      </CardContent>
    </Card>
  );
}
