// Cursor pagination as plain links. The API's cursors only go forward, so the cursors of the pages
// before this one travel in the URL too (`back`, newest first left out): "← Newer" is then a real
// link that works on a page opened from a bookmark, never the browser's history.

const SEPARATOR = ".";
const MAX_BACK = 40;

function backList(params: URLSearchParams): string[] {
  const raw = params.get("back");
  return raw ? raw.split(SEPARATOR) : [];
}

function build(params: URLSearchParams, cursor: string | null, back: string[]): string {
  const next = new URLSearchParams(params.toString());
  next.delete("cursor");
  next.delete("back");
  if (cursor) next.set("cursor", cursor);
  // An empty entry stands for the first page (no cursor).
  if (cursor && back.length > 0) next.set("back", back.slice(-MAX_BACK).join(SEPARATOR));
  return next.toString();
}

/** The query of the next (older) page. */
export function olderQuery(params: URLSearchParams, nextCursor: string): string {
  const current = params.get("cursor");
  return build(params, nextCursor, current ? [...backList(params), current] : []);
}

/** The query of the previous (newer) page, or null on the first page. */
export function newerQuery(params: URLSearchParams): string | null {
  if (!params.get("cursor")) return null;
  const back = backList(params);
  const previous = back.at(-1) ?? null;
  return build(params, previous || null, back.slice(0, -1));
}

/** The query of the newest page with the same filters. */
export function newestQuery(params: URLSearchParams): string {
  return build(params, null, []);
}
