// Browser benchmarks (measurements, not tests): `npx playwright test --config bench.config.ts`.
// Same browser and settings as the test suite, but only ./bench, one at a time, with room for
// slow throttled runs. The normal suite (playwright.config.ts, ./tests) never picks these up.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts$/,
  timeout: 600_000,
  outputDir: "test-results/bench",
  fullyParallel: false,
  workers: 1,
  retries: 0,
});
