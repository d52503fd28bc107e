import { NextResponse, type NextRequest } from "next/server";

import { refuseCrossSite } from "@/lib/csrf";

// Runs before every route handler under /ui-api: a request that can change state is refused here
// when a browser sent it on behalf of another site, so no handler can forget the check.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function proxy(request: NextRequest): NextResponse {
  if (SAFE_METHODS.has(request.method)) return NextResponse.next();
  return refuseCrossSite(request) ?? NextResponse.next();
}

export const config = { matcher: "/ui-api/:path*" };
