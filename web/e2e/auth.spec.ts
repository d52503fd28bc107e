import { expect, test } from "@playwright/test";

import { API_URL, BASE_URL, createReview, waitForTerminal, type ApiReview } from "./api";
import { ISSUER, SHORT_CLIENT_ID, USERS, fillLogin, personToken, signIn } from "./auth";
import { quietPlan } from "./plans";

// Sign-in through the real local provider (tools/oidc-dev): every test here starts signed out.
test.use({ storageState: { cookies: [], origins: [] } });

async function apiAs(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${API_URL}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
}

async function freshReview(n: number): Promise<ApiReview> {
  return waitForTerminal((await createReview(quietPlan(900 + n), `e2e sign-in ${n}`, ["e2e-auth"])).id);
}

test("a signed-out visitor is sent to the provider's sign-in form, and handlers answer 401", async ({ page, request }) => {
  await page.goto("/reviews?status=COMPLETED");
  await expect(page).toHaveURL(new RegExp(`^${ISSUER}/interaction/`));
  await expect(page.getByLabel("Username")).toBeVisible();
  expect((await request.get(`${BASE_URL}/ui-api/reviews`)).status()).toBe(401);
  expect((await request.put(`${BASE_URL}/ui-api/reviews/01JABCDEFGHJKMNPQRSTVWXYZ0`, { data: { decision: "APPROVED" } })).status()).toBe(401);
  // A wrong password is refused by the provider and nothing is signed in.
  await page.getByLabel("Username").fill("approver");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("wrong password");
  // The right one returns to the page first asked for, signed in.
  await fillLogin(page, "approver");
  await expect(page).toHaveURL(`${BASE_URL}/reviews?status=COMPLETED`);
  await expect(page.getByTestId("signed-in-as")).toHaveText(USERS.approver.name);
  const cookies = await page.context().cookies(BASE_URL);
  const session = cookies.find((c) => c.name === "tfr_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");
});

test("a viewer cannot decide: the UI offers no decision and the API refuses one", async ({ page, browser }) => {
  const review = await freshReview(1);
  await signIn(page, "viewer", `/reviews/${review.id}`);
  await expect(page.getByTestId("decision-panel")).toBeVisible();
  await expect(page.getByTestId("decision-not-allowed")).toBeVisible();
  await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Reject" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Rerun" })).toHaveCount(0);
  // Through the dashboard (its handler forwards the viewer's token): the API answers 403.
  const viaDashboard = await page.request.put(`${BASE_URL}/ui-api/reviews/${review.id}`, {
    data: { decision: "APPROVED", expected_version: review.latest_version },
  });
  expect(viaDashboard.status()).toBe(403);
  const upload = await page.request.post(`${BASE_URL}/ui-api/reviews`, { data: { plan: quietPlan(950) } });
  expect(upload.status()).toBe(403);
  // Straight at the API with the viewer's own token from the provider: reads yes, decisions and uploads no.
  const token = await personToken(browser, "viewer");
  expect((await apiAs(token, `/api/reviews/${review.id}`)).status).toBe(200);
  const decide = await apiAs(token, `/api/reviews/${review.id}`, {
    method: "PUT",
    body: JSON.stringify({ decision: "APPROVED", expected_version: review.latest_version }),
  });
  expect(decide.status).toBe(403);
  expect((await apiAs(token, "/api/reviews", { method: "POST", body: JSON.stringify({ plan: quietPlan(951) }) })).status).toBe(403);
  expect((await apiAs(token, `/api/reviews/${review.id}/rerun`, { method: "POST" })).status).toBe(403);
  const after = (await (await apiAs(token, `/api/reviews/${review.id}`)).json()) as ApiReview;
  expect(after.decision).toBeNull();
  expect(after.latest_version).toBe(review.latest_version);
});

test("an approver's decision carries their name in the history", async ({ page }) => {
  const review = await freshReview(2);
  await signIn(page, "approver", `/reviews/${review.id}`);
  await page.getByLabel("Decision note").fill("looks fine to me");
  await page.getByRole("button", { name: "Reject" }).click();
  await expect(page.getByTestId("decision-saved")).toBeVisible();
  await expect(page.getByTestId("decided-by")).toHaveText(USERS.approver.name);
  const row = page.locator(`[data-testid="version-row"][data-version="${review.latest_version + 1}"]`);
  await expect(row.getByTestId("version-actor")).toContainText(`decided by ${USERS.approver.name}`);
  await expect(row.getByTestId("version-actor")).toContainText("approver@tfreview.dev");
  const versions = (await (await apiAs(process.env.E2E_API_KEY ?? "", `/api/reviews/${review.id}/versions`)).json()) as {
    items: { version: number; action: string | null; acted_by: { kind: string; subject: string; name: string } | null }[];
  };
  const decided = versions.items.find((v) => v.action === "decided");
  expect(decided?.acted_by).toMatchObject({ kind: "person", subject: "approver", name: USERS.approver.name });
});

test("a forged or expired token is refused by the API", async ({ browser }) => {
  test.setTimeout(180_000);
  const token = await personToken(browser, "viewer");
  expect((await apiAs(token, "/api/reviews?limit=1")).status).toBe(200);
  // Forged: the viewer's token with their groups changed to the admins' (the signature no longer matches).
  const [head, payload, signature] = token.split(".") as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  const forged = `${head}.${Buffer.from(JSON.stringify({ ...claims, groups: ["tfreview-admins"] })).toString("base64url")}.${signature}`;
  const refused = await apiAs(forged, "/api/reviews?limit=1");
  expect(refused.status).toBe(401);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("invalid_token");
  // Expired: a real token that lives 2 s, refused once the API's 60 s clock-skew leeway has passed too.
  const short = await personToken(browser, "admin", SHORT_CLIENT_ID);
  expect((await apiAs(short, "/api/reviews?limit=1")).status).toBe(200);
  const exp = Number((JSON.parse(Buffer.from(short.split(".")[1] ?? "", "base64url").toString()) as { exp: number }).exp);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, (exp + 62) * 1000 - Date.now())));
  const expired = await apiAs(short, "/api/reviews?limit=1");
  expect(expired.status).toBe(401);
  expect(((await expired.json()) as { error: { message: string } }).error.message).toContain("expired");
});

test("sign-out ends the session, at the dashboard and at the provider", async ({ page }) => {
  await signIn(page, "viewer");
  await expect(page.getByTestId("signed-in-as")).toHaveText(USERS.viewer.name);
  await page.getByTestId("sign-out").click();
  await expect(page).toHaveURL(`${BASE_URL}/signed-out`);
  expect((await page.context().cookies(BASE_URL)).find((c) => c.name === "tfr_session")).toBeUndefined();
  expect((await page.request.get(`${BASE_URL}/ui-api/reviews`)).status()).toBe(401);
  // The provider's session ended too: signing in again asks for the password.
  await page.goto("/");
  await expect(page).toHaveURL(new RegExp(`^${ISSUER}/interaction/`));
  await expect(page.getByLabel("Password")).toBeVisible();
});
