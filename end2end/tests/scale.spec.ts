// The scale lab page drives three real authlab node processes behind a real balancer (and, for
// the shared-Redis runs, a real redis-server). Runs are queued: the page starts one
// (POST /api/lab/scale, 202 and a ticket) and follows its ticket (GET /api/lab/scale/{ticket})
// until it is done. Every cell the page shows must be a request the nodes answered: each is
// checked against the finished ticket's JSON the browser received.
import { Page } from "@playwright/test";
import { test, expect, openHydrated } from "./fixtures";
import { expectSolved } from "./progress";

type Hit = { via: string; node: string | null; status: number; refused_by: string | null };
type Run = { steps: { label: string; hits: Hit[] }[]; saw: string[] };

async function signIn(page: Page) {
  await openHydrated(page, "/scale");
  const form = page.getByTestId("scale-login");
  await form.getByLabel("Username").fill("bob");
  await form.getByLabel("Password").fill("bob-builds-it");
  await form.getByRole("button").click();
  await expect(page.getByTestId("scale-signed-in")).toContainText("bob");
}

/** Run with the choices set by `choose`, and check every shown cell against the response. */
async function run(page: Page, choose: () => Promise<void>): Promise<Run> {
  await choose();
  const queued = page.waitForResponse((r) => r.url().endsWith("/api/lab/scale"), { timeout: 30_000 });
  const finished = page.waitForResponse(
    async (r) => {
      if (!new URL(r.url()).pathname.startsWith("/api/lab/scale/")) return false;
      const ticket = await r.json().catch(() => null);
      return ticket !== null && (ticket.state === "done" || ticket.state === "failed");
    },
    { timeout: 150_000 },
  );
  await page.getByTestId("scale-run").click();
  expect((await queued).status()).toBe(202);
  const ticket = await (await finished).json();
  expect(ticket.state, JSON.stringify(ticket.error)).toBe("done");
  const body: Run = ticket.run;
  await expect(page.getByTestId("scale-result")).toBeVisible({ timeout: 30_000 });
  const labels = await page.getByTestId("scale-step-label").allInnerTexts();
  expect(labels).toEqual(body.steps.map((s) => s.label));
  const shown = await page.getByTestId("scale-hit").evaluateAll((cells) =>
    cells.map((c) => ({
      via: c.getAttribute("data-via"),
      node: c.getAttribute("data-node"),
      status: Number(c.getAttribute("data-status")),
      refused: c.getAttribute("data-refused"),
    })),
  );
  const sent = body.steps.flatMap((s) => s.hits);
  expect(shown).toEqual(
    sent.map((h) => ({ via: h.via, node: h.node ?? "none", status: h.status, refused: h.refused_by ?? "" })),
  );
  for (const sentence of body.saw) await expect(page.getByTestId("scale-saw")).toContainText(sentence);
  return body;
}

function hits(body: Run, label: string): Hit[] {
  const step = body.steps.find((s) => s.label.includes(label));
  expect(step, `a step "${label}"`).toBeTruthy();
  return step!.hits;
}

test("per-node stores, sticky sessions, a killed node, a shared store, and an outage, as the nodes answered", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  await signIn(page);

  // Per-node memory, round robin: only the node that made the session knows it.
  const perNode = await run(page, async () => {
    await page.getByTestId("scale-store").selectOption("per_node");
    await page.getByTestId("scale-mode").selectOption("session");
  });
  const holder = hits(perNode, "log in")[0].node;
  const burst = hits(perNode, "requests through the balancer");
  expect(new Set(burst.map((h) => h.node)).size).toBe(3);
  for (const hit of burst) expect(hit.status).toBe(hit.node === holder ? 200 : 401);

  // Sticky: all on the holder, until it is stopped; then the session is gone with it.
  const sticky = await run(page, async () => {
    await page.getByTestId("scale-sticky").check();
    await page.getByTestId("scale-kill").check();
  });
  const stickyHolder = hits(sticky, "log in")[0].node;
  expect(hits(sticky, "requests through the balancer").every((h) => h.status === 200 && h.node === stickyHolder)).toBe(true);
  expect(hits(sticky, "stopped").every((h) => h.status === 401 && h.node !== stickyHolder)).toBe(true);

  // One shared Redis: every node knows the session; frozen, all 503; back, all 200.
  const shared = await run(page, async () => {
    await page.getByTestId("scale-sticky").uncheck();
    await page.getByTestId("scale-kill").uncheck();
    await page.getByTestId("scale-store").selectOption("shared_redis");
    await page.getByTestId("scale-outage").check();
  });
  expect(hits(shared, "requests through the balancer").every((h) => h.status === 200)).toBe(true);
  expect(hits(shared, "frozen").every((h) => h.status === 503 && h.refused_by === "store lookup")).toBe(true);
  expect(hits(shared, "back").every((h) => h.status === 200)).toBe(true);
  // The runs the server itself recorded count for the learner who queued them.
  await expectSolved(baseURL, "bob", "bob-builds-it", ["session-on-unseen-node", "outage-answers-503"]);
});

test("JWTs verify on every node; with a failing-open denylist a revoked token works during an outage", async ({ page, baseURL }) => {
  test.setTimeout(180_000);
  await signIn(page);
  const body = await run(page, async () => {
    await page.getByTestId("scale-store").selectOption("shared_redis");
    await page.getByTestId("scale-mode").selectOption("jwt");
    await page.getByTestId("scale-denylist").check();
    await page.getByTestId("scale-outage").check();
    await page.getByTestId("scale-fail-open").check();
  });
  const burst = hits(body, "requests through the balancer");
  expect(new Set(burst.map((h) => h.node)).size).toBe(3);
  expect(burst.every((h) => h.status === 200)).toBe(true);
  expect(hits(body, "frozen").every((h) => h.status === 200)).toBe(true);
  expect(hits(body, "back").every((h) => h.refused_by === "denylist")).toBe(true);
  await expectSolved(baseURL, "bob", "bob-builds-it", ["quiet-revoked-works"]);
});
