// One identity across pages, and challenges the server decides: the header signs a learner in
// once and every page knows them; a challenge flips to solved on the open page only after the
// server's deciding request (through the live stream for a cookie session, through the wait
// channel for a bearer-only learner), and posting "solved" from the console is refused and
// changes nothing.
import { APIRequestContext, Page, request as playwrightRequest } from "@playwright/test";
import { test, expect, openHydrated, allowHttpError, allowCspViolation, registerFresh } from "./fixtures";
import { expectSolved, expectUnsolved } from "./progress";

const PASSWORD = "challenges-e2e-secret";

const register = (page: Page, prefix: string) => registerFresh(page, prefix, PASSWORD);

/** Sign in from the header, in `model`, as a learner does. The page loads again. */
async function signInFromHeader(page: Page, username: string, model: "session" | "jwt") {
  const header = page.getByTestId("who-am-i");
  await header.getByText("Sign in", { exact: true }).first().click();
  await page.getByTestId("who-username-input").fill(username);
  await page.getByTestId("who-password-input").fill(PASSWORD);
  await page.getByTestId(`who-mode-${model}`).check();
  const loaded = page.waitForEvent("load");
  await page.getByTestId("who-submit").click();
  await loaded;
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("who-username")).toHaveText(username);
}

/** Switch one of the account's defences off (or back on) in the playground's JWT panel, as a
 * learner clicks it; a click while the panel is still busy with another request is dropped, so
 * click until the server has the switch. */
async function switchDefence(page: Page, defence: string, off: boolean) {
  const box = page.getByTestId(`defence-off-${defence}`);
  await expect(async () => {
    if ((await box.isChecked()) !== off) {
      const put = page.waitForResponse((r) => r.url().endsWith("/api/lab-settings") && r.request().method() === "PUT", { timeout: 3_000 });
      await box.click();
      expect((await put).status()).toBe(200);
    }
    await expect(box).toBeChecked({ checked: off, timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
}

/** Sign in with a bearer token on the playground's own form. */
async function signInOnThePlayground(page: Page, username: string) {
  await openHydrated(page, "/");
  await page.getByTestId("mode-jwt").click();
  const form = page.getByTestId("jwt-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(PASSWORD);
  await form.getByRole("button").click();
  await expect(page.getByTestId("jwt-holding")).toBeVisible();
}

async function expectSignedInAs(page: Page, path: string, username: string, model: string) {
  await openHydrated(page, path);
  await expect(page.getByTestId("who-username"), path).toHaveText(username);
  await expect(page.getByTestId("who-mode"), path).toContainText(model);
  // Nowhere is the learner asked to sign in again.
  await expect(page.getByTestId("who-sign-in"), path).toHaveCount(0);
}

const PAGES = ["/", "/compare", "/scale", "/attacks", "/workbench", "/lessons", "/lessons/logout-and-revocation", "/progress", "/audit"];

test("the header signs a learner in once, and every page knows who they are, in either model", async ({ page }) => {
  test.setTimeout(90_000);
  const username = await register(page, "identity");
  await openHydrated(page, "/compare");
  await expect(page.getByTestId("who-sign-in")).toBeVisible();
  await signInFromHeader(page, username, "session");
  for (const path of PAGES) await expectSignedInAs(page, path, username, "cookie session");
  // The attack lab starts its runs as the header's account: no second sign-in there either.
  await openHydrated(page, "/attacks");
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  await expect(page.getByTestId("attacks-login")).toHaveCount(0);

  await signOutFromHeader(page);
  // The session is gone on the server, not only on the page.
  const me = await page.request.get("/api/me");
  expect(me.status()).toBe(401);

  // A bearer token kept in memory (the default) is lost on every page load; the page buys a
  // new one with the refresh cookie, so the learner is still never asked again.
  await signInFromHeader(page, username, "jwt");
  for (const path of ["/progress", "/lessons", "/workbench", "/compare", "/attacks"]) {
    await expectSignedInAs(page, path, username, "bearer token");
  }
  // The attack lab starts a bearer learner's runs with their token: no session asked for.
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  await expect(page.getByTestId("attacks-login")).toHaveCount(0);
  const ran = page.waitForResponse((r) => r.url().endsWith("/api/lab/attacks/alg-none") && r.request().method() === "POST");
  await page.getByTestId("attack-run-alg-none").click();
  const run = await ran;
  expect(run.status(), await run.text()).toBe(200);
  expect(run.request().headers()["authorization"]).toMatch(/^Bearer /);
  await expect(page.getByTestId("attack-verdict-alg-none")).toBeVisible();
  expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).not.toContain("eyJ");
});

test("an experiment borrows the browser and gives the learner's own sign-in back, in either model", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  allowHttpError(page, 401, "/api/me");
  allowHttpError(page, 401, "/api/replay");
  const username = await register(page, "aside");
  // A cookie learner on the compare page: no password asked, a fresh account of theirs signed in
  // both ways, and their own session back once both columns have logged out.
  await openHydrated(page, "/compare");
  await signInFromHeader(page, username, "session");
  await expect(page.getByTestId("compare-login")).toHaveCount(0);
  await expect(page.getByTestId("compare-as-learner")).toContainText(username);
  await page.getByTestId("compare-fresh").click();
  await expect(page.getByTestId("session-user")).toHaveText(/^lesson-/);
  await expect(page.getByTestId("jwt-user")).toHaveText(/^lesson-/);
  await page.getByTestId("call-both").click();
  await expect(page.getByTestId("session-last-status")).toHaveText("200");
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");
  await page.getByTestId("logout-both").click();
  await expect(page.getByTestId("session-user")).toContainText("logged out");
  await expect(page.getByTestId("jwt-user")).toContainText("logged out");
  // The old cookie, replayed after its logout, is refused: the fresh account's deed counts for
  // the learner whose page made it.
  await expect.poll(() => page.getByTestId("replay-mark").count(), { timeout: 10_000 }).toBeGreaterThan(1);
  await page.getByTestId("stop-replaying").click();
  await expectSolved(baseURL, username, PASSWORD, ["old-cookie-refused"]);
  // The learner's own session is the browser's again: the same one, not a new sign-in.
  const me = await page.request.get("/api/me");
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe(username);
  await expectSignedInAs(page, "/compare", username, "cookie session");

  // An experiment that never gave the browser back (its tab reloaded mid-run): the next page
  // load gives the learner's session back before it asks who is signed in.
  const stranded = `lesson-${Date.now().toString(36)}`;
  const made = await page.request.post("/api/register", { data: { username: stranded, password: PASSWORD } });
  expect(made.status()).toBe(201);
  const borrowed = await page.request.post("/api/session/login", { data: { username: stranded, password: PASSWORD } });
  expect(borrowed.status()).toBe(200);
  expect((await page.context().cookies()).map((c) => c.name)).toContain("__Host-authlab_parked_session");
  await expectSignedInAs(page, "/lessons", username, "cookie session");
  expect((await page.context().cookies()).map((c) => c.name)).not.toContain("__Host-authlab_parked_session");

  // A bearer learner (the token in memory only, so every page load spends the refresh cookie):
  // a lesson that signs the browser in both ways leaves the learner's refresh cookie theirs.
  await signOutFromHeader(page);
  await signInFromHeader(page, username, "jwt");
  await openHydrated(page, "/lessons/where-state-lives");
  await page.getByTestId("run-experiment").click();
  await expect(page.getByTestId("what-you-saw")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("experiment-error")).toHaveCount(0);
  await expect(page.getByTestId("who-username")).toHaveText(username);
  await expect(page.getByTestId("who-mode")).toContainText("bearer token");
  for (const path of ["/lessons/where-state-lives", "/progress"]) {
    await expectSignedInAs(page, path, username, "bearer token");
  }
});

async function signOutFromHeader(page: Page) {
  const out = page.waitForEvent("load");
  await page.getByTestId("who-sign-out").click();
  await out;
  await expect(page.getByTestId("who-sign-in")).toBeVisible();
}

test("posting solved from the console is refused; a cookie learner's challenge flips only after the server's own refusal", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  allowHttpError(page, 403, "/api/challenges/old-cookie-refused/solved");
  const username = await register(page, "flipper");
  await openHydrated(page, "/progress");
  await signInFromHeader(page, username, "session");
  const card = page.getByTestId("challenge-old-cookie-refused");
  await expect(card).toHaveAttribute("data-solved", "false");
  await expect(page.getByTestId("challenge-state-old-cookie-refused")).toHaveText("not yet");

  // The console: whatever it posts, it is refused, and nothing changes.
  const posted = await page.evaluate(async () => {
    const answer = await fetch("/api/challenges/old-cookie-refused/solved", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ solved: true }),
    });
    return { status: answer.status, body: await answer.json() };
  });
  expect(posted.status).toBe(403);
  expect(posted.body.error).toBe("not_allowed");
  const progress = await page.request.get("/api/progress");
  const mine = (await progress.json()).challenges.find((c: { id: string }) => c.id === "old-cookie-refused");
  expect(mine.solved_at_ms).toBeNull();
  await expect(card).toHaveAttribute("data-solved", "false");

  // The learner's second device, with curl-like requests: sign in, keep the cookie, log out,
  // send the old cookie again.
  const device: APIRequestContext = await playwrightRequest.newContext({ baseURL });
  try {
    const login = await device.post("/api/session/login", { data: { username, password: PASSWORD } });
    expect(login.status()).toBe(200);
    const csrf = (await login.json()).csrf_token as string;
    const cookie = (login.headers()["set-cookie"] ?? "").split(";")[0];
    expect(cookie).toMatch(/^__Host-authlab_session=/);
    const out = await device.post("/api/session/logout", { headers: { cookie, "x-csrf-token": csrf } });
    expect(out.status()).toBe(204);
    // Not yet: the logout alone decides nothing.
    await expect(card).toHaveAttribute("data-solved", "false");
    const replay = await device.get("/api/me", { headers: { cookie } });
    expect(replay.status()).toBe(401);
    expect((await replay.json()).auth.checks.find((c: { status: string }) => c.status === "fail").name).toBe("store lookup");
    // The open page flips, without a reload, on the live stream's announcement.
    await expect(card).toHaveAttribute("data-solved", "true");
    await expect(page.getByTestId("challenge-state-old-cookie-refused")).toContainText("solved");
    await expect(page.getByTestId("tries-revive-logged-out-cookie")).toContainText("Tries the server saw: 1");
    // A second try at bringing the cookie back: the server now says why it cannot be done.
    expect((await device.get("/api/me", { headers: { cookie } })).status()).toBe(401);
  } finally {
    await device.dispose();
  }
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("tries-revive-logged-out-cookie")).toContainText("After 2 tries:");
  await expect(page.getByTestId("tries-revive-logged-out-cookie")).toContainText("store lookup");
  await expect(page.getByTestId("challenge-revive-logged-out-cookie")).toHaveAttribute("data-solved", "false");
});

test("a bearer-only learner's challenge flips on the open page through the wait channel", async ({ page, context }) => {
  test.setTimeout(60_000);
  allowHttpError(page, 401, "/api/me");
  const username = await register(page, "bearer-flip");
  await openHydrated(page, "/lessons/refresh-tokens");
  await signInFromHeader(page, username, "jwt");
  const card = page.getByTestId("challenge-exp-refusal");
  await expect(card).toHaveAttribute("data-solved", "false");

  // The learner opens the workbench in a second tab (the page loads, buys its own token with
  // the refresh cookie, once) and sends a genuinely signed, expired token of their own.
  const workbench = await context.newPage();
  allowHttpError(workbench, 401, "/api/me");
  await openHydrated(workbench, "/workbench");
  await expect(workbench.getByTestId("workbench-holding")).toBeVisible();
  await workbench.getByTestId("workbench-wrong-claim").selectOption("expired");
  const made = workbench.waitForResponse("**/api/lab/wrong-claim-token");
  await workbench.getByTestId("workbench-get-wrong-claim").click();
  expect((await made).status()).toBe(200);
  await workbench.getByTestId("workbench-target").selectOption("/api/me");
  const sent = workbench.waitForResponse((r) => new URL(r.url()).pathname === "/api/me" && r.request().method() === "GET");
  await workbench.getByTestId("workbench-send").click();
  expect((await sent).status()).toBe(401);
  await expect(workbench.getByTestId("workbench-answer")).toContainText("exp");

  // The first tab never reloaded: it hears of the solve on /api/progress/wait.
  await expect(card).toHaveAttribute("data-solved", "true");
  await workbench.close();
});

test("hints come one at a time and an answer is checked against the server's records", async ({ page }) => {
  test.setTimeout(60_000);
  const username = await register(page, "answerer");
  await openHydrated(page, "/lessons/where-state-lives");
  await signInFromHeader(page, username, "session");
  const id = "sessions-the-server-holds";
  const hints = page.getByTestId(`hints-${id}`).locator("li");
  await expect(hints).toHaveCount(0);
  await page.getByTestId(`hint-${id}`).click();
  await expect(hints).toHaveCount(1);
  await page.getByTestId(`hint-${id}`).click();
  await expect(hints).toHaveCount(2);
  // The count is the server's: it lasts across a reload.
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId(`hints-${id}`).locator("li")).toHaveCount(2);

  await page.getByTestId(`answer-${id}`).fill("7");
  await page.getByTestId(`answer-submit-${id}`).click();
  await expect(page.getByTestId(`verdict-${id}`)).toContainText("not right");
  await expect(page.getByTestId(`challenge-${id}`)).toHaveAttribute("data-solved", "false");
  await page.getByTestId(`answer-${id}`).fill("1");
  await page.getByTestId(`answer-submit-${id}`).click();
  await expect(page.getByTestId(`verdict-${id}`)).toContainText("right:");
  await expect(page.getByTestId(`challenge-${id}`)).toHaveAttribute("data-solved", "true");
  await openHydrated(page, "/progress");
  await expect(page.getByTestId("progress-solved")).toContainText("1 of");
});

test("the token challenges, as a learner solves them: read it, refresh it, forge it only with a defence off", async ({ page, baseURL }) => {
  test.setTimeout(90_000);
  for (const path of ["/api/me", "/api/admin/accounts", "/api/lab/role-claim"]) allowHttpError(page, 401, path);
  const username = await register(page, "token-learner");
  await signInOnThePlayground(page, username);
  await expect(page.getByTestId("who-username")).toHaveText(username);

  // Read the token the page holds, as the inspector shows it: no key needed.
  const payload = JSON.parse(await page.getByTestId("jwt-payload").innerText());
  const header = JSON.parse(await page.getByTestId("jwt-header").innerText());
  const token = (await page.getByTestId("jwt-token").innerText()).replace(/\s/g, "");
  expect(token.split(".")).toHaveLength(3);

  // A refresh: a new access token, no password.
  const refreshed = page.waitForResponse("**/api/jwt/refresh");
  await page.getByTestId("jwt-refresh").click();
  expect((await refreshed).status()).toBe(200);

  // With every defence on, the workbench's forgeries are refused and solve nothing.
  await page.getByTestId("workbench-use-held").click();
  await page.getByTestId("workbench-way").selectOption("alg_none");
  const refusedNone = await signAndSend(page);
  expect(refusedNone).toBe(401);
  // One defence off, for this account only: the same forgery is accepted.
  await switchDefence(page, "alg_pinning", true);
  await page.getByTestId("workbench-use-held").click();
  await page.getByTestId("workbench-way").selectOption("alg_none");
  expect(await signAndSend(page)).toBe(200);
  // Back on; then the key a token brings, trusted only with that defence off.
  await switchDefence(page, "alg_pinning", false);
  await switchDefence(page, "embedded_jwk", true);
  await page.getByTestId("workbench-use-held").click();
  await page.getByTestId("workbench-way").selectOption("attacker_key");
  await page.getByTestId("workbench-placement").selectOption("jwk");
  expect(await signAndSend(page)).toBe(200);
  await switchDefence(page, "embedded_jwk", false);

  // The answers, typed on the lesson's page (the learner is still signed in there).
  await openHydrated(page, "/lessons/reading-and-signing");
  await expect(page.getByTestId("who-username")).toHaveText(username);
  for (const [id, text] of [["jti-of-your-token", payload.jti], ["kid-of-your-token", header.kid]] as const) {
    await page.getByTestId(`answer-${id}`).fill(String(text));
    await page.getByTestId(`answer-submit-${id}`).click();
    await expect(page.getByTestId(`verdict-${id}`)).toContainText("right:");
    await expect(page.getByTestId(`challenge-${id}`)).toHaveAttribute("data-solved", "true");
  }
  await openHydrated(page, "/lessons/size-on-the-wire");
  await page.getByTestId("answer-token-bytes").fill(String(token.length));
  await page.getByTestId("answer-submit-token-bytes").click();
  await expect(page.getByTestId("challenge-token-bytes")).toHaveAttribute("data-solved", "true");

  await expectSolved(baseURL, username, PASSWORD, ["refresh-without-password", "alg-none-accepted", "embedded-key-accepted"]);
  // The forgery refused with the defence on, and the genuine tokens, solved nothing else.
  await openHydrated(page, "/progress");
  for (const id of ["weak-secret-forged", "reuse-detected"]) {
    await expect(page.getByTestId(`challenge-${id}`)).toHaveAttribute("data-solved", "false");
  }
  await expect(page.getByTestId("challenge-alg-none-accepted")).toHaveAttribute("data-solved", "true");
});

/** Sign the workbench's token the way chosen and send it to /api/me; the status. */
async function signAndSend(page: Page): Promise<number> {
  const forged = page.waitForResponse((r) => r.url().endsWith("/api/lab/forge"));
  await page.getByTestId("workbench-sign").click();
  expect((await forged).status()).toBe(200);
  await page.getByTestId("workbench-target").selectOption("/api/me");
  const sent = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/me" && r.request().method() === "GET");
  await page.getByTestId("workbench-send").click();
  return (await sent).status();
}

test("the browser-run cards' victims are the learner's own: the forged logout and the stolen token count for them", async ({ page, baseURL }) => {
  test.setTimeout(150_000);
  allowHttpError(page, 403, "/api/session/logout");
  allowCspViolation(page, "/attacks/xss-victim");
  const username = await register(page, "card-runner");
  await openHydrated(page, "/attacks");
  await signInFromHeader(page, username, "session");
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  await expectUnsolved(baseURL, username, PASSWORD, ["forged-form-logout", "stolen-token-replayed"]);

  // The CSRF card: a victim account the learner's page creates, a form from the other site.
  const csrf = page.getByTestId("attack-csrf");
  await csrf.getByTestId("run-experiment").click();
  await expect(csrf.getByTestId("csrf-phase")).toHaveText("Done.", { timeout: 60_000 });
  await expect(csrf.getByTestId("experiment-error")).toHaveCount(0);
  await expectSolved(baseURL, username, PASSWORD, ["forged-form-logout"]);

  // The card signed the browser in as its victim, and gave the learner's session back after.
  await expect(page.getByTestId("who-username")).toHaveText(username);

  // The XSS card: the planted script steals the victim's stored token, replayed from elsewhere.
  await openHydrated(page, "/attacks");
  await expect(page.getByTestId("attacks-signed-in")).toContainText(username);
  const xss = page.getByTestId("attack-xss");
  await xss.getByTestId("run-experiment").click();
  await expect(xss.getByTestId("xss-stage")).toHaveText("Done.", { timeout: 60_000 });
  await expect(xss.getByTestId("experiment-error")).toHaveCount(0);
  await expectSolved(baseURL, username, PASSWORD, ["stolen-token-replayed"]);
  await expect(page.getByTestId("who-username")).toHaveText(username);
});

test("the hybrid: with revocation on, log out everywhere and the token from before is refused at the mark", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  allowHttpError(page, 401, "/api/me");
  const username = await register(page, "hybrid");
  await signInOnThePlayground(page, username);
  await page.getByTestId("silent-refresh").uncheck();
  const switched = page.waitForResponse((r) => r.url().endsWith("/api/lab-settings") && r.request().method() === "PUT");
  await page.getByTestId("denylist").check();
  expect((await switched).status()).toBe(200);
  // A token from before the switch's refresh, then log out everywhere, then use it.
  const refreshed = page.waitForResponse("**/api/jwt/refresh");
  await page.getByTestId("jwt-refresh").click();
  expect((await refreshed).status()).toBe(200);
  await expect(page.getByTestId("jwt-holding")).toBeVisible();
  const everywhere = page.waitForResponse("**/api/jwt/logout-everywhere");
  await page.getByTestId("logout-everywhere").click();
  expect((await everywhere).status()).toBe(200);
  await page.getByTestId("jwt-call-me").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("401");
  const lastTrace = page.getByTestId("jwt-last-call").locator("..").getByTestId("trace").last();
  await expect(lastTrace.getByTestId("check-not-before mark")).toHaveAttribute("data-status", "fail");
  await expectSolved(baseURL, username, PASSWORD, ["hybrid-not-before", "revoke-before-exp"]);
});

test("a lesson's own accounts count for the learner who ran it: the refresh lesson's theft is detected", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  allowHttpError(page, 401, "/api/replay");
  allowHttpError(page, 401, "/api/jwt/refresh");
  const username = await register(page, "runner");
  await openHydrated(page, "/lessons/refresh-tokens");
  await signInFromHeader(page, username, "session");
  await page.getByTestId("run-experiment").click();
  await expect(page.getByTestId("what-you-saw")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("experiment-error")).toHaveCount(0);
  await expectSolved(baseURL, username, PASSWORD, ["refresh-without-password", "reuse-detected"]);
  // The theft the lesson staged is also a try at keeping a stolen refresh token working: counted,
  // never solved.
  await openHydrated(page, "/progress");
  await expect(page.getByTestId("tries-stolen-refresh-survives")).toContainText("Tries the server saw: 1");
  await expect(page.getByTestId("challenge-stolen-refresh-survives")).toHaveAttribute("data-solved", "false");
});

test("fixation: with rotation off, a planted id is kept by the login and accepted afterwards", async ({ page, context, baseURL }) => {
  test.setTimeout(60_000);
  const username = await register(page, "fixation");
  await signInOnThePlayground(page, username);
  await switchDefence(page, "session_rotation", true);
  await expectUnsolved(baseURL, username, PASSWORD, ["fixation-planted"]);

  // The attacker's id, planted in the browser before the login (as a subdomain or a
  // cookie-injecting bug would): 22 base64url characters nobody issued.
  const planted = "PlantedByTheAttacker1A";
  await context.addCookies([
    { name: "__Host-authlab_session", value: planted, domain: "127.0.0.1", path: "/", secure: true, httpOnly: true, sameSite: "Lax" },
  ]);
  await page.getByTestId("mode-session").click();
  const session = page.getByTestId("session-login");
  await session.getByLabel("Username").fill(username);
  await session.getByLabel("Password").fill(PASSWORD);
  await session.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText(username);
  const kept = (await context.cookies()).find((c) => c.name === "__Host-authlab_session");
  expect(kept?.value).toBe(planted);
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("last-status")).toHaveText("200");
  await expect(page.getByTestId("check-cookie")).toHaveAttribute("data-status", "off");
  await expectSolved(baseURL, username, PASSWORD, ["fixation-planted"]);
});

test("the cheaper check is answered from the learner's own measurement", async ({ page, baseURL }) => {
  test.setTimeout(60_000);
  const username = await register(page, "measurer");
  let rows: { what: string; median_ns: number }[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname === "/api/lab/cost-benchmark") rows = (await response.json()).rows;
  });
  await openHydrated(page, "/lessons/what-auth-costs");
  await signInFromHeader(page, username, "session");
  await page.getByTestId("run-experiment").click();
  await expect(page.getByTestId("what-you-saw")).toBeVisible({ timeout: 30_000 });
  // The experiment signed the browser in as its own fresh account (which speaks for the learner
  // whose page made it), then gave the learner's own session back: no second sign-in.
  await expect(page.getByTestId("who-username")).toHaveText(username);
  await expect.poll(() => rows.length).toBeGreaterThan(0);
  const median = (prefix: string) => rows.find((r) => r.what.startsWith(prefix))!.median_ns;
  const cheaper = median("session lookup") <= median("signature check, EdDSA") ? "session" : "token";
  const other = cheaper === "session" ? "token" : "session";
  const id = "cheaper-check";
  await page.getByTestId(`answer-${id}`).fill(other);
  await page.getByTestId(`answer-submit-${id}`).click();
  await expect(page.getByTestId(`verdict-${id}`)).toContainText("not right");
  await page.getByTestId(`answer-${id}`).fill(cheaper);
  await page.getByTestId(`answer-submit-${id}`).click();
  await expect(page.getByTestId(`verdict-${id}`)).toContainText("right:");
  await expect(page.getByTestId(`challenge-${id}`)).toHaveAttribute("data-solved", "true");
  await expectSolved(baseURL, username, PASSWORD, [id]);
});
