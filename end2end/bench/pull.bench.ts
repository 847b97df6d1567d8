// The initial pull as the phone does it, written sealed (BENCHMARKS.md §2): a new device of a
// 民生委員 with 400 persons and 20,000 checks, in Debian's Chromium with the CPU slowed 4× through
// CDP. §2's sync bench times the server's answers only; this times what the user waits for: from
// the tap that sets the PIN to every record received, sealed (AES-256-GCM) and written to
// IndexedDB, and then a reopen of that full store: from the tap on 開く to the home list; and
// what a sync run that brings nothing new costs the page afterwards (the main thread's long
// tasks, over 50 ms each, from 今すぐ送信・受信する until the run has ended), and what saving one
// check costs it (from 記録する until the sync run after it has ended).
// Measurements, not tests: a run fails only when the pull never completes.
//
// Not part of the test suite. Run it against a release server on the sync bench's database, which
// the pull scenario gives `comm0` exactly 400 persons and 20,000 checks:
//   cargo bench -p server --bench sync -- --db sqlite --scenarios pull --pull-runs 1 --keep-db
//   MIMAMORI_DATABASE_URL=sqlite://<the kept path>/bench.db MIMAMORI_ADDR=127.0.0.1:3999 target/release/server &
//   cd end2end && npx playwright test --config bench.config.ts pull.bench.ts
import { test, expect, Page } from "@playwright/test";
import { pct } from "./stats";
import { setPin, storeCounts, TEST_PIN } from "../tests/support/ui";

const URL = process.env.MIMAMORI_BENCH_URL ?? "http://127.0.0.1:3999";
const RUNS = Number(process.env.MIMAMORI_BENCH_PULL_RUNS ?? 3);
const LOGIN = process.env.MIMAMORI_BENCH_PULL_LOGIN ?? "comm0";
const PERSONS = 400;

function summary(values: number[]) {
  return `median ${pct(values, 50).toFixed(0)}, max ${Math.max(...values).toFixed(0)}; runs ${values.map(Math.round).join(", ")}`;
}

/** Waits until the device store holds `PERSONS` persons and the sync bar says everything is in. */
async function pulled(page: Page): Promise<Record<string, number>> {
  let counts: Record<string, number> = {};
  await expect
    .poll(
      async () => {
        counts = await storeCounts(page);
        return counts.persons;
      },
      { timeout: 300_000, intervals: [250] },
    )
    .toBe(PERSONS);
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み", { timeout: 300_000 });
  return storeCounts(page);
}

for (const rate of [1, 4]) {
  test(`initial pull of ${PERSONS} persons, sealed, CPU ×${rate}, ${RUNS} runs`, async ({ browser }) => {
    test.setTimeout(1_800_000);
    const pulls: number[] = [];
    const firstRows: number[] = [];
    const unlocks: number[] = [];
    const idle: number[] = [];
    const saves: number[] = [];
    let counts: Record<string, number> = {};
    let rows = 0;
    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send("Emulation.setCPUThrottlingRate", { rate });
        await page.goto(`${URL}/`);
        await page.getByLabel("ID").fill(LOGIN);
        await page.getByLabel("パスワード").fill("mimamori");
        await page.getByRole("button", { name: "サインイン" }).click();
        // setPin returns once the PIN screen has gone: the pull starts with the data key.
        await setPin(page);
        const keyed = Date.now();
        await expect(page.getByTestId("person-row").first()).toBeVisible({ timeout: 300_000 });
        firstRows.push(Date.now() - keyed);
        counts = await pulled(page);
        pulls.push(Date.now() - keyed);
        // Reopen the full store: the lock screen, then the home list from sealed records.
        await page.reload();
        await page.getByLabel("PIN", { exact: true }).fill(TEST_PIN);
        const tapped = Date.now();
        await page.getByRole("button", { name: "開く", exact: true }).click();
        await expect(page.getByTestId("person-row").first()).toBeVisible({ timeout: 120_000 });
        unlocks.push(Date.now() - tapped);
        rows = await page.getByTestId("person-row").count();
        // A sync run with nothing new, started by hand, after the one the unlock started.
        await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み", { timeout: 120_000 });
        await page.getByRole("link", { name: "設定" }).first().click();
        const now = page.getByRole("button", { name: "今すぐ送信・受信する" });
        await expect(now).toBeEnabled({ timeout: 120_000 });
        await page.evaluate(() => {
          const w = window as any;
          w.__long = 0;
          new PerformanceObserver((l) => l.getEntries().forEach((e) => (w.__long += e.duration))).observe({ type: "longtask" });
        });
        await now.click();
        await expect(now).toBeEnabled({ timeout: 120_000 });
        await page.waitForTimeout(1_000);
        idle.push(await page.evaluate(() => (window as any).__long as number));
        // One check saved online: from 記録する until the sync run after it has sent it and pulled
        // it back, and a second more.
        await page.getByRole("link", { name: "担当の方" }).first().click();
        await page.getByTestId("person-row").first().click();
        await expect(page).toHaveURL(/\/persons\/[^/]+$/);
        await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み", { timeout: 120_000 });
        await page.getByRole("button", { name: "変わりなし", exact: true }).click();
        await page.evaluate(() => ((window as any).__long = 0));
        await page.getByRole("button", { name: "記録する" }).click();
        await expect(page.getByTestId("saved")).toBeVisible();
        await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み", { timeout: 120_000 });
        await page.waitForTimeout(1_000);
        saves.push(await page.evaluate(() => (window as any).__long as number));
      } finally {
        await context.close();
      }
    }
    console.log(
      `\nCPU ×${rate}: device store after the pull ${JSON.stringify(counts)}` +
        `\n  PIN set → first person on the list, ms: ${summary(firstRows)}` +
        `\n  PIN set → everything pulled, sealed and stored, ms: ${summary(pulls)}` +
        `\n  reopen: tap 開く → home list (${rows} rows), ms: ${summary(unlocks)}` +
        `\n  a sync run with nothing new: main thread in long tasks, ms: ${summary(idle)}` +
        `\n  one check saved online, until sent and pulled back: main thread in long tasks, ms: ${summary(saves)}`,
    );
  });
}
