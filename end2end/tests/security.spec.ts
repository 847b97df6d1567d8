// Issue 11 as users meet it: a phone signed out with no signal forgets everything at once; a
// person who leaves a 民生委員's care takes the half-typed notes and refused changes about them off
// the phone; a phone is told when another device was enrolled for its user; an admin resets a
// password (changed at the next sign-in), stops a user, and reads the security log.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { EMPTY_STORE, shoot, signInAs, signedInPage, storeCounts, SHOTS, reopen, setPin } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;
const OFFICE = { viewport: { width: 1280, height: 800 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** The HTTP status `/me` answers with this session cookie. */
async function meStatus(cookie: string): Promise<number> {
  return (await fetch(`${server.url}/api/v1/me`, { headers: { cookie } })).status;
}

/** The keys of the device store's `drafts`. */
async function draftKeys(page: import("@playwright/test").Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const r = indexedDB.open("mimamori");
        r.onsuccess = () => {
          const keys = r.result.transaction("drafts").objectStore("drafts").getAllKeys();
          keys.onsuccess = () => {
            r.result.close();
            resolve(keys.result as string[]);
          };
        };
      })
  );
}

test("signing out with no signal wipes the phone at once; the server hears of it at the next contact", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await signedInPage(context, server.url, "sato");
  const problems = watchConsole(page);
  const session = (await context.cookies()).find((c) => c.name === "mimamori_session")!;
  const cookie = `mimamori_session=${session.value}`;

  await page.getByRole("link", { name: "設定" }).click();
  await context.setOffline(true);
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId("sign-in-notice")).toContainText("この端末の記録はすべて消去しました");
  await shoot(page, "50-signed-out-offline");
  // Nothing personal is left; the one thing kept is the note to tell the server.
  const counts = await storeCounts(page);
  expect({ ...counts, meta: 0 }).toEqual(EMPTY_STORE);
  expect(counts.meta).toBe(1);
  expect(await meStatus(cookie)).toBe(200);

  // Signal again (no `online` event needed: the app is opened again). The session ends on the
  // server, and nothing comes back to the phone.
  await context.setOffline(false);
  await page.reload();
  await expect.poll(() => meStatus(cookie), { timeout: 30_000 }).toBe(401);
  await expect.poll(async () => (await storeCounts(page)).meta).toBe(0);
  expect(await storeCounts(page)).toEqual(EMPTY_STORE);
  await expect(page).toHaveURL(/\/login$/);
  expect(problems).toEqual([]);
  await context.close();
});

test("an answer still on its way when the user signs out does not refill the wiped phone", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedInPage(context, server.url, "sato");
  const problems = watchConsole(page);
  await page.getByRole("link", { name: "設定" }).click();

  // Hold the next pull's answer (already read from the server) until the user has signed out.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let caught = 0;
  let delivered = 0;
  await page.route("**/api/v1/sync/pull*", async (route) => {
    caught++;
    const response = await route.fetch();
    await held;
    await route.fulfill({ response });
    delivered++;
  });
  await page.getByRole("button", { name: /今すぐ送信/ }).click();
  await expect.poll(() => caught).toBe(1);
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await storeCounts(page)).toEqual(EMPTY_STORE);

  release();
  await expect.poll(() => delivered).toBe(1);
  // The late answer has reached the app; whatever it would write lands within a moment.
  await page.waitForTimeout(1_500);
  expect(await storeCounts(page)).toEqual(EMPTY_STORE);
  expect(problems).toEqual([]);
  await context.close();
});

test("a person who leaves a 民生委員's area takes their half-typed notes and refused changes off the phone", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await signedInPage(context, server.url, "suzuki");
  const problems = watchConsole(page);
  await page.getByTestId("person-row").first().click();
  const personId = page.url().split("/").pop()!;
  await context.setOffline(true);
  // A note typed and left (kept as a draft), and a new phone number saved to send later.
  await page.getByLabel("メモ（任意）").fill("書きかけ：年金の話をしていた");
  await expect.poll(() => draftKeys(page)).toContain(`check:${personId}`);
  await page.getByRole("button", { name: "連絡先・メモを変更する" }).click();
  await page.getByLabel("電話番号").fill("0185-33-3333");
  await page.getByRole("button", { name: "変更を保存" }).click();
  await expect(page.getByTestId("pending-count")).toContainText("未送信 1 件");

  // Meanwhile the office moves the person to 杉沢 (北部), outside 鈴木さん's 担当区域.
  const office = await server.signIn("tanaka");
  const detail = await server.api(office, "GET", `/persons/${personId}`);
  await server.api(office, "PUT", `/persons/${personId}`, { person: { ...detail.fields, small_area_id: "sa-sugisawa" } });

  await context.setOffline(false);
  await reopen(page, `${server.url}/persons`);
  // The edit is refused (the person is no longer theirs) and goes with the person; the phone says so.
  await expect(page.getByTestId("sync-bar")).toContainText("端末から消去しました", { timeout: 30_000 });
  await expect.poll(async () => (await storeCounts(page)).outbox).toBe(0);
  expect((await storeCounts(page)).refused).toBe(0);
  expect(await draftKeys(page)).not.toContain(`check:${personId}`);
  const held = await page.evaluate(
    (id) =>
      new Promise<boolean>((resolve) => {
        const r = indexedDB.open("mimamori");
        r.onsuccess = () => {
          const got = r.result.transaction("persons").objectStore("persons").get(id);
          got.onsuccess = () => resolve(got.result !== undefined);
        };
      }),
    personId
  );
  expect(held).toBe(false);
  expect(problems).toEqual([]);
  await context.close();
});

test("a phone is told when another device is enrolled for its user", async ({ browser }) => {
  const context = await browser.newContext();
  const phone = await signedInPage(context, server.url, "takahashi");
  const problems = watchConsole(phone);
  // Someone uses a new invite for 高橋さん on another phone.
  const office = await server.signIn("tanaka");
  const invite = await server.api(office, "POST", "/users/u-takahashi/invites", {});
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto(`${server.url}/enroll#${invite.code}`);
  await other.getByRole("button", { name: "この端末を登録する" }).click();
  await setPin(other);
  await expect(other).toHaveURL(/\/persons$/);
  // The new phone is not told about itself.
  await expect(other.getByTestId("sync-bar")).toContainText("すべて送信済み");
  await expect(other.getByTestId("new-device-notice")).toHaveCount(0);

  // The first phone hears of it at its next sync.
  await reopen(phone);
  const notice = phone.getByTestId("new-device-notice");
  await expect(notice).toContainText("新しい端末が使えるようになりました");
  await expect(notice).toContainText("招待コードで登録");
  await expect(notice).toContainText("社協の担当者にご連絡ください");
  await shoot(phone, "51-new-device-notice");
  await notice.getByRole("button", { name: "確認しました" }).click();
  await expect(notice).toHaveCount(0);
  await reopen(phone);
  await expect(phone.getByTestId("sync-bar")).toContainText("すべて送信済み");
  await expect(phone.getByTestId("new-device-notice")).toHaveCount(0);
  expect(problems).toEqual([]);
  await otherContext.close();
  await context.close();
});

test("an admin resets a password (changed at the next sign-in), stops a user, and reads the security log", async ({
  browser,
}) => {
  const office = await browser.newContext(OFFICE);
  const desk = await office.newPage();
  const deskProblems = watchConsole(desk);
  // 高橋さん's phone is signed in; it will be stopped.
  const phoneContext = await browser.newContext();
  const takahashi = await signedInPage(phoneContext, server.url, "takahashi");

  await signInAs(desk, server.url, "watanabe");
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: /^ユーザー・招待/ }).click();
  const suzuki = desk.getByTestId("user-card").filter({ hasText: "鈴木 一郎" });
  await suzuki.getByRole("button", { name: "パスワード再設定" }).click();
  const reset = suzuki.getByTestId("password-reset");
  await reset.getByLabel("仮のパスワード").fill("temporary passphrase");
  await reset.getByRole("button", { name: "再設定する" }).click();
  await expect(reset.getByText("再設定しました。")).toBeVisible();
  await expect(suzuki).toContainText("パスワード変更待ち");

  // 高橋さん is stopped: one confirm.
  const card = desk.getByTestId("user-card").filter({ hasText: "高橋 誠" });
  await card.getByRole("button", { name: "利用停止にする" }).click();
  await expect(card.getByRole("alert")).toContainText("すべての端末がサインアウトされ");
  await card.getByRole("button", { name: "利用停止にする", exact: true }).click();
  await expect(card.getByTestId("user-disabled")).toBeVisible();
  await shoot(desk, "52-users-admin");

  // His phone learns it at its next contact and wipes itself.
  await reopen(takahashi);
  await expect(takahashi).toHaveURL(/\/login$/);
  await expect(takahashi.getByTestId("sign-in-notice")).toContainText("この端末は利用できなくなりました");
  expect(await storeCounts(takahashi)).toEqual(EMPTY_STORE);

  // 鈴木さん signs in with the temporary password and must choose a new one first.
  const suzukiContext = await browser.newContext();
  const phone = await suzukiContext.newPage();
  const phoneProblems = watchConsole(phone);
  await signInAs(phone, server.url, "suzuki", "temporary passphrase");
  await expect(phone).toHaveURL(/\/password$/);
  await expect(phone.getByTestId("password-forced")).toBeVisible();
  await expect(phone.getByTestId("sync-bar")).toContainText("新しいパスワードに変更するまで送信できません");
  await shoot(phone, "53-password-forced");
  await phone.getByLabel("今のパスワード").fill("temporary passphrase");
  await phone.getByLabel("新しいパスワード", { exact: true }).fill("snow in yukimi 2026");
  await phone.getByLabel("新しいパスワード（確認のためもう一度）").fill("snow in yukimi 2026");
  await phone.getByRole("button", { name: "変更する" }).click();
  await expect(phone.getByTestId("password-changed")).toBeVisible();
  await phone.getByRole("link", { name: "はじめの画面へ" }).click();
  await expect(phone.getByTestId("person-row").first()).toBeVisible();
  await expect(phone.getByTestId("sync-bar")).toContainText("すべて送信済み", { timeout: 30_000 });

  // The security log says all of it, newest first.
  await reopen(desk, `${server.url}/admin`);
  await desk.getByRole("link", { name: /^セキュリティ記録/ }).click();
  const log = desk.getByTestId("security-events");
  await expect(log).toContainText("パスワード変更");
  await expect(log).toContainText("利用停止");
  await expect(log).toContainText("パスワード再設定");
  await expect(log.locator("tbody tr").first()).toContainText("パスワード変更");
  await shoot(desk, "54-security-log");
  expect([...deskProblems, ...phoneProblems]).toEqual([]);
  await suzukiContext.close();
  await phoneContext.close();
  await office.close();
});
