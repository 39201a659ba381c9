// How the bundle reaches a browser, checked against the release build the suite runs: content-hashed
// names, served brotli- or gzip-compressed from the precompressed copies, cached for good, and not
// fetched again on the next visit.
import type { Page } from "@playwright/test";
import { test, expect, allowHttpError } from "./fixtures";

/** The paths under `prefix` that the page requests from now on, in order, as they are requested. */
function requestedPaths(page: Page, prefix: string): string[] {
  const paths: string[] = [];
  page.on("request", (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith(prefix)) paths.push(path);
  });
  return paths;
}

/** Leaves a mark in the page's window: a page loaded whole starts a new window without it. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { marked: boolean }).marked = true));
}

/** Whether the page's window still has the mark `markWindow` left. */
async function windowMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { marked?: boolean }).marked === true);
}

// Every file of the bundle: the main js/wasm/css, and what a split build adds (the loader
// `__wasm_split.<hash>.js`, the manifest, one `split___<page>` file per split-out page, the
// playground's lazily loaded parts `split_<part>_<n>` (its bearer-JWT half, the session half's
// signed-in views) and the `chunk_<n>` files they share).
const hashed = /^\/pkg\/[A-Za-z0-9_]+\.[A-Za-z0-9_-]{16,}\.(js|wasm|css|json)$/;
const main = /^\/pkg\/authlab\.[A-Za-z0-9_-]{16,}\.(js|wasm|css)$/;

test("the bundle has hashed names, is served compressed and is cached for good", async ({ page, request }) => {
  const fetched = requestedPaths(page, "/pkg/");
  await page.goto("/compare");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const kinds = fetched.map((path) => main.exec(path)?.[1]).filter(Boolean).sort();
  expect(kinds, fetched.join(", ")).toEqual(["css", "js", "wasm"]);
  // The compare page is split out of the main WASM: its own code came too.
  expect(fetched.some((path) => path.includes("split___compare_view")), fetched.join(", ")).toBe(true);

  for (const path of fetched) {
    expect(path).toMatch(hashed);
    for (const encoding of ["br", "gzip"]) {
      const answer = await request.get(path, { headers: { "accept-encoding": encoding } });
      expect(answer.status()).toBe(200);
      expect(answer.headers()["content-encoding"], `${path} asked for ${encoding}`).toBe(encoding);
      expect(answer.headers()["cache-control"], path).toBe("public, max-age=31536000, immutable");
      expect(answer.headers()["vary"]).toBe("accept-encoding");
    }
    // A client that accepts no encoding gets the plain file.
    const plain = await request.get(path, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers()["content-encoding"]).toBeUndefined();
  }
  // The unhashed names are gone, so no browser can cache a stale one; pages are revalidated.
  expect((await request.get("/pkg/authlab.wasm")).status()).toBe(404);
  expect((await request.get("/compare")).headers()["cache-control"]).toBe("no-cache");

  // The next visit takes the bundle from the browser's cache: nothing under /pkg/ reaches the
  // network (Chromium reports each cache hit as served from cache).
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const fromNetwork: string[] = [];
  const fromCache = new Set<string>();
  cdp.on("Network.requestServedFromCache", (e) => fromCache.add(e.requestId));
  const urls = new Map<string, string>();
  cdp.on("Network.requestWillBeSent", (e) => urls.set(e.requestId, new URL(e.request.url).pathname));
  cdp.on("Network.responseReceived", (e) => {
    const path = new URL(e.response.url).pathname;
    if (path.startsWith("/pkg/") && !e.response.fromDiskCache && !e.response.fromMemoryCache && !fromCache.has(e.requestId)) {
      fromNetwork.push(path);
    }
  });
  await page.goto("/compare");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const bundleAsked = [...urls.values()].filter((p) => p.startsWith("/pkg/"));
  expect(bundleAsked.length).toBeGreaterThan(0);
  expect(fromNetwork, "fetched again instead of taken from cache").toEqual([]);
});

test("the first page hydrates only the playground island; a whole page's code arrives with the first other page", async ({
  page,
}) => {
  const fetched = requestedPaths(page, "/pkg/");
  const pageHydration = () => fetched.filter((path) => path.includes("split_hydrate_page"));
  const pageFiles = () => fetched.filter((path) => path.includes("split___"));
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydration", "islands");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // Neither the router and shell (the whole-page hydration's file) nor any page's code came.
  expect(pageHydration(), fetched.join(", ")).toEqual([]);
  expect(pageFiles(), fetched.join(", ")).toEqual([]);
  // The island answers: the call goes out and its refusal is shown.
  allowHttpError(page, 401, "/api/me");
  await page.getByTestId("call-me").click();
  await expect(page.getByTestId("session-error")).toBeVisible();

  // Outside the island the page is as the server rendered it: its links load their pages whole
  // (a marker set in this page's window does not survive the click).
  await markWindow(page);
  await page.locator('header nav a[href="/compare"]').click();
  await expect(page).toHaveURL(/\/compare$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydration", "page");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(await windowMarked(page)).toBe(false);
  expect(pageHydration(), fetched.join(", ")).toHaveLength(1);
  expect(fetched.some((path) => path.includes("split___compare_view")), fetched.join(", ")).toBe(true);
  await expect(page.getByTestId("compare-login")).toBeVisible();

  // A whole page has the client-side router: the next page is drawn in this window, by code
  // that arrives for it.
  await markWindow(page);
  await page.locator('header nav a[href="/scale"]').click();
  await expect(page).toHaveURL(/\/scale$/);
  await expect.poll(() => fetched.some((path) => path.includes("split___scale_view"))).toBe(true);
  await expect(page.getByRole("heading", { name: "Scaling out: three nodes, one balancer" })).toBeVisible();
  expect(await windowMarked(page)).toBe(true);
  expect(pageHydration()).toHaveLength(1);
});

test("another page's text travels with that page's code, not in the main WASM every first visit fetches", async ({
  page,
  request,
}) => {
  const fetched = requestedPaths(page, "/pkg/");
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  const mainWasm = fetched.find((path) => main.exec(path)?.[1] === "wasm");
  expect(mainWasm, fetched.join(", ")).toBeTruthy();
  const bytes = async (path: string) =>
    (await request.get(path, { headers: { "accept-encoding": "identity" } })).body();
  const wasm = await bytes(mainWasm!);
  // The playground's own words are there (so the search below reads the file as it is)...
  expect(wasm.includes("The server keeps the session; the browser keeps only an opaque id")).toBe(true);
  // ...but a lesson's are not: wasm-split gave them to the lessons page's own file.
  const lessonText = "A browser attaches cookies to requests by destination";
  expect(wasm.includes(lessonText), "a lesson's text is in the main WASM").toBe(false);

  // The playground's page loads the lessons page whole; the lesson itself is drawn by the
  // client-side router, from the file that carries its text.
  await page.locator('header nav a[href="/lessons"]').click();
  await page.getByTestId("lesson-list").getByRole("link", { name: "A forged request from another site, live" }).click();
  await expect(page.getByText(lessonText)).toBeVisible();
  // Each file once: a chunk two split pages share is requested again when the second one loads.
  const splitFiles = [...new Set(fetched.filter((path) => /\/(split_|chunk_)/.test(path)))];
  const carriers: string[] = [];
  for (const path of splitFiles) {
    if ((await bytes(path)).includes(lessonText)) carriers.push(path);
  }
  expect(carriers, splitFiles.join(", ")).toHaveLength(1);
});

test("a first visit asks nothing about a session it cannot have, and fetches the session calls only when used", async ({
  page,
}) => {
  const fetched = requestedPaths(page, "/pkg/");
  const asked = requestedPaths(page, "/api/");
  const sessionCalls = () => fetched.filter((path) => path.includes("split_ask"));
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  expect(sessionCalls(), fetched.join(", ")).toEqual([]);

  // The first call a visitor makes brings the session calls' file, once, and is answered.
  allowHttpError(page, 401, "/api/me");
  const me = page.waitForResponse("**/api/me");
  await page.getByTestId("call-me").click();
  expect((await me).status()).toBe(401);
  await expect(page.getByTestId("session-error")).toBeVisible();
  expect(sessionCalls()).toHaveLength(1);
  // The request for this page carried no session cookie, so the page never asked whether it
  // had a session (a reload with one does: session.spec's reload test).
  expect(asked.filter((path) => path.startsWith("/api/session/")), asked.join(", ")).toEqual([]);
});

test("the playground's bearer-JWT half arrives once, when a visitor first points at or switches to it", async ({ page }) => {
  const fetched = requestedPaths(page, "/pkg/");
  const jwtHalf = () => fetched.filter((path) => path.includes("split_jwt_mode"));
  await page.goto("/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("session-login")).toBeVisible();
  expect(jwtHalf(), fetched.join(", ")).toEqual([]);

  // Pointing at the switch starts the download; the page stays in session mode.
  await page.getByTestId("mode-jwt").hover();
  await expect.poll(() => jwtHalf().length).toBe(1);
  await expect(page.getByTestId("session-mode")).toBeVisible();

  await page.getByTestId("mode-jwt").click();
  await expect(page.getByTestId("jwt-mode")).toBeVisible();
  await expect(page.getByTestId("jwt-login")).toBeVisible();
  expect(jwtHalf()).toHaveLength(1);

  // Back and forth: the half is drawn again from the code already here.
  await page.getByTestId("mode-session").click();
  await expect(page.getByTestId("session-mode")).toBeVisible();
  await page.getByTestId("mode-jwt").click();
  await expect(page.getByTestId("jwt-login")).toBeVisible();
  expect(jwtHalf()).toHaveLength(1);
});
