// First paint, first useful number and client JavaScript of the dashboard's pages, in Debian's Chromium.
// Usage: node bench_dashboard.mjs <dashboard url> <runs> <page>...; a page is "name=path=css selector",
// the selector naming the element that carries the page's first useful number. Prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "..", "web", "package.json"));
const { chromium } = require("@playwright/test");

const base = process.argv[2];
const runs = Number(process.argv[3] ?? "7");
const pages = process.argv.slice(4).map((spec) => {
  const [name, route, ...selector] = spec.split("=");
  return { name, route, selector: selector.join("=") };
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function measure(route, selector) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // cold cache every run
  const page = await context.newPage();
  const scripts = new Map();
  page.on("response", async (response) => {
    if (response.request().resourceType() !== "script") return;
    try {
      scripts.set(response.url(), (await response.body()).length === 0 ? 0 : zlib.gzipSync(await response.body(), { level: 9 }).length);
    } catch {
      // a script the page dropped before it arrived
    }
  });
  // Record, in page time, the first frame painted after the first useful number is in the DOM.
  await page.addInitScript((sel) => {
    const seen = () => {
      if (window.__usefulAt || !document.querySelector(sel)) return false;
      window.__usefulInDomAt = performance.now();
      requestAnimationFrame(() => requestAnimationFrame(() => (window.__usefulAt = performance.now())));
      return true;
    };
    new MutationObserver((_, observer) => seen() && observer.disconnect()).observe(document, { childList: true, subtree: true });
  }, selector);
  await page.goto(`${base}${route}`, { waitUntil: "load" });
  await page.waitForFunction(() => window.__usefulAt !== undefined, null, { timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const timing = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0];
    return {
      ttfb: nav.responseStart - nav.startTime,
      fcp: fcp ? fcp.startTime : null,
      usefulInDom: window.__usefulInDomAt,
      usefulPainted: window.__usefulAt,
      load: nav.loadEventEnd - nav.startTime,
    };
  });
  const jsGzip = [...scripts.values()].reduce((a, b) => a + b, 0);
  await context.close();
  return { ...timing, jsGzip, scripts: scripts.size };
}

const median = (samples, key) => {
  const values = samples.map((s) => s[key]).filter((v) => v != null).sort((a, b) => a - b);
  return Math.round(values[Math.floor(values.length / 2)]);
};

const result = { runs };
try {
  for (const { name, route, selector } of pages) {
    const samples = [];
    for (let i = 0; i < runs + 1; i++) {
      const sample = await measure(route, selector);
      if (i > 0) samples.push(sample); // the first run warms the server
    }
    result[name] = {
      path: route.replace(/\/[0-9A-Z]{26}$/, "/{id}"),
      median_ttfb_ms: median(samples, "ttfb"),
      median_first_paint_ms: median(samples, "fcp"),
      median_first_useful_number_ms: median(samples, "usefulPainted"),
      median_load_ms: median(samples, "load"),
      js_gzip_kib: +(median(samples, "jsGzip") / 1024).toFixed(1),
      scripts: median(samples, "scripts"),
    };
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
