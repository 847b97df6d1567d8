// 集計 as a coordinator reads it: this month's figures for her districts, counted from what the
// test recorded through the API, drawn as two charts and a table, narrowed to one district, and
// downloaded as a CSV file whose row for the month says the same as the screen.
import { test, expect } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, SHOTS } from "./support/ui";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";

let server: TestServer;
const DESK = { viewport: { width: 1280, height: 800 } };

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** This month in Japan, `YYYY-MM`. */
function thisMonth(): string {
  return new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 7);
}

test("the month's report counts what was recorded, draws it, and downloads as the same figures", async ({
  browser,
}) => {
  const m = thisMonth();
  const office = await server.signIn("tanaka");
  const before = await server.api(office, "GET", `/reports?from=${m}&to=${m}`);
  const figures = (r: any) => r.months.find((f: any) => f.month === m);
  const b = figures(before);

  // 鈴木さん's phone sends three routine checks, a 気になる and a 緊急 on one person.
  const phone = await server.signIn("suzuki");
  const [p] = await server.persons(phone);
  const check = (outcome: string, extra: object = {}) => ({
    type: "create_check",
    check: { id: randomUUID(), person_id: p.id, outcome, recorded_at: Date.now() - 60_000, ...extra },
  });
  const res = await server.api(phone, "POST", "/sync/push", {
    mutations: [
      check("all_well"),
      check("all_well"),
      check("all_well"),
      check("concern", { concerns: ["lights_off"] }),
      check("emergency", { note: "転倒していた" }),
    ],
  });
  expect(res.results.map((r: any) => r.status)).toEqual(Array(5).fill("applied"));

  const desk = await (await browser.newContext(DESK)).newPage();
  const problems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: /^集計/ }).click();
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText("集計");
  await desk.getByLabel("開始月").fill(m);
  await desk.getByLabel("開始月").dispatchEvent("change");
  const row = desk.getByTestId("report-table").locator(`tr[data-month="${m}"]`);
  const cells = row.locator("td");
  await expect(cells.nth(0)).toHaveText(String(b.checks.all_well + b.checks.concern + b.checks.not_home + b.checks.emergency + 5));
  await expect(cells.nth(1)).toHaveText(String(b.checks.concern + 1));
  await expect(cells.nth(2)).toHaveText(String(b.checks.emergency + 1));
  await expect(desk.getByTestId("report-concerns")).toContainText("夜に電気がつかない");
  await expect(desk.getByTestId("chart-checks").locator("svg")).toHaveAttribute("aria-label", new RegExp(`${m} \\d+件`));
  await expect(desk.getByTestId("report-scope")).toContainText("全地区");
  await shoot(desk, "75-reports");

  // The person's district alone: the screen shows what the API counts for it.
  const tree = await server.api(office, "GET", "/areas");
  const district = tree.districts.find((d: any) => d.name === p.district);
  const there = figures(await server.api(office, "GET", `/reports?from=${m}&to=${m}&district=${district.id}`));
  await desk.getByLabel("地区").selectOption(district.id);
  await expect(desk.getByTestId("report-scope")).toContainText(district.name);
  await expect(cells.nth(2)).toHaveText(String(there.checks.emergency));
  expect(there.checks.emergency).toBeGreaterThanOrEqual(1);

  // The download: a byte-order mark, and the month's row as the screen shows it.
  const [download] = await Promise.all([desk.waitForEvent("download"), desk.getByTestId("download-csv").click()]);
  expect(download.suggestedFilename()).toBe(`mimamori-report-${m}-${m}.csv`);
  const bytes = fs.readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString("utf8").trim().split("\n");
  const header = lines[0].split(",");
  const csvRow = lines.find((l) => l.startsWith(`${m},`))!.split(",");
  const col = (name: string) => csvRow[header.indexOf(name)];
  expect(col("見守りの記録")).toBe((await cells.nth(0).textContent())!.trim());
  expect(col("気になる")).toBe((await cells.nth(1).textContent())!.trim());
  expect(col("緊急")).toBe((await cells.nth(2).textContent())!.trim());
  expect(col("気になる：夜に電気がつかない")).not.toBe("0");
  expect(problems).toEqual([]);
});
