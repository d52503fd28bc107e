// Query parameters the paged API resources accept; the route handlers forward only these.
export const PAGE_PARAMS = {
  versions: ["limit", "cursor"],
  findings: ["limit", "cursor", "version", "severity", "introduced"],
  changes: ["limit", "cursor", "version"],
} as const;

export type PagedResource = keyof typeof PAGE_PARAMS;

/** The allowed query parameters of a request to a paged resource, as a query string ("" or "?..."). */
export function pageQuery(resource: PagedResource, search: URLSearchParams): string {
  const query = new URLSearchParams();
  for (const name of PAGE_PARAMS[resource]) {
    const value = search.get(name);
    if (value) query.set(name, value);
  }
  const text = query.toString();
  return text ? `?${text}` : "";
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
    const response = await fetch(`${path}?${query}`);
    if (!response.ok) throw new Error(`Could not load ${path} (${response.status})`);
    const body = (await response.json()) as Page<T>;
    items.push(...body.items);
    total = body.total;
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return { items, next_cursor: cursor ?? null, total };
}
