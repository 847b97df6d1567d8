// 要対応, from the field to the office and back: a volunteer records 緊急 with no signal; once it
// is sent, the coordinator's queue shows it first; when nobody has acknowledged it for 30 minutes
// (a test clock moves the office PC's time, no sleeping) it is marked late; the coordinator
// acknowledges it and records what the office is doing, and the volunteer's phone, at its next
// sync, says 社協が確認しました and shows the office's word — and works offline from then on.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, signedInPage, SHOTS, reopen } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;
const PHONE = { viewport: { width: 390, height: 844 } };
const DESK = { viewport: { width: 1280, height: 800 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

test("a 緊急 logged offline reaches the office queue, turns late, is acknowledged, and the phone hears of it", async ({
  browser,
}) => {
  const phoneContext = await browser.newContext(PHONE);
  const phone = await signedInPage(phoneContext, server.url, "sato");
  const phoneProblems = watchConsole(phone);

  // No signal: the 緊急 is kept on the phone.
  await phoneContext.setOffline(true);
  await phone.getByTestId("person-row").nth(2).click();
  const name = (await phone.getByRole("heading", { level: 1 }).textContent())!;
  const personPage = phone.url();
  await phone.getByRole("button", { name: "緊急", exact: true }).click();
  await phone.getByLabel("メモ（任意）").fill("呼びかけに応答なし。救急を呼んだ");
  await phone.getByRole("button", { name: "記録する" }).click();
  await expect(phone.getByTestId("saved")).toBeVisible();
  await phoneContext.setOffline(false);
  await expect(phone.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });

  // The office PC, with a clock the test can move.
  const deskContext = await browser.newContext(DESK);
  const desk = await deskContext.newPage();
  await desk.clock.install();
  const deskProblems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: /^要対応 / }).click();
  await expect(desk).toHaveURL(/\/admin\/cases$/);
  const first = desk.getByTestId("case").first();
  await expect(first).toContainText(name);
  await expect(first).toContainText("緊急");
  await expect(first.getByTestId("case-last-signal")).toContainText("呼びかけに応答なし。救急を呼んだ");
  await expect(first.getByTestId("case-ack")).toContainText("まだ確認されていません");
  await expect(first.getByTestId("case-late")).toHaveCount(0);
  await expect(desk.getByTestId("late-alert")).toHaveCount(0);
  await shoot(desk, "70-cases-queue");

  // 31 minutes on, still unacknowledged: late, on the card and at the top of the page.
  // The coordinator is at the desk all along (a key pressed every few minutes keeps the app lock
  // from closing the page, which it does after 10 minutes unused). The server's clock moves with
  // the page's: the list it sends while the time runs on says its time is later by as much.
  let moved = 0;
  const casesList = /\/api\/v1\/cases(\?.*)?$/;
  await desk.route(casesList, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, server_time: json.server_time + moved } });
  });
  for (let i = 0; i < 4; i++) {
    moved += 465_000;
    await desk.clock.fastForward("07:45");
    await desk.keyboard.press("Shift");
  }
  await expect(first.getByTestId("case-late")).toBeVisible();
  await expect(desk.getByTestId("late-alert")).toContainText("30分以上確認されていない緊急が 1 件");
  await shoot(desk, "71-cases-late");
  await desk.unroute(casesList);

  // 確認しました: who and when, and no longer late.
  await first.getByTestId("acknowledge").click();
  await expect(first.getByTestId("case-ack")).toContainText("田中 美紀 さんが確認");
  await expect(first.getByTestId("case-late")).toHaveCount(0);
  await expect(desk.getByTestId("late-alert")).toHaveCount(0);

  // The volunteer's phone hears of it at its next sync.
  await reopen(phone, personPage);
  const standing = phone.getByTestId("person-cases").getByTestId("case-status");
  await expect(standing).toContainText("社協が確認しました（田中 美紀・");

  // What the office does: 対応中, owned by the area's 民生委員, with a word for the volunteer.
  await first.getByTestId("open-case").click();
  const form = first.getByTestId("case-form");
  await expect(first.getByTestId("case-timeline")).toContainText("田中 美紀 さんが確認しました");
  await form.getByLabel("状況").selectOption({ label: "対応中" });
  await form.getByLabel("担当").selectOption({ label: "鈴木 一郎（民生委員）" });
  await form.getByLabel("次の対応日").fill("2026-12-20");
  await form.getByLabel(/したこと・決めたこと/).fill("救急搬送を確認。長男に連絡した");
  await form.getByLabel(/記録した方へのひとこと/).fill("ご連絡ありがとうございました。社協で対応しています");
  await shoot(desk, "72-case-detail");
  await form.getByRole("button", { name: "記録する" }).click();
  const updated = desk.getByTestId("case").first();
  await expect(updated).toContainText("対応中");
  await expect(updated).toContainText("鈴木 一郎");
  await expect(updated).toContainText("2026-12-20");

  // The phone hears of it at its next sync, and keeps it when the signal goes.
  await reopen(phone);
  await expect(standing).toContainText("社協が対応中です");
  await expect(standing.getByTestId("case-shared-note")).toHaveText(
    "社協から：ご連絡ありがとうございました。社協で対応しています",
  );
  await expect(phone.getByTestId("person-cases")).not.toContainText("長男に連絡");
  await phoneContext.setOffline(true);
  await reopen(phone);
  await expect(phone.getByTestId("person-cases").getByTestId("case-status")).toContainText("社協が対応中です");
  await shoot(phone, "73-phone-case-standing");
  await phoneContext.setOffline(false);

  expect(phoneProblems).toEqual([]);
  expect(deskProblems).toEqual([]);
  await phoneContext.close();
  await deskContext.close();
});

test("a 民生委員 takes a case on from the phone with no signal, and the office sees it after the sync", async ({
  browser,
}) => {
  // The office PC first: who has a case open already (the demo's requests opened some).
  const deskContext = await browser.newContext(DESK);
  const desk = await deskContext.newPage();
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  const open = await (await desk.request.get(`${server.url}/api/v1/cases`)).json();
  const withCase: string[] = open.cases.map((c: any) => c.person_name);

  const phoneContext = await browser.newContext(PHONE);
  const phone = await signedInPage(phoneContext, server.url, "suzuki");
  const problems = watchConsole(phone);
  // A 気になる opens a case for someone who has none.
  const rows = phone.getByTestId("person-row");
  let row = -1;
  for (let i = 0; i < (await rows.count()) && row < 0; i++) {
    const text = (await rows.nth(i).textContent()) ?? "";
    if (!withCase.some((n) => text.includes(n))) row = i;
  }
  expect(row).toBeGreaterThanOrEqual(0);
  await rows.nth(row).click();
  const name = (await phone.getByRole("heading", { level: 1 }).textContent())!;
  const personPage = phone.url();
  await phone.getByRole("button", { name: "気になる", exact: true }).click();
  await phone.getByLabel("メモ（任意）").fill("ストーブがつけっぱなしだった");
  await phone.getByRole("button", { name: "記録する" }).click();
  await expect(phone.getByTestId("saved")).toBeVisible();
  await expect(phone.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await reopen(phone, personPage);
  const standing = phone.getByTestId("person-cases").getByTestId("case-status");
  await expect(standing).toContainText("社協に届いています");

  // No signal: she takes it on and says what she did; it is kept on the phone, marked unsent.
  await phoneContext.setOffline(true);
  const work = phone.getByTestId("case-work");
  await work.getByLabel("状況").selectOption({ label: "対応中" });
  await work.getByLabel("自分が担当する").check();
  await work.getByLabel(/したこと・決めたこと/).fill("訪問して火の元を一緒に確認した");
  await work.getByRole("button", { name: "記録する" }).click();
  await expect(phone.getByTestId("case-saved").or(standing.getByText("未送信"))).toBeVisible();
  await expect(standing).toContainText("未送信");
  await expect(standing).toContainText("担当：鈴木 一郎");
  await expect(standing.getByTestId("case-notes")).toContainText("訪問して火の元を一緒に確認した");
  await reopen(phone);
  await expect(standing).toContainText("未送信");
  await shoot(phone, "74-phone-case-work");

  // Signal back: sent, and the office sees who took it on and what was done.
  await phoneContext.setOffline(false);
  await expect(phone.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await reopen(desk, `${server.url}/admin/cases`);
  const card = desk.getByTestId("case").filter({ hasText: name });
  await expect(card).toContainText("対応中");
  await expect(card).toContainText("鈴木 一郎");
  await card.getByTestId("open-case").click();
  await expect(card.getByTestId("case-timeline")).toContainText("訪問して火の元を一緒に確認した");
  expect(problems).toEqual([]);
  await phoneContext.close();
  await deskContext.close();
});
