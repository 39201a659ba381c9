// The four modes that cross the classic two (claims 23-26), each in a real browser against the
// real server: what the page holds, how the server judged the request, and for DPoP the key the
// page cannot export and proofs an independent JOSE library verifies.
import { Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { test, expect, openHydrated, allowHttpError } from "./fixtures";

const root = path.resolve(__dirname, "..", "..");

/** Pick `mode` on the playground and log in as bob through its form. */
async function logIn(page: Page, mode: string, endpoint: string) {
  await openHydrated(page, "/");
  await page.getByTestId(`mode-${mode}`).click();
  const form = page.getByTestId("transport-login");
  await form.getByLabel("Username").fill("bob");
  await form.getByLabel("Password").fill("bob-builds-it");
  const answer = page.waitForResponse(`**${endpoint}`);
  await form.getByRole("button").click();
  expect((await answer).status()).toBe(200);
  await expect(page.getByTestId("transport-holding")).toBeVisible();
}

/** Call /api/me from the page; the request the page sent, and the trace shown. */
async function callMe(page: Page, pathname: string) {
  const request = page.waitForRequest((r) => new URL(r.url()).pathname === pathname);
  await page.getByTestId("transport-call-me").click();
  const sent = await request;
  await expect(page.getByTestId("transport-last-call")).toHaveAttribute("data-status", "200");
  return sent;
}

/** joserfc's verdict on a proof (tests/interop/dpop.py, installed by the test command). */
function joserfc(proof: string): { jkt: string; claims: Record<string, unknown> } {
  const out = execFileSync("python3", [path.join(root, "tests/interop/dpop.py"), "verify", proof], {
    env: { ...process.env, PYTHONPATH: path.join(root, "tools/python") },
  });
  return JSON.parse(out.toString());
}

test("a JWT in a cookie: the page holds no token, the server judges the cookie as a token", async ({ page }) => {
  await logIn(page, "jwt-cookie", "/api/jwt/cookie-login");
  await expect(page.getByTestId("transport-held")).toContainText("no token");
  // No script can read the token: document.cookie shows nothing of it.
  expect(await page.evaluate(() => document.cookie)).not.toContain("authlab_access");
  const sent = await callMe(page, "/api/me");
  expect(sent.headers()["authorization"]).toBeUndefined();
  const trace = page.getByTestId("transport-inspector").getByTestId("trace");
  await expect(trace.getByTestId("check-cookie")).toHaveAttribute("data-status", "pass");
  await expect(trace.getByTestId("check-signature")).toHaveAttribute("data-status", "pass");
  await expect(trace.getByTestId("check-not key-bound")).toHaveAttribute("data-status", "pass");
  // A write from the page carries the token's CSRF claim and passes.
  const write = page.waitForRequest((r) => r.method() === "PUT");
  await page.getByTestId("transport-denylist-on").click();
  expect((await write).headers()["x-csrf-token"]).toBeTruthy();
  await expect(page.getByTestId("transport-last-call")).toHaveAttribute("data-status", "200");
});

test("a session id in a header: judged as a session by its shape, and readable by any script", async ({ page }) => {
  await logIn(page, "session-header", "/api/session/header-login");
  const kept = await page.evaluate(() => localStorage.getItem("authlab.session_id"));
  expect(kept).toMatch(/^[A-Za-z0-9_-]{22}$/);
  const sent = await callMe(page, "/api/me");
  expect(sent.headers()["authorization"]).toBe(`Bearer ${kept}`);
  const trace = page.getByTestId("transport-inspector").getByTestId("trace");
  await expect(trace.getByTestId("check-session header")).toHaveAttribute("data-status", "pass");
  await expect(trace.getByTestId("check-store lookup")).toHaveAttribute("data-status", "pass");
  await page.getByTestId("transport-inject").click();
  await expect(page.getByTestId("transport-injected")).toContainText(kept!);
  // Logged out, the old id is refused at once.
  allowHttpError(page, 401, "/api/me");
  await page.getByTestId("transport-logout").click();
  await page.getByTestId("transport-replay").click();
  await expect(page.getByTestId("transport-last-call")).toHaveAttribute("data-status", "401");
  await expect(trace.getByTestId("check-store lookup")).toHaveAttribute("data-status", "fail");
});

test("a DPoP-bound JWT: a non-extractable key, a proof per request, verified by joserfc too", async ({ page }) => {
  await logIn(page, "dpop", "/api/jwt/login");
  const token = await page.evaluate(() => localStorage.getItem("authlab.dpop_token"));
  expect(token).toBeTruthy();
  const sent = await callMe(page, "/api/me");
  expect(sent.headers()["authorization"]).toBe(`DPoP ${token}`);
  const proof = sent.headers()["dpop"];
  expect(proof).toBeTruthy();
  const trace = page.getByTestId("transport-inspector").getByTestId("trace");
  for (const check of ["dpop proof", "dpop htm htu", "dpop iat", "dpop ath", "dpop key", "dpop jti"]) {
    await expect(trace.getByTestId(`check-${check}`)).toHaveAttribute("data-status", "pass");
  }
  // The page's proof verifies in an independent JOSE implementation, whose thumbprint of the
  // page's key is the one the server bound the token to.
  const read = joserfc(proof);
  const cnf = JSON.parse(Buffer.from(token!.split(".")[1], "base64url").toString("utf8")).cnf;
  expect(read.jkt).toBe(cnf.jkt);
  expect(read.claims.htm).toBe("GET");
  expect(new URL(read.claims.htu as string).pathname).toBe("/api/me");

  // The key in IndexedDB is a handle: WebCrypto refuses to export its private half.
  const refusal = await page.evaluate(async () => {
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const open = indexedDB.open("authlab", 1);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const pair: CryptoKeyPair = await new Promise((resolve, reject) => {
      const get = db.transaction("keys").objectStore("keys").get("dpop");
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    });
    try {
      await crypto.subtle.exportKey("jwk", pair.privateKey);
      return { extractable: pair.privateKey.extractable, exported: true, error: "" };
    } catch (e) {
      return { extractable: pair.privateKey.extractable, exported: false, error: (e as Error).name };
    }
  });
  expect(refusal).toEqual({ extractable: false, exported: false, error: "InvalidAccessError" });

  // A reload keeps the key and the token: the next call is still accepted.
  await page.reload();
  await page.getByTestId("transport-call-me").click();
  await expect(page.getByTestId("transport-last-call")).toHaveAttribute("data-status", "200");
});

test("a backend-for-frontend: only a session cookie in the page, both hops in the trace", async ({ page }) => {
  await logIn(page, "bff", "/api/bff/login");
  await expect(page.getByTestId("transport-held")).toContainText("only the session cookie");
  const sent = await callMe(page, "/api/bff/api/me");
  expect(sent.headers()["authorization"]).toBeUndefined();
  const hops = page.getByTestId("bff-hops");
  await expect(hops.getByTestId("trace")).toHaveCount(2);
  await expect(hops.getByTestId("trace").first().getByTestId("check-store lookup")).toHaveAttribute("data-status", "pass");
  await expect(hops.getByTestId("trace").last().getByTestId("check-signature")).toHaveAttribute("data-status", "pass");
  await page.getByTestId("transport-inject").click();
  const found = await page.getByTestId("transport-injected").innerText();
  expect(found).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
});

test("each crossed mode's half, signed in and after a call, has no WCAG A/AA violation at phone width", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [mode, endpoint] of [
    ["jwt-cookie", "/api/jwt/cookie-login"],
    ["session-header", "/api/session/header-login"],
    ["dpop", "/api/jwt/login"],
    ["bff", "/api/bff/login"],
  ]) {
    await logIn(page, mode, endpoint);
    await page.getByTestId("transport-call-me").click();
    await expect(page.getByTestId("transport-last-call")).toHaveAttribute("data-status", "200");
    await page.getByTestId("transport-inject").click();
    const axe = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
      .analyze();
    expect(axe.violations.map((v) => `${mode}: ${v.id}: ${v.help}`)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await page.getByTestId("transport-logout").click();
    await expect(page.getByTestId("transport-login")).toBeVisible();
  }
});
