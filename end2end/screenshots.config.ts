// The README's screenshots, made from a real run: the same server and browser as the test suite,
// a different folder of specs. `scripts/screenshots.sh` runs it; the PNGs land in docs/screenshots.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./screenshots",
  testMatch: /.*\.shot\.ts/,
  timeout: 120_000,
  use: { ...base.use, viewport: { width: 1280, height: 800 } },
});
