import { NextResponse, type NextRequest } from "next/server";

import { cookieSettings, openSession } from "@/lib/auth/session";
import { refuseCrossSite } from "@/lib/csrf";

// Runs before every page and route handler. Two gates, so no page or handler can forget them:
// 1. Sign-in: without a valid session (encrypted cookie, not expired) a page redirects to sign-in
//    and /ui-api answers 401. Only the sign-in routes and the signed-out page are open.
// 2. CSRF: a request that can change state is refused when a browser sent it on behalf of another
//    site (the session cookie is also SameSite=Lax, so cross-site POSTs do not carry it at all).

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const OPEN_PATHS = ["/auth/signin", "/auth/callback", "/signed-out"];

function isOpen(pathname: string): boolean {
  return OPEN_PATHS.some((open) => pathname === open || pathname.startsWith(`${open}/`));
}

export async function proxy(request: NextRequest): Promise<NextResponse> {
  if (!SAFE_METHODS.has(request.method)) {
    const refused = refuseCrossSite(request);
    if (refused) return refused;
  }
  const { pathname, search } = request.nextUrl;
  if (isOpen(pathname)) return NextResponse.next();
  const session = await openSession(request.cookies.get(cookieSettings().sessionName)?.value);
  if (session) return NextResponse.next();
  if (pathname.startsWith("/ui-api/") || pathname === "/auth/signout") {
    return NextResponse.json(
      { error: { code: "unauthenticated", message: "Sign in to use the dashboard.", details: null }, request_id: "web" },
      { status: 401, headers: { "Cache-Control": "no-store" } },
    );
  }
  // On the public address (behind CloudFront the request's own URL is the internal one).
  const signIn = new URL("/auth/signin", process.env.TFR_PUBLIC_URL || request.url);
  signIn.searchParams.set("returnTo", `${pathname}${search}`);
  const response = NextResponse.redirect(signIn, 307);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

export const config = { matcher: ["/((?!_next/static|_next/image|icon.svg|favicon.ico).*)"] };
