// Every test fails on a browser console error or an uncaught page error: a hydration mismatch or a
// panic in the WASM app shows up there, and must fail the suite rather than go unnoticed.
import { test as base, expect, Page } from "@playwright/test";

export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    await use(page);
    expect(problems, "browser console errors and page errors").toEqual([]);
  },
});

export { expect };

/** Open a page and wait until the WASM app has hydrated it. */
export async function openHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
