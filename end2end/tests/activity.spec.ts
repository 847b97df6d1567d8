// The monthly 活動記録 as a 民生委員 keeps it: counted from their own records on the phone, corrected
// by hand (offline, kept across a reload), printed on one A4 page, submitted through sync, and
// read by the coordinator beside the other 民生委員's records.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, storeCounts, SHOTS, signedInPage } from "./support/ui";
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
  await expect(page.getByLabel("訪問")).toHaveValue("2");
  await expect(page.getByLabel("電話")).toHaveValue("1");
  await expect(page.getByLabel("活動日数")).toHaveValue("1");
  await expect(page.getByLabel("社会福祉協議会")).toHaveValue("1");
  const subjects = ["高齢者に関すること", "障害者に関すること", "子どもに関すること", "その他"];
  const bySubject = page.locator(".sheet-table").filter({ hasText: "相談・支援（分野別）" });
  let consultations = 0;
  for (const s of subjects) consultations += Number(await bySubject.getByLabel(s, { exact: true }).inputValue());
  expect(consultations).toBe(1);
  // What it was about: the one request, about shopping.
  const contents = page.getByTestId("activity-contents");
  await expect(contents.getByLabel("買い物")).toHaveValue("1");
  await expect(contents.getByLabel("除雪")).toHaveValue("0");

  // Corrected by hand (a visit made without the app), kept across a reload.
  await page.getByLabel("訪問").fill("3");
  await page.getByLabel("地域包括支援センター").fill("2");
  await page.getByLabel("特記事項").fill("大雪で訪問を電話に替えた日があった");
  await expect.poll(async () => (await storeCounts(page)).drafts).toBeGreaterThan(0);
  await page.reload();
  await expect(page.getByLabel("訪問")).toHaveValue("3");
  await expect(page.getByLabel("特記事項")).toHaveValue("大雪で訪問を電話に替えた日があった");
  await shoot(page, "36-activity");

  // On paper: only the record, on one A4 page.
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("button", { name: "社協に提出する" })).toBeHidden();
  await expect(page.locator(".app-header")).toBeHidden();
  await page.screenshot({ path: `${SHOTS}/38-activity-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  await page.getByRole("button", { name: "社協に提出する" }).click();
  await expect(page.getByTestId("activity-saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(1);
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });

  // The coordinator reads it beside the month's totals.
  const desk = await (await browser.newContext(DESK)).newPage();
  await signInAs(desk, server.url, "tanaka");
  await desk.getByRole("link", { name: /活動記録の集計/ }).click();
  const row = desk.getByTestId("activity-reports").getByRole("row", { name: /鈴木 一郎/ });
  await expect(row.getByRole("cell").first()).toHaveText("3");
  await expect(desk.getByTestId("activity-reports").getByRole("row", { name: /合計/ })).toBeVisible();
  await shoot(desk, "37-admin-activity");
  // The month picker is a full-size tap target, and another month reads that month's records.
  const picker = desk.getByLabel("対象の月");
  expect((await picker.boundingBox())!.height).toBeGreaterThanOrEqual(48);
  await picker.fill("2025-01");
  await expect(desk.getByText("この月の活動記録はまだ提出されていません。")).toBeVisible();
  await expect(desk.getByTestId("activity-reports")).toHaveCount(0);

  // Back on the phone the month says it was submitted.
  await page.reload();
  await expect(page.getByTestId("activity-sent")).toBeVisible();
  expect(problems).toEqual([]);
  await context.close();
});
