// Every lesson page loads without a console error, runs its experiment against the server, and
// shows only what the server really answered: each step on the page must match a real response.
import { Page } from "@playwright/test";
import { test, expect, openHydrated, allowHttpError } from "./fixtures";
import { expectSolved } from "./progress";

type Step = { label: string; method: string; path: string; status: number; check: string };
type Seen = { method: string; path: string; status: number };

function watchApi(page: Page): Seen[] {
  const seen: Seen[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/.well-known/")) {
      seen.push({ method: response.request().method(), path: url.pathname, status: response.status() });
    }
  });
  return seen;
}

async function runLesson(page: Page, pathAndQuery: string): Promise<{ steps: Step[]; saw: string }> {
  const seen = watchApi(page);
  await openHydrated(page, pathAndQuery);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.getByTestId("run-experiment").click();
  await expect(page.getByTestId("what-you-saw")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("experiment-error")).toHaveCount(0);
  const steps = await page.getByTestId("step").evaluateAll((nodes) =>
    nodes.map((n) => ({
      label: n.querySelector("strong")?.textContent ?? "",
      method: n.getAttribute("data-method") ?? "",
      path: n.getAttribute("data-path") ?? "",
      status: Number(n.getAttribute("data-status")),
      check: n.getAttribute("data-check") ?? "",
    })),
  );
  expect(steps.length).toBeGreaterThan(0);
  // The page shows nothing the server did not say: every step is a response the browser received.
  for (const step of steps) {
    expect(seen, `step "${step.label}"`).toContainEqual({ method: step.method, path: step.path, status: step.status });
  }
  return { steps, saw: await page.getByTestId("what-you-saw").innerText() };
}

function step(steps: Step[], label: string): Step {
  const found = steps.find((s) => s.label === label);
  expect(found, `a step labelled "${label}"`).toBeTruthy();
  return found!;
}

test("the lesson list says, per claim, whether it is shown live and where; the footer agrees", async ({ page }) => {
  await openHydrated(page, "/lessons");
  await expect(page.getByTestId("lesson-list").getByRole("link")).toHaveCount(14);
  const rows = page.getByTestId("claims").locator("tbody tr");
  await expect(rows).toHaveCount(26);
  const statuses = await rows.evaluateAll((list) => list.map((r) => r.getAttribute("data-status")));
  const live = statuses.filter((s) => s === "live").length;
  const partly = statuses.filter((s) => s === "partly").length;
  // Every claim marked live or partly links the lesson that runs it; a coming one says so.
  for (let n = 1; n <= 26; n++) {
    const row = page.getByTestId(`claim-${n}`);
    const status = await row.getAttribute("data-status");
    if (status === "coming") await expect(row).toContainText("coming:");
    else await expect(row.locator('a[href^="/lessons/"]').first()).toBeVisible();
  }
  await expect(page.getByTestId("claim-7")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("claim-14")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("claim-6")).toHaveAttribute("data-status", "live");
  await expect(page.getByTestId("site-footer")).toContainText(`${live} of 26 claims are shown live`);
  // The transport axis is not shown live until its grid runs (issue 39).
  for (const n of [23, 24, 25, 26]) await expect(page.getByTestId(`claim-${n}`)).toHaveAttribute("data-status", "coming");
  await expect(page.getByTestId("site-footer")).toContainText(`${partly} in part`);
  await expect(page.getByTestId("site-footer")).not.toContainText("every claim");
});

test("where state lives: the token carries its record; revocation brings a lookup back", async ({ page }) => {
  const off = await runLesson(page, "/lessons/where-state-lives");
  expect(off.saw).toContain("touched no store");
  expect(step(off.steps, "who is logged in?").status).toBe(200);
  const on = await runLesson(page, "/lessons/where-state-lives?revocation=on");
  expect(on.saw).toContain("µs of database work");
  expect(step(on.steps, "call the API with the token").status).toBe(200);
});

test("logout and revocation: the old cookie fails at once, the old token only with revocation on", async ({ page }) => {
  allowHttpError(page, 401, "/api/replay");
  allowHttpError(page, 401, "/api/me");
  const off = await runLesson(page, "/lessons/logout-and-revocation");
  expect(step(off.steps, "replay the old cookie")).toMatchObject({ status: 401, check: "store lookup" });
  expect(step(off.steps, "replay the old token").status).toBe(200);
  const on = await runLesson(page, "/lessons/logout-and-revocation?revocation=on");
  expect(step(on.steps, "replay the old token")).toMatchObject({ status: 401, check: "denylist" });
});

test("refresh tokens: a reused refresh token revokes the whole family", async ({ page }) => {
  allowHttpError(page, 401, "/api/replay");
  allowHttpError(page, 401, "/api/jwt/refresh");
  const run = await runLesson(page, "/lessons/refresh-tokens");
  expect(step(run.steps, "the owner refreshes: the refresh token rotates").status).toBe(200);
  expect(step(run.steps, "the thief presents the old refresh token").status).toBe(401);
  expect(step(run.steps, "the owner refreshes again").status).toBe(401);
  expect(run.saw).toMatch(/reuse|reused|family/i);
});

test("CSRF and XSS: no token, no change; a stored token is stolen and replayed, a token in memory is not", async ({ page }) => {
  allowHttpError(page, 403, "/api/lab-settings");
  const stored = await runLesson(page, "/lessons/csrf-and-xss?store=localStorage");
  expect(step(stored.steps, "a change sent with the cookie but no CSRF token")).toMatchObject({ status: 403, check: "csrf token" });
  expect(step(stored.steps, "the same change with the page's CSRF token").status).toBe(200);
  expect(step(stored.steps, "the script replays the stolen token").status).toBe(200);
  expect(stored.saw).toContain('read document.cookie (""');
  expect(await page.evaluate(() => localStorage.getItem("authlab.lesson_token"))).toBeNull();
  const memory = await runLesson(page, "/lessons/csrf-and-xss?store=memory");
  expect(memory.steps.find((s) => s.label === "the script replays the stolen token")).toBeUndefined();
  expect(memory.saw).toContain("found a token in: nothing");
});

test("size on the wire: every number is computed from the requests actually sent", async ({ page }) => {
  // What the browser really sent to the measuring endpoint, and what the server said it received.
  const sent: { cookie: number; authorization: number }[] = [];
  const reported: { cookie_bytes: number; authorization_bytes: number; total_bytes: number }[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname !== "/api/lab/request-size") return;
    const headers = await response.request().allHeaders();
    const line = (name: string) => (headers[name] === undefined ? 0 : name.length + 2 + headers[name].length + 2);
    sent.push({ cookie: line("cookie"), authorization: line("authorization") });
    reported.push(await response.json());
  });
  const run = await runLesson(page, "/lessons/size-on-the-wire");
  expect(reported).toHaveLength(4);
  // The server's count of each header line is the line the browser sent.
  expect(reported[0].cookie_bytes).toBe(sent[0].cookie);
  for (let i = 1; i < 4; i++) expect(reported[i].authorization_bytes).toBe(sent[i].authorization);
  const cookie = reported[0].cookie_bytes;
  expect(run.saw).toContain(`the Cookie header line is ${cookie} bytes, of a ${reported[0].total_bytes}-byte request`);
  ["EdDSA", "ES256", "HS256"].forEach((alg, i) => {
    expect(step(run.steps, `bearer login, ${alg}`).status).toBe(200);
    const bearer = reported[i + 1];
    const ratio = (bearer.authorization_bytes / cookie).toFixed(1);
    expect(run.saw).toContain(
      `JWT signed with ${alg}: the Authorization header line is ${bearer.authorization_bytes} bytes, ${ratio}× the Cookie header line, of a ${bearer.total_bytes}-byte request.`,
    );
  });
});

test("reading and signing: decoded without a key, verified by kid, rotation keeps and retirement ends old tokens", async ({ page }) => {
  allowHttpError(page, 401, "/api/me");
  const verdicts: { verified: boolean; alg: string }[] = [];
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname === "/api/lab/jwks-verify") verdicts.push(await response.json());
  });
  const run = await runLesson(page, "/lessons/reading-and-signing");
  expect(run.saw).toContain('"sub":"lesson-');
  // A service holding only the JWKS: asymmetric tokens verify, the HS256 one cannot.
  expect(verdicts.map((v) => [v.alg, v.verified])).toEqual([["EdDSA", true], ["ES256", true], ["HS256", false]]);
  expect(run.saw).toContain("EdDSA: verified");
  expect(run.saw).toContain("ES256: verified");
  expect(run.saw).toContain("HS256: not verifiable");
  expect(run.saw).toContain("shared secret");
  expect(step(run.steps, "the old token, after rotation").status).toBe(200);
  expect(step(run.steps, "the old token, after retirement").status).toBe(401);
});

test("choosing a model: the hybrid revokes at once and its lookup cost is measured", async ({ page }) => {
  allowHttpError(page, 401, "/api/me");
  allowHttpError(page, 401, "/api/replay");
  const run = await runLesson(page, "/lessons/choosing-a-model");
  // The hybrid configuration really runs: short tokens, rotation, revocation.
  expect(step(run.steps, "switch on the hybrid: 60 s tokens and revocation").status).toBe(200);
  expect(run.saw).toContain("The hybrid's access token lives 60 s");
  expect(step(run.steps, "the thief presents the copied refresh token").status).toBe(401);
  expect(step(run.steps, "replay the old token")).toMatchObject({ status: 401, check: "denylist" });
  // The price, counted from the traces: one lookup per bearer request.
  expect(run.saw).toMatch(/each of the 5 bearer requests made 1 store lookup \(the revocation list\), median \d+ µs/);
});

test("SSR versus hydration: the server's HTML knows the cookie user, never the bearer user", async ({ page, context, baseURL }) => {
  // Cookie mode: sign in, then load the lesson page; the HTML itself names the user.
  await openHydrated(page, "/");
  await page.getByTestId("mode-session").click();
  const form = page.getByTestId("session-login");
  await form.getByLabel("Username").fill("alice");
  await form.getByLabel("Password").fill("alice-in-the-lab");
  await form.getByRole("button").click();
  await expect(page.getByTestId("signed-in")).toContainText("alice");
  const response = await page.goto("/lessons/ssr-and-hydration");
  const html = await response!.text();
  expect(html).toMatch(/data-testid="ssr-cookie-user"[^>]*>(<!--[^>]*-->)*alice/);
  await expectSolved(baseURL, "alice", "alice-in-the-lab", ["first-html-knows-you"]);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("ssr-rendered-by")).toHaveText("server");
  await expect(page.getByTestId("ssr-cookie-user")).toHaveText("alice");
  // The lesson's own challenge flips on the page (the live stream announced the solve, and the
  // page read its progress again): only then are the cookies cleared, or that read would be
  // refused under the page.
  await expect(page.getByTestId("challenge-first-html-knows-you")).toHaveAttribute("data-solved", "true");

  // Bearer mode: no cookie; the hydrated app holds a token, the server's HTML still knows nobody.
  await context.clearCookies();
  const anonymous = await page.goto("/lessons/ssr-and-hydration");
  expect(await anonymous!.text()).toMatch(/data-testid="ssr-cookie-user"[^>]*>(<!--[^>]*-->)*nobody/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const jwtForm = page.getByTestId("ssr-jwt-login");
  await jwtForm.getByLabel("Username").fill("bob");
  await jwtForm.getByLabel("Password").fill("bob-builds-it");
  await jwtForm.getByRole("button").click();
  await expect(page.getByTestId("hydrated-bearer-user")).toHaveText("bob");
  await page.getByTestId("fetch-html").click();
  await expect(page.getByTestId("fetched-witness")).toContainText("nobody");
  await expect(page.getByTestId("fetched-witness")).not.toContainText("bob");
  await expect(page.getByTestId("ssr-authorization")).toHaveText("no");
});

test("cross-site forgery: a link and a form from another site; Lax, Strict and None each as the browser really sent them", async ({ page }) => {
  test.setTimeout(90_000);
  allowHttpError(page, 403, "/api/session/logout");
  const expected: Record<string, { link: boolean; form: string }> = {
    Lax: { link: true, form: "the request carried no session cookie" },
    Strict: { link: false, form: "the request carried no session cookie" },
    None: { link: true, form: "the browser attached the session cookie anyway" },
  };
  for (const [sameSite, want] of Object.entries(expected)) {
    const forged: number[] = [];
    const probes: { cookie_sent: boolean; sec_fetch_site: string | null }[] = [];
    const watch = async (response: import("@playwright/test").Response) => {
      const url = new URL(response.url());
      if (url.pathname === "/api/session/logout" && response.request().method() === "POST") forged.push(response.status());
      if (url.pathname === "/api/lab/cross-site-probe/result") {
        const body = await response.json();
        if (body.arrived) probes.push(body);
      }
    };
    page.on("response", watch);
    await openHydrated(page, `/lessons/cross-site-forgery?same_site=${sameSite}`);
    await page.getByTestId("run-experiment").click();
    // 1. The link on the other site, followed by the learner: a new tab, a top-level navigation.
    await expect(page.getByTestId("attacker-link-frame")).toHaveAttribute("src", /^http:\/\/localhost:\d+\/attacker\/link/);
    const opened = page.waitForEvent("popup");
    await page.frameLocator('[data-testid="attacker-link-frame"]').getByRole("link", { name: "Claim your prize" }).click();
    const tab = await opened;
    await tab.waitForLoadState();
    // What the browser sent on that navigation, as the lab's tab itself says.
    await expect(tab.locator("body")).toContainText(want.link ? "did attach your session cookie" : "did not attach");
    await tab.close();
    await expect(page.getByTestId("link-result")).toHaveText("The link was followed.", { timeout: 10_000 });
    // 2. The self-submitting form.
    await expect(page.getByTestId("attacker-frame")).toHaveAttribute("src", /^http:\/\/localhost:\d+\/attacker\/csrf/);
    await expect(page.getByTestId("attack-result")).toHaveText(/answered/, { timeout: 15_000 });
    const stillSignedIn = page.getByTestId("step").filter({ hasText: "are you still signed in?" });
    await expect(stillSignedIn).toHaveAttribute("data-status", "200");
    const saw = page.getByTestId("what-you-saw");
    await expect(saw).toContainText(`SameSite=${sameSite} cookie`);
    await expect(saw).toContainText(want.link ? "carried your session cookie" : "carried no session cookie");
    await expect(saw).toContainText("Sec-Fetch-Site: cross-site");
    await expect(saw).toContainText('refused at "same origin"');
    await expect(saw).toContainText(want.form);
    await expect(saw).toContainText("still signed in");
    // What the page reports is what the server recorded and the browser received.
    expect(probes.map((p) => [p.cookie_sent, p.sec_fetch_site])).toEqual([[want.link, "cross-site"]]);
    expect(forged).toEqual([403]);
    page.off("response", watch);
  }
});

test("lesson accounts get an independent random password, never one derived from their name", async ({ page }) => {
  const registered: { username: string; password: string }[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname === "/api/register") {
      registered.push(JSON.parse(request.postData() ?? "{}"));
    }
  });
  await runLesson(page, "/lessons/where-state-lives");
  await runLesson(page, "/lessons/where-state-lives");
  expect(registered).toHaveLength(2);
  for (const { username, password } of registered) {
    expect(username).toMatch(/^lesson-[a-z0-9]{8}$/);
    // 16 bytes from crypto.getRandomValues, as hex: 128 bits nobody can work out from the name.
    expect(password).toMatch(/^[0-9a-f]{32}$/);
    expect(password).not.toContain(username.slice("lesson-".length));
  }
  expect(registered[0].password).not.toBe(registered[1].password);
  expect(registered[0].username).not.toBe(registered[1].username);
});

test("scaling out, the store outage and the quiet failure run on the scale lab's real nodes", async ({ page }) => {
  test.setTimeout(180_000);
  const scaling = await runLesson(page, "/lessons/scaling-out");
  expect(step(scaling.steps, "scale lab: sessions, per-node stores").status).toBe(200);
  expect(scaling.saw).toMatch(/got 401 at "store lookup"/);
  expect(scaling.saw).toMatch(/JWTs on the same kind of cluster: 9 of 9 requests got 200/);
  const outage = await runLesson(page, "/lessons/store-outage");
  expect(outage.saw).toMatch(/With the store frozen, 3 of 3 got 503/);
  expect(outage.saw).toMatch(/Once the store answered again, 9 of 9 got 200/);
  const quiet = await runLesson(page, "/lessons/quiet-failure");
  expect(quiet.saw).toMatch(/3 of 3 requests with it got 200: the account fails open/);
  const closed = await runLesson(page, "/lessons/quiet-failure?fail=closed");
  expect(closed.saw).toMatch(/Failing closed: while the denylist could not be asked, 3 of 3 requests got 503/);
});

test("what authentication costs: the server times each check, and every figure on the page is its answer", async ({ page }) => {
  let answer: { iterations: number; rows: { what: string; kind: string; median_ns: number }[] } | undefined;
  page.on("response", async (response) => {
    if (new URL(response.url()).pathname === "/api/lab/cost-benchmark") answer = await response.json();
  });
  const run = await runLesson(page, "/lessons/what-auth-costs");
  expect(step(run.steps, "the server times each kind of check").status).toBe(200);
  expect(answer).toBeDefined();
  const rows = answer!.rows;
  expect(rows.filter((r) => r.kind === "signature").map((r) => r.what)).toEqual([
    "signature check, EdDSA",
    "signature check, ES256",
    "signature check, HS256",
  ]);
  // The store this server really uses (the suite's server: SQLite).
  expect(rows.filter((r) => r.kind === "lookup").map((r) => r.what)).toEqual([
    "session lookup (SQLite)",
    "denylist lookup (SQLite)",
  ]);
  for (const row of rows) expect(row.median_ns).toBeGreaterThan(0);
  // The table shows each row the server sent, and "what you just saw" is computed from them.
  await expect(page.getByTestId("cost-table").locator("tbody tr")).toHaveCount(rows.length);
  const lookup = rows.find((r) => r.what.startsWith("session lookup"))!;
  const hs = rows.find((r) => r.what === "signature check, HS256")!;
  expect(run.saw).toContain(`the lookup cost ${(lookup.median_ns / hs.median_ns).toFixed(0)}× as much`);
  // The lesson list now shows claim 6 live, linked to this lesson.
  await openHydrated(page, "/lessons");
  await expect(page.getByTestId("claim-6").locator('a[href="/lessons/what-auth-costs"]')).toBeVisible();
});
