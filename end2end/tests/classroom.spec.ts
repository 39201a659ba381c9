// Classroom mode end to end, in four browser contexts (the administrator, the teacher, two
// learners): the administrator makes an account a teacher on /admin; the teacher opens a class on
// /teach; both learners join with its link and code on /account; one solves a challenge and the
// teacher's grid shows it without a reload; the teacher resets that learner and both pages show
// it; the CSV the server exports holds exactly the grid the page shows.
import { Browser, BrowserContext, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, openHydrated } from "./fixtures";

const PASSWORD = "classroom-e2e-secret";

/** A page of its own context (cookies of its own), failing on console errors like the fixture's.
 * `allowed`: console errors this person's page is expected to log (a refused request's). */
async function person(
  browser: Browser,
  baseURL: string,
  allowed: RegExp[] = [],
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = `${m.text()} (${m.location().url})`;
    if (!allowed.some((a) => a.test(text))) problems.push(`console error: ${text}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

async function registerAs(page: Page, prefix: string): Promise<string> {
  const username = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 32);
  const made = await page.request.post("/api/register", { data: { username, password: PASSWORD } });
  expect(made.status(), await made.text()).toBe(201);
  return username;
}

/** Sign in from the header with a cookie session, as a learner does. */
async function signIn(page: Page, username: string, password = PASSWORD) {
  await page.getByTestId("who-am-i").getByText("Sign in", { exact: true }).first().click();
  await page.getByTestId("who-username-input").fill(username);
  await page.getByTestId("who-password-input").fill(password);
  await page.getByTestId("who-mode-session").check();
  const loaded = page.waitForEvent("load");
  await page.getByTestId("who-submit").click();
  await loaded;
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("who-username")).toHaveText(username);
}

/** Parse RFC 4180 CSV (quoted cells, doubled quotes), undoing the formula escape. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r") continue;
    else if (c === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += c;
  }
  const unescape = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);
  return rows.map((r) => r.map(unescape));
}

test("a teacher opens a class, two learners join, a solve shows live, a reset shows on both pages, the CSV is the grid", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const admin = await person(browser, baseURL!);
  const teacher = await person(browser, baseURL!);
  // Ann's sign-in ends with the teacher's reset: her page's live stream is then refused.
  const ann = await person(browser, baseURL!, [/status of 401.*\/api\/(audit\/stream|progress)/]);
  const bob = await person(browser, baseURL!);
  try {
    const teacherName = await registerAs(teacher.page, "teach");
    // A learner whose name a spreadsheet would run as a formula: the CSV must escape it.
    const annName = await registerAs(ann.page, "-ann");
    const bobName = await registerAs(bob.page, "bob");

    // The administrator makes the account a teacher on /admin.
    await openHydrated(admin.page, "/admin");
    await signIn(admin.page, "alice", "alice-in-the-lab");
    await admin.page.getByTestId(`admin-make-${teacherName}`).click();
    await expect(admin.page.getByTestId(`admin-role-${teacherName}`)).toHaveText("teacher");

    // The teacher opens a class.
    await openHydrated(teacher.page, "/teach");
    await signIn(teacher.page, teacherName);
    await teacher.page.getByTestId("teach-open-name").fill("Thursday lab");
    await teacher.page.getByTestId("teach-open").getByRole("button", { name: "Open the class" }).click();
    await expect(teacher.page.getByTestId("class-name")).toHaveText("Thursday lab");
    const code = (await teacher.page.getByTestId("class-code").textContent())!.trim();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    const link = (await teacher.page.getByTestId("class-link").textContent())!.trim();
    expect(link).toContain(`/account?join=${code}`);

    // Both learners join: Ann with the link (the page asks first), Bob by typing the code.
    for (const [learner, name, via] of [
      [ann, annName, `/account?join=${code}`],
      [bob, bobName, "/account"],
    ] as const) {
      await openHydrated(learner.page, via);
      await signIn(learner.page, name);
      await expect(learner.page.getByTestId("account-shares")).toContainText("from now on");
      const box = learner.page.getByTestId("account-join-code");
      if (via === "/account") await box.fill(code.toLowerCase());
      else await expect(box).toHaveValue(code);
      await learner.page.getByRole("button", { name: "Join the class" }).click();
      await expect(learner.page.getByTestId("account-class-name")).toContainText("Thursday lab");
    }

    // The grid shows both, without a reload.
    const grid = teacher.page.getByTestId("class-grid");
    await expect(teacher.page.getByTestId(`grid-row-${annName}`)).toBeVisible();
    await expect(teacher.page.getByTestId(`grid-row-${bobName}`)).toBeVisible();

    // Ann opens her progress, then solves the replay challenge: her old token used after logout.
    await openHydrated(ann.page, "/progress");
    await expect(ann.page.getByTestId("progress-solved")).toContainText("0 of");
    const login = await ann.page.request.post("/api/jwt/login", { data: { username: annName, password: PASSWORD } });
    const token = (await login.json()).access_token as string;
    expect((await ann.page.request.post("/api/jwt/logout", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(204);
    expect((await ann.page.request.get("/api/me", { headers: { Authorization: `Bearer ${token}` } })).status()).toBe(200);
    const cell = teacher.page.getByTestId(`grid-cell-${annName}-replay-after-logout`);
    await expect(cell).toContainText("solved in", { timeout: 10_000 });
    await expect(teacher.page.getByTestId(`grid-cell-${bobName}-replay-after-logout`)).toHaveText("");

    // The teacher's page with its grid, trail and stuck list meets WCAG A/AA like every page.
    await teacher.page.getByTestId("grid-challenge-replay-after-logout").click();
    await expect(teacher.page.getByTestId(`stuck-${bobName}`)).toContainText("not yet");
    const axe = await new AxeBuilder({ page: teacher.page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(" | ")}`)).toEqual([]);

    // The CSV the server exports holds exactly the grid on the page.
    await teacher.page.getByTestId("class-export").click();
    const csvText = (await teacher.page.getByTestId("class-csv").textContent())!;
    const csv = parseCsv(csvText);
    expect(csvText).toContain(`'${annName}`);
    const shown = await grid.locator("tr").evaluateAll((rows) =>
      rows.map((r) => Array.from(r.querySelectorAll("th, td")).map((c) => (c.textContent ?? "").trim())),
    );
    expect(csv).toEqual(shown);

    // The teacher resets Ann: the grid clears her cell, and her own page says so.
    await teacher.page.getByTestId(`grid-learner-${annName}`).click();
    await expect(teacher.page.getByTestId("class-trail")).toContainText("class joined");
    await teacher.page.getByTestId("class-reset-learner").click();
    await expect(cell).toHaveText("", { timeout: 10_000 });
    await expect(ann.page.getByTestId("board-message")).toContainText("teacher reset", { timeout: 10_000 });

    for (const p of [admin, teacher, ann, bob]) expect(p.problems, "browser console errors").toEqual([]);
  } finally {
    for (const p of [admin, teacher, ann, bob]) await p.context.close();
  }
});
