import "server-only";

import { currentSession } from "@/lib/auth/current";
import { pageQuery } from "@/lib/paging";
import type { Analytics, ApiErrorBody, ReviewListItem, ReviewPage, ReviewResource } from "@/lib/types";

// The only code that talks to the tfreview API. It runs on the Next.js server and acts as the
// signed-in person: it forwards their ID token (from the encrypted session cookie) as the bearer,
// so the API checks the person's roles and records their name. The dashboard has no key of its
// own; a token never reaches the browser.

const DEFAULT_API_URL = "http://127.0.0.1:8000";

// Review ids are ULIDs (the API refuses anything else with a 422, which must read as "not found" here).
const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function apiBaseUrl(): string {
  return (process.env.TFR_API_URL || DEFAULT_API_URL).replace(/\/+$/, "");
}

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** A raw request to the API as the signed-in person; the caller reads the response. */
export async function apiRequest(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const session = await currentSession();
  if (session) headers.set("Authorization", `Bearer ${session.idToken}`);
  headers.set("Accept", headers.get("Accept") ?? "application/json");
  return fetch(`${apiBaseUrl()}${path}`, {
    ...init,
    headers,
    cache: "no-store",
    signal: init.signal ?? AbortSignal.timeout(15_000),
  });
}

export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; error: ApiErrorBody["error"] };

function unreachable(err: unknown): ApiResult<never> {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, status: 502, error: { code: "api_unreachable", message: `The API did not answer: ${message}`, details: null } };
}

/** A JSON request whose failure comes back as a value, in the API's error shape. */
export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await apiRequest(path, init);
  } catch (err) {
    return unreachable(err);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok) return { ok: true, status: response.status, data: body as T };
  const error = (body as ApiErrorBody | null)?.error ?? {
    code: "http_" + response.status,
    message: text.slice(0, 200) || response.statusText,
    details: null,
  };
  return { ok: false, status: response.status, error };
}

/** The list filters of a page's search params (first value of each), as a query string without "?". */
export function listQuery(params: Record<string, string | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first) search.set(name, first);
  }
  return pageQuery("reviews", search).slice(1);
}

export function listReviews(query: string): Promise<ApiResult<ReviewPage>> {
  return apiJson<ReviewPage>(`/api/reviews${query ? `?${query}` : ""}`);
}

export function getReview(id: string): Promise<ApiResult<ReviewResource>> {
  return apiJson<ReviewResource>(`/api/reviews/${encodeURIComponent(id)}`);
}

export interface Me {
  kind: string;
  subject: string;
  name: string;
  email: string | null;
  scopes: string[];
}

/** Who the API says the signed-in person is, and what it will let them do. */
export function getMe(): Promise<ApiResult<Me>> {
  return apiJson<Me>("/api/me");
}

export function getAnalytics(days: number): Promise<ApiResult<Analytics>> {
  return apiJson<Analytics>(`/api/analytics?days=${days}`);
}

export interface AttentionItem {
  review: ReviewListItem;
  reason: string;
}

const ATTENTION_QUERIES: { query: string; reason: (item: ReviewListItem) => string }[] = [
  { query: "status=COMPLETED&risk_level=CRITICAL&decision=NONE", reason: () => "CRITICAL, waiting for a decision" },
  { query: "status=COMPLETED&risk_level=HIGH&decision=NONE", reason: () => "HIGH, waiting for a decision" },
  { query: "status=FAILED", reason: (item) => `Review failed${item.error ? `: ${item.error}` : ""}` },
];

/** What needs a person now: undecided CRITICAL and HIGH reviews, then failed reviews. */
export async function needsAttention(limit = 5): Promise<ApiResult<AttentionItem[]>> {
  const pages = await Promise.all(ATTENTION_QUERIES.map(async (spec) => ({ spec, page: await listReviews(`${spec.query}&limit=${limit}`) })));
  const items: AttentionItem[] = [];
  for (const { spec, page } of pages) {
    if (!page.ok) return page;
    for (const review of page.data.items) items.push({ review, reason: spec.reason(review) });
  }
  return { ok: true, status: 200, data: items };
}
