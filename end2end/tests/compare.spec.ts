// The compare page as a learner drives it, checked against what the server really answered.
import { Page } from "@playwright/test";
import { test, expect, openHydrated, allowHttpError, registerFresh } from "./fixtures";

type Mark = { lane: string; status: number; atMs: number; check: string };

/** A fresh account, so switches flipped here touch nobody else's tests. */
async function freshAccount(page: Page, prefix: string) {
  const password = "compare-page-secret";
  return { username: await registerFresh(page, prefix, password), password };
}

async function loginBoth(page: Page, username: string, password: string) {
  await openHydrated(page, "/compare");
  const form = page.getByTestId("compare-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button").click();
  await expect(page.getByTestId("session-user")).toHaveText(username);
  await expect(page.getByTestId("jwt-user")).toHaveText(username);
  await expect(page.getByTestId("session-copy")).toContainText("server-side copy");
  await expect(page.getByTestId("compare-denylist-state")).toContainText("off");
}

async function marks(page: Page): Promise<Mark[]> {
  return page.getByTestId("replay-mark").evaluateAll((nodes) =>
    nodes.map((n) => ({
      lane: n.getAttribute("data-lane") ?? "",
      status: Number(n.getAttribute("data-status")),
      atMs: Number(n.getAttribute("data-at-ms")),
      check: n.getAttribute("data-check") ?? "",
    })),
  );
}

function allowReplayRefusals(page: Page) {
  allowHttpError(page, 401, "/api/me");
  allowHttpError(page, 401, "/api/replay");
}

test("after logout the old cookie is refused from the first replay; the old JWT works until exp + leeway, then not", async ({ page }) => {
  test.setTimeout(60_000);
  const { username, password } = await freshAccount(page, "cmp");
  await loginBoth(page, username, password);
  // The short-lived token for the demo (this account's switch, on by default): 15 s, not 6.
  await expect(page.getByTestId("compare-short-token")).toBeChecked();
  await page.getByTestId("call-both").click();
  await expect(page.getByTestId("jwt-last-status")).toHaveText("200");
  await expect(page.getByTestId("session-last-status")).toHaveText("200");
  // Each column's compact inspector holds the full decision trace of its last request.
  const sessionColumn = page.getByTestId("column-session");
  await sessionColumn.getByText("decision trace of the last request").click();
  await expect(sessionColumn.getByTestId("check-store lookup")).toHaveAttribute("data-status", "pass");
  const jwtColumn = page.getByTestId("column-jwt");
  await jwtColumn.getByText("decision trace of the last request").click();
  await expect(jwtColumn.getByTestId("check-signature")).toHaveAttribute("data-status", "pass");
  // Both requests were timed by the server: the measured cost of each model's check, side by side.
  for (const mode of ["session", "jwt"]) {
    await expect(page.getByTestId(`auth-cost-${mode}`).getByTestId("auth-cost-check")).toHaveText(/^\d+(\.\d+)? (µs|ms)$/);
  }

  allowReplayRefusals(page);
  // Every replay answer the browser receives, in order, to check each mark against.
  const received: { lane: string; status: number }[] = [];
  page.on("response", (response) => {
    const path = new URL(response.url()).pathname;
    if (path === "/api/replay") received.push({ lane: "session", status: response.status() });
    if (path === "/api/me" && response.request().headers()["authorization"]) {
      received.push({ lane: "jwt", status: response.status() });
    }
  });
  await page.getByTestId("logout-both").click();
  await expect(page.getByTestId("session-user")).toContainText("logged out");
  // The run lasts until the old JWT is refused (after exp + leeway), a few seconds more, and
  // then stops by itself.
  await expect(page.getByTestId("replay-state")).toContainText("Replaying");
  await expect(page.getByTestId("replay-state")).toContainText("Replays stopped", { timeout: 45_000 });
  await expect(page.getByTestId("stop-replaying")).toBeDisabled();

  const all = await marks(page);
  const timeline = page.getByTestId("timeline");
  const expMs = Number(await timeline.getAttribute("data-exp-ms"));
  const acceptedUntilMs = Number(await timeline.getAttribute("data-accepted-until-ms"));
  // 15 s, the short-lived token (this suite's default lifetime is 6 s).
  expect(expMs).toBeGreaterThan(10_000);
  expect(expMs).toBeLessThan(16_500);
  expect(acceptedUntilMs - expMs, "the server's real leeway, 3 s in this suite").toBe(3_000);
  const session = all.filter((m) => m.lane === "session");
  const jwt = all.filter((m) => m.lane === "jwt");
  // Each mark is an answer the browser received, in the same order.
  for (const lane of ["session", "jwt"]) {
    expect(all.filter((m) => m.lane === lane).map((m) => m.status)).toEqual(
      received.filter((r) => r.lane === lane).map((r) => r.status),
    );
  }
  expect(session.length).toBeGreaterThanOrEqual(3);
  for (const mark of session) {
    expect(mark, "every replay of the old cookie is refused at the store").toMatchObject({ status: 401, check: "store lookup" });
  }
  // Margins of 1.5 s: the server's clock counts whole seconds.
  const early = jwt.filter((m) => m.atMs < expMs - 1500);
  const late = jwt.filter((m) => m.atMs > acceptedUntilMs + 1500);
  expect(early.length, "replays well before exp").toBeGreaterThanOrEqual(1);
  expect(late.length, "replays well after exp + leeway").toBeGreaterThanOrEqual(1);
  for (const mark of early) expect(mark.status, `JWT replay at ${mark.atMs} ms, exp at ${expMs} ms`).toBe(200);
  for (const mark of late) expect(mark, `JWT replay at ${mark.atMs} ms, exp at ${expMs} ms`).toMatchObject({ status: 401, check: "exp" });
  // Not refused at exp itself: only once the leeway has run out.
  const firstRefusal = jwt.find((m) => m.status !== 200)!;
  expect(firstRefusal.atMs, "the JWT is accepted through the leeway band").toBeGreaterThan(acceptedUntilMs - 1500);
  // And the run stopped a few seconds after the lane turned red, by itself.
  expect(jwt[jwt.length - 1].atMs - firstRefusal.atMs).toBeLessThanOrEqual(4_500);
});

test("a click while the login is still finishing is not dropped: the buttons wait, and say why", async ({ page }) => {
  const { username, password } = await freshAccount(page, "cmpbusy");
  await openHydrated(page, "/compare");
  const form = page.getByTestId("compare-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  // Both logins are held until the waiting state has been read: a fast server would otherwise
  // finish them before the assertion looks, and the state it asserts would already be gone.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const logins = /\/api\/(session|jwt)\/login$/;
  await page.route(logins, async (route) => {
    await held;
    await route.continue();
  });
  await form.getByRole("button").click();
  await expect(page.getByTestId("logout-both")).toBeDisabled();
  await expect(page.getByTestId("busy-state")).toContainText("Waiting for the server (signing in twice)");
  // The route stays: once released, it lets every login through at once.
  release();
  // Playwright's click waits until the button is enabled again, as a learner's second try would.
  allowReplayRefusals(page);
  await page.getByTestId("logout-both").click();
  await expect(page.getByTestId("session-user")).toContainText("logged out");
  await expect(page.getByTestId("jwt-user")).toContainText("logged out");
  await page.getByTestId("stop-replaying").click();
});

test("with server-side revocation on, both old credentials are refused from the first replay", async ({ page }) => {
  const { username, password } = await freshAccount(page, "cmprev");
  await loginBoth(page, username, password);
  await page.getByTestId("compare-denylist").check();
  await expect(page.getByTestId("compare-denylist-state")).toContainText("on");

  allowReplayRefusals(page);
  await page.getByTestId("logout-both").click();
  await expect
    .poll(async () => (await marks(page)).filter((m) => m.lane === "jwt").length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(3);
  const all = await marks(page);
  for (const mark of all.filter((m) => m.lane === "session")) {
    expect(mark).toMatchObject({ status: 401, check: "store lookup" });
  }
  const jwt = all.filter((m) => m.lane === "jwt");
  for (const mark of jwt) expect(mark).toMatchObject({ status: 401, check: "denylist" });
  await page.getByTestId("stop-replaying").click();
});

// ---- The logout matrix, checked against the same experiment run independently over HTTP ----

type Held = { cookie?: string; csrf?: string; access?: string; refresh?: string };

function cookieFrom(setCookie: string | undefined, name: string): string | undefined {
  return setCookie
    ?.split("\n")
    .map((line) => line.split(";")[0])
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

test("the logout matrix: every cell matches what the server does to the same experiment run from outside", async ({ page, baseURL }) => {
  // Node's fetch keeps no cookie jar: each credential goes exactly where this test puts it.
  const call = async (method: string, path: string, held: Held = {}, body?: unknown) => {
    const headers: Record<string, string> = {};
    const cookies = [];
    if (held.cookie) cookies.push(`__Host-authlab_session=${held.cookie}`);
    if (held.refresh) cookies.push(`__Secure-authlab_refresh=${held.refresh}`);
    if (cookies.length) headers.cookie = cookies.join("; ");
    if (held.csrf) headers["x-csrf-token"] = held.csrf;
    if (held.access) headers.authorization = `Bearer ${held.access}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${baseURL}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, setCookie: response.headers.getSetCookie().join("\n"), json: await response.json().catch(() => null) };
  };
  const register = async (prefix: string) => {
    const username = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
    const password = "outside-secret-1";
    expect((await call("POST", "/api/register", {}, { username, password })).status).toBe(201);
    return { username, password };
  };
  const jwtLogin = async (who: { username: string; password: string }): Promise<Held> => {
    const answer = await call("POST", "/api/jwt/login", {}, who);
    expect(answer.status).toBe(200);
    return { access: answer.json.access_token, refresh: cookieFrom(answer.setCookie, "__Secure-authlab_refresh") };
  };
  const sessionLogin = async (who: { username: string; password: string }): Promise<Held> => {
    const answer = await call("POST", "/api/session/login", {}, who);
    expect(answer.status).toBe(200);
    return { cookie: cookieFrom(answer.setCookie, "__Host-authlab_session"), csrf: answer.json.csrf_token };
  };
  const alice = await jwtLogin({ username: "alice", password: "alice-in-the-lab" });

  // What the server does, observed from outside: status of the probe after each event.
  const observed: Record<string, Record<string, number>> = {};
  for (const event of ["logout_this_device", "logout_everywhere", "password_change", "role_change", "account_disabled"]) {
    const plain = await register("out");
    const revocable = await register("outrev");
    if (event === "role_change") {
      for (const who of [plain, revocable]) {
        expect((await call("PUT", `/api/admin/accounts/${who.username}`, alice, { role: "admin" })).status).toBe(200);
      }
    }
    const session = await sessionLogin(plain);
    const jwt = await jwtLogin(plain);
    const jwtRev = await jwtLogin(revocable);
    expect((await call("PUT", "/api/lab-settings", { access: jwtRev.access }, { denylist: true })).status).toBe(200);
    // The role cell asks what the credential's own role claim allows; real administration always
    // reads the accounts table, so only the claim can go stale.
    const probe = event === "role_change" ? "/api/lab/role-claim" : "/api/me";
    for (const held of [session, jwt, jwtRev]) expect((await call("GET", probe, held)).status).toBe(200);

    const change = (who: string, patch: unknown) => call("PUT", `/api/admin/accounts/${who}`, alice, patch);
    if (event === "logout_this_device") {
      await call("POST", "/api/session/logout", session);
      await call("POST", "/api/jwt/logout", jwt);
      await call("POST", "/api/jwt/logout", jwtRev);
    } else if (event === "logout_everywhere") {
      await call("POST", "/api/account/logout-everywhere", session);
      await call("POST", "/api/account/logout-everywhere", jwtRev);
    } else if (event === "password_change") {
      const change = { current_password: "outside-secret-1", new_password: "outside-secret-2" };
      expect((await call("POST", "/api/account/password", session, change)).status).toBe(200);
      expect((await call("POST", "/api/account/password", { access: jwtRev.access }, change)).status).toBe(200);
    } else if (event === "role_change") {
      await change(plain.username, { role: "user" });
      await change(revocable.username, { role: "user" });
    } else {
      await change(plain.username, { disabled: true });
      await change(revocable.username, { disabled: true });
    }
    observed[event] = {
      session: (await call("GET", probe, { cookie: session.cookie })).status,
      jwt: (await call("GET", probe, { access: jwt.access })).status,
      jwt_revocable: (await call("GET", probe, { access: jwtRev.access })).status,
    };
  }

  // The page's matrix, run by the server on its own scratch accounts, for a signed-in learner.
  const learner = await freshAccount(page, "mx");
  await loginBoth(page, learner.username, learner.password);
  await page.getByTestId("run-matrix").click();
  await expect(page.getByTestId("matrix-table")).toBeVisible({ timeout: 30_000 });
  for (const [event, byModel] of Object.entries(observed)) {
    for (const [model, status] of Object.entries(byModel)) {
      const cell = page.getByTestId(`cell-${event}-${model}`);
      await expect(cell, `${event} / ${model}`).toHaveAttribute("data-before", "200");
      await expect(cell, `${event} / ${model}`).toHaveAttribute("data-after", String(status));
    }
  }
  // And the lesson the matrix exists for, stated as the server showed it.
  expect(observed.role_change).toEqual({ session: 403, jwt: 200, jwt_revocable: 401 });
  expect(observed.logout_this_device).toEqual({ session: 401, jwt: 200, jwt_revocable: 401 });
});
