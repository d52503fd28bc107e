import { NextResponse, type NextRequest } from "next/server";

import { client, oidcSettings, providerConfig, redirectUri } from "@/lib/auth/oidc";
import { SESSION_MAX_SECONDS, cookieSettings, openTransaction, sealSession } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

function failure(message: string, status = 400): NextResponse {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed · tfreview</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><h1>Sign-in failed</h1><p>${message}</p>
<p><a href="/auth/signin">Try again</a></p></body></html>`;
  return new NextResponse(body, { status, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}

/** The provider's redirect back: exchanges the code (with the PKCE verifier), checks state, nonce
 * and the ID token (signature, issuer, audience, expiry), then starts the session. */
export async function GET(request: NextRequest) {
  const settings = oidcSettings();
  const cookies = cookieSettings(settings.publicUrl);
  const tx = await openTransaction(request.cookies.get(cookies.transactionName)?.value);
  if (!tx) return failure("The sign-in took too long or was started elsewhere.");
  const config = await providerConfig(settings);
  // The URL the provider redirected to, on the dashboard's public address (not the internal one).
  const current = new URL(redirectUri(settings));
  current.search = request.nextUrl.search;
  let tokens;
  try {
    tokens = await client.authorizationCodeGrant(config, current, {
      pkceCodeVerifier: tx.verifier,
      expectedState: tx.state,
      expectedNonce: tx.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : "unknown error";
    return failure(`The identity provider's answer was refused (${reason.replace(/[<>&"]/g, "")}).`);
  }
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) return failure("The identity provider sent no ID token.");
  const now = Math.floor(Date.now() / 1000);
  const exp = Math.min(Number(claims.exp), now + SESSION_MAX_SECONDS);
  const session = await sealSession({
    idToken: tokens.id_token,
    sub: claims.sub,
    name: String(claims.name ?? claims.preferred_username ?? claims.email ?? claims.sub),
    email: typeof claims.email === "string" ? claims.email : null,
    exp,
    iat: now,
  });
  const response = NextResponse.redirect(new URL(tx.returnTo, settings.publicUrl).href, 303);
  response.cookies.set(cookies.sessionName, session, {
    httpOnly: true,
    secure: cookies.secure,
    sameSite: "lax",
    path: "/",
    maxAge: Math.max(exp - now, 0),
  });
  response.cookies.set(cookies.transactionName, "", { httpOnly: true, secure: cookies.secure, sameSite: "lax", path: "/", maxAge: 0 });
  response.headers.set("Cache-Control", "no-store");
  return response;
}
