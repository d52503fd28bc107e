import crypto from "node:crypto";

import type { Browser, Page } from "@playwright/test";

import { BASE_URL } from "./api";

// Signing in through the real local provider (tools/oidc-dev): its login form, its tokens.

export const ISSUER = process.env.E2E_ISSUER ?? "http://127.0.0.1:9400";
export const CLIENT_ID = "tfreview-dashboard";
export const SHORT_CLIENT_ID = "tfreview-short-lived";
const CLIENT_SECRET = "dev-dashboard-secret";

export const USERS = {
  viewer: { password: "viewer-pass", name: "Vera Viewer" },
  submitter: { password: "submitter-pass", name: "Sam Submitter" },
  approver: { password: "approver-pass", name: "Alex Approver" },
  admin: { password: "admin-pass", name: "Ada Admin" },
} as const;
export type Login = keyof typeof USERS;

/** Fill the provider's login form on the current page. */
export async function fillLogin(page: Page, login: Login): Promise<void> {
  await page.getByLabel("Username").fill(login);
  await page.getByLabel("Password").fill(USERS[login].password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Sign in to the dashboard as this person: any page sends a stranger to the provider's form. */
export async function signIn(page: Page, login: Login, path = "/"): Promise<void> {
  await page.goto(path);
  await page.waitForURL((url) => url.href.startsWith(ISSUER));
  await fillLogin(page, login);
  await page.waitForURL((url) => url.origin === new URL(BASE_URL).origin && !url.pathname.startsWith("/auth/"));
}

const b64url = (data: Buffer): string => data.toString("base64url");

/** A real ID token for this person from the provider (code flow with PKCE, run by the test itself). */
export async function personToken(browser: Browser, login: Login, clientId = CLIENT_ID): Promise<string> {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  try {
    const page = await context.newPage();
    const verifier = b64url(crypto.randomBytes(32));
    const challenge = b64url(crypto.createHash("sha256").update(verifier).digest());
    const redirectUri = `${BASE_URL}/auth/callback`;
    let code: string | null = null;
    // The provider redirects to the callback (a redirect, which page.route does not intercept): the
    // request event still shows its URL. The dashboard refuses that callback (no sign-in of its own
    // was started in this context), so the code stays unused for the exchange below.
    page.on("request", (request) => {
      if (request.url().startsWith(redirectUri)) code = new URL(request.url()).searchParams.get("code");
    });
    const authorize = new URL(`${ISSUER}/auth`);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: "code",
      scope: "openid email profile groups",
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: b64url(crypto.randomBytes(12)),
      nonce: b64url(crypto.randomBytes(12)),
    }).toString();
    await page.goto(authorize.href);
    await fillLogin(page, login);
    const deadline = Date.now() + 30_000;
    while (!code && Date.now() < deadline) await page.waitForTimeout(100);
    if (!code) throw new Error("no authorization code");
    const response = await fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${Buffer.from(`${clientId}:${CLIENT_SECRET}`).toString("base64")}`,
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier }),
    });
    const body = (await response.json()) as { id_token?: string; error?: string };
    if (!body.id_token) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
    return body.id_token;
  } finally {
    await context.close();
  }
}
