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
    // Record, in page time, the first frame painted after the first review row is in the DOM.
    await page.addInitScript(() => {
      const seen = () => {
        if (window.__rowsAt || !document.querySelector("tr[data-review-id]")) return false;
        window.__rowsInDomAt = performance.now();
        requestAnimationFrame(() => requestAnimationFrame(() => (window.__rowsAt = performance.now())));
        return true;
      };
      new MutationObserver((_, observer) => seen() && observer.disconnect()).observe(document, { childList: true, subtree: true });
    });
    await page.goto(`${base}/reviews`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__rowsAt !== undefined);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return {
        ttfb: nav.responseStart - nav.startTime,
        fcp: fcp ? fcp.startTime : null,
        rowsInDom: window.__rowsInDomAt,
        rowsVisibleMs: window.__rowsAt,
        load: nav.loadEventEnd - nav.startTime,
      };
    });
    const rows = await page.locator("tr[data-review-id]").count();
    if (i > 0) samples.push({ rows, ...timing }); // the first run warms the server
    await context.close();
  }
} finally {
  await browser.close();
}
const median = (key) => {
  const values = samples.map((s) => s[key]).filter((v) => v != null).sort((a, b) => a - b);
  return Math.round(values[Math.floor(values.length / 2)]);
};
console.log(JSON.stringify({ runs: samples.length, rows_on_page: samples[0]?.rows, median_ttfb_ms: median("ttfb"), median_fcp_ms: median("fcp"), median_rows_in_dom_ms: median("rowsInDom"), median_rows_painted_ms: median("rowsVisibleMs"), median_load_ms: median("load") }));
