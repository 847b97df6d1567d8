// The monthly 活動記録 as a 民生委員 keeps it, in the national format: counted from their own records
// on the phone (our needs checklist counted under the form's 内容), corrected by hand (offline, kept
// across a reload; told when the 分野 and 内容 totals differ), printed on one A4 page, submitted
// through sync, and read by the coordinator line by line and rolled up per 地区民児協, on screen
// and as a downloaded file with the same figures.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, storeCounts, SHOTS, signedInPage, reopen } from "./support/ui";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";

let server: TestServer;
const DESK = { viewport: { width: 1024, height: 768 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

test("the month's record is counted, corrected offline, printed and submitted", async ({ browser }) => {
  // This month so far, as 鈴木さん's phone pushed it: two visits on one day, a call, a request.
  const cookie = await server.signIn("suzuki");
  const [a, b] = await server.persons(cookie);
  const check = (p: any, method: string) => ({
    type: "create_check",
    check: { id: randomUUID(), person_id: p.id, outcome: "all_well", method, recorded_at: Date.now() - 60_000 },
  });
  const request = {
    type: "raise_request",
    request: { id: randomUUID(), person_id: b.id, need: "shopping", detail: "灯油", raised_at: Date.now() },
  };
  const res = await server.api(cookie, "POST", "/sync/push", {
    mutations: [check(a, "visit"), check(b, "visit"), check(a, "phone"), request],
  });
  expect(res.results.map((r: any) => r.status)).toEqual(["applied", "applied", "applied", "applied"]);

  const context = await browser.newContext();
  const page = await signedInPage(context, server.url, "suzuki");
  const problems = watchConsole(page);
  await context.setOffline(true);
  await page.getByRole("link", { name: "活動記録" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("活動記録");
  await expect(page.getByRole("button", { name: /^今月/ })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByLabel("訪問回数")).toHaveValue("2");
  await expect(page.getByLabel("連絡調整回数")).toHaveValue("1");
  await expect(page.getByLabel("活動日数")).toHaveValue("1");
  // 相談・支援: the one request, about shopping, under 日常的な支援; by 分野 the same one.
  const byField = page.getByTestId("activity-field");
  const byContent = page.getByTestId("activity-content");
  await expect(byField.locator("tfoot output")).toHaveText("1");
  await expect(byContent.getByLabel("日常的な支援")).toHaveValue("1");
  await expect(byContent.getByLabel("在宅福祉")).toHaveValue("0");
  await expect(byContent.locator("tfoot output")).toHaveText("1");
  await expect(page.getByTestId("activity-totals-differ")).toBeEmpty();

  // Corrected by hand (a visit made without the app, a meeting, a consultation by the roadside),
  // kept across a reload.
  await page.getByLabel("訪問回数").fill("3");
  await page.getByTestId("activity-other").getByLabel("行事・事業・会議への参加協力").fill("2");
  await page.getByLabel("特記事項").fill("大雪で訪問を電話に替えた日があった");
  const fieldOther = byField.getByLabel("その他", { exact: true });
  await fieldOther.fill(String(Number(await fieldOther.inputValue()) + 1));
  // Counted by 分野 but not yet by 内容: the sheet says so, and does not submit.
  await expect(page.getByTestId("activity-totals-differ")).toHaveText(
    "相談・支援件数の合計が、分野別と内容別とで違います。同じ数にしてください。",
  );
  await page.getByRole("button", { name: "社協に提出する" }).click();
  await expect(page.getByRole("alert")).toContainText("分野別と内容別とで違います");
  expect((await storeCounts(page)).outbox).toBe(0);
  await byContent.getByLabel("住居").fill("1");
  await expect(page.getByTestId("activity-totals-differ")).toBeEmpty();
  await expect(byContent.locator("tfoot output")).toHaveText("2");
  await expect.poll(async () => (await storeCounts(page)).drafts).toBeGreaterThan(0);
  await reopen(page);
  await expect(page.getByLabel("訪問回数")).toHaveValue("3");
  await expect(page.getByTestId("activity-other").getByLabel("行事・事業・会議への参加協力")).toHaveValue("2");
  await expect(page.getByLabel("特記事項")).toHaveValue("大雪で訪問を電話に替えた日があった");
  await shoot(page, "36-activity");
  // The sheet fits the narrowest phone: nothing to scroll sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await page.setViewportSize({ width: 390, height: 844 });

  // On paper: only the record, on one A4 page.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("button", { name: "社協に提出する" })).toBeHidden();
  await expect(page.locator(".app-header")).toBeHidden();
  await page.screenshot({ path: `${SHOTS}/38-activity-print.png`, fullPage: true });
  const pdf = await page.pdf({ format: "A4", printBackground: false });
  expect(pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g)?.length, "one A4 page").toBe(1);
  await page.emulateMedia({ media: "screen" });

  await page.getByRole("button", { name: "社協に提出する" }).click();
  await expect(page.getByTestId("activity-saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(1);
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });

  // The coordinator reads it in the month's list and in the roll-up per 地区民児協.
  const desk = await (await browser.newContext(DESK)).newPage();
  await signInAs(desk, server.url, "tanaka");
  await desk.getByRole("link", { name: /活動記録の集計/ }).click();
  const row = desk.getByTestId("activity-reports").getByRole("row", { name: /鈴木 一郎/ });
  await expect(row.getByRole("cell").nth(0)).toHaveText("中央地区");
  await expect(row.getByRole("cell").nth(1)).toHaveText("2");
  await expect(row.getByRole("cell").nth(3)).toHaveText("3");
  const rollup = desk.getByTestId("activity-rollup");
  await expect(rollup.getByRole("columnheader").nth(1)).toContainText("中央地区");
  const line = (name: string) =>
    rollup.getByRole("row").filter({ has: desk.getByRole("rowheader", { name, exact: true }) });
  await expect(line("訪問回数").getByRole("cell").last()).toHaveText("3");
  await expect(line("行事・事業・会議への参加協力").getByRole("cell").last()).toHaveText("2");
  await expect(line("内容：住居").getByRole("cell").last()).toHaveText("1");
  await shoot(desk, "37-admin-activity");
  await desk.emulateMedia({ media: "print" });
  await desk.screenshot({ path: `${SHOTS}/37-admin-activity-print.png`, fullPage: true });
  await desk.emulateMedia({ media: "screen" });

  // The download: the same figures, a row per 地区民児協 and the whole.
  const [download] = await Promise.all([desk.waitForEvent("download"), desk.getByTestId("download-csv").click()]);
  const bytes = fs.readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString("utf8").trim().split("\n");
  const header = lines[0].split(",");
  const whole = lines.find((l) => l.startsWith("合計,"))!.split(",");
  expect(whole[header.indexOf("訪問回数")]).toBe("3");
  expect(whole[header.indexOf("行事・事業・会議への参加協力")]).toBe("2");
  expect(whole[header.indexOf("相談・支援件数 計")]).toBe("2");
  expect(lines.join("\n")).not.toContain("鈴木");

  // The month picker is a full-size tap target, and another month reads that month's records.
  const picker = desk.getByLabel("対象の月");
  expect((await picker.boundingBox())!.height).toBeGreaterThanOrEqual(48);
  await picker.fill("2025-01");
  await expect(desk.getByText("この月の活動記録はまだ提出されていません。")).toBeVisible();
  await expect(desk.getByTestId("activity-reports")).toHaveCount(0);

  // Back on the phone the month says it was submitted.
  await reopen(page);
  await expect(page.getByTestId("activity-sent")).toBeVisible();
  expect(problems).toEqual([]);
  await context.close();
});
