import { NextResponse, type NextRequest } from "next/server";

import { client, oidcSettings, providerConfig, signedOutUrl } from "@/lib/auth/oidc";
import { cookieSettings, openSession } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Sign-out (POST only; proxy.ts refuses cross-site posts): the session cookie is cleared, then the
 * provider ends its own session when it supports RP-initiated logout. */
export async function POST(request: NextRequest) {
  const settings = oidcSettings();
  const cookies = cookieSettings(settings.publicUrl);
  const session = await openSession(request.cookies.get(cookies.sessionName)?.value);
  let target = signedOutUrl(settings);
  try {
    const config = await providerConfig(settings);
    if (config.serverMetadata().end_session_endpoint) {
      target = client.buildEndSessionUrl(config, {
        post_logout_redirect_uri: signedOutUrl(settings),
        ...(session ? { id_token_hint: session.idToken } : {}),
      }).href;
    }
  } catch {
    // The provider is unreachable: the dashboard's session still ends.
  }
  // A page that moves on by itself, not a redirect: the sign-out form's CSP (form-action 'self')
  // would block a form submission that redirects to the provider's origin.
  const href = target.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Signing out · tfreview</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto"><p>Signing out… <a href="${href}">Continue</a></p></body></html>`;
  const response = new NextResponse(body, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
  response.cookies.set(cookies.sessionName, "", { httpOnly: true, secure: cookies.secure, sameSite: "lax", path: "/", maxAge: 0 });
  response.headers.set("Cache-Control", "no-store");
  return response;
}
