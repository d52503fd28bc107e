import fs from "node:fs";
import path from "node:path";

import { createReview, waitForTerminal, type ApiReview } from "./api";
import { hostilePlan, mediumPlan, quietPlan, riskyPlan } from "./plans";

export const SEED_FILE = path.join(__dirname, "..", "test-results", "seed.json");

/** Seeds the real stack through the API and waits until every review has completed. */
export default async function globalSetup(): Promise<void> {
  if (fs.existsSync(SEED_FILE) && process.env.E2E_REUSE_SEED === "1") return;
  const created: ApiReview[] = [];
  created.push(await createReview(riskyPlan(), "e2e risky: prod database teardown", ["prod", "e2e"]));
  for (let i = 0; i < 4; i++) created.push(await createReview(mediumPlan(i), `e2e medium: worker rollout ${i}`, ["e2e"]));
  for (let i = 0; i < 6; i++) created.push(await createReview(quietPlan(i), `e2e quiet: bucket tags ${i}`, ["e2e"]));
  created.push(await createReview(hostilePlan(), "e2e hostile: markdown injection", ["e2e"]));
  const done = await Promise.all(created.map((r) => waitForTerminal(r.id)));
  fs.mkdirSync(path.dirname(SEED_FILE), { recursive: true });
  fs.writeFileSync(SEED_FILE, JSON.stringify(done, null, 2));
}
