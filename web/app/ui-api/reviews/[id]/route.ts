import type { NextRequest } from "next/server";

import { isValidId } from "@/lib/api";
import { invalidId, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ id: string }> };

export async function GET(_request: NextRequest, { params }: Context) {
  const { id } = await params;
  if (!isValidId(id)) return invalidId();
  return proxy(`/api/reviews/${id}`);
}

export async function PUT(request: NextRequest, { params }: Context) {
  const { id } = await params;
  if (!isValidId(id)) return invalidId();
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const ifMatch = request.headers.get("if-match");
  if (ifMatch) headers["If-Match"] = ifMatch;
  return proxy(`/api/reviews/${id}`, { method: "PUT", body: await request.text(), headers });
}
