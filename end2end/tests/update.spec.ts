// A new release replaces the old one through a visible prompt, not silently and not never.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import * as fs from "node:fs";
import * as path from "node:path";

test("a new release shows 新しいバージョン and switches when the user taps 更新する", async ({ browser }) => {
  const server = await TestServer.start();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchConsole(page);
    await page.goto(`${server.url}/login`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const before: string[] = await page.evaluate(() => caches.keys());
    expect(before).toHaveLength(1);
    await expect(page.getByTestId("update-banner")).toHaveCount(0);

    // Ship a new release: the service worker changes, so its version does.
    await server.down();
    fs.appendFileSync(path.join(server.siteRoot, "sw.js"), "\n// release 2\n");
    await server.up();

    // The next visit finds the new worker, which installs and waits for the user.
    await page.reload();
    await expect(page.getByTestId("update-banner")).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId("update-banner")).toContainText("新しいバージョンがあります");
    await page.screenshot({ path: "screenshots/06-update-banner-390.png" });

    // Listen before tapping: the switch and reload can finish before a later listener attaches.
    const reloaded = page.waitForEvent("load");
    await page.getByRole("button", { name: "更新する" }).click();
    await reloaded;
    await expect(page.getByTestId("update-banner")).toHaveCount(0);
    await expect
      .poll(async () => page.evaluate(() => caches.keys()), { timeout: 15_000 })
      .not.toEqual(before);
    const after: string[] = await page.evaluate(() => caches.keys());
    expect(after).toHaveLength(1); // the old version's cache is gone
    expect(problems).toEqual([]);
    await context.close();
  } finally {
    await server.dispose();
  }
});
