import type { NextRequest } from "next/server";

import { pageQuery } from "@/lib/paging";
import { errorResponse, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  return proxy(`/api/reviews${pageQuery("reviews", request.nextUrl.searchParams)}`);
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function POST(request: NextRequest) {
  const body = await request.text();
  if (body.length > MAX_BODY_BYTES) {
    return errorResponse(413, "payload_too_large", "The plan is larger than 32 MiB.");
  }
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const idempotencyKey = request.headers.get("idempotency-key");
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  return proxy("/api/reviews", { method: "POST", body, headers });
}
