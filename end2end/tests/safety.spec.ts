// 災害時の安否確認, from the office to the field and back: the coordinator starts a drill over
// 本町一丁目; the volunteer's phone gets the list at its next sync (a banner on the home list, and
// a 要援護 neighbour she does not usually watch, lent by the event); with no signal she says she is
// safe, records 無事・在宅 for one person and 要支援 (薬) for another; back online, the
// coordinator's board shows both without a reload; the coordinator closes the event and the lent
// person leaves the phone's IndexedDB at its next sync. The board's map and its legend follow the
// same colours.
import { test, expect, Page } from "@playwright/test";
import { TestServer } from "./support/server";
import { TileServer } from "./support/tiles";
import { watchConsole } from "./support/console";
import { shoot, signInAs, signedInPage, storeCounts, SHOTS } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;
let tiles: TileServer;
// The phone stands near 本町一丁目 (雪見町's demo coordinates), for a confirmation's location stamp.
const PHONE = {
  viewport: { width: 390, height: 844 },
  geolocation: { latitude: 39.8208, longitude: 140.2449, accuracy: 20 },
  permissions: ["geolocation"],
};
const DESK = { viewport: { width: 1280, height: 800 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  tiles = await TileServer.start();
  server = await TestServer.start({ MIMAMORI_MAP_TILES: tiles.url });
});
test.afterAll(async () => {
  await server?.dispose();
  tiles?.close();
});

/** Asks the phone to sync now (設定 → 今すぐ送信・受信する) and comes back to the home list. */
async function syncNow(phone: Page) {
  await phone.getByRole("link", { name: "設定" }).click();
  await phone.getByRole("button", { name: /今すぐ送信/ }).click();
  await expect(phone.getByTestId("sync-bar")).toContainText("すべて送信済み");
  await phone.getByRole("link", { name: "担当の方" }).click();
}

test("a drill reaches the phone, is answered offline, fills the board live, and leaves the phone when closed", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const phoneContext = await browser.newContext(PHONE);
  const phone = await signedInPage(phoneContext, server.url, "sato");
  const phoneProblems = watchConsole(phone);
  const before = (await storeCounts(phone)).persons;
  await expect(phone.getByTestId("event-banner")).toHaveCount(0);

  // The office starts a drill over 本町一丁目.
  const deskContext = await browser.newContext(DESK);
  const desk = await deskContext.newPage();
  const deskProblems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: /^安否確認 / }).click();
  await expect(desk).toHaveURL(/\/admin\/events$/);
  const form = desk.getByTestId("new-event");
  await form.getByRole("button", { name: "安否確認を始める" }).click();
  await expect(form.getByRole("alert")).toContainText("名前を入力");
  await form.getByLabel("名前（例：12月5日 大雪）").fill("大雨 避難訓練");
  await form.getByLabel("種類").selectOption({ label: "大雨・洪水" });
  await form.getByLabel("本町一丁目町内会").check();
  await form.getByLabel(/訓練として行う/).check();
  await shoot(desk, "90-event-start");
  await form.getByRole("button", { name: "安否確認を始める" }).click();
  await expect(desk).toHaveURL(/\/admin\/events\/ev-/);
  const board = desk.getByTestId("event-board");
  await expect(board.getByRole("heading", { level: 1 })).toContainText("大雨 避難訓練");
  await expect(board).toContainText("訓練");
  const unconfirmed = board.getByTestId("unconfirmed-list").getByTestId("board-row");
  const total = await unconfirmed.count();
  expect(total).toBeGreaterThan(1);
  await expect(board.getByRole("heading", { name: `未確認の方 ${total}人` })).toBeVisible();
  // The same persons on the map, grey until someone has seen them.
  const legend = board.getByTestId("board-legend");
  await expect(legend).toContainText(`未確認 ${total}人`);
  await expect(board.getByTestId("board-map").locator(".leaflet-marker-icon").first()).toBeVisible();

  // One sync brings the event, its list and the lent neighbour to the phone.
  await syncNow(phone);
  await expect(phone.getByTestId("event-banner")).toContainText("【訓練】安否確認を実施中：大雨 避難訓練", {
    timeout: 15_000,
  });
  const during = (await storeCounts(phone)).persons;
  expect(during).toBeGreaterThan(before);
  // The lent neighbour is on the event's list, not among the persons she watches.
  await expect(phone.getByTestId("person-row")).toHaveCount(before);
  await shoot(phone, "91-event-banner");

  // No signal from here: the phone works from its own store.
  await phoneContext.setOffline(true);
  await phone.getByTestId("event-banner").click();
  await expect(phone).toHaveURL(/\/safety$/);
  const list = phone.getByTestId("safety-row");
  await expect(list).toHaveCount(total);
  await expect(phone.getByTestId("unconfirmed")).toContainText(`未確認 ${total}人`);
  // Her own safety first.
  await expect(phone.getByTestId("self-report")).toContainText("まず、あなた自身の状況を記録してください");
  await shoot(phone, "92-safety-list");
  await phone.getByRole("button", { name: "無事・活動できる" }).click();
  await expect(phone.getByTestId("self-report")).toContainText("あなたの状況：無事・活動できる");

  // 無事・在宅 for the first, 要支援 (薬) for the next.
  const first = (await list.first().locator("strong").textContent())!;
  await list.first().click();
  await expect(phone.getByRole("heading", { level: 1 })).toHaveText(first);
  await phone.getByRole("button", { name: "無事・在宅" }).click();
  await phone.getByRole("button", { name: "記録する" }).click();
  await expect(phone).toHaveURL(/\/safety$/);
  const firstRow = list.filter({ hasText: first });
  await expect(firstRow.getByTestId("safety-status")).toHaveText("無事・在宅");
  await expect(firstRow).toContainText("未送信");

  const second = (await list.first().locator("strong").textContent())!;
  expect(second).not.toBe(first);
  await list.first().click();
  await phone.getByRole("button", { name: "要支援" }).click();
  await phone.getByRole("button", { name: "記録する" }).click();
  await expect(phone.getByTestId("needs")).toContainText("必要な支援を選ぶか");
  await phone.getByTestId("needs").getByRole("button", { name: "薬" }).click();
  await phone.getByLabel("メモ（任意）").fill("血圧の薬があと2日分");
  // Where she stands goes with it, when she asks (offline too: the phone's own position).
  await phone.getByLabel("今いる場所を記録に残す").check();
  await expect(phone.getByText("位置を取得しました（誤差 約20m）")).toBeVisible();
  await shoot(phone, "93-safety-form");
  await phone.getByRole("button", { name: "記録する" }).click();
  await expect(phone).toHaveURL(/\/safety$/);
  await expect(list.filter({ hasText: second }).getByTestId("safety-status")).toHaveText("要支援");
  await expect(phone.getByTestId("unconfirmed")).toContainText(`未確認 ${total - 2}人`);

  // Signal again: the outbox goes by itself, and the board follows without a reload.
  await phoneContext.setOffline(false);
  await expect(phone.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect(board.getByRole("heading", { name: `未確認の方 ${total - 2}人` })).toBeVisible({ timeout: 20_000 });
  const attention = board.getByTestId("attention-list").getByTestId("board-row");
  await expect(attention).toHaveCount(1);
  await expect(attention.first()).toContainText(second.replace(/さん$/, ""));
  await expect(attention.first()).toContainText("血圧の薬があと2日分");
  await expect(attention.first()).toContainText(/確認地点：自宅から約[\d.]+k?m/);
  await expect(board.getByTestId("responders")).toContainText("佐藤 花子");
  await expect(board.getByTestId("responders")).toContainText("無事・活動できる");
  await expect(legend).toContainText("要支援 1人");
  await expect(legend).toContainText("無事を確認 1人");
  await expect(legend).toContainText(`未確認 ${total - 2}人`);
  const totals = board.getByTestId("tallies").locator("tbody tr").first();
  await expect(totals).toContainText("合計");
  await shoot(desk, "94-event-board");

  // One not yet confirmed is handed to 高橋さん (杉沢), who watches nobody here.
  const waiting = (await unconfirmed.first().locator("strong").textContent())!;
  const handOver = desk.getByTestId("hand-over");
  await handOver.getByLabel("引き継ぐもの").selectOption({ label: waiting });
  await handOver.getByLabel("引き継ぐ人").selectOption({ label: "高橋 誠（見守りボランティア）" });
  await handOver.getByRole("button", { name: "引き継ぐ" }).click();
  await expect(handOver).toContainText("1人を引き継ぎました");
  await expect(unconfirmed.filter({ hasText: waiting })).toContainText("担当：高橋 誠");
  await shoot(desk, "95-event-hand-over");

  // Closed by the office: the lent neighbour leaves the phone at its next sync.
  await board.getByRole("button", { name: "安否確認を終了する" }).click();
  await board.getByRole("button", { name: "終了する", exact: true }).click();
  await expect(board).toContainText("終了");
  await syncNow(phone);
  await expect(phone.getByTestId("event-banner")).toHaveCount(0, { timeout: 15_000 });
  expect((await storeCounts(phone)).persons).toBe(before);

  expect(phoneProblems).toEqual([]);
  expect(deskProblems).toEqual([]);
});
