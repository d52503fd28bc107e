import { NextResponse, type NextRequest } from "next/server";

import { client, oidcSettings, providerConfig, redirectUri } from "@/lib/auth/oidc";
import { TRANSACTION_MAX_SECONDS, cookieSettings, safeReturnTo, sealTransaction } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Starts sign-in: a fresh state, nonce and PKCE verifier in a short-lived encrypted cookie, then
 * the provider's authorization endpoint. */
export async function GET(request: NextRequest) {
  const settings = oidcSettings();
  const config = await providerConfig(settings);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const returnTo = safeReturnTo(request.nextUrl.searchParams.get("returnTo"));
  const target = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri(settings),
    scope: settings.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
  });
  const cookies = cookieSettings(settings.publicUrl);
  const response = NextResponse.redirect(target.href, 303);
  response.cookies.set(cookies.transactionName, await sealTransaction({ state, nonce, verifier, returnTo }), {
    httpOnly: true,
    secure: cookies.secure,
    sameSite: "lax", // the provider's redirect back is a top-level GET: Lax sends the cookie, cross-site POSTs never carry it
    path: "/",
    maxAge: TRANSACTION_MAX_SECONDS,
  });
  response.headers.set("Cache-Control", "no-store");
  return response;
}
