import type { NextRequest } from "next/server";

import { proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest) {
  const days = Number(request.nextUrl.searchParams.get("days") ?? "30");
  const safeDays = Number.isInteger(days) && days > 0 && days <= 365 ? days : 30;
  return proxy(`/api/analytics?days=${safeDays}`);
}
