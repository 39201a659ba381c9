// Every page, at a laptop's 1280×800 and a phone's 390×844, anonymous and signed in (by cookie
// and by bearer token): axe-core finds no WCAG 2.2 A/AA violation, nothing scrolls sideways, and
// no button is pushed out of reach.
import { Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { test, expect, openHydrated, registerFresh, allowHttpError } from "./fixtures";

const LESSONS = [
  "where-state-lives",
  "logout-and-revocation",
  "refresh-tokens",
  "csrf-and-xss",
  "cross-site-forgery",
  "size-on-the-wire",
  "reading-and-signing",
  "scaling-out",
  "store-outage",
  "quiet-failure",
  "ssr-and-hydration",
  "choosing-a-model",
  "attacks-refused",
];
const PAGES = ["/", "/about", "/attacks", "/audit", "/compare", "/lessons", "/register", "/scale", "/workbench", "/progress", "/account", "/teach", "/admin", ...LESSONS.map((s) => `/lessons/${s}`)];
const VIEWPORTS = [
  { name: "laptop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
];

async function signIn(page: Page, mode: "session" | "jwt", username: string, password: string) {
  await openHydrated(page, "/");
  await page.getByTestId(`mode-${mode}`).click();
  const form = page.getByTestId(mode === "session" ? "session-login" : "jwt-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill(password);
  await form.getByRole("button").click();
  if (mode === "session") await expect(page.getByTestId("signed-in")).toContainText(username);
  else await expect(page.getByTestId("jwt-holding")).toBeVisible();
}

/** What fails the check on the page as it is now: axe violations, sideways scroll, unreachable buttons. */
async function problems(page: Page): Promise<string[]> {
  const found: string[] = [];
  const axe = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  for (const v of axe.violations) {
    found.push(`axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 4).join(" | ")}`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) found.push(`scrolls sideways by ${overflow} px`);
  // A button no one can reach: outside the page horizontally and not inside a box that scrolls.
  const unreachable = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll("button, a[href], input, select, textarea"))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      let scrolls = false;
      for (let p = el.parentElement; p; p = p.parentElement) {
        const style = getComputedStyle(p);
        if ((style.overflowX === "auto" || style.overflowX === "scroll") && p.scrollWidth > p.clientWidth) scrolls = true;
      }
      if (!scrolls && (r.right > width + 1 || r.left < -1)) out.push(el.outerHTML.slice(0, 80));
    }
    return out;
  });
  for (const el of unreachable) found.push(`out of reach: ${el}`);
  return found;
}

for (const viewport of VIEWPORTS) {
  for (const who of ["anonymous", "session", "jwt"] as const) {
    test(`every page at ${viewport.width}×${viewport.height}, ${who}: no WCAG A/AA violation, no sideways scroll`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width: viewport.width, height: viewport.height });
      if (who !== "anonymous") {
        // A learner on the teacher's and the administrator's pages: the server's refusal is the
        // page's answer (it says whom the page is for).
        allowHttpError(page, 403, "/api/classes");
        allowHttpError(page, 403, "/api/admin/accounts");
        const username = await registerFresh(page, `a11y-${who}`, "a11y-check-secret");
        await signIn(page, who, username, "a11y-check-secret");
      }
      const all: string[] = [];
      for (const path of PAGES) {
        if (who === "anonymous" || path !== "/") await openHydrated(page, path);
        for (const problem of await problems(page)) all.push(`${path}: ${problem}`);
      }
      expect(all).toEqual([]);
    });
  }
}

test("after login focus lands on the result, and the focus ring stands out at least 3:1", async ({ page }) => {
  const username = await registerFresh(page, "focus", "focus-check-secret");
  await openHydrated(page, "/");
  await page.getByTestId("mode-session").click();
  const form = page.getByTestId("session-login");
  await form.getByLabel("Username").fill(username);
  await form.getByLabel("Password").fill("focus-check-secret");
  await form.getByLabel("Password").press("Enter");
  await expect(page.getByTestId("signed-in")).toBeFocused();
  // Tab on to the next control: its ring, against the card behind it.
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const style = getComputedStyle(el);
    const rgb = (text: string) => (text.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    let bg = "rgb(255, 255, 255)";
    for (let p: HTMLElement | null = el.parentElement; p; p = p.parentElement) {
      const b = getComputedStyle(p).backgroundColor;
      if (b !== "rgba(0, 0, 0, 0)" && b !== "transparent") { bg = b; break; }
    }
    const lum = ([r, g, b]: number[]) => {
      const f = (c: number) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const [a, b] = [lum(rgb(style.outlineColor)), lum(rgb(bg))];
    return {
      tag: el.tagName,
      width: parseFloat(style.outlineWidth),
      style: style.outlineStyle,
      contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
    };
  });
  expect(ring.style, JSON.stringify(ring)).toBe("solid");
  expect(ring.width).toBeGreaterThanOrEqual(2);
  expect(ring.contrast).toBeGreaterThanOrEqual(3);
  // Countdowns tick every second but are not read out every second.
  await expect(page.getByTestId("idle-countdown")).toHaveAttribute("aria-live", "off");
});
