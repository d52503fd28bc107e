import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";

import { byTitle, largestSampleReview } from "./seeded";

// Every page, light and dark, on a desktop and a phone: axe finds nothing serious or critical,
// and no page is wider than the screen.

const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
const SCHEMES = ["light", "dark"] as const;

async function pages(): Promise<{ name: string; path: string; expand?: boolean }[]> {
  const sample = await largestSampleReview();
  return [
    { name: "overview", path: "/" },
    { name: "reviews", path: "/reviews" },
    { name: "filtered reviews", path: "/reviews?risk_level=CRITICAL&decision=NONE" },
    { name: "critical review", path: `/reviews/${sample.id}`, expand: true },
    { name: "low review", path: `/reviews/${byTitle("e2e quiet: bucket tags 2").id}`, expand: true },
    { name: "new review", path: "/reviews/new" },
    { name: "not found", path: "/reviews/not-an-id" },
  ];
}

/** Opens every collapsed section, so axe also checks what a person sees after expanding. */
async function expandAll(page: Page): Promise<void> {
  const expand = page.getByRole("button", { name: "Expand all" });
  if (await expand.isVisible()) await expand.click();
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
}

for (const size of SIZES) {
  for (const scheme of SCHEMES) {
    test(`axe: no serious or critical violations, ${scheme}, ${size.width}×${size.height}`, async ({ page }) => {
      test.setTimeout(180_000);
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: "reduce" });
      const problems: string[] = [];
      for (const target of await pages()) {
        await page.goto(target.path);
        await expect(page.locator("main")).toBeVisible();
        if (scheme === "dark") await expect(page.locator("html")).toHaveClass(/dark/);
        if (target.name === "overview") await expect(page.locator(".recharts-surface").first()).toBeVisible();
        if (target.expand) await expandAll(page);
        const overflow = await page.evaluate(() => {
          const wider = [...document.querySelectorAll("body *")]
            .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-3)
            .map((el) => `${el.tagName.toLowerCase()}.${(el.getAttribute("class") ?? "").split(" ").slice(0, 4).join(".")}`);
          return { px: document.documentElement.scrollWidth - window.innerWidth, wider };
        });
        if (overflow.px > 0) problems.push(`${target.name}: ${overflow.px} px wider than the screen (${overflow.wider.join(", ")})`);
        const result = await new AxeBuilder({ page }).analyze();
        for (const violation of result.violations) {
          if (violation.impact !== "serious" && violation.impact !== "critical") continue;
          const nodes = violation.nodes.slice(0, 4).map((n) => `${n.target.join(" ")} ${n.failureSummary?.split("\n")[1] ?? ""}`.trim());
          problems.push(`${target.name}: ${violation.id} (${violation.impact}) ${nodes.join(" | ")}`);
        }
      }
      expect(problems, problems.join("\n")).toEqual([]);
    });
  }
}
