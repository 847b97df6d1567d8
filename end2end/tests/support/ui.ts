// What every end-to-end test does the same way: sign in, take screenshots at phone widths and
// large text, and look inside the device store.
import { expect, BrowserContext, Page } from "@playwright/test";
import { expectNoAxeViolations } from "./axe";

export const SHOTS = "screenshots";

/** A full-page screenshot at the current width, at 320 px, and at 200 % text; then axe-core's
 * accessibility rules on the screen as shot, which must find nothing. */
export async function shoot(page: Page, name: string) {
  const size = page.viewportSize()!;
  await page.screenshot({ path: `${SHOTS}/${name}-${size.width}.png`, fullPage: true });
  await page.setViewportSize({ width: 320, height: 640 });
  await page.screenshot({ path: `${SHOTS}/${name}-320.png`, fullPage: true });
  await page.setViewportSize(size);
  // 200 % text, as a phone's large-text setting does it.
  await page.evaluate(() => (document.documentElement.style.fontSize = "225%"));
  await page.screenshot({ path: `${SHOTS}/${name}-${size.width}-text200.png`, fullPage: true });
  await page.evaluate(() => (document.documentElement.style.fontSize = ""));
  await expectNoAxeViolations(page, name);
}

/** The PIN every test user chooses for the app lock. */
export const TEST_PIN = "2468";

/** Signs in through the form, as a user would, and (unless `pin` is null: a sign-in expected to
 * fail) chooses the app lock's PIN, typed twice, as the app asks right after a first sign-in. */
export async function signInAs(page: Page, url: string, login: string, password = "mimamori", pin: string | null = TEST_PIN) {
  await page.goto(`${url}/`);
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("ID").fill(login);
  await page.getByLabel("パスワード").fill(password);
  await page.getByRole("button", { name: "サインイン" }).click();
  if (pin !== null) await setPin(page, pin);
}

/** Chooses the app lock's PIN on the screen shown after signing in: typed, then again. */
export async function setPin(page: Page, pin = TEST_PIN) {
  await expect(page.getByRole("heading", { name: "PINを設定" })).toBeVisible();
  await page.getByLabel("PIN", { exact: true }).fill(pin);
  await page.getByRole("button", { name: "次へ" }).click();
  await expect(page.getByText("同じPINをもう一度")).toBeVisible();
  await page.getByLabel("PIN", { exact: true }).fill(pin);
  await page.getByRole("button", { name: "このPINにする" }).click();
  await expect(page.getByRole("heading", { name: "PINを設定" })).toHaveCount(0);
}

/** The lock screen's words in each language. */
const LOCK_WORDS = { ja: { heading: "PINを入力", open: "開く" }, en: { heading: "Enter your PIN", open: "Open" } };

/** Types the PIN on the lock screen (a reload or a cold start asks for it) and waits for it to open. */
export async function unlock(page: Page, pin = TEST_PIN, lang: "ja" | "en" = "ja") {
  const words = LOCK_WORDS[lang];
  await expect(page.getByRole("heading", { name: words.heading })).toBeVisible();
  await page.getByLabel("PIN", { exact: true }).fill(pin);
  await page.getByRole("button", { name: words.open, exact: true }).click();
  await expect(page.getByRole("heading", { name: words.heading })).toHaveCount(0);
}

/** Reloads (or goes to `url`) as a user reopening the app does: with the PIN. */
export async function reopen(page: Page, url?: string, options?: { waitUntil?: "load" | "domcontentloaded" }) {
  if (url) await page.goto(url, options);
  else await page.reload(options);
  await unlock(page);
}

/** A new page signed in as `login`, its first sync done: the list shown and everything sent. */
export async function signedInPage(context: BrowserContext, url: string, login: string): Promise<Page> {
  const page = await context.newPage();
  await signInAs(page, url, login);
  await expect(page.getByTestId("person-row").first()).toBeVisible();
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");
  return page;
}

/** How many records each IndexedDB store holds. */
export async function storeCounts(page: Page): Promise<Record<string, number>> {
  const names = ["meta", "persons", "checks", "outbox", "refused", "drafts", "requests", "aside"];
  return (await readDeviceDb(page, { count: names })) as Record<string, number>;
}

/** One record of the device database's `meta` store as IndexedDB keeps it (null when absent). */
export async function metaValue(page: Page, key: string): Promise<Record<string, unknown> | null> {
  return (await readDeviceDb(page, { meta: key })) as Record<string, unknown> | null;
}

/** Opens the device database in the page and counts stores or reads one `meta` record. */
async function readDeviceDb(page: Page, query: { count: string[] } | { meta: string }): Promise<unknown> {
  return page.evaluate(
    (query) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("mimamori");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const names = "count" in query ? query.count : ["meta"];
          const tx = db.transaction(names, "readonly");
          const out: Record<string, unknown> = {};
          if ("count" in query) {
            for (const n of names) {
              const req = tx.objectStore(n).count();
              req.onsuccess = () => (out[n] = req.result);
            }
          } else {
            const req = tx.objectStore("meta").get(query.meta);
            req.onsuccess = () => (out.value = req.result ?? null);
          }
          tx.oncomplete = () => {
            db.close();
            resolve("count" in query ? out : out.value);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    query
  );
}

/** Nothing personal left: every store of the device database is empty. */
export const EMPTY_STORE = { meta: 0, persons: 0, checks: 0, outbox: 0, refused: 0, drafts: 0, requests: 0, aside: 0 };

/** Today's date as the app shows it (`11月24日`), in Japan time, `offsetDays` from now. */
export function jaDate(offsetDays = 0): string {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Tokyo", month: "numeric", day: "numeric" })
    .formatToParts(d)
    .reduce((acc: Record<string, string>, p) => ((acc[p.type] = p.value), acc), {});
  return `${parts.month}月${parts.day}日`;
}
