import { test, expect, openHydrated, allowHttpError, registerFresh } from "./fixtures";

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

test("an anonymous visit to the audit page says to sign in and makes no request that must fail", async ({ page }) => {
  const failed: string[] = [];
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await openHydrated(page, "/audit");
  await expect(page.getByTestId("audit-status")).toContainText("Sign in to see the audit log");
  await expect(page.getByTestId("audit-filters")).toHaveCount(0);
  expect(failed).toEqual([]);
});

test("the audit log is newest first, and its filters live in the URL", async ({ page }) => {
  // A fresh account (the shared demo accounts' sessions are other tests' business), signed in by
  // cookie, with a refused request on record.
  const username = await registerFresh(page, "audit", "audit-page-secret");
  await openHydrated(page, "/");
  const login = page.getByTestId("session-login");
  await login.getByLabel("Username").fill(username);
  await login.getByLabel("Password").fill("audit-page-secret");
  await login.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText(username);
  const refused = await page.request.get("/api/me", { headers: { authorization: "Bearer not.a.token" } });
  expect(refused.status()).toBe(401);

  await openHydrated(page, "/audit");
  await expect(page.getByTestId("audit-status")).toHaveText("live");
  const ids = await page.getByTestId("audit-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-id"))));
  expect(ids.length).toBeGreaterThan(1);
  expect(ids, "newest first").toEqual([...ids].sort((a, b) => b - a));

  // Choosing a filter puts it in the URL; the same URL opened afresh shows the same rows.
  await page.getByTestId("filter-outcome").selectOption("allowed");
  await expect(page).toHaveURL(/\/audit\?outcome=allowed$/);
  await page.getByTestId("filter-mode").selectOption("session");
  await expect(page).toHaveURL(/\/audit\?mode=session&outcome=allowed$/);
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toBeVisible();
  const outcomes = await rows.evaluateAll((list) => list.map((r) => r.getAttribute("data-outcome")));
  expect(new Set(outcomes)).toEqual(new Set(["allowed"]));
  const filtered = await rows.count();
  await openHydrated(page, "/audit?mode=session&outcome=allowed");
  await expect(page.getByTestId("audit-status")).toHaveText("live");
  await expect(page.getByTestId("filter-outcome")).toHaveValue("allowed");
  await expect(page.getByTestId("filter-mode")).toHaveValue("session");
  // The reload itself was audited (allowed session reads), so there are at least as many rows,
  // and every one of them passes both filters.
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(filtered);
  const again = await rows.evaluateAll((list) =>
    list.map((r) => [r.getAttribute("data-outcome"), r.children[1]?.textContent]),
  );
  for (const [outcome, mode] of again) expect([outcome, mode]).toEqual(["allowed", "session"]);
  // At 1280 px the table fits: the page does not scroll sideways.
  await page.setViewportSize({ width: 1280, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(wide).toBeLessThanOrEqual(0);
});
