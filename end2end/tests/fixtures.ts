// Every test fails on a browser console error or an uncaught page error: a hydration mismatch or a
// panic in the WASM app shows up there, and must fail the suite rather than go unnoticed.
//
// The one exception is a test's own declared HTTP error: Chromium logs "Failed to load resource:
// ... status of 409" for every non-2xx fetch, so a test that provokes a 409 on purpose says so with
// `allowHttpError(page, 409, "/api/register")`, and only that message is tolerated.
import { test as base, expect, Page } from "@playwright/test";

type Allowed = { status: number; path: string };
const allowedByPage = new WeakMap<Page, Allowed[]>();

export function allowHttpError(page: Page, status: number, path: string) {
  allowedByPage.get(page)?.push({ status, path });
}

/** A test that makes a CSP refuse a script on purpose (the attack lab's XSS card) names the page. */
const cspAllowedByPage = new WeakMap<Page, string[]>();
export function allowCspViolation(page: Page, path: string) {
  cspAllowedByPage.get(page)?.push(path);
}

function isAllowedCsp(allowed: string[], text: string, url: string): boolean {
  if (!/Content Security Policy|CSP violation/.test(text)) return false;
  // Our own listener names the page; the browser's own message carries its URL as the location.
  if (allowed.some((a) => text.startsWith(`CSP violation on ${a}:`))) return true;
  try {
    const path = new URL(url).pathname;
    return allowed.some((a) => path === a);
  } catch {
    return false;
  }
}

function isAllowed(allowed: Allowed[], text: string, url: string): boolean {
  const match = /^Failed to load resource: the server responded with a status of (\d+)/.exec(text);
  if (!match) return false;
  const status = Number(match[1]);
  const path = new URL(url).pathname;
  // A path ending in "*" allows every path that starts with what precedes it.
  return allowed.some(
    (a) => a.status === status && (a.path.endsWith("*") ? path.startsWith(a.path.slice(0, -1)) : path === a.path),
  );
}

export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    const allowed: Allowed[] = [];
    allowedByPage.set(page, allowed);
    const cspAllowed: string[] = [];
    cspAllowedByPage.set(page, cspAllowed);
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      if (isAllowed(allowed, message.text(), message.location().url)) return;
      if (isAllowedCsp(cspAllowed, message.text(), message.location().url)) return;
      problems.push(`console error: ${message.text()} (${message.location().url})`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    // Any Content-Security-Policy violation, in the page or a frame, fails the test.
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        console.error(`CSP violation on ${location.pathname}: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
      });
    });
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

/** A fresh account of the test's own, registered through the API (the demo accounts' sessions
 * and switches are other tests' business): its name, `prefix` and random characters. */
export async function registerFresh(page: Page, prefix: string, password: string): Promise<string> {
  const username = `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`.slice(0, 32);
  const made = await page.request.post("/api/register", { data: { username, password } });
  expect(made.status(), await made.text()).toBe(201);
  return username;
}
