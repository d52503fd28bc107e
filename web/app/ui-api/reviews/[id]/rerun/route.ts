import type { NextRequest } from "next/server";

import { isValidId } from "@/lib/api";
import { invalidId, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

export async function POST(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!isValidId(id)) return invalidId();
  return proxy(`/api/reviews/${id}/rerun`, { method: "POST" });
}
