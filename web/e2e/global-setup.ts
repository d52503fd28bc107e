import fs from "node:fs";
import path from "node:path";

import { chromium } from "@playwright/test";

import { BASE_URL, createReview, waitForTerminal, type ApiReview } from "./api";
import { signIn } from "./auth";
import { hostilePlan, mediumPlan, quietPlan, riskyPlan } from "./plans";

export const SEED_FILE = path.join(__dirname, "..", "test-results", "seed.json");
/** The admin's signed-in browser state: every spec that does not test sign-in itself starts from it. */
export const ADMIN_STATE = path.join(__dirname, "..", "test-results", "auth", "admin.json");

async function signInAdmin(): Promise<void> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({ baseURL: BASE_URL });
    await signIn(page, "admin");
    fs.mkdirSync(path.dirname(ADMIN_STATE), { recursive: true });
    await page.context().storageState({ path: ADMIN_STATE });
  } finally {
    await browser.close();
  }
}

/** Seeds the real stack through the API and waits until every review has completed. */
export default async function globalSetup(): Promise<void> {
  await signInAdmin();
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
