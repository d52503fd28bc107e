import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { POST as rerunReview } from "@/app/ui-api/reviews/[id]/rerun/route";
import { crossSiteReason } from "@/lib/csrf";
import { proxy } from "@/proxy";

const ID = "01JABCDEFGHJKMNPQRSTVWXYZ0";

function request(url: string, method: string, headers: Record<string, string>): NextRequest {
  return new NextRequest(url, { method, headers: { host: "dash.example", ...headers }, body: method === "GET" ? undefined : "{}" });
}

describe("crossSiteReason", () => {
  it("lets same-origin browser requests and clients without a browser through", () => {
    expect(crossSiteReason(new Headers({ host: "dash.example", origin: "https://dash.example", "sec-fetch-site": "same-origin" }))).toBeNull();
    expect(crossSiteReason(new Headers({ host: "dash.example" }))).toBeNull();
    expect(crossSiteReason(new Headers({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000" }))).toBeNull();
    expect(crossSiteReason(new Headers({ host: "internal:3000", "x-forwarded-host": "dash.example", origin: "https://dash.example" }))).toBeNull();
  });

  it("refuses what the browser marks cross-site or same-site, foreign and opaque origins", () => {
    expect(crossSiteReason(new Headers({ host: "dash.example", "sec-fetch-site": "cross-site" }))).toMatch(/cross-site/);
    // A sibling subdomain (or another port of the same host) is same-site, not same-origin.
    expect(crossSiteReason(new Headers({ host: "dash.example", "sec-fetch-site": "same-site", origin: "https://dash.example" }))).toMatch(/same-site/);
    expect(crossSiteReason(new Headers({ host: "dash.example", origin: "https://evil.example" }))).toMatch(/evil\.example/);
    expect(crossSiteReason(new Headers({ host: "127.0.0.1:3000", origin: "http://127.0.0.1:8000" }))).toMatch(/8000/);
    expect(crossSiteReason(new Headers({ host: "dash.example", origin: "null" }))).toMatch(/opaque/);
    expect(crossSiteReason(new Headers({ host: "dash.example", origin: "file:///x" }))).toMatch(/opaque/);
  });
});

describe("mutating requests under /api", () => {
  beforeEach(() => {
    process.env.TFR_API_URL = "http://api.internal:8000";
    process.env.TFR_API_KEY = "tfr_test_key";
  });
  afterEach(() => vi.unstubAllGlobals());

  it("answer a cross-site request with 403 and never call the API", async () => {
    const upstream = vi.fn();
    vi.stubGlobal("fetch", upstream);
    const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" };
    // The proxy answers before any route handler runs.
    const responses = [
      proxy(request("http://dash.example/ui-api/reviews", "POST", evil)),
      proxy(request(`http://dash.example/ui-api/reviews/${ID}`, "PUT", evil)),
      proxy(request(`http://dash.example/ui-api/reviews/${ID}/rerun`, "POST", evil)),
    ];
    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("cross_site_request");
    }
    expect(upstream).not.toHaveBeenCalled();
    // Reads change nothing, so the proxy lets them through from anywhere.
    expect(proxy(request("http://dash.example/ui-api/reviews", "GET", evil)).headers.get("x-middleware-next")).toBe("1");
  });

  it("pass a same-origin request on", async () => {
    const upstream = vi.fn().mockResolvedValue(new Response("{}", { status: 202, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", upstream);
    const sameOrigin = request(`http://dash.example/ui-api/reviews/${ID}/rerun`, "POST", { origin: "http://dash.example", "sec-fetch-site": "same-origin" });
    expect(proxy(sameOrigin).headers.get("x-middleware-next")).toBe("1");
    const response = await rerunReview(sameOrigin, { params: Promise.resolve({ id: ID }) });
    expect(response.status).toBe(202);
    expect(upstream).toHaveBeenCalledOnce();
  });
});
