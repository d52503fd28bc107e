import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/auth/current", () => ({
  currentSession: async () => ({ idToken: "eyJ.person-token.sig", sub: "u1", name: "U One", email: null, exp: 4e9, iat: 1 }),
}));

import { POST as rerunReview } from "@/app/ui-api/reviews/[id]/rerun/route";
import { sealSession } from "@/lib/auth/session";
import { crossSiteReason } from "@/lib/csrf";
import { proxy } from "@/proxy";

let sessionCookie = "";

const ID = "01JABCDEFGHJKMNPQRSTVWXYZ0";

function request(url: string, method: string, headers: Record<string, string>): NextRequest {
  return new NextRequest(url, {
    method,
    headers: { host: "dash.example", cookie: `tfr_session=${sessionCookie}`, ...headers },
    body: method === "GET" ? undefined : "{}",
  });
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
  beforeEach(async () => {
    process.env.TFR_API_URL = "http://api.internal:8000";
    process.env.TFR_PUBLIC_URL = "http://localhost:3000";
    process.env.TFR_SESSION_SECRET = "unit-test-session-secret-0123456789abcdef";
    const now = Math.floor(Date.now() / 1000);
    sessionCookie = await sealSession({ idToken: "eyJ.person-token.sig", sub: "u1", name: "U One", email: null, exp: now + 600, iat: now });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("answer a cross-site request with 403 and never call the API", async () => {
    const upstream = vi.fn();
    vi.stubGlobal("fetch", upstream);
    const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" };
    // The proxy answers before any route handler runs.
    const responses = await Promise.all([
      proxy(request("http://dash.example/ui-api/reviews", "POST", evil)),
      proxy(request(`http://dash.example/ui-api/reviews/${ID}`, "PUT", evil)),
      proxy(request(`http://dash.example/ui-api/reviews/${ID}/rerun`, "POST", evil)),
      proxy(request("http://dash.example/auth/signout", "POST", evil)),
    ]);
    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("cross_site_request");
    }
    expect(upstream).not.toHaveBeenCalled();
    // Reads change nothing, so the proxy lets them through from anywhere.
    expect((await proxy(request("http://dash.example/ui-api/reviews", "GET", evil))).headers.get("x-middleware-next")).toBe("1");
  });

  it("pass a same-origin request on", async () => {
    const upstream = vi.fn().mockResolvedValue(new Response("{}", { status: 202, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", upstream);
    const sameOrigin = request(`http://dash.example/ui-api/reviews/${ID}/rerun`, "POST", { origin: "http://dash.example", "sec-fetch-site": "same-origin" });
    expect((await proxy(sameOrigin)).headers.get("x-middleware-next")).toBe("1");
    const response = await rerunReview(sameOrigin, { params: Promise.resolve({ id: ID }) });
    expect(response.status).toBe(202);
    expect(upstream).toHaveBeenCalledOnce();
  });
});

describe("the sign-in gate", () => {
  beforeEach(() => {
    process.env.TFR_PUBLIC_URL = "http://localhost:3000";
    process.env.TFR_SESSION_SECRET = "unit-test-session-secret-0123456789abcdef";
  });

  it("sends pages to sign-in and answers handlers 401 without a valid session", async () => {
    const page = await proxy(new NextRequest("http://dash.example/reviews?status=FAILED", { headers: { host: "dash.example" } }));
    expect(page.status).toBe(307);
    expect(page.headers.get("location")).toBe("http://localhost:3000/auth/signin?returnTo=%2Freviews%3Fstatus%3DFAILED");
    const forged = await proxy(new NextRequest("http://dash.example/ui-api/reviews", { headers: { host: "dash.example", cookie: "tfr_session=eyJhbGciOiJkaXIifQ.x.y.z.w" } }));
    expect(forged.status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const expired = await sealSession({ idToken: "t", sub: "u1", name: "U", email: null, exp: now + 1, iat: now - 9 * 3600 });
    const old = await proxy(new NextRequest("http://dash.example/", { headers: { host: "dash.example", cookie: `tfr_session=${expired}` } }));
    expect(old.status).toBe(307);
    // The sign-in routes and the signed-out page stay open.
    for (const open of ["/auth/signin", "/auth/callback?code=x", "/signed-out"]) {
      expect((await proxy(new NextRequest(`http://dash.example${open}`))).headers.get("x-middleware-next")).toBe("1");
    }
  });

  it("keeps return paths on this site", async () => {
    const { safeReturnTo } = await import("@/lib/auth/session");
    expect(safeReturnTo("/reviews/1?x=2")).toBe("/reviews/1?x=2");
    for (const bad of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/auth/signout", null]) {
      expect(safeReturnTo(bad)).toBe("/");
    }
  });

  it("refuses plain http for a public address and makes Secure __Host- cookies on https", async () => {
    const { cookieSettings } = await import("@/lib/auth/session");
    expect(() => cookieSettings("http://dash.example")).toThrow(/https/);
    expect(cookieSettings("https://dash.example")).toEqual({ secure: true, sessionName: "__Host-tfr_session", transactionName: "__Host-tfr_signin" });
    expect(cookieSettings("http://localhost:3000").secure).toBe(false);
  });
});
