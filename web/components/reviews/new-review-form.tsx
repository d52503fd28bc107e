"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { FetchError, sendJson } from "@/lib/fetcher";
import type { Review } from "@/lib/types";

type FormError = { message: string; details: string[] };

function detailLines(details: unknown): string[] {
  if (!details) return [];
  if (Array.isArray(details)) {
    return details.map((d) => {
      if (d && typeof d === "object" && "msg" in d) {
        const loc = "loc" in d && Array.isArray(d.loc) ? `${d.loc.join(".")}: ` : "";
        return `${loc}${String(d.msg)}`;
      }
      return typeof d === "string" ? d : JSON.stringify(d);
    });
  }
  if (typeof details === "string") return [details];
  return [JSON.stringify(details)];
}

export function NewReviewForm() {
  const router = useRouter();
  const [plan, setPlan] = useState("");
  const [title, setTitle] = useState("");
  const [tags, setTags] = useState("");
  const [error, setError] = useState<FormError | null>(null);
  const [busy, setBusy] = useState(false);

  async function onFile(file: File | undefined) {
    if (!file) return;
    setError(null);
    setPlan(await file.text());
    if (!title) setTitle(file.name.replace(/\.json$/i, ""));
  }

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(plan);
    } catch (err) {
      setError({ message: `This is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, details: [] });
      return;
    }
    setBusy(true);
    try {
      const body: Record<string, unknown> = { plan: parsed };
      if (title.trim()) body.title = title.trim();
      const tagList = tags.split(",").map((t) => t.trim()).filter(Boolean);
      if (tagList.length) body.tags = tagList;
      const review = await sendJson<Review>("/ui-api/reviews", "POST", body);
      router.push(`/reviews/${review.id}`);
    } catch (err) {
      if (err instanceof FetchError) setError({ message: err.message, details: detailLines(err.details) });
      else setError({ message: err instanceof Error ? err.message : String(err), details: [] });
      setBusy(false);
    }
  }

  return (
    <form className="space-y-4" onSubmit={(e) => void submit(e)} noValidate>
      <div className="grid gap-1.5">
        <Label htmlFor="plan-file">Plan file</Label>
        <Input id="plan-file" type="file" accept="application/json,.json" onChange={(e) => void onFile(e.target.files?.[0])} />
      </div>
      <div className="grid gap-1.5">
        <Label htmlFor="plan-json">Plan JSON</Label>
        <Textarea
          id="plan-json"
          value={plan}
          onChange={(e) => setPlan(e.target.value)}
          placeholder='{"format_version": "1.2", "terraform_version": "1.9.0", "resource_changes": [...]}'
          className="h-72 font-mono text-xs [field-sizing:fixed]"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "plan-error" : undefined}
          required
        />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="grid gap-1.5">
          <Label htmlFor="plan-title">Title (optional)</Label>
          <Input id="plan-title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="plan-tags">Tags, comma-separated (optional)</Label>
          <Input id="plan-tags" value={tags} onChange={(e) => setTags(e.target.value)} />
        </div>
      </div>
      {error ? (
        <Alert variant="destructive" id="plan-error" data-testid="submit-error">
          <AlertTitle>The plan was not accepted</AlertTitle>
          <AlertDescription>
            <p>{error.message}</p>
            {error.details.length ? (
              <ul className="list-disc pl-5">
                {error.details.slice(0, 10).map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
              </ul>
            ) : null}
          </AlertDescription>
        </Alert>
      ) : null}
      <Button type="submit" disabled={busy || !plan.trim()}>
        {busy ? "Submitting…" : "Submit for review"}
      </Button>
    </form>
  );
}
