import "server-only";

import { NextResponse } from "next/server";

import { apiRequest } from "@/lib/api";

// Route handlers under app/ui-api pass the browser's calls on to the API through these helpers.
// Only the body, the status and a few content headers come back: nothing of the API's own
// headers and never the key.

const PASSED_HEADERS = ["content-type", "content-disposition", "etag"];

export function errorResponse(status: number, code: string, message: string): NextResponse {
  return NextResponse.json({ error: { code, message, details: null }, request_id: "web" }, { status });
}

export async function proxy(path: string, init: RequestInit = {}): Promise<Response> {
  let upstream: Response;
  try {
    upstream = await apiRequest(path, init);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return errorResponse(502, "api_unreachable", `The API did not answer: ${message}`);
  }
  const headers = new Headers({ "Cache-Control": "no-store" });
  for (const name of PASSED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  const body = await upstream.arrayBuffer();
  return new Response(body, { status: upstream.status, headers });
}

export function invalidId(): NextResponse {
  return errorResponse(404, "not_found", "No review has this id.");
}
