// Playwright drives Debian's Chromium (Playwright cannot download its own browsers here) against
// the real server binary, started on a throwaway database in a fresh temp dir.
import { defineConfig } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const port = Number(process.env.AUTHLAB_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "authlab-e2e-"));
// The release build (scripts/test.sh builds it with `cargo leptos build --release --precompress`).
const serverBinary = process.env.AUTHLAB_E2E_SERVER ?? "target/release/authlab";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    // Run from the crate root so the server finds target/site (the built bundle).
    command: serverBinary,
    cwd: "..",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      AUTHLAB_LISTEN: `127.0.0.1:${port}`,
      AUTHLAB_DATABASE_URL: `sqlite://${dataDir}/e2e.db`,
      // Short access tokens, so the bearer tests watch one expire in seconds, not minutes.
      AUTHLAB_JWT_ACCESS_TTL_SECS: "6",
      // A leeway above zero, as a real server has: the compare page must show the JWT accepted
      // past exp until exp + leeway, then refused.
      AUTHLAB_JWT_LEEWAY_SECS: "3",
      // The whole suite comes from one address and shares the demo accounts: its own limits,
      // and no scheduled demo reset in the middle of a run.
      AUTHLAB_LIMITS_LOGIN_PER_ADDRESS: "5000/1m",
      AUTHLAB_LIMITS_LOGIN_PER_NAME: "1000/1m",
      AUTHLAB_LIMITS_LOGIN_PER_NAME_AND_DEVICE: "1000/1m",
      AUTHLAB_LIMITS_REGISTER_PER_ADDRESS: "2000/1m",
      AUTHLAB_LIMITS_REFRESH_PER_ADDRESS: "5000/1m",
      AUTHLAB_LIMITS_MATRIX_PER_ACCOUNT: "100/1m",
      AUTHLAB_LIMITS_SCALE_PER_ACCOUNT: "100/1m",
      AUTHLAB_LIMITS_ATTACKS_PER_ACCOUNT: "1000/1m",
      // The default: the attack lab's brute-force card must meet the real doubling wait. No
      // other spec types a wrong password.
      AUTHLAB_LIMITS_LOGIN_BACKOFF_AFTER: "5",
      AUTHLAB_DEMO_RESET_SECS: "0",
      LEPTOS_SITE_ROOT: "target/site",
    },
  },
});
