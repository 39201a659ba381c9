import { test, expect, openHydrated, allowHttpError } from "./fixtures";

const COOKIE = "__Host-authlab_session";

test("the audit page shows a refused session replay as it happens", async ({ page, browser }) => {
  // The watcher: alice (an admin, so she sees everyone's events) on the audit page.
  await openHydrated(page, "/");
  const login = page.getByTestId("session-login");
  await login.getByLabel("Username").fill("alice");
  await login.getByLabel("Password").fill("alice-in-the-lab");
  await login.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText("alice");
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("audit-status")).toHaveText("live");

  // Elsewhere, in another browser: bob logs in, logs out, and his old cookie is replayed.
  const other = await browser.newContext();
  const bob = await other.newPage();
  await bob.goto("/");
  await expect(bob.locator("body")).toHaveAttribute("data-hydrated", "true");
  const form = bob.getByTestId("session-login");
  await form.getByLabel("Username").fill("bob");
  await form.getByLabel("Password").fill("bob-builds-it");
  await form.getByRole("button").click();
  await expect(bob.getByTestId("signed-in")).toContainText("bob");
  const stolen = (await other.cookies()).find((c) => c.name === COOKIE)!;
  await bob.getByTestId("logout").click();
  await expect(bob.getByTestId("last-status")).toHaveText("204");
  await other.addCookies([stolen]);
  const replay = bob.waitForResponse("**/api/me");
  await bob.getByTestId("call-me").click();
  expect((await replay).status()).toBe(401);
  const replayedAt = Date.now();

  // On alice's page, without a reload: the refusal, on bob's account, naming the check.
  const row = page.locator('[data-testid="audit-row"][data-outcome="denied"][data-failed="store lookup"]');
  await expect(row.first()).toBeVisible();
  const shownAfterMs = Date.now() - replayedAt;
  test.info().annotations.push({ type: "replay shown after (ms)", description: String(shownAfterMs) });
  console.log(`audit: refused replay shown ${shownAfterMs} ms after the 401`);
  await expect(row.first()).toContainText("bob");
  await expect(row.first()).toContainText("GET /api/me");
  await other.close();
});
