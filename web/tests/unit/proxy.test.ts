import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The handlers act as the signed-in person: their ID token comes from the session cookie.
vi.mock("@/lib/auth/current", () => ({
  currentSession: async () => ({ idToken: "eyJ.person-token.sig", sub: "u1", name: "U One", email: null, exp: 4e9, iat: 1 }),
}));

import { GET as getReview } from "@/app/ui-api/reviews/[id]/route";
import { GET as listReviews } from "@/app/ui-api/reviews/route";

const KEY = "eyJ.person-token.sig";

describe("API proxy route handlers", () => {
  beforeEach(() => {
    process.env.TFR_API_URL = "http://api.internal:8000";
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("adds the person's token on the way to the API and never on the way back", async () => {
    const upstream = vi.fn().mockResolvedValue(
      new Response(JSON.stringify({ items: [], next_cursor: null }), {
        status: 200,
        headers: { "Content-Type": "application/json", "X-Debug-Auth": `Bearer ${KEY}`, "Set-Cookie": "a=b" },
      }),
    );
    vi.stubGlobal("fetch", upstream);
    const response = await listReviews(new NextRequest("http://web/ui-api/reviews?status=COMPLETED&evil=1&limit=5"));
    const [url, init] = upstream.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("http://api.internal:8000/api/reviews?status=COMPLETED&limit=5");
    expect(new Headers(init.headers).get("Authorization")).toBe(`Bearer ${KEY}`);
    expect(response.status).toBe(200);
    const headerText = [...response.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
    expect(headerText).not.toContain(KEY);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).not.toContain(KEY);
  });

  it("refuses ids that could walk to another API path", async () => {
    const upstream = vi.fn();
    vi.stubGlobal("fetch", upstream);
    const response = await getReview(new NextRequest("http://web/ui-api/reviews/x"), { params: Promise.resolve({ id: "..%2Fanalytics" }) });
    expect(response.status).toBe(404);
    expect(upstream).not.toHaveBeenCalled();
  });

  it("answers 502 in the error shape when the API is down", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("fetch failed")));
    const response = await listReviews(new NextRequest("http://web/ui-api/reviews"));
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe("api_unreachable");
  });
});
