// The front-end benchmark (scripts/bench.sh), not a test: the same server set-up and browser as
// the suite, run against the release build it names in AUTHLAB_E2E_SERVER, a folder of its own.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts/,
  timeout: 600_000,
});
