import { Page, Response } from "@playwright/test";
import { test, expect, openHydrated, allowHttpError, registerFresh } from "./fixtures";
import { expectSolved } from "./progress";

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

/** Log in as `username` in bearer mode through the UI; returns the token the server issued. */
async function loginInBearerMode(page: Page, username: string, password: string): Promise<string> {
  await openHydrated(page, "/");
  await page.getByTestId("mode-jwt").click();
  const form = page.getByTestId("jwt-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  const answer = page.waitForResponse("**/api/jwt/login");
  await form.getByRole("button").click();
  const response = await answer;
  expect(response.status()).toBe(200);
  const token = (await response.json()).access_token as string;
  await expect(page.getByTestId("jwt-holding")).toBeVisible();
  await expect(page.getByTestId("jwt-payload")).toContainText('"sub"');
  return token;
}

test("bearer login: the inspector shows the real token's header and payload, verified by the server", async ({ page }) => {
  const token = await loginInBearerMode(page, "alice", "alice-in-the-lab");
  const [header, payload] = token.split(".");
  expect(JSON.parse(await page.getByTestId("jwt-payload").innerText())).toEqual(decodeSegment(payload));
  expect(JSON.parse(await page.getByTestId("jwt-header").innerText())).toEqual(decodeSegment(header));
  await expect(page.getByTestId("jwt-token")).toHaveText(token);
  await expect(page.getByTestId("jwt-inspector").getByTestId("check-signature").first()).toHaveAttribute("data-status", "pass");
  await expect(page.getByTestId("access-countdown")).toContainText("in 0:0");
  // The token's times read as moments (local date and time, and how far away), raw value on hover.
  const times = page.getByTestId("token-times");
  await expect(times).toContainText("expires");
  await expect(times.locator("time").last()).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(in \d+ s\)/);
  await expect(times.locator("time").last()).toHaveAttribute("title", /^Unix time \d+$/);

  await page.getByTestId("jwt-call-me").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");
  // The server timed that request: the signature check's measured cost is on screen.
  const cost = page.getByTestId("jwt-inspector").getByTestId("auth-cost-jwt");
  await expect(cost.getByTestId("auth-cost-check")).toHaveText(/^\d+(\.\d+)? (µs|ms)$/);
  await expect(page.getByTestId("jwt-curl")).toContainText(`Authorization: Bearer ${token}`);
});

test("with silent refresh off, the countdown reaches zero and the next call fails at exp", async ({ page, baseURL }) => {
  await loginInBearerMode(page, "bob", "bob-builds-it");
  await page.getByTestId("silent-refresh").uncheck();
  await expect(page.getByTestId("access-countdown")).toHaveText("expired", { timeout: 15_000 });
  // The inspector's verdict flips by itself once exp + leeway has passed, naming the check.
  const verdict = page.getByTestId("jwt-verdict");
  await expect(verdict).toHaveAttribute("data-allowed", "false", { timeout: 10_000 });
  await expect(verdict.getByTestId("check-exp")).toHaveAttribute("data-status", "fail");
  allowHttpError(page, 401, "/api/me");
  // The server forgives a few seconds past exp (the leeway, 3 s in this suite): call until it
  // refuses, which it must within the leeway plus a second of whole-second clocks.
  await expect(async () => {
    await page.getByTestId("jwt-call-me").click();
    await expect(page.getByTestId("jwt-last-status")).toHaveText("401", { timeout: 1_000 });
  }).toPass({ timeout: 8_000 });
  const lastTrace = page.getByTestId("jwt-last-call").locator("..").getByTestId("trace").last();
  await expect(lastTrace.getByTestId("check-exp")).toHaveAttribute("data-status", "fail");
  await expectSolved(baseURL, "bob", "bob-builds-it", ["exp-refusal"]);
});

test("with silent refresh on, the token is renewed before it expires and no call fails", async ({ page }) => {
  const statuses: number[] = [];
  page.on("response", (r: Response) => {
    if (new URL(r.url()).pathname.startsWith("/api/")) statuses.push(r.status());
  });
  const first = await loginInBearerMode(page, "bob", "bob-builds-it");
  const renewed = await page.waitForResponse("**/api/jwt/refresh", { timeout: 15_000 });
  expect(renewed.status()).toBe(200);
  const second = (await renewed.json()).access_token as string;
  expect(second).not.toBe(first);
  await expect(page.getByTestId("jwt-token")).toHaveText(second);
  // Past the first token's expiry: calls still succeed.
  await page.waitForTimeout(4_000);
  await page.getByTestId("jwt-call-me").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");
  expect(statuses.filter((s) => s === 401)).toEqual([]);
});

test("with the denylist off, a logged-out token still works; with it on, it is refused at once", async ({ page, baseURL }) => {
  // Off (the default): logout revokes only the refresh token.
  await loginInBearerMode(page, "alice", "alice-in-the-lab");
  await page.getByTestId("jwt-logout").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("204");
  await page.getByTestId("jwt-replay").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");

  // On: the same steps end in 401 at the denylist check.
  await page.getByTestId("jwt-login").getByLabel("Username").fill("alice");
  await page.getByTestId("jwt-login").getByLabel("Password").fill("alice-in-the-lab");
  await page.getByTestId("jwt-login").getByRole("button").click();
  await expect(page.getByTestId("jwt-holding")).toBeVisible();
  const switched = page.waitForResponse((r) => r.url().endsWith("/api/lab-settings") && r.request().method() === "PUT");
  await page.getByTestId("denylist").check();
  expect((await switched).status()).toBe(200);
  await page.getByTestId("jwt-logout").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("204");
  allowHttpError(page, 401, "/api/me");
  await page.getByTestId("jwt-replay").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("401");
  const lastTrace = page.getByTestId("jwt-last-call").locator("..").getByTestId("trace").last();
  await expect(lastTrace.getByTestId("check-denylist")).toHaveAttribute("data-status", "fail");
  // The two challenges these steps are, decided by the server from those very requests.
  await expectSolved(baseURL, "alice", "alice-in-the-lab", ["replay-after-logout", "revoke-before-exp"]);
});

test("an injected script reads a token in localStorage but not one held in memory", async ({ page }) => {
  const token = await loginInBearerMode(page, "bob", "bob-builds-it");
  const storage = page.getByTestId("token-storage");
  await storage.getByLabel("localStorage").check();
  await page.getByTestId("inject-script").click();
  await expect(page.getByTestId("injected-findings")).toContainText(token);
  expect(await page.evaluate(() => localStorage.getItem("authlab.access_token"))).toBe(token);

  await storage.getByLabel("memory").check();
  await page.getByTestId("inject-script").click();
  await expect(page.getByTestId("injected-findings")).not.toContainText(token);
  expect(await page.evaluate(() => localStorage.getItem("authlab.access_token"))).toBeNull();
  expect(await page.evaluate(() => sessionStorage.getItem("authlab.access_token"))).toBeNull();
});

test("the inspector's verdict flips to the server's refusal when the token's key is retired", async ({ page }) => {
  const username = await registerFresh(page, "keys", "key-retire-secret");
  await loginInBearerMode(page, username, "key-retire-secret");
  const verdict = page.getByTestId("jwt-verdict");
  await expect(verdict).toHaveAttribute("data-allowed", "true");
  // Rotate (the token's key is now the old one, still trusted), then retire the old keys.
  await page.getByTestId("rotate-key").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");
  await expect(verdict).toHaveAttribute("data-allowed", "true");
  await page.getByTestId("retire-keys").click();
  await expect(verdict).toHaveAttribute("data-allowed", "false");
  await expect(verdict.getByTestId("check-kid known")).toHaveAttribute("data-status", "fail");
});
