// Calls to the real API from the test process (Node), with the key the dashboard's server uses.

export const API_URL = process.env.E2E_API_URL ?? "http://127.0.0.1:8000";
export const API_KEY = process.env.E2E_API_KEY ?? "";
export const BASE_URL = process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000";

export interface ApiReview {
  id: string;
  version: number;
  latest_version: number;
  status: string;
  title: string;
  decision: string | null;
  risk: { level: string; score: number } | null;
  findings?: { severity: string; rule_id: string }[];
  changes?: { address: string; changed: { path: string; before: unknown; after: unknown }[] }[];
  ai?: { status: string; summary_md?: string | null } | null;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${API_URL}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json", ...(init.headers ?? {}) },
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function createReview(plan: unknown, title: string, tags: string[] = []): Promise<ApiReview> {
  const { status, body } = await api<ApiReview>("/api/reviews", { method: "POST", body: JSON.stringify({ plan, title, tags }) });
  if (status !== 202 && status !== 200) throw new Error(`create failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function waitForTerminal(id: string, timeoutMs = 60_000): Promise<ApiReview> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<ApiReview>(`/api/reviews/${id}`);
    if (body.status === "COMPLETED" || body.status === "FAILED") return body;
    if (Date.now() > deadline) throw new Error(`review ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
