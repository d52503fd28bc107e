// Time to first render of the reviews list, measured in Debian's Chromium.
// Usage: node bench_dashboard.mjs <dashboard url> [runs]; prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "web", "package.json"));
const { chromium } = require("@playwright/test");

const base = process.argv[2];
const runs = Number(process.argv[3] ?? "7");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const samples = [];
try {
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // cold cache every run
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(`${base}/reviews`, { waitUntil: "commit" });
    await page.locator("tr[data-review-id]").first().waitFor({ state: "visible" });
    const rowsVisibleMs = Date.now() - started;
    await page.waitForLoadState("load");
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { ttfb: nav.responseStart - nav.startTime, fcp: fcp ? fcp.startTime : null, load: nav.loadEventEnd - nav.startTime };
    });
    const rows = await page.locator("tr[data-review-id]").count();
    if (i > 0) samples.push({ rowsVisibleMs, rows, ...timing }); // the first run warms the server
    await context.close();
  }
} finally {
  await browser.close();
}
const median = (key) => {
  const values = samples.map((s) => s[key]).filter((v) => v != null).sort((a, b) => a - b);
  return Math.round(values[Math.floor(values.length / 2)]);
};
console.log(JSON.stringify({ runs: samples.length, rows_on_page: samples[0]?.rows, median_ttfb_ms: median("ttfb"), median_fcp_ms: median("fcp"), median_rows_visible_ms: median("rowsVisibleMs"), median_load_ms: median("load") }));
