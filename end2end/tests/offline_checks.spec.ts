// The walking skeleton, as a volunteer lives it: sign in, log a check, lose the signal,
// cold-open a person's page, log another, get the signal back, and the coordinator has both, once.
import { test, expect, Page, BrowserContext } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { EMPTY_STORE, shoot, signInAs, storeCounts, SHOTS, reopen, setPin } from "./support/ui";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

let server: TestServer;

const signIn = (page: Page, login: string) => signInAs(page, server.url, login);

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

async function waitForServiceWorker(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
}

async function logCheck(page: Page, outcome: string, note: string) {
  await page.getByRole("button", { name: outcome, exact: true }).click();
  await page.getByLabel("メモ（任意）").fill(note);
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
}

test("a volunteer logs checks online and offline, and the coordinator gets each exactly once", async ({ browser }) => {
  const volunteer: BrowserContext = await browser.newContext();
  const page = await volunteer.newPage();
  const problems = watchConsole(page);

  // Bad credentials get a plain Japanese message.
  await page.goto(`${server.url}/`);
  await expect(page).toHaveURL(/\/login$/);
  await shoot(page, "01-sign-in");
  await page.getByLabel("ID").fill("sato");
  await page.getByLabel("パスワード").fill("wrong-password");
  await page.getByRole("button", { name: "サインイン" }).click();
  await expect(page.getByTestId("sign-in-error")).toHaveText("IDまたはパスワードが違います。");

  // Sign in: the list comes from the device store after the first pull.
  await page.getByLabel("パスワード").fill("mimamori");
  await page.getByRole("button", { name: "サインイン" }).click();
  await setPin(page);
  await expect(page).toHaveURL(/\/persons$/);
  const rows = page.getByTestId("person-row");
  await expect(rows).toHaveCount(5);
  await waitForServiceWorker(page);
  await shoot(page, "02-persons");

  // Open one person and log a check while online.
  const firstName = (await rows.first().locator(".person-name").textContent())!;
  await rows.first().click();
  await expect(page).toHaveURL(/\/persons\/p-\d+$/);
  const deepLink = page.url();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(firstName);
  await logCheck(page, "気になる", "新聞が二日分たまっている");
  await expect(page.getByTestId("history-item").first()).toContainText("送信済み");
  await expect(page.getByTestId("pending-count")).toHaveCount(0);
  await shoot(page, "03-person-online");

  // The signal is gone: the browser is offline and the server is unreachable.
  await volunteer.setOffline(true);
  await server.down();

  // A cold start on the deep link: a fresh tab, nothing in memory, no network.
  await page.close();
  const cold = await volunteer.newPage();
  const coldProblems = watchConsole(cold);
  await reopen(cold, deepLink);
  await expect(cold.getByRole("heading", { level: 1 })).toHaveText(firstName);
  await expect(cold.getByTestId("history-item")).toHaveCount(1);
  await logCheck(cold, "不在", "留守。郵便受けに手紙が残っている");
  await expect(cold.getByTestId("pending-count")).toContainText("未送信 1 件");
  await expect(cold.getByTestId("history-item").first()).toContainText("未送信");
  await expect(cold.getByTestId("sync-bar")).toContainText("オフライン");
  await shoot(cold, "04-person-offline-pending");

  // The list also opens cold offline, from the device store.
  await reopen(cold, `${server.url}/persons`);
  await expect(cold.getByTestId("person-row")).toHaveCount(5);
  await expect(cold.getByTestId("pending-count")).toContainText("未送信 1 件");
  await reopen(cold, deepLink);

  // The signal returns: the check goes out with no tap from the user.
  await server.up();
  await volunteer.setOffline(false);
  await expect(cold.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect(cold.getByTestId("history-item").filter({ hasText: "送信済み" })).toHaveCount(2);

  // The coordinator, through the API: both checks, each exactly once.
  const coordinator = await server.signIn("tanaka");
  const pulled = await server.pull(coordinator);
  const outcomes = pulled.checks.map((c: any) => c.outcome).sort();
  expect(outcomes).toEqual(["concern", "not_home"]);
  expect(new Set(pulled.checks.map((c: any) => c.id)).size).toBe(2);
  expect(pulled.checks.every((c: any) => c.author_name === "佐藤 花子")).toBe(true);

  // ... and on their own device.
  const office = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const desk = await office.newPage();
  const deskProblems = watchConsole(desk);
  await signIn(desk, "tanaka");
  // Coordinators land on the management home; the network's checks are one tap away.
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: "記録一覧" }).first().click();
  await expect(desk).toHaveURL(/\/checks$/);
  const all = desk.getByTestId("recent-checks").getByTestId("recent-check");
  await expect(all).toHaveCount(2);
  await expect(all.first()).toContainText(firstName);
  await shoot(desk, "05-coordinator-checks");

  expect([...problems, ...coldProblems, ...deskProblems]).toEqual([]);
  await office.close();
  await volunteer.close();
});

test("the manifest makes the app installable", async ({ playwright }, testInfo) => {
  // Chromium never offers to install from an incognito context, so use a real profile.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "mimamori-profile-"));
  const launch = testInfo.project.use.launchOptions!;
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: launch.executablePath,
    args: launch.args,
    viewport: { width: 390, height: 844 },
  });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    expect(installabilityErrors).toEqual([]);
    const manifest = await (await fetch(`${server.url}/manifest.webmanifest`)).json();
    expect(manifest.name).toContain("みまもり");
    expect(manifest.display).toBe("standalone");
    expect(manifest.icons.map((i: any) => i.purpose)).toContain("maskable");
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("API responses never enter the service worker's cache", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "suzuki");
  await expect(page.getByTestId("person-row").first()).toBeVisible();
  await waitForServiceWorker(page);
  const cached: string[] = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      for (const req of await cache.keys()) urls.push(new URL(req.url).pathname);
    }
    return urls;
  });
  expect(cached.length).toBeGreaterThan(4);
  expect(cached.filter((u) => u.startsWith("/api/"))).toEqual([]);
  await context.close();
});

test("a background sync never wipes what the user is typing", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, "sato");
  await page.getByTestId("person-row").first().click();
  await page.getByRole("button", { name: "気になる", exact: true }).click();
  await page.getByLabel("メモ（任意）").fill("書きかけのメモ");
  // Losing and regaining the signal fires `online`, which syncs and refreshes the store.
  let pulls = 0;
  page.on("response", (r) => {
    if (r.url().includes("/api/v1/sync/pull")) pulls++;
  });
  await context.setOffline(true);
  await context.setOffline(false);
  await expect.poll(() => pulls, { timeout: 15_000 }).toBeGreaterThan(0);
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");
  await expect(page.getByLabel("メモ（任意）")).toHaveValue("書きかけのメモ");
  await expect(page.getByRole("button", { name: "気になる", exact: true })).toHaveAttribute("aria-pressed", "true");
  await context.close();
});


test("signing out warns about unsent records, then wipes the device", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signIn(page, "sato");
  await expect(page.getByTestId("person-row")).toHaveCount(5);
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");
  expect((await storeCounts(page)).persons).toBe(5);

  // Offline, a new record waits in the outbox; signing out would lose it, so the app says so.
  await context.setOffline(true);
  await page.getByTestId("person-row").first().click();
  await logCheck(page, "変わりなし", "");
  await page.getByRole("link", { name: "設定" }).click();
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "未送信の記録が 1 件あります" })).toBeVisible();
  await shoot(page, "07-sign-out-warning");
  expect((await storeCounts(page)).outbox).toBe(1);

  // Back online the record goes out; now signing out is clean and leaves nothing behind.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await storeCounts(page)).toEqual(EMPTY_STORE);
  await page.goto(`${server.url}/persons`);
  await expect(page).toHaveURL(/\/login$/);
  expect(problems).toEqual([]);
  await context.close();
});
