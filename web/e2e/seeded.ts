import fs from "node:fs";
import path from "node:path";

import { api, type ApiReview } from "./api";
import { SEED_FILE } from "./global-setup";

/** The reviews global-setup created, as they were when they completed. */
export function seeded(): ApiReview[] {
  return JSON.parse(fs.readFileSync(SEED_FILE, "utf8")) as ApiReview[];
}

export function byTitle(prefix: string): ApiReview {
  const review = seeded().find((r) => r.title.startsWith(prefix));
  if (!review) throw new Error(`no seeded review titled ${prefix}`);
  return review;
}

const SAMPLES = path.join(__dirname, "..", "..", "samples", "plans");

/** The review scripts/seed.py made from the sample plan with the most resource changes. */
export async function largestSampleReview(): Promise<ApiReview> {
  let largest = { name: "", count: -1 };
  for (const name of fs.readdirSync(SAMPLES).filter((n) => n.endsWith(".json"))) {
    const plan = JSON.parse(fs.readFileSync(path.join(SAMPLES, name), "utf8")) as { resource_changes?: unknown[] };
    const count = plan.resource_changes?.length ?? 0;
    if (count > largest.count) largest = { name, count };
  }
  // seed.py titles a sample after its file name.
  const stem = largest.name.replace(/\.json$/, "").replace(/[-_]/g, " ");
  const title = stem.charAt(0).toUpperCase() + stem.slice(1).toLowerCase();
  const { body } = await api<{ items: ApiReview[] }>(`/api/reviews?q=${encodeURIComponent(title)}&limit=50`);
  const review = body.items.find((r) => r.title === title);
  if (!review) throw new Error(`no review of the largest sample plan (${title})`);
  return review;
}
