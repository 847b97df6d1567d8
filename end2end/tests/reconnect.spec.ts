// A weak signal is not "offline": the phone shows bars, `navigator.onLine` stays true and no
// `online` event ever comes, yet nothing gets through. A check saved then is written to the device
// with strict durability, waits, is tried again with a back-off (5 s, then 10 s, …) and goes out as
// soon as the server answers; coming back to the app sends it at once. The link is cut and restored
// by blocking the API's routes, not by toggling offline, so the browser never announces anything.
import { test, expect, Page } from "@playwright/test";
import { TestServer } from "./support/server";
import { signedInPage } from "./support/ui";

let server: TestServer;

test.beforeAll(async () => {
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

async function logCheck(page: Page) {
  await page.getByTestId("person-row").first().click();
  await page.getByRole("button", { name: "変わりなし", exact: true }).click();
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
}

test("records waiting on a weak signal go out without any online event", async ({ browser }) => {
  // No service worker, so every API call is the page's own and the test's routes see it.
  const context = await browser.newContext({ serviceWorkers: "block" });
  // Which transactions the app opens, and with what durability.
  await context.addInitScript(() => {
    const log: { names: string[]; mode?: string; durability: string }[] = [];
    (window as any).__transactions = log;
    const open = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, names: any, mode?: any, options?: any) {
      log.push({ names: [].concat(names), mode, durability: options?.durability ?? "default" });
      return open.call(this, names, mode, options);
    } as any;
  });
  const page = await signedInPage(context, server.url, "sato");
  let pushes = 0;
  let through = false;
  await page.route("**/api/v1/**", async (route) => {
    if (route.request().url().includes("/sync/push")) pushes += 1;
    if (through) await route.continue();
    else await route.abort("connectionfailed");
  });

  await logCheck(page);
  await expect(page.getByTestId("pending-count")).toBeVisible();
  // The save (the check, its outbox entry and the cleared draft, in one transaction) was strict;
  // what sync merged from the server may stay relaxed, as the server still has it.
  const saves = await page.evaluate(() =>
    (window as any).__transactions.filter((t: any) => t.names.join() === "checks,outbox,drafts"),
  );
  expect(saves.length).toBe(1);
  expect(saves[0]).toEqual({ names: ["checks", "outbox", "drafts"], mode: "readwrite", durability: "strict" });

  // Nothing gets through, and the app keeps trying on its own: the save's push, then the back-off.
  await expect.poll(() => pushes, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  expect(await page.evaluate(() => navigator.onLine)).toBe(true);

  // The signal comes back while the next retry is still ~20 s away; the user comes back to the
  // app (the phone unlocked): it is sent at once.
  through = true;
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 8_000 });
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");

  await context.close();
});

test("with no event at all, the back-off alone sends what waits", async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await signedInPage(context, server.url, "takahashi");
  let through = false;
  let pushes = 0;
  await page.route("**/api/v1/**", async (route) => {
    if (route.request().url().includes("/sync/push")) pushes += 1;
    if (through) await route.continue();
    else await route.abort("connectionfailed");
  });
  await logCheck(page);
  await expect(page.getByTestId("pending-count")).toBeVisible();
  // Two tries have failed; from here only the back-off can send it (no event comes, and the
  // one-minute timer is far off): its next wait is at most 10 s.
  await expect.poll(() => pushes, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
  through = true;
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 20_000 });
  await context.close();
});
