// One screenshot per main page, each after the experiment it is about has really run.
import { Page, expect, test } from "@playwright/test";
import * as path from "node:path";

const OUT = path.join(__dirname, "..", "..", "docs", "screenshots");

async function open(page: Page, where: string) {
  await page.goto(where);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

async function account(page: Page, prefix: string) {
  const username = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  const made = await page.request.post("/api/register", { data: { username, password: "screenshot-secret" } });
  expect(made.status()).toBe(201);
  return username;
}

async function signInBySession(page: Page, username: string) {
  await open(page, "/");
  await page.getByTestId("mode-session").click();
  const form = page.getByTestId("session-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("screenshot-secret");
  await form.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText(username);
}

test("playground, signed in by cookie, with the inspector", async ({ page }) => {
  const username = await account(page, "shot");
  await signInBySession(page, username);
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("last-status")).toHaveText("200");
  await page.screenshot({ path: path.join(OUT, "playground-session.png"), fullPage: true });
});

test("playground in bearer mode: the token taken apart", async ({ page }) => {
  const username = await account(page, "shot");
  await open(page, "/");
  await page.getByTestId("mode-jwt").click();
  const form = page.getByTestId("jwt-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("screenshot-secret");
  await form.getByRole("button").click();
  await expect(page.getByTestId("jwt-verdict")).toHaveAttribute("data-allowed", "true");
  await page.screenshot({ path: path.join(OUT, "playground-jwt.png"), fullPage: true });
});

test("compare page after a replay run: the cookie red at once, the JWT red after exp + leeway", async ({ page }) => {
  const username = await account(page, "shot");
  await open(page, "/compare");
  const form = page.getByTestId("compare-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("screenshot-secret");
  await form.getByRole("button").click();
  await expect(page.getByTestId("jwt-user")).toHaveText(username);
  await page.getByTestId("logout-both").click();
  await expect(page.getByTestId("replay-state")).toContainText("Replays stopped", { timeout: 60_000 });
  await page.getByTestId("timeline").scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(OUT, "compare.png"), fullPage: true });
});

test("lesson list with the 22 claims", async ({ page }) => {
  await open(page, "/lessons");
  await page.screenshot({ path: path.join(OUT, "lessons.png"), fullPage: true });
});

test("a lesson after its experiment: the hybrid", async ({ page }) => {
  await open(page, "/lessons/choosing-a-model");
  await page.getByTestId("run-experiment").click();
  await expect(page.getByTestId("what-you-saw")).toBeVisible({ timeout: 30_000 });
  await page.screenshot({ path: path.join(OUT, "lesson-hybrid.png"), fullPage: true });
});

test("audit log, filtered to refusals", async ({ page }) => {
  const username = await account(page, "shot");
  await signInBySession(page, username);
  for (let i = 0; i < 3; i++) await page.request.get("/api/me", { headers: { authorization: "Bearer not.a.token" } });
  await open(page, "/audit");
  await expect(page.getByTestId("audit-status")).toHaveText("live");
  await page.screenshot({ path: path.join(OUT, "audit.png"), fullPage: true });
});
