import type { NextRequest } from "next/server";

import { isValidId } from "@/lib/api";
import { invalidId, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string; n: string }> }) {
  const { id, n } = await params;
  if (!isValidId(id) || !/^\d{1,8}$/.test(n)) return invalidId();
  return proxy(`/api/reviews/${id}/versions/${n}`);
}
