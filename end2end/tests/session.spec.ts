import * as http from "node:http";
import { AddressInfo } from "node:net";
import { test, expect, openHydrated, allowHttpError } from "./fixtures";
import { expectSolved } from "./progress";

const COOKIE = "__Host-authlab_session";

async function loginInSessionMode(page: import("@playwright/test").Page, username: string, password: string) {
  await openHydrated(page, "/");
  await page.getByTestId("mode-session").click();
  const form = page.getByTestId("session-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  const answer = page.waitForResponse("**/api/session/login");
  await form.getByRole("button").click();
  expect((await answer).status()).toBe(200);
  await expect(page.getByTestId("signed-in")).toContainText(username);
}

test("session login shows the real cookie's attributes, logout ends it, and a replay is refused at the store", async ({
  page,
  context,
  baseURL,
}) => {
  await loginInSessionMode(page, "alice", "alice-in-the-lab");

  // The browser really stored the cookie, with the attributes the inspector reports.
  const cookies = await context.cookies();
  const stored = cookies.find((c) => c.name === COOKIE);
  expect(stored, "Chromium accepts the __Host- cookie on http://127.0.0.1").toBeTruthy();
  const attr = (name: string) => page.getByTestId(`cookie-attr-${name}`).locator(".attr-value");
  expect(stored!.httpOnly).toBe(true);
  await expect(attr("HttpOnly")).toHaveText("✓");
  expect(stored!.secure).toBe(true);
  await expect(attr("Secure")).toHaveText("✓");
  expect(stored!.sameSite).toBe("Lax");
  await expect(attr("SameSite")).toHaveText(stored!.sameSite);
  expect(stored!.path).toBe("/");
  await expect(attr("Path")).toHaveText(stored!.path);
  expect(stored!.domain).toBe("127.0.0.1");
  const maxAge = Number(await attr("Max-Age").textContent());
  expect(Math.abs(stored!.expires - (Date.now() / 1000 + maxAge))).toBeLessThan(30);
  await expect(page.getByTestId("set-cookie")).not.toContainText(stored!.value);
  // HttpOnly: the page's scripts see nothing.
  await expect(page.getByTestId("document-cookie")).toHaveText('"" (empty)');
  expect(await page.evaluate(() => document.cookie)).toBe("");
  await expect(page.getByTestId("idle-countdown")).toContainText("in ");

  // The protected API, allowed, with every check passed.
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("last-status")).toHaveText("200");
  await expect(page.getByTestId("trace")).toHaveAttribute("data-allowed", "true");
  await expect(page.getByTestId("check-store lookup")).toHaveAttribute("data-status", "pass");
  await expect(page.getByTestId("check-store lookup")).toContainText("µs");
  // The server timed that request: the inspector shows what its check cost, measured.
  const cost = page.getByTestId("session-inspector").getByTestId("auth-cost-session");
  await expect(cost.getByTestId("auth-cost-check")).toHaveText(/^\d+(\.\d+)? (µs|ms)$/);

  // Log out: the server deletes the record and the browser drops the cookie.
  await page.getByTestId("logout").click();
  await expect(page.getByTestId("last-status")).toHaveText("204");
  await expect(page.getByTestId("session-login")).toBeVisible();
  expect((await context.cookies()).find((c) => c.name === COOKIE)).toBeUndefined();

  // Replay the old cookie, as a thief who copied it would: refused at once, at the store lookup.
  allowHttpError(page, 401, "/api/me");
  await context.addCookies([stored!]);
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("last-status")).toHaveText("401");
  await expect(page.getByTestId("trace")).toHaveAttribute("data-allowed", "false");
  await expect(page.getByTestId("check-cookie")).toHaveAttribute("data-status", "pass");
  await expect(page.getByTestId("check-store lookup")).toHaveAttribute("data-status", "fail");
  await expect(page.getByTestId("check-store lookup")).toContainText("miss");
  await expect(page.getByTestId("check-user")).toHaveAttribute("data-status", "skip");
  await expectSolved(baseURL, "alice", "alice-in-the-lab", ["old-cookie-refused"]);
});

test("the chosen mode survives a reload", async ({ page }) => {
  await openHydrated(page, "/");
  await expect(page.getByTestId("mode-session")).toHaveAttribute("aria-pressed", "true");
  await page.getByTestId("mode-jwt").click();
  await expect(page.getByTestId("jwt-mode")).toBeVisible();
  await openHydrated(page, "/");
  await expect(page.getByTestId("mode-jwt")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("jwt-mode")).toBeVisible();
  await page.getByTestId("mode-session").click();
  await expect(page.getByTestId("session-mode")).toBeVisible();
});

test("a reload keeps the session: the page asks the server, not its own memory", async ({ page }) => {
  await loginInSessionMode(page, "bob", "bob-builds-it");
  await openHydrated(page, "/");
  await expect(page.getByTestId("signed-in")).toContainText("bob");
  await expect(page.getByTestId("session-row")).toHaveCount(1);
});

test("a cross-site form POST from another origin is answered 403 and does not log the user out", async ({
  page,
}) => {
  await loginInSessionMode(page, "alice", "alice-in-the-lab");
  const target = new URL("/api/session/logout", page.url()).toString();

  // The attacker's page, on a second port: a form that posts to our logout endpoint on load.
  const attacker = http.createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>free prizes</title>
      <form id="f" method="POST" action="${target}"></form>
      <script>document.getElementById("f").submit()</script>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const port = (attacker.address() as AddressInfo).port;
  try {
    allowHttpError(page, 403, "/api/session/logout");
    const forged = page.waitForResponse(target);
    await page.goto(`http://127.0.0.1:${port}/`);
    const answer = await forged;
    expect(answer.status()).toBe(403);
    const body = await answer.json();
    expect(body.error).toBe("forbidden");
    const failed = body.auth.checks.find((c: { status: string }) => c.status === "fail");
    expect(failed.name).toBe("same origin");
    // A different port is the same *site*, so SameSite=Lax let the cookie through: the origin
    // check is what stopped it.
    expect(failed.detail).toContain("same-site");
  } finally {
    attacker.close();
  }

  // Back on the lab: still signed in.
  await openHydrated(page, "/");
  await expect(page.getByTestId("signed-in")).toContainText("alice");
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("last-status")).toHaveText("200");
});
