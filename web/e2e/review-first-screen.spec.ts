import { expect, test, type Locator, type Page } from "@playwright/test";

import { api, type ApiReview } from "./api";
import { byTitle, largestSampleReview } from "./seeded";

// The first screen of a review answers "is this plan safe to apply, and if not, why?" at both
// sizes people use: a desktop (1440×900) and a phone (390×844).

const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** True when the element starts inside the first screen (before any scrolling). */
async function inFirstScreen(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const height = page.viewportSize()?.height ?? 0;
  return box !== null && box.y >= 0 && box.y + Math.min(box.height, 40) <= height;
}

for (const size of SIZES) {
  test.describe(`review first screen at ${size.width}×${size.height}`, () => {
    test.use({ viewport: { width: size.width, height: size.height } });

    test("a CRITICAL or HIGH review says so in colour, icon and words, with why, before anything else", async ({ page }) => {
      const risky = byTitle("e2e risky");
      const { body: full } = await api<ApiReview & { summary: { delete: number } }>(`/api/reviews/${risky.id}`);
      expect(["HIGH", "CRITICAL"]).toContain(full.risk?.level);
      await page.goto(`/reviews/${risky.id}`);
      const verdict = page.getByTestId("verdict");
      await expect(verdict).toHaveAttribute("data-risk", full.risk?.level ?? "");
      const word = full.risk?.level === "CRITICAL" ? "Critical risk" : "High risk";
      await expect(page.getByTestId("verdict-headline")).toContainText(word);
      await expect(verdict.locator("svg").first()).toBeVisible(); // the icon
      // The engine's one plain sentence: not safe, and first of all it deletes a database.
      await expect(page.getByTestId("verdict-sentence")).toHaveText(/^Not safe to apply without review: destroys a database without deletion protection or a final snapshot, /);
      // Why, by concern, in words (no rule IDs), naming the resources.
      await expect(page.getByTestId("verdict-why").locator("li[data-concern=data]")).toContainText("aws_db_instance.main");
      await expect(page.getByTestId("verdict-why")).not.toContainText(/TFR-[A-Z]+/);
      await expect(page.getByTestId("count-destroyed").locator("dd")).toHaveText(String(full.summary.delete));
      const rank = ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"];
      const introduced = (full.findings ?? []).filter((f) => (f as { introduced?: boolean }).introduced !== false);
      const highPlus = introduced.filter((f) => rank.indexOf(f.severity) >= rank.indexOf("HIGH")).length;
      expect(highPlus).toBeGreaterThan(0);
      await expect(page.getByTestId("count-high").locator("dd")).toHaveText(String(highPlus));
      // Why, worst concern first (the engine's reasons replace the worst findings' titles).
      const worst = page.getByTestId("verdict-why").locator("li");
      await expect(worst.first()).toBeVisible();
      const worstSeverity = [...introduced].sort((a, b) => rank.indexOf(b.severity) - rank.indexOf(a.severity))[0]?.severity ?? "";
      await expect(worst.first().locator("[data-severity]")).toHaveAttribute("data-severity", worstSeverity);
      // The AI summary's first lines sit in the banner.
      await expect(page.getByTestId("verdict-ai")).toBeVisible();
      for (const part of [page.getByTestId("verdict-headline"), page.getByTestId("verdict-sentence"), page.getByTestId("count-destroyed"), worst.first()]) {
        expect(await inFirstScreen(page, part), `${await part.textContent()} is in the first screen`).toBe(true);
      }
      // Evidence before decisions.
      const findingsTop = (await page.getByTestId("findings").boundingBox())?.y ?? Infinity;
      const changesTop = (await page.getByTestId("changes").boundingBox())?.y ?? Infinity;
      const decisionTop = (await page.getByTestId("decision-panel").boundingBox())?.y ?? -1;
      expect(findingsTop).toBeLessThan(decisionTop);
      expect(changesTop).toBeLessThan(decisionTop);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    });

    test("a LOW review reads as calm, with nothing introduced and posture apart", async ({ page }) => {
      const quiet = byTitle("e2e quiet: bucket tags 2");
      const { body: full } = await api<ApiReview>(`/api/reviews/${quiet.id}`);
      expect(full.risk?.level).toBe("LOW");
      await page.goto(`/reviews/${quiet.id}`);
      await expect(page.getByTestId("verdict")).toHaveAttribute("data-risk", "LOW");
      await expect(page.getByTestId("verdict-headline")).toContainText("Low risk");
      await expect(page.getByTestId("verdict-sentence")).toHaveText("Safe to apply: 1 tag update, no risky change.");
      await expect(page.getByTestId("count-destroyed").locator("dd")).toHaveText("0");
      await expect(page.getByTestId("count-high").locator("dd")).toHaveText("0");
      await expect(page.getByTestId("worst-findings")).toHaveCount(0);
      await expect(page.getByTestId("verdict-why")).toHaveCount(0);
      for (const part of [page.getByTestId("verdict-headline"), page.getByTestId("verdict-sentence"), page.getByTestId("count-high")]) {
        expect(await inFirstScreen(page, part)).toBe(true);
      }
      await expect(page.getByTestId("no-introduced")).toBeVisible();
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    });
  });
}

test.describe("review page height", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("the largest sample plan's review is at most 3 screens tall before anything is expanded, and grows on Expand all", async ({ page }) => {
    const sample = await largestSampleReview();
    await page.goto(`/reviews/${sample.id}`);
    await expect(page.getByTestId("verdict")).toBeVisible();
    await expect(page.getByTestId("version-row").first()).toBeVisible();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    console.log(`review page of the largest sample plan: ${height} px at 1440×900 (${(height / 900).toFixed(2)} screens)`);
    expect(height).toBeLessThanOrEqual(3 * 900);
    // Expanding shows the attributes that change, Terraform-style, and nothing of the schema's unknowns.
    await page.getByRole("button", { name: "Expand all" }).click();
    await expect(page.getByTestId("diff-row").first()).toBeVisible();
    const rows = await page.getByTestId("diff-row").allTextContents();
    expect(rows.some((row) => row.includes("(known after apply)") && row.startsWith("+"))).toBe(false);
  });

  test("an approval of a CRITICAL plan needs a note and a confirmation that names what it destroys", async ({ page }) => {
    const sample = await largestSampleReview();
    await page.goto(`/reviews/${sample.id}`);
    await page.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "note is required" })).toBeVisible();
    await expect(page.getByLabel("Decision note")).toBeFocused();
    await page.getByLabel("Decision note").fill("Teardown agreed with the payments team");
    await page.getByRole("button", { name: "Approve" }).click();
    const confirmation = page.getByTestId("approve-confirmation");
    await expect(confirmation).toBeVisible();
    await expect(confirmation).toContainText("aws_db_instance.payments (destroyed)");
    await expect(page.getByRole("button", { name: "Yes, approve" })).toBeFocused();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect(confirmation).toHaveCount(0);
    const { body } = await api<ApiReview>(`/api/reviews/${sample.id}`);
    expect(body.decision).toBeNull();
  });
});
