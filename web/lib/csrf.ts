import { NextResponse } from "next/server";

// Route handlers that change state act with the dashboard's own write key, so a request that a
// browser sends on behalf of another site must never reach them (a plain form on any site could
// rerun a review or submit plans); proxy.ts refuses it before any handler runs. Browsers mark such
// requests with Sec-Fetch-Site and Origin; clients without a browser (curl, scripts) send neither
// and carry no ambient credentials.

const ALLOWED_FETCH_SITES = new Set(["same-origin", "none"]);

/** The host this request was addressed to, as the browser saw it. */
function requestHost(headers: Headers): string | null {
  const forwarded = headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return forwarded || headers.get("host");
}

/** Why a mutating request must be refused as cross-site, or null when it may proceed. */
export function crossSiteReason(headers: Headers): string | null {
  const fetchSite = headers.get("sec-fetch-site");
  if (fetchSite && !ALLOWED_FETCH_SITES.has(fetchSite.toLowerCase())) {
    return `the browser marked this request as ${fetchSite}`;
  }
  const origin = headers.get("origin");
  if (origin === null) return null;
  let originHost: string;
  try {
    const url = new URL(origin);
    if (url.protocol !== "http:" && url.protocol !== "https:") return "the request has an opaque origin";
    originHost = url.host;
  } catch {
    return "the request has an opaque origin";
  }
  const host = requestHost(headers);
  if (!host || host.toLowerCase() !== originHost.toLowerCase()) return `it comes from ${origin}`;
  return null;
}

/** A 403 in the API's error shape for a cross-site request, or null when it may proceed. */
export function refuseCrossSite(request: Request): NextResponse | null {
  const reason = crossSiteReason(request.headers);
  if (reason === null) return null;
  return NextResponse.json(
    {
      error: { code: "cross_site_request", message: `Refused: ${reason}. Changes can only be made from the dashboard itself.`, details: null },
      request_id: "web",
    },
    { status: 403, headers: { "Cache-Control": "no-store" } },
  );
}
