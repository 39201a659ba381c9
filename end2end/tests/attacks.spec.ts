// The attack lab runs every attack against the real server. Each card's button sends
// POST /api/lab/attacks/{id}; this spec clicks every card, reads the JSON the browser received,
// checks it is the outcome the lab promises (refused by the named check, or, for the stolen
// cookie, a success), and checks that everything the card shows is that answer.
import { Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, openHydrated, allowHttpError, allowCspViolation, registerFresh } from "./fixtures";
import { expectSolved } from "./progress";

type Step = {
  part: string;
  label: string;
  status: number;
  refused_by?: string;
  request: { method: string; path: string };
};
type Run = { attack: string; verdict: string; refused_by: string[]; saw: string[]; missing?: string; steps: Step[] };

// What the server must answer for each card: the verdict, and the checks that refused it (in order).
const EXPECTED: Record<string, { verdict: "refused" | "worked"; checks: string[] }> = {
  "tampered-role": { verdict: "refused", checks: ["signature"] },
  "alg-none": { verdict: "refused", checks: ["algorithm"] },
  "alg-confusion": { verdict: "refused", checks: ["algorithm"] },
  expired: { verdict: "refused", checks: ["exp"] },
  "nbf-future": { verdict: "refused", checks: ["nbf"] },
  "wrong-iss": { verdict: "refused", checks: ["iss"] },
  "wrong-aud": { verdict: "refused", checks: ["aud"] },
  "unknown-kid": { verdict: "refused", checks: ["kid known"] },
  "kid-injection": { verdict: "refused", checks: ["kid known"] },
  "key-from-header": { verdict: "refused", checks: ["kid known", "signature"] },
  "crit-header": { verdict: "refused", checks: ["format"] },
  "refresh-as-access": { verdict: "refused", checks: ["format"] },
  "trailing-garbage": { verdict: "refused", checks: ["signature"] },
  "extra-segment": { verdict: "refused", checks: ["format"] },
  oversized: { verdict: "refused", checks: ["format"] },
  "other-accounts-key": { verdict: "refused", checks: ["subject"] },
  "stripped-signature": { verdict: "refused", checks: ["signature"] },
  "empty-hmac-key": { verdict: "refused", checks: ["signature"] },
  "psychic-signature": { verdict: "refused", checks: ["signature"] },
  "weak-secret-cracked": { verdict: "refused", checks: ["signature"] },
  "id-token-typ": { verdict: "refused", checks: ["typ"] },
  "refresh-replay": { verdict: "refused", checks: [] },
  "session-fixation": { verdict: "refused", checks: ["store lookup"] },
  "session-replay": { verdict: "refused", checks: ["store lookup"] },
  "forged-cookie": { verdict: "refused", checks: ["cookie", "store lookup"] },
  "stolen-cookie": { verdict: "worked", checks: [] },
  "brute-force": { verdict: "refused", checks: [] },
};

/** Sign in on the page as a fresh account of this test's own: the demo accounts' sessions are
 * other specs' business (one of them counts Bob's sessions). */
async function signIn(page: Page): Promise<{ username: string; password: string }> {
  const password = "attack-lab-e2e-secret";
  const username = await registerFresh(page, "attacker", password);
  await openHydrated(page, "/attacks");
  const form = page.getByTestId("attacks-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button").click();
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  return { username, password };
}

/** Run one card and check what it shows against the answer the browser received. */
async function runCard(page: Page, id: string): Promise<Run> {
  const answered = page.waitForResponse(
    (r) => r.url().endsWith(`/api/lab/attacks/${id}`) && r.request().method() === "POST",
    { timeout: 60_000 },
  );
  await page.getByTestId(`attack-run-${id}`).click();
  const response = await answered;
  expect(response.status(), id).toBe(200);
  const body: Run = await response.json();
  expect(body.attack).toBe(id);

  await expect(page.getByTestId(`attack-verdict-${id}`)).toHaveText(body.verdict);
  if (body.refused_by.length > 0) {
    await expect(page.getByTestId(`attack-checks-${id}`)).toHaveText(body.refused_by.join(", "));
  }
  const steps = page.getByTestId(`attack-result-${id}`).locator("li.attack-step");
  await expect(steps).toHaveCount(body.steps.length);
  const shown = await steps.evaluateAll((items) =>
    items.map((item) => ({
      part: item.getAttribute("data-part"),
      status: Number(item.getAttribute("data-status")),
      check: item.querySelector("[data-testid=step-check]")?.textContent ?? null,
      request: item.querySelector("[data-testid=step-request]")?.textContent ?? "",
    })),
  );
  body.steps.forEach((step, n) => {
    expect(shown[n].part).toBe(step.part);
    expect(shown[n].status).toBe(step.status);
    expect(shown[n].check).toBe(step.refused_by ?? null);
    expect(shown[n].request.startsWith(`${step.request.method} ${step.request.path} HTTP/1.1`)).toBe(true);
  });
  for (const line of body.saw) await expect(page.getByTestId(`attack-saw-${id}`)).toContainText(line);
  if (body.missing) await expect(page.getByTestId(`attack-missing-${id}`)).toContainText(body.missing);
  return body;
}

test("every attack card runs against the server and shows exactly what the server answered", async ({ page }) => {
  test.setTimeout(240_000);
  await signIn(page);
  const cards = await page.locator("article.attack:not(.browser-attack)").evaluateAll((els) => els.map((e) => e.getAttribute("data-testid")));
  expect(cards.map((c) => c!.replace(/^attack-/, "")).sort()).toEqual(Object.keys(EXPECTED).sort());

  for (const [id, want] of Object.entries(EXPECTED)) {
    const body = await runCard(page, id);
    expect(body.verdict, id).toBe(want.verdict);
    expect(body.refused_by, id).toEqual(want.checks);
    const attacks = body.steps.filter((s) => s.part === "attack");
    expect(attacks.length, id).toBeGreaterThan(0);
    if (want.verdict === "refused") {
      for (const step of attacks) expect(step.status, `${id}: ${step.label}`).toBeGreaterThanOrEqual(400);
    }
  }
  // Every card now shows its transcript and trace: still no WCAG A/AA violation.
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(" | ")}`)).toEqual([]);
});

test("the stolen cookie works from another client, and the card names what limits it", async ({ page }) => {
  await signIn(page);
  const body = await runCard(page, "stolen-cookie");
  const theft = body.steps.find((s) => s.part === "attack")!;
  expect(theft.status).toBe(200);
  await expect(page.getByTestId("attack-missing-stolen-cookie")).toContainText("HttpOnly");
  // The victim's logout ends the thief's copy too.
  expect(body.steps[body.steps.length - 1].status).toBe(401);
});

test("a burst of wrong passwords meets 429 with Retry-After, and the owner still gets in", async ({ page, baseURL }) => {
  const learner = await signIn(page);
  const body = await runCard(page, "brute-force");
  const attacks = body.steps.filter((s) => s.part === "attack");
  expect(attacks[0].status).toBe(401);
  expect(attacks.some((s) => s.status === 429)).toBe(true);
  const owner = body.steps.filter((s) => s.part === "aftermath");
  expect(owner.map((s) => s.status)).toEqual([200, 200]);
  await expect(page.getByTestId("attack-result-brute-force").getByTestId("step-retry-after").first()).toBeVisible();
  // The card's own account met the limit; it counts for the learner whose run created it.
  await expectSolved(baseURL, learner.username, learner.password, ["login-limited"]);
});

test("the attack lab is linked from the header and the lesson list", async ({ page }) => {
  await openHydrated(page, "/lessons");
  await expect(page.getByRole("navigation").getByRole("link", { name: "Attacks" })).toHaveAttribute("href", "/attacks");
  await page.getByTestId("also-live").getByRole("link", { name: "attack lab" }).click();
  await expect(page).toHaveURL(/\/attacks$/);
  await expect(page.getByRole("heading", { name: "Attack lab" })).toBeVisible();
});

test("CSRF from another site: refused with the defences on, works only on the deliberately weakened account", async ({ page }) => {
  test.setTimeout(90_000);
  allowHttpError(page, 403, "/api/session/logout");
  const forged: { status: number }[] = [];
  const switches: { body: string; setCookie: string | null }[] = [];
  page.on("response", async (response) => {
    const url = new URL(response.url());
    const method = response.request().method();
    if (url.pathname === "/api/session/logout" && method === "POST") {
      forged.push({ status: response.status() });
    }
    if (url.pathname === "/api/lab-settings" && method === "PUT") {
      switches.push({ body: response.request().postData() ?? "", setCookie: await response.headerValue("set-cookie") });
    }
  });
  // A frame navigation's response body is not kept by the browser: read what the frame showed.
  // The card loads the attacker's second page into the same frame as soon as it has read the
  // refusal, so that navigation waits here until this test has read the refusal too (a CI run
  // read the frame after it had moved on, and found the attacker's page instead).
  const answersInFrame: string[] = [];
  let refusalRead = () => {};
  const refusalWasRead = new Promise<void>((resolve) => (refusalRead = resolve));
  await page.route(/\/attacker\/csrf\?.*run=2/, async (route) => {
    await refusalWasRead;
    await route.continue();
  });
  page.on("framenavigated", async (frame) => {
    if (frame === page.mainFrame() || new URL(frame.url()).pathname !== "/api/session/logout") return;
    try {
      await frame.waitForLoadState("load").catch(() => {});
      answersInFrame.push((await frame.locator("body").textContent().catch(() => null)) ?? "");
    } finally {
      refusalRead();
    }
  });
  await openHydrated(page, "/attacks");
  const card = page.getByTestId("attack-csrf");
  await card.getByTestId("run-experiment").click();
  await expect(card.getByTestId("csrf-phase")).toHaveText("Done.", { timeout: 60_000 });
  await expect(card.getByTestId("experiment-error")).toHaveCount(0);

  // Two forged logouts left the attacker's page: the first refused, the second obeyed.
  expect(forged.map((f) => f.status)).toEqual([403, 204]);
  // The first: the trace the card shows is the one the server sent, refused at the origin check.
  expect(answersInFrame).toHaveLength(1);
  const text = answersInFrame[0];
  const refusal = JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1));
  expect(refusal.error).toBe("forbidden");
  const shown = await card
    .getByTestId("csrf-refused")
    .locator("li.check")
    .evaluateAll((items) => items.map((i) => [i.querySelector("strong")?.textContent, i.getAttribute("data-status")]));
  expect(shown).toEqual(refusal.auth.checks.map((c: { name: string; status: string }) => [c.name, c.status]));
  expect(refusal.auth.checks[0]).toMatchObject({ name: "same origin", status: "fail" });

  // The weakened setting: switched on (cookie re-issued SameSite=None), then back off.
  expect(switches.map((s) => JSON.parse(s.body).csrf_weakened)).toEqual([true, false]);
  expect(switches[0].setCookie).toContain("SameSite=None");
  expect(switches[1].setCookie).toContain("SameSite=Lax");

  // The second: the server's audit entry names the checks that were off.
  await expect(card.getByTestId("csrf-audit-detail")).toContainText("deliberately switched these checks off: same origin, csrf token");
  await expect(card.getByTestId("attack-missing-csrf")).toContainText("SameSite=Lax or Strict");
  const steps = card.getByTestId("step");
  await expect(steps.filter({ hasText: "are you still signed in?" })).toHaveCount(2);
  await expect(card.getByTestId("what-you-saw")).toContainText("You were logged out by the other site's form");

  // The browser is signed in as the victim, defences back on: no banner.
  await expect(page.getByTestId("attacks-signed-in")).toContainText("lesson-");
  await expect(page.getByTestId("account-weakened-banner")).toHaveCount(0);
});

test("an account whose CSRF defences are off says so on its pages", async ({ page }) => {
  await openHydrated(page, "/");
  await page.getByTestId("mode-session").click();
  const form = page.getByTestId("session-login");
  // A fresh account, so no other test's account is weakened.
  const name = `weak-${Date.now().toString(36)}`;
  const password = "a-long-enough-password-1";
  const registered = await page.request.post("/api/register", {
    data: { username: name, password },
    headers: { "sec-fetch-site": "same-origin" },
  });
  expect(registered.status()).toBe(201);
  await form.getByLabel("Username").fill(name);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText(name);
  await expect(page.getByTestId("account-weakened-banner")).toHaveCount(0);
  const switched = await page.evaluate(async () => {
    const current = await (await fetch("/api/session/current")).json();
    const answer = await fetch("/api/lab-settings", {
      method: "PUT",
      headers: { "content-type": "application/json", "x-csrf-token": current.csrf_token },
      body: JSON.stringify({ csrf_weakened: true }),
    });
    return answer.status;
  });
  expect(switched).toBe(200);
  await openHydrated(page, "/");
  await page.getByTestId("mode-session").click();
  await expect(page.getByTestId("account-weakened-banner")).toContainText("deliberately OFF");
});

test("XSS token theft: a planted script steals a stored token where CSP is off, not one in memory, and CSP stops it", async ({ page }) => {
  test.setTimeout(90_000);
  allowCspViolation(page, "/attacks/xss-victim");
  const results: Record<string, unknown>[] = [];
  const pages: { csp: string | null }[] = [];
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (url.pathname === "/api/lab/xss/result") {
      const body = await response.json().catch(() => null);
      if (body) results.push(body);
    }
    if (url.pathname === "/attacks/xss-victim") pages.push({ csp: await response.headerValue("content-security-policy") });
  });
  await openHydrated(page, "/attacks");
  const card = page.getByTestId("attack-xss");
  await card.getByTestId("run-experiment").click();
  await expect(card.getByTestId("xss-stage")).toHaveText("Done.", { timeout: 60_000 });
  await expect(card.getByTestId("experiment-error")).toHaveCount(0);

  // The page was served three times: without CSP twice (this account only), then with it.
  expect(pages.map((p) => p.csp === null)).toEqual([true, true, false]);
  expect(pages[2].csp).toContain("script-src 'self' 'nonce-");

  const shown = card.getByTestId("xss-result");
  await expect(shown).toHaveCount(3);
  const last = (stage: string) => results.filter((r) => r.script_ran || r.csp_blocked).find((r) => r && stageOf(r) === stage);
  const stageOf = (r: Record<string, unknown>) =>
    r.csp_blocked ? "csp" : (r.found as unknown[]).length > 0 ? "stored" : "memory";
  // 1. Stolen from localStorage and replayed from another client: 200. No session cookie in the loot.
  const stored = last("stored") as { replay: { status: number; client: string }; cookie_seen: string };
  expect(stored.replay.status).toBe(200);
  expect(stored.cookie_seen).not.toContain("authlab_session");
  await expect(shown.nth(0)).toHaveAttribute("data-script-ran", "true");
  await expect(shown.nth(0)).toHaveAttribute("data-replay-status", "200");
  // 2. The token in memory: the script ran and found nothing.
  expect(last("memory")).toBeTruthy();
  await expect(shown.nth(1)).toHaveAttribute("data-script-ran", "true");
  await expect(shown.nth(1)).toContainText("found 0");
  // 3. CSP on: the script never ran, and the browser's report reached the lab.
  await expect(shown.nth(2)).toHaveAttribute("data-script-ran", "false");
  await expect(shown.nth(2)).toHaveAttribute("data-csp-blocked", /script-src/);
  await expect(card.getByTestId("what-you-saw")).toContainText("HttpOnly");
  // Nothing left behind: no token in storage, the account's page has its CSP back.
  expect(await page.evaluate(() => localStorage.getItem("authlab.attack_lab_token"))).toBeNull();
  await expect(page.getByTestId("account-xss-weakened-banner")).toHaveCount(0);
  // What the run left on the page (long run ids in paths) wraps on a phone: nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
});
