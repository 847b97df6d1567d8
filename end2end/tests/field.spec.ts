// The field screens as a volunteer and a 民生委員 use them: the home list in the order that
// matters (overdue first, in words), search and area filter, distance from here, a check in three
// taps with the signal gone, a 気になる that must say what was seen, a draft that survives a
// reload, an emergency that puts calls a tap away and reaches the coordinator first, and settings.
import { test, expect, Page, BrowserContext } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, storeCounts, SHOTS, signedInPage, reopen } from "./support/ui";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";

let server: TestServer;
const DAY = 86_400_000;
const DESK = { viewport: { width: 1024, height: 768 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

const signedIn = (context: BrowserContext, login: string) => signedInPage(context, server.url, login);

function katakana(hiragana: string): string {
  return hiragana.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

test("the home list puts overdue people first, in words, and finds people by kana and area", async ({ browser }) => {
  // 鈴木さん's history, made through the API as a phone would have pushed it.
  const cookie = await server.signIn("suzuki");
  const persons = await server.persons(cookie);
  const [late, today, recent] = persons;
  const at = (p: any, daysAgo: number) => ({
    type: "create_check",
    check: { id: randomUUID(), person_id: p.id, outcome: "all_well", recorded_at: Date.now() - daysAgo * DAY },
  });
  const res = await server.api(cookie, "POST", "/sync/push", {
    mutations: [at(late, late.check_interval_days + 3), at(today, today.check_interval_days), at(recent, 0)],
  });
  expect(res.results.map((r: any) => r.status)).toEqual(["applied", "applied", "applied"]);

  const context = await browser.newContext({
    geolocation: { latitude: 39.8208, longitude: 140.2449, accuracy: 20 },
    permissions: ["geolocation"],
  });
  const page = await signedIn(context, "suzuki");
  const problems = watchConsole(page);
  const rows = page.getByTestId("person-row");
  await expect(rows).toHaveCount(persons.length);
  // Most overdue first, then those never checked, then due today, then the rest.
  await expect(rows.first()).toContainText(late.name);
  await expect(rows.first().getByTestId("due")).toHaveText("3日超過");
  const labels = await rows.getByTestId("due").allTextContents();
  const names = await rows.locator(".person-name").allTextContents();
  const never = labels.filter((l) => l === "記録なし").length;
  expect(never).toBe(persons.length - 3);
  expect(labels.slice(1, 1 + never).every((l) => l === "記録なし")).toBe(true);
  expect(labels[1 + never]).toBe("今日が目安");
  expect(names[1 + never]).toBe(today.name);
  expect(names[names.length - 1]).toBe(recent.name);
  expect(labels[labels.length - 1]).toMatch(/^(あと\d+日|明日が目安)$/);
  await expect(page.getByTestId("attention-summary")).toContainText(`${persons.length - 1}人`);
  await shoot(page, "20-home");

  // Offline from here on: search and filter need only the device.
  await context.setOffline(true);
  await page.getByText("探す・絞り込む・距離").click();
  const query = katakana(recent.kana.replace(/\s/g, ""));
  await page.getByLabel("名前・ふりがなで探す").fill(query);
  await expect(rows.filter({ hasText: recent.name }).first()).toBeVisible();
  for (const kana of await rows.locator(".person-kana").allTextContents()) {
    expect(kana.replace(/\s/g, "")).toContain(recent.kana.replace(/\s/g, ""));
  }
  await page.getByLabel("名前・ふりがなで探す").fill("存在しない名前");
  await expect(page.getByTestId("no-match")).toHaveText("条件に合う方はいません。");
  await page.getByLabel("名前・ふりがなで探す").fill("");
  const ekimae = persons.filter((p) => p.small_area === "駅前町内会");
  expect(ekimae.length).toBeGreaterThan(0);
  await page.getByLabel("地域（町内会・自治会）").selectOption("駅前町内会");
  await expect(rows).toHaveCount(ekimae.length);
  await expect(page.locator(".list-tools summary")).toContainText("（絞り込み中）");
  for (const meta of await rows.locator(".person-meta").allTextContents()) expect(meta).toContain("駅前町内会");
  await page.getByLabel("地域（町内会・自治会）").selectOption("");
  await expect(rows).toHaveCount(persons.length);

  // Distance from here, once the user asks for it (location allowed in this context).
  await page.getByRole("button", { name: "現在地からの距離を表示" }).click();
  await expect(page.getByTestId("distance")).toHaveCount(persons.length);
  await expect(page.getByTestId("distance").first()).toHaveText(/^・約\d+(\.\d)?(m|km)$/);
  await shoot(page, "21-home-distance");
  expect(problems).toEqual([]);
  await context.close();
});

test("a check takes three taps from home, offline; a concern says what was seen; a draft survives a reload", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "sato");
  const problems = watchConsole(page);
  await context.setOffline(true);
  const rows = page.getByTestId("person-row");
  const first = (await rows.first().locator(".person-name").textContent())!;

  // 1: the person. 2: the outcome. 3: save.
  await rows.first().click();
  await page.getByRole("button", { name: "変わりなし", exact: true }).click();
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(1);
  await expect(page.getByTestId("history-item").first()).toContainText("未送信");

  // 気になる without saying what: refused next to the chips, nothing saved.
  await page.getByRole("button", { name: "気になる", exact: true }).click();
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("concern-chips").getByRole("alert")).toHaveText(
    "気になった点を選ぶか、メモに書いてください。"
  );
  expect((await storeCounts(page)).outbox).toBe(1);
  await page.getByRole("button", { name: "除雪されていない" }).click();
  await page.getByRole("button", { name: "外から確認" }).click();
  await expect(page.getByRole("button", { name: "除雪されていない" })).toHaveAttribute("aria-pressed", "true");
  await shoot(page, "22-check-concern");
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(2);
  await expect(page.getByTestId("history-item").first()).toContainText("除雪されていない");
  await expect(page.getByTestId("history-item").first()).toContainText("外から確認");

  // Half-filled, then the page reloads (or the phone kills the app): nothing typed is lost.
  await page.getByRole("button", { name: "不在", exact: true }).click();
  await page.getByRole("button", { name: "新聞・郵便物がたまっている" }).click();
  await page.getByLabel("メモ（任意）").fill("三日分の新聞。隣の方も最近見ていない");
  await expect.poll(async () => (await storeCounts(page)).drafts).toBe(1);
  await reopen(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(first);
  await expect(page.getByLabel("メモ（任意）")).toHaveValue("三日分の新聞。隣の方も最近見ていない");
  await expect(page.getByRole("button", { name: "不在", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "新聞・郵便物がたまっている" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect(await storeCounts(page)).toMatchObject({ outbox: 3, drafts: 0 });

  // Back online, all three go out and the coordinator has them with their details.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  const all = await server.allChecks(await server.signIn("tanaka"));
  const mine = all.filter((c) => c.author_id === "u-sato");
  expect(mine.map((c) => c.outcome)).toEqual(["all_well", "concern", "not_home"]);
  expect(mine[1].concerns).toEqual(["snow_not_cleared"]);
  expect(mine[1].method).toBe("outside");
  expect(mine[2].concerns).toEqual(["mail_piling"]);
  expect(problems).toEqual([]);
  await context.close();
});

test("an emergency puts calls a tap away and reaches the coordinator before routine records", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "sato");
  const problems = watchConsole(page);
  await context.setOffline(true);
  const rows = page.getByTestId("person-row");
  // A routine check first, then an emergency: the emergency must still go first.
  await rows.nth(0).click();
  await page.getByRole("button", { name: "変わりなし", exact: true }).click();
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  await page.getByRole("link", { name: "← 担当の方" }).click();
  await rows.nth(1).click();
  const name = (await page.getByRole("heading", { level: 1 }).textContent())!;
  await page.getByRole("button", { name: "緊急", exact: true }).click();
  const calls = page.getByTestId("emergency-calls");
  await expect(calls.getByRole("link", { name: "119に電話（救急・消防）" })).toHaveAttribute("href", "tel:119");
  await expect(calls.getByRole("link", { name: `${name}さんに電話` })).toHaveAttribute("href", /^tel:0185\d+$/);
  await expect(calls.getByRole("link", { name: /長男）に電話$/ })).toHaveAttribute("href", /^tel:090\d+$/);
  await shoot(page, "23-emergency");
  await page.getByLabel("メモ（任意）").fill("玄関で倒れていた。119番に通報済み");
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(2);

  const pushes: any[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/v1/sync/push")) pushes.push(r.postDataJSON());
  });
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  expect(pushes[0].mutations.map((m: any) => m.check.outcome)).toEqual(["emergency"]);
  expect(pushes.flatMap((p) => p.mutations.map((m: any) => m.check.outcome))).toEqual(["emergency", "all_well"]);

  // The coordinator sees it at the top of the record list.
  const desk = await (await browser.newContext(DESK)).newPage();
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  // The management home says so first thing.
  await expect(desk.getByTestId("emergency-alert")).toContainText("「緊急」の記録が 1 件あります");
  await desk.getByTestId("emergency-alert").getByRole("link", { name: "要対応で確認する" }).click();
  // 要対応: the person's case at the top, 緊急, waiting to be acknowledged.
  const top = desk.getByTestId("case").first();
  await expect(top).toContainText(name);
  await expect(top).toContainText("緊急");
  await expect(top.getByTestId("case-last-signal")).toContainText("玄関で倒れていた");
  // And at the top of the record list.
  await reopen(desk, `${server.url}/checks`);
  const urgent = desk.getByTestId("urgent-checks").getByTestId("recent-check");
  await expect(urgent.first()).toContainText("緊急");
  await expect(urgent.first()).toContainText(name);
  await expect(urgent.first()).toContainText("玄関で倒れていた");
  await shoot(desk, "24-coordinator-urgent");
  expect(problems).toEqual([]);
  await context.close();
});

test("settings: text size sticks across a reload, sync state in words, sign-out", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "takahashi");
  const problems = watchConsole(page);
  await page.getByRole("link", { name: "設定" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("設定");
  await expect(page.getByTestId("settings-pending")).toHaveText("0 件");
  await page.getByRole("button", { name: "とても大きく" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-text-size", "largest");
  await context.setOffline(true);
  await reopen(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("設定");
  await expect(page.locator("html")).toHaveAttribute("data-text-size", "largest");
  await expect(page.getByRole("button", { name: "とても大きく" })).toHaveAttribute("aria-pressed", "true");
  await shoot(page, "25-settings-largest");
  await page.getByRole("button", { name: "標準" }).click();
  await expect(page.locator("html")).toHaveAttribute("data-text-size", "normal");
  await context.setOffline(false);
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(problems).toEqual([]);
  await context.close();
});
