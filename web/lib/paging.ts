// Query parameters the API's list and paged resources accept; the dashboard forwards only these.
export const PAGE_PARAMS = {
  reviews: ["status", "risk_level", "stack_id", "run_id", "decision", "q", "limit", "cursor"],
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
