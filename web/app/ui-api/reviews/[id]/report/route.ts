import type { NextRequest } from "next/server";

import { isValidId } from "@/lib/api";
import { errorResponse, invalidId, proxy } from "@/lib/proxy";

export const dynamic = "force-dynamic";

const EXTENSIONS: Record<string, string> = { md: "md", json: "json", sarif: "sarif.json" };

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  if (!isValidId(id)) return invalidId();
  const format = request.nextUrl.searchParams.get("format") ?? "md";
  const extension = EXTENSIONS[format];
  if (!extension) return errorResponse(422, "invalid_format", "format must be md, json or sarif.");
  const response = await proxy(`/api/reviews/${id}/report?format=${format}`, { headers: { Accept: "*/*" } });
  if (response.ok) {
    response.headers.set("Content-Disposition", `attachment; filename="tfreview-${id}.${extension}"`);
  }
  return response;
}
