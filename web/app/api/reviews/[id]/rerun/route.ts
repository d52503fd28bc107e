import type { NextRequest } from "next/server";

import { isValidId } from "@/lib/api";
import { refuseCrossSite } from "@/lib/csrf";
import { invalidId, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

export async function POST(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseCrossSite(request);
  if (refused) return refused;
  const { id } = await params;
  if (!isValidId(id)) return invalidId();
  return proxy(`/api/reviews/${id}/rerun`, { method: "POST" });
}
