"use client";

import { AlertOctagon, Download, RotateCw } from "lucide-react";
import { useEffect, useRef, useState } from "react";

import { ErrorState } from "@/components/states";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { FetchError, sendJson } from "@/lib/fetcher";
import { isTerminal, type Decision, type Review } from "@/lib/types";
import { approveBlocked, approveNeedsConfirmation, verdictOf } from "@/lib/verdict";

type Notice = { kind: "saved" | "conflict" | "error"; text: string } | null;

function currentFromConflict(error: FetchError): Review | null {
  const details = error.details as { current?: Review } | null;
  return details?.current && typeof details.current === "object" ? details.current : null;
}

export function DecisionPanel({ review, onChange, scopes }: { review: Review; onChange: (review: Review) => void; scopes: string[] }) {
  // What the API allows the signed-in person (GET /api/me); the API enforces it again on every call.
  const mayDecide = scopes.includes("decide");
  const mayRerun = scopes.includes("rerun");
  const [note, setNote] = useState(review.decision_note ?? "");
  const [busy, setBusy] = useState<null | Decision | "rerun">(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [confirming, setConfirming] = useState(false);
  const [noteError, setNoteError] = useState<string | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const expected = review.latest_version ?? review.version;
  const blocked = approveBlocked(review);
  const guarded = approveNeedsConfirmation(review);
  const verdict = verdictOf(review);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  function askApprove() {
    if (!guarded) {
      void decide("APPROVED");
      return;
    }
    if (!note.trim()) {
      setNoteError(`A note is required to approve a ${review.risk?.level} plan: say why it is safe to apply.`);
      noteRef.current?.focus();
      return;
    }
    setNoteError(null);
    setConfirming(true);
  }

  async function decide(decision: Decision) {
    setConfirming(false);
    setBusy(decision);
    setNotice(null);
    try {
      const next = await sendJson<Review>(`/ui-api/reviews/${review.id}`, "PUT", { decision, note: note || undefined, expected_version: expected });
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
      const next = await sendJson<Review>(`/ui-api/reviews/${review.id}/rerun`, "POST");
      onChange(next);
      setNotice({ kind: "saved", text: `Rerun started: version ${next.version}.` });
    } catch (err) {
      setNotice({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(null);
    }
  }

  const canDecide = review.status === "COMPLETED";
  const destructive = verdict.destructive;
  const unlisted = Math.max(0, verdict.counts.destroyed + verdict.counts.replaced - destructive.length);
  return (
    <Card className="gap-3 py-4" data-testid="decision-panel">
      <CardHeader className="px-4">
        <CardTitle>
          <h2>Decision</h2>
        </CardTitle>
      </CardHeader>
      <CardContent className="space-y-3 px-4">
        {mayDecide ? (
        <div className="grid gap-1.5">
          <Label htmlFor="decision-note">Decision note</Label>
          <Textarea
            id="decision-note"
            ref={noteRef}
            value={note}
            maxLength={2000}
            onChange={(e) => {
              setNote(e.target.value);
              if (e.target.value.trim()) setNoteError(null);
            }}
            placeholder={guarded ? `Required to approve: why this ${review.risk?.level} plan is safe to apply` : "Why you approve or reject this plan (optional)"}
            aria-invalid={noteError ? true : undefined}
            aria-describedby={noteError ? "decision-note-error" : guarded ? "decision-note-hint" : undefined}
            className="min-h-16"
          />
          {noteError ? (
            <p id="decision-note-error" className="text-destructive text-sm font-medium" role="alert">
              {noteError}
            </p>
          ) : guarded && canDecide && !blocked ? (
            <p id="decision-note-hint" className="text-muted-foreground text-xs">
              This plan is {review.risk?.level}: approving it needs a note and a confirmation.
            </p>
          ) : null}
        </div>
        ) : (
          <p className="text-muted-foreground text-sm" data-testid="decision-not-allowed">
            You can read this review. Approving, rejecting{mayRerun ? "" : " and rerunning"} need the approver role.
          </p>
        )}
        {confirming ? (
          <div role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-body" className="space-y-2 rounded-md border-2 border-red-600 p-3 text-sm dark:border-red-500" data-testid="approve-confirmation">
            <p id="confirm-title" className="flex items-center gap-2 font-semibold">
              <AlertOctagon className="size-4 shrink-0" aria-hidden="true" /> Approve a {review.risk?.level} plan?
            </p>
            <div id="confirm-body" className="space-y-1">
              {destructive.length > 0 ? (
                <>
                  <p>Applying it destroys or replaces:</p>
                  <ul className="list-disc pl-5 font-mono text-xs break-all" data-testid="confirm-destructive">
                    {destructive.map((change, i) => (
                      <li key={`${change.address}#${i}`}>
                        {change.address} ({change.action === "delete" ? "destroyed" : "replaced"})
                      </li>
                    ))}
                  </ul>
                  {unlisted > 0 ? <p>and {unlisted} more.</p> : null}
                </>
              ) : (
                <p>It destroys nothing, but introduces {verdict.counts.introducedHighPlus} HIGH or CRITICAL finding{verdict.counts.introducedHighPlus === 1 ? "" : "s"}.</p>
              )}
            </div>
            <div className="flex flex-wrap gap-2">
              <Button ref={confirmRef} onClick={() => void decide("APPROVED")} disabled={busy !== null} className="bg-red-700 text-white hover:bg-red-800">
                Yes, approve
              </Button>
              <Button variant="outline" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
            </div>
          </div>
        ) : null}
        <div className="flex flex-wrap items-center gap-2">
          {!mayDecide || (blocked && canDecide) ? null : (
            <Button onClick={askApprove} disabled={!canDecide || busy !== null || confirming} className="bg-emerald-700 text-white hover:bg-emerald-800">
              {busy === "APPROVED" ? "Approving…" : "Approve"}
            </Button>
          )}
          {mayDecide ? (
            <Button variant="destructive" onClick={() => void decide("REJECTED")} disabled={!canDecide || busy !== null}>
              {busy === "REJECTED" ? "Rejecting…" : "Reject"}
            </Button>
          ) : null}
          {mayRerun ? (
            <Button variant="outline" onClick={() => void rerun()} disabled={!isTerminal(review.status) || busy !== null}>
              <RotateCw aria-hidden="true" /> {busy === "rerun" ? "Starting…" : "Rerun"}
            </Button>
          ) : null}
          <span className="text-muted-foreground flex flex-wrap items-center gap-1 text-sm sm:ml-auto">
            <Download className="size-4" aria-hidden="true" /> Report:
            {(["md", "json", "sarif"] as const).map((format) => (
              <Button key={format} variant="link" size="sm" asChild className="px-1">
                <a href={`/ui-api/reviews/${review.id}/report?format=${format}`} download aria-label={`Download the report as ${format === "md" ? "Markdown" : format.toUpperCase()}`}>
                  {format === "md" ? "Markdown" : format.toUpperCase()}
                </a>
              </Button>
            ))}
          </span>
        </div>
        {blocked ? (
          <p className="text-muted-foreground text-sm" data-testid="approve-blocked">
            {blocked}
          </p>
        ) : null}
        {review.decided_by || review.decided_at ? (
          <p className="text-muted-foreground text-xs">
            Last decision by <span data-testid="decided-by">{review.decided_by ?? "unknown"}</span>
            {review.decider?.email ? ` (${review.decider.email})` : ""}
            {review.decider?.kind === "key" ? " (API key)" : ""}
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
