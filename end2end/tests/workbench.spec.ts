// The token workbench, driven as a learner drives it: from the playground's own token, change the
// role, sign it every way the workbench offers, send each, and check that every status and
// refusing check shown is the answer the browser received. Then crack a weakened HS256 secret in
// the browser and forge with it; and open an attack card's token in the workbench.
import { Page, Response } from "@playwright/test";
import { test, expect, openHydrated, allowHttpError, registerFresh } from "./fixtures";
import { expectSolved, expectUnsolved } from "./progress";

const PASSWORD = "workbench-e2e-secret";

const register = (page: Page, prefix: string) => registerFresh(page, prefix, PASSWORD);

function allowRefusals(page: Page) {
  for (const path of ["/api/me", "/api/admin/accounts", "/api/lab/role-claim"]) {
    allowHttpError(page, 401, path);
    allowHttpError(page, 403, path);
  }
}

type Trace = { allowed: boolean; checks: { name: string; status: string }[] };

/** The check the server's own trace names as refusing, if any. */
function refusing(body: { auth?: Trace }): string | null {
  return body.auth?.checks.find((c) => c.status === "fail")?.name ?? null;
}

/** Edit the payload as JSON text, the way a learner types into it. */
async function editPayload(page: Page, change: (payload: Record<string, unknown>) => void) {
  const box = page.getByTestId("workbench-payload");
  const payload = JSON.parse(await box.inputValue());
  change(payload);
  await box.fill(JSON.stringify(payload, null, 2));
}

/** Sign the way chosen, and check the forged token shown is the one the server returned. */
async function sign(page: Page): Promise<string> {
  const forged = page.waitForResponse((r) => r.url().endsWith("/api/lab/forge"));
  await page.getByTestId("workbench-sign").click();
  const response = await forged;
  expect(response.status(), await response.text()).toBe(200);
  const token = (await response.json()).token as string;
  await expect(page.getByTestId("workbench-forged")).toHaveValue(token);
  return token;
}

/** Send to `path`, and check what the workbench shows against the browser's own answer. */
async function send(page: Page, path: string, token: string): Promise<{ status: number; body: { auth?: Trace } & Record<string, unknown> }> {
  await page.getByTestId("workbench-target").selectOption(path);
  const answered = page.waitForResponse((r: Response) => new URL(r.url()).pathname === path && r.request().method() === "GET");
  await page.getByTestId("workbench-send").click();
  const response = await answered;
  expect(response.request().headers()["authorization"]).toBe(`Bearer ${token}`);
  const status = response.status();
  const body = await response.json();
  const answer = page.getByTestId("workbench-answer");
  await expect(answer.getByTestId("workbench-status")).toHaveText(String(status));
  const check = refusing(body);
  if (check) await expect(answer.getByTestId("workbench-refused")).toHaveText(check);
  else await expect(answer.getByTestId("workbench-refused")).toHaveCount(0);
  await expect(answer.getByTestId("workbench-curl")).toContainText(`Authorization: Bearer ${token}`);
  return { status, body };
}

test("from the playground's token: every signing way forges a token that every defence refuses, by the check the trace names", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  allowRefusals(page);
  const username = await register(page, "bench");
  await openHydrated(page, "/");
  await page.getByTestId("mode-jwt").click();
  const form = page.getByTestId("jwt-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button").click();
  await expect(page.getByTestId("jwt-holding")).toBeVisible();

  // The workbench beside the inspector takes the token the page holds.
  await page.getByTestId("workbench-use-held").click();
  await expect(page.getByTestId("workbench-payload")).toHaveValue(new RegExp(`"sub": "${username}"`));
  await expect(page.getByTestId("workbench-fields").last()).toContainText("the role the token claims");
  // The moments read as local date and time, the number in the tooltip.
  const exp = page.getByTestId("workbench-moment-exp");
  await expect(exp.locator("input")).toHaveAttribute("title", /^Unix time \d+$/);
  await page.getByTestId("workbench-exp-in-5-min").click();
  await expect(exp).toContainText(/in [45] min/);
  await editPayload(page, (p) => (p.role = "admin"));

  // Each way, with the check that refuses it while every defence is on.
  const ways: { label: string; pick: () => Promise<void>; check: string }[] = [
    { label: "keep", pick: async () => {}, check: "signature" },
    { label: "strip", pick: async () => {}, check: "signature" },
    { label: "alg_none", pick: () => page.getByTestId("workbench-none-spelling").selectOption("nOnE"), check: "algorithm" },
    { label: "hmac", pick: () => page.getByTestId("workbench-secret").fill("password123"), check: "algorithm" },
    { label: "hmac", pick: () => page.getByTestId("workbench-secret").fill(""), check: "algorithm" },
    { label: "hmac_with_public_key", pick: () => page.getByTestId("workbench-key-spelling").selectOption("pem"), check: "algorithm" },
    { label: "hmac_with_public_key", pick: () => page.getByTestId("workbench-key-spelling").selectOption("jwk_json"), check: "algorithm" },
    { label: "attacker_key", pick: () => page.getByTestId("workbench-placement").selectOption("jwk"), check: "signature" },
    { label: "attacker_key", pick: () => page.getByTestId("workbench-placement").selectOption("jku"), check: "kid known" },
    { label: "attacker_key", pick: () => page.getByTestId("workbench-placement").selectOption("kid"), check: "kid known" },
    { label: "psychic_signature", pick: async () => {}, check: "algorithm" },
  ];
  const targets = ["/api/me", "/api/admin/accounts", "/api/lab/role-claim"];
  let sends = 0;
  for (const [n, way] of ways.entries()) {
    await page.getByTestId("workbench-way").selectOption(way.label);
    await expect(page.getByTestId("workbench-explain")).not.toBeEmpty();
    await way.pick();
    const token = await sign(page);
    const path = targets[n % targets.length];
    const { status, body } = await send(page, path, token);
    sends++;
    expect(status, `${way.label} to ${path}`).toBe(401);
    expect(refusing(body), `${way.label}: ${JSON.stringify(body)}`).toBe(way.check);
  }
  // Every send is in the history, newest first, and re-opens.
  const history = page.getByTestId("workbench-history").locator("li");
  await expect(history).toHaveCount(sends);
  await history.first().getByTestId("workbench-reopen").click();
  await expect(page.getByTestId("workbench-header")).toHaveValue(/"alg": "ES256"/);

  // A genuinely signed token with one claim wrong (the server signs it for this account only),
  // refused by that claim's check alone. A fresh access token first: the suite's live 6 s.
  const refreshed = page.waitForResponse("**/api/jwt/refresh");
  await page.getByTestId("jwt-refresh").click();
  expect((await refreshed).status()).toBe(200);
  for (const [wrong, check] of [["expired", "exp"], ["audience", "aud"], ["typ", "typ"]]) {
    await page.getByTestId("workbench-wrong-claim").selectOption(wrong);
    const made = page.waitForResponse("**/api/lab/wrong-claim-token");
    await page.getByTestId("workbench-get-wrong-claim").click();
    const minted = await made;
    expect(minted.status(), await minted.text()).toBe(200);
    const token = (await minted.json()).token as string;
    await expect(page.getByTestId("workbench-forged")).toHaveCount(0);
    const { status, body } = await send(page, "/api/me", token);
    sends++;
    expect(status, wrong).toBe(401);
    expect(refusing(body), wrong).toBe(check);
  }
  // Nothing of the workbench reached browser storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  expect(stored).not.toContain("eyJ");
  // Every forgery was refused, so no forgery challenge is solved; the genuine expired token's
  // refusal at exp is.
  await expectSolved(baseURL, username, PASSWORD, ["exp-refusal"]);
  await expectUnsolved(baseURL, username, PASSWORD, ["alg-none-accepted", "embedded-key-accepted", "weak-secret-forged"]);
});

test("a weakened HS256 secret is cracked in the browser and the forged token passes, with the signature check off", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  allowRefusals(page);
  const username = await register(page, "weak");
  // The learner weakens their own account's secret in the playground ("One defence off").
  await openHydrated(page, "/");
  await page.getByTestId("mode-jwt").click();
  const playground = page.getByTestId("jwt-login");
  await playground.getByLabel("Username").fill(username);
  await playground.getByLabel("Password").fill(PASSWORD);
  await playground.getByRole("button").click();
  await expect(page.getByTestId("jwt-holding")).toBeVisible();
  const weaken = page.waitForResponse((r) => r.url().endsWith("/api/lab-settings") && r.request().method() === "PUT");
  await page.getByTestId("defence-off-weak_secret").check();
  const weakened = await weaken;
  expect(weakened.status(), await weakened.text()).toBe(200);
  expect((await weakened.json()).defences_off).toEqual(["weak_secret"]);
  await expect(page.getByTestId("account-defences-off-banner")).toContainText("weak_secret");

  // The workbench page knows who the learner is (the header's identity, whose token it bought
  // with the refresh cookie on loading): no second sign-in. The token is signed with the weak secret.
  await openHydrated(page, "/workbench");
  await expect(page.getByTestId("who-username")).toHaveText(username);
  await expect(page.getByTestId("workbench-login")).toHaveCount(0);
  await expect(page.getByTestId("workbench-holding")).toBeVisible();
  await expect(page.getByTestId("workbench-header")).toHaveValue(/"alg": "HS256"/);

  const wordlist = page.waitForResponse("**/wordlist.txt");
  await page.getByTestId("workbench-crack").click();
  expect((await wordlist).status()).toBe(200);
  const word = (await page.getByTestId("workbench-cracked").innerText()).trim();
  expect(word).toMatch(/^[a-z]+$/);
  await expect(page.getByTestId("workbench-crack-progress")).toContainText("words per second");

  await page.getByTestId("workbench-use-cracked").click();
  await expect(page.getByTestId("workbench-secret")).toHaveValue(word);
  await page.getByTestId("workbench-exp-in-5-min").click();
  await editPayload(page, (p) => (p.role = "admin"));
  const token = await sign(page);

  const me = await send(page, "/api/me", token);
  expect(me.status).toBe(200);
  expect(me.body.role).toBe("admin");
  const signature = me.body.auth!.checks.find((c) => c.name === "signature")!;
  expect(signature.status).toBe("off");
  await expect(page.getByTestId("workbench-answer").getByTestId("check-signature")).toHaveAttribute("data-status", "off");
  // Never past a privileged route.
  const admin = await send(page, "/api/admin/accounts", token);
  expect(admin.status).toBe(403);
  expect(admin.body.error).toBe("not_allowed");
  // The server told the forged token from the genuine one it issued by its fingerprint: solved.
  await expectSolved(baseURL, username, PASSWORD, ["weak-secret-forged"]);

  // A strong secret is not in the list: the same search on a fresh learner's HS256 token finds nothing.
  const other = await register(page, "strong");
  const strong = await page.request.post("/api/jwt/login", { data: { username: other, password: PASSWORD } });
  const strongToken = (await strong.json()).access_token as string;
  const hs = await page.request.put("/api/lab-settings", { data: { jwt_alg: "HS256" }, headers: { authorization: `Bearer ${strongToken}` } });
  expect(hs.status()).toBe(200);
  const again = await page.request.post("/api/jwt/login", { data: { username: other, password: PASSWORD } });
  await page.getByTestId("workbench-paste").fill((await again.json()).access_token);
  await page.getByTestId("workbench-open").click();
  await expect(page.getByTestId("workbench-payload")).toHaveValue(new RegExp(`"sub": "${other}"`));
  await page.getByTestId("workbench-crack").click();
  await expect(page.getByTestId("workbench-not-cracked")).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId("workbench-crack-progress")).toContainText(/^4096 of 4096 words tried/);
});

test("an attack card hands its full token to the workbench, which shows a malformed one as far as it parses", async ({ page }) => {
  allowRefusals(page);
  const username = await register(page, "cards");
  await openHydrated(page, "/attacks");
  const form = page.getByTestId("attacks-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button").click();
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  const ran = page.waitForResponse((r) => r.url().endsWith("/api/lab/attacks/id-token-typ"));
  await page.getByTestId("attack-run-id-token-typ").click();
  const run = await (await ran).json();
  const attack = run.steps.find((s: { part: string }) => s.part === "attack");
  const link = page.getByTestId("attack-result-id-token-typ").getByTestId("step-workbench").first();
  await expect(link).toHaveAttribute("href", `/workbench#token=${attack.token}`);
  await link.click();
  await expect(page).toHaveURL(/\/workbench$/);
  await expect(page.getByTestId("workbench-header")).toHaveValue(/"typ": "id_token\+jwt"/);
  // The card's victim was an account of the run's own, deleted with its keys when the run
  // ended: the token now fails at its kid, as the trace says.
  const { status, body } = await send(page, "/api/me", attack.token);
  expect(status).toBe(401);
  expect(refusing(body)).toBe("kid known");

  // Any text: shown as far as it parses, with the reason it stops.
  await page.getByTestId("workbench-paste").fill("eyJhbGciOiJIUzI1NiJ9.not-json!.x");
  await page.getByTestId("workbench-open").click();
  await expect(page.getByTestId("workbench-stopped")).toContainText("payload");
  await expect(page.getByTestId("workbench-header")).toHaveValue(/"alg": "HS256"/);
});
