// 言語 / Language: a volunteer chooses English in 設定; the nav, the home list and the check form
// speak English (a check saved with the signal gone too), and 日本語 brings the Japanese back.
import { test, expect, BrowserContext } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, storeCounts, SHOTS, signedInPage, unlock, TEST_PIN } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

const signedIn = (context: BrowserContext, login: string) => signedInPage(context, server.url, login);

test("a volunteer switches to English, records a check offline in English, and switches back", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "sato");
  const problems = watchConsole(page);
  const nav = page.getByRole("navigation");

  // 設定 → English: the page is drawn again in English, and says so to screen readers.
  await nav.getByRole("link", { name: "設定" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("設定");
  const language = page.getByRole("group", { name: "言語 / Language" });
  await expect(language.getByRole("button", { name: "日本語" })).toHaveAttribute("aria-pressed", "true");
  await language.getByRole("button", { name: "English" }).click();
  // The page is drawn anew, and a new page asks for the PIN, in English already.
  await unlock(page, TEST_PIN, "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Settings");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(language.getByRole("button", { name: "English" })).toHaveAttribute("aria-pressed", "true");
  // Each language keeps its own name, so it can be found by someone who cannot read the other.
  await expect(language.getByRole("button", { name: "日本語" })).toHaveAttribute("lang", "ja");
  for (const name of ["People", "Records", "Requests", "Settings"]) {
    await expect(nav.getByRole("link", { name, exact: true })).toBeVisible();
  }
  await expect(page.getByTestId("sync-bar")).toContainText("All sent");

  // The home list: heading, summary and where each person stands, in words.
  await nav.getByRole("link", { name: "People" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Your people");
  await expect(page.getByTestId("attention-summary")).toHaveText(/^(No one is overdue\.|Overdue or due today: \d+)$/);
  const rows = page.getByTestId("person-row");
  await expect(rows.first()).toBeVisible();
  for (const due of await rows.getByTestId("due").allTextContents()) {
    expect(due).toMatch(/^(No check yet|Due today|Due tomorrow|\d+ days overdue|In \d+ days)$/);
  }
  await expect(page.getByText("Search, filter, distance")).toBeVisible();
  await shoot(page, "40-english-home");

  // A check with the signal gone: the English buttons, an English refusal, an English confirmation.
  await context.setOffline(true);
  await rows.first().click();
  await page.getByRole("button", { name: "All well", exact: true }).click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("saved")).toHaveText("Saved. It will be sent when there is signal.");
  expect((await storeCounts(page)).outbox).toBe(1);
  await expect(page.getByTestId("history-item").first()).toContainText("All well");
  await expect(page.getByTestId("history-item").first()).toContainText("Not sent yet");
  await expect(page.getByTestId("pending-count")).toHaveText("Not sent yet: 1");

  await page.getByRole("button", { name: "Concern", exact: true }).click();
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("concern-chips").getByRole("alert")).toHaveText(
    "Choose what you noticed, or write a note."
  );
  expect((await storeCounts(page)).outbox).toBe(1);
  await page.getByRole("button", { name: "Snow not cleared" }).click();
  await page.getByRole("button", { name: "From outside" }).click();
  await expect(page.getByRole("button", { name: "Snow not cleared" })).toHaveAttribute("aria-pressed", "true");
  await shoot(page, "41-english-check");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(2);
  await expect(page.getByTestId("history-item").first()).toContainText("Snow not cleared");

  // Back to 日本語, still offline: the service worker serves the page again, now in Japanese.
  await page.getByRole("navigation").getByRole("link", { name: "Settings" }).click();
  await page.getByRole("group", { name: "言語 / Language" }).getByRole("button", { name: "日本語" }).click();
  await unlock(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("設定");
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");
  await expect(page.getByTestId("pending-count")).toHaveText("未送信 2 件");
  await page.getByRole("navigation").getByRole("link", { name: "担当の方" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("担当の方");
  await expect(rows.first().getByTestId("due")).toHaveText(/^(記録なし|今日が目安|明日が目安|\d+日超過|あと\d+日)$/);

  // Online again, both go out as they were made.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  const mine = (await server.allChecks(await server.signIn("tanaka"))).filter((c) => c.author_id === "u-sato");
  expect(mine.map((c) => c.outcome)).toEqual(["all_well", "concern"]);
  expect(mine[1].concerns).toEqual(["snow_not_cleared"]);
  expect(problems).toEqual([]);
  await context.close();
});
