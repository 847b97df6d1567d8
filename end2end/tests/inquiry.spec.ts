// 御用聞き, requests and registration as a 民生委員 does them, with the signal gone: a visit's needs
// checklist, a need that becomes a request, the plain refusal to send a person's data to a partner
// without their consent and the consent recorded on the spot, the coordinator routing it, and the
// 民生委員 seeing what became of it; then a 気になる方 registered at the door and checked at once.
import { test, expect, BrowserContext } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, signInAs, storeCounts, SHOTS, signedInPage, reopen } from "./support/ui";
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

const signedIn = (context: BrowserContext, login: string) => signedInPage(context, server.url, login);

test("a 御用聞き visit offline: needs, a request, consent recorded on the spot, routed, status seen", async ({
  browser,
}) => {
  const suzukiApi = await server.signIn("suzuki");
  const persons = await server.persons(suzukiApi);
  const person = persons.find((p) => p.consent.record && !p.consent.share_partners);
  expect(person, "someone who has not agreed to sharing with partners").toBeTruthy();

  const context = await browser.newContext();
  const page = await signedIn(context, "suzuki");
  const problems = watchConsole(page);
  await context.setOffline(true);
  await page.getByTestId("person-row").filter({ hasText: person.name }).first().click();
  await page.getByRole("link", { name: "御用聞き（困りごとを聞く）" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${person.name}さん`);
  await expect(page.getByRole("button", { name: "訪問" })).toHaveAttribute("aria-pressed", "true");

  // Saving without saying how they are is refused next to the outcomes.
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByRole("alert").first()).toHaveText("ご様子を選んでください。");
  await page.getByRole("button", { name: "変わりなし", exact: true }).click();
  const needs = page.getByTestId("needs");
  await needs.getByRole("button", { name: "除雪", exact: true }).click();
  await page.getByLabel("除雪の内容").fill("玄関から道路まで。屋根は業者に頼んでいる");
  await page.getByTestId("need-snow_removal").getByLabel("相談・依頼として社協に伝える").check();
  // No consent to share with partners: said plainly, with the way to record it.
  const gate = page.getByTestId("consent-gate");
  await expect(gate).toContainText("協力法人にはつなげません");
  await needs.getByRole("button", { name: "買い物", exact: true }).click();
  await needs.getByRole("button", { name: "その他", exact: true }).click();
  await page.getByRole("button", { name: "記録して 依頼1件を送る" }).click();
  await expect(needs.getByRole("alert")).toHaveText("「その他」の内容を書いてください。");
  await needs.getByRole("button", { name: "その他", exact: true }).click();
  await shoot(page, "30-inquiry-consent-gate");
  expect((await storeCounts(page)).outbox).toBe(0);

  // The consent, recorded on the spot; the visit form comes back as it was left.
  await gate.getByRole("link", { name: "同意を記録する" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("同意を記録する");
  await page.getByRole("button", { name: "同意を記録する" }).click();
  await expect(page.getByRole("alert")).toHaveText("同意の方法を選んでください。");
  await page.getByRole("button", { name: "口頭" }).click();
  await page.getByLabel("協力法人（社会福祉法人など）に伝えること").check();
  await shoot(page, "31-consent");
  await page.getByRole("button", { name: "同意を記録する" }).click();
  await expect(page).toHaveURL(/\/inquiry$/);
  await expect(page.getByLabel("除雪の内容")).toHaveValue("玄関から道路まで。屋根は業者に頼んでいる");
  await expect(needs.getByRole("button", { name: "買い物", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("consent-gate")).toHaveCount(0);
  await page.getByLabel("協力法人（社会福祉法人など）の手助けを希望").check();
  await shoot(page, "32-inquiry");
  await page.getByRole("button", { name: "記録して 依頼1件を送る" }).click();

  // Saved on the phone: the visit in the history, the request open and unsent.
  await expect(page.getByTestId("page-saved")).toContainText("御用聞きを保存しました");
  expect(await storeCounts(page)).toMatchObject({ outbox: 3, drafts: 0 });
  const visit = page.getByTestId("history-item").first();
  await expect(visit).toContainText("御用聞き");
  await expect(visit).toContainText("除雪：玄関から道路まで");
  await expect(visit).toContainText("買い物");
  const open = page.getByTestId("person-requests").getByTestId("request-item");
  await expect(open).toHaveCount(1);
  await expect(open.getByTestId("request-status")).toHaveText("未送信");
  await expect(page.getByTestId("consent-summary")).toContainText("協力法人と共有可");

  // Online: consent, visit and request go out in the order they were made.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect(open.getByTestId("request-status")).toHaveText("受付");

  // The coordinator routes it to the partner corporation.
  const desk = await (await browser.newContext(DESK)).newPage();
  await signInAs(desk, server.url, "tanaka");
  await desk.getByRole("link", { name: "依頼", exact: true }).click();
  const card = desk.getByTestId("request").filter({ hasText: person.name }).filter({ hasText: "除雪" });
  await expect(card).toContainText("協力法人の手助けを希望");
  await card.getByLabel("状況").selectOption({ label: "対応中" });
  await card.getByLabel("つなぐ協力法人").selectOption({ label: "社会福祉法人 雪見福祉会" });
  await card.getByRole("button", { name: "更新する" }).click();
  const routed = desk.getByTestId("request").filter({ hasText: person.name }).filter({ hasText: "除雪" });
  await expect(routed.getByTestId("request-organization")).toHaveText("社会福祉法人 雪見福祉会");
  await expect(routed.locator(".tag").first()).toHaveText("対応中");
  await shoot(desk, "33-coordinator-requests");

  // The case the request opened (or joined) is carried by the partner now, and its timeline
  // shows where the referral stands.
  await desk.getByRole("link", { name: "みまもり" }).click();
  await desk.getByRole("link", { name: /^要対応 / }).click();
  const caseCard = desk.getByTestId("case").filter({ hasText: person.name });
  await expect(caseCard.getByTestId("case-owner")).toHaveText("社会福祉法人 雪見福祉会");
  await caseCard.getByTestId("open-case").click();
  const timeline = caseCard.getByTestId("case-timeline");
  await expect(timeline).toContainText("除雪");
  await expect(timeline).toContainText("→ 社会福祉法人 雪見福祉会 に紹介・対応中");
  await expect(timeline).toContainText("担当を紹介先の 社会福祉法人 雪見福祉会 に");
  await expect(caseCard.getByLabel("担当", { exact: true })).toHaveValue("org:o-yukimi-fukushikai");
  await shoot(desk, "79-case-carried-by-partner");

  // The 民生委員 sees it at the next sync, first in 依頼したこと.
  await page.getByRole("link", { name: "依頼", exact: true }).click();
  await page.getByRole("link", { name: "設定" }).click();
  await page.getByRole("button", { name: /今すぐ送信/ }).click();
  await page.getByRole("link", { name: "依頼", exact: true }).click();
  const mine = page.getByTestId("my-requests").getByTestId("request-item");
  await expect(mine.first().getByTestId("request-status")).toHaveText("対応中", { timeout: 30_000 });
  await expect(mine.first()).toContainText("つないだ先：社会福祉法人 雪見福祉会");
  await expect(mine.first()).toContainText(`${person.name}さん`);
  // Offline after a cold start, the list is still there.
  await context.setOffline(true);
  await reopen(page);
  await expect(mine.first().getByTestId("request-status")).toHaveText("対応中");
  await shoot(page, "34-my-requests");
  expect(problems).toEqual([]);
  await context.close();
});

test("a 民生委員 registers a 気になる方 at the door, offline, and checks them at once", async ({ browser }) => {
  const context = await browser.newContext({
    geolocation: { latitude: 39.8212, longitude: 140.2451, accuracy: 15 },
    permissions: ["geolocation"],
  });
  const page = await signedIn(context, "suzuki");
  const problems = watchConsole(page);
  const before = await page.getByTestId("person-row").count();
  await context.setOffline(true);
  await page.getByRole("link", { name: "気になる方を登録する" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("気になる方を登録する");
  // Each problem is named next to its field, and nothing typed is lost.
  await page.getByRole("button", { name: "登録する" }).click();
  await expect(page.getByRole("alert")).toHaveText("氏名を60文字以内で入力してください。");
  await page.getByLabel("氏名").fill("北村 ハル");
  await page.getByLabel("ふりがな").fill("kitamura");
  await page.getByLabel("住所").fill("本町一丁目 9-9");
  await page.getByRole("button", { name: "登録する" }).click();
  await expect(page.getByRole("alert")).toHaveText("ふりがなは ひらがな か カタカナ で入力してください。");
  await page.getByLabel("ふりがな").fill("きたむら はる");
  await expect.poll(async () => (await storeCounts(page)).drafts).toBe(1);
  await reopen(page);
  await expect(page.getByLabel("氏名")).toHaveValue("北村 ハル");
  await expect(page.getByLabel("ふりがな")).toHaveValue("きたむら はる");
  const area = page.getByLabel("小地域");
  const options = await area.locator("option").allTextContents();
  await area.selectOption({ label: options[1] });
  await page.getByRole("button", { name: "今いる場所を使う" }).click();
  await expect(page.getByText(/位置を記録しました/)).toBeVisible();
  await page.getByRole("button", { name: "書面" }).click();
  await shoot(page, "35-register");
  await page.getByRole("button", { name: "登録する" }).click();

  // On the phone at once: the new person's page, ready for a check.
  await expect(page.getByTestId("page-saved")).toContainText("登録しました");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("北村 ハル");
  await page.getByRole("button", { name: "気になる", exact: true }).click();
  await page.getByRole("button", { name: "体調が悪そう" }).click();
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
  expect((await storeCounts(page)).outbox).toBe(2);
  await page.getByRole("link", { name: "← 担当の方" }).click();
  await expect(page.getByTestId("person-row")).toHaveCount(before + 1);

  // Online: the person, then the check; the coordinator has both.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  const tanaka = await server.signIn("tanaka");
  const registered = (await server.persons(tanaka)).find((p) => p.name === "北村 ハル");
  expect(registered).toBeTruthy();
  expect(registered.small_area).toBe(options[1]);
  const checks = (await server.allChecks(tanaka)).filter((c) => c.person_id === registered.id);
  expect(checks.map((c) => c.concerns)).toEqual([["looks_unwell"]]);
  await expect(page.getByTestId("person-row")).toHaveCount(before + 1);
  expect(problems).toEqual([]);
  await context.close();
});
