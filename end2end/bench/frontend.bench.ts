// What each page costs a visitor's browser: the bytes that crossed the wire (and what they were
// before compression), and the time from navigation to a hydrated, interactive page, on a cold
// cache and again on a warm one. Measured, never asserted: the figures go to BENCH_OUT (JSON) and
// scripts/bench.sh puts them in bench/REPORT.md.
import { test, Page, Response } from "@playwright/test";
import * as fs from "node:fs";

const pages = ["/", "/compare", "/lessons", "/lessons/where-state-lives", "/attacks", "/scale", "/audit", "/register", "/about"];
const runs = Number(process.env.BENCH_TTI_RUNS ?? 7);

type Transfer = { url: string; wire: number; body: number; encoding: string; cacheControl: string };
type Load = { interactiveMs: number; transfers: Transfer[] };

// The moment the page marks <body data-hydrated> (the first effect of App, or on `/` of the
// playground island: hydration is done and event handlers are attached), in the page's own clock,
// whose zero is the navigation's start.
async function watchHydration(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __hydratedAt?: number };
    new MutationObserver((_, observer) => {
      if (document.body?.getAttribute("data-hydrated") === "true") {
        w.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
  });
}

async function load(page: Page, path: string): Promise<Load> {
  const responses: Response[] = [];
  const listener = (response: Response) => responses.push(response);
  page.on("response", listener);
  await page.goto(path, { waitUntil: "load" });
  await page.waitForFunction(() => (window as unknown as { __hydratedAt?: number }).__hydratedAt !== undefined);
  const interactiveMs = await page.evaluate(() => (window as unknown as { __hydratedAt: number }).__hydratedAt);
  await page.waitForLoadState("networkidle");
  page.off("response", listener);
  const transfers: Transfer[] = [];
  for (const response of responses) {
    const url = new URL(response.url());
    if (url.origin !== new URL(page.url()).origin) continue;
    // Only what a page load fetches for itself, not the data its components ask the API for.
    if (url.pathname.startsWith("/api/")) continue;
    const sizes = await response.request().sizes().catch(() => null);
    if (!sizes) continue;
    const headers = await response.allHeaders();
    const body = (await response.body().catch(() => Buffer.alloc(0))).length;
    transfers.push({
      url: url.pathname,
      wire: sizes.responseBodySize + sizes.responseHeadersSize,
      body,
      encoding: headers["content-encoding"] ?? "",
      cacheControl: headers["cache-control"] ?? "",
    });
  }
  return { interactiveMs, transfers };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

test("front end: bytes per page and time to interactive", async ({ browser }) => {
  const results: Record<string, unknown>[] = [];
  for (const path of pages) {
    const cold: Load[] = [];
    const warm: Load[] = [];
    for (let i = 0; i < runs; i++) {
      // A new context has an empty cache: a first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      await watchHydration(page);
      cold.push(await load(page, path));
      // The same page again in that context: what the browser kept is not fetched again.
      warm.push(await load(page, path));
      await context.close();
    }
    const first = cold[0];
    results.push({
      path,
      coldInteractiveMs: median(cold.map((l) => l.interactiveMs)),
      warmInteractiveMs: median(warm.map((l) => l.interactiveMs)),
      coldInteractiveAll: cold.map((l) => Math.round(l.interactiveMs)),
      wireBytes: first.transfers.reduce((sum, t) => sum + t.wire, 0),
      bodyBytes: first.transfers.reduce((sum, t) => sum + t.body, 0),
      warmWireBytes: warm[0].transfers.reduce((sum, t) => sum + t.wire, 0),
      transfers: first.transfers,
      warmTransfers: warm[0].transfers,
    });
  }
  fs.writeFileSync(process.env.BENCH_OUT ?? "frontend-bench.json", JSON.stringify(results, null, 2));
});
