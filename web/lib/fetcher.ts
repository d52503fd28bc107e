import type { ApiErrorBody } from "@/lib/types";

// Client-side fetches go to the Next.js route handlers under /api, never to the API itself.

export class FetchError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

export async function readError(response: Response): Promise<FetchError> {
  let body: Partial<ApiErrorBody> | null = null;
  try {
    body = (await response.json()) as Partial<ApiErrorBody>;
  } catch {
    body = null;
  }
  const error = body?.error;
  return new FetchError(
    response.status,
    error?.code ?? `http_${response.status}`,
    error?.message ?? `Request failed with status ${response.status}`,
    error?.details ?? null,
  );
}

export async function jsonFetcher<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw await readError(response);
  return (await response.json()) as T;
}

export async function sendJson<T>(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw await readError(response);
  return (await response.json()) as T;
}

export type Page<T> = { items: T[]; next_cursor?: string | null; total: number };

/** Every item of a paged resource under the dashboard's /api, following next_cursor (at most maxPages). */
export async function fetchAllPages<T>(path: string, limit: number, maxPages = 50): Promise<Page<T>> {
  const items: T[] = [];
  let cursor: string | null | undefined = null;
  let total = 0;
  for (let page = 0; page < maxPages; page++) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    const body = await jsonFetcher<Page<T>>(`${path}?${query}`);
    items.push(...body.items);
    total = body.total;
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return { items, next_cursor: cursor ?? null, total };
}
