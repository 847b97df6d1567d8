// The office side of the network, as a 社協 coordinator does it: enrol a volunteer's phone with an
// invite and a QR code, revoke a lost phone (which wipes it), register a person with consent and
// read who touched their data.
import { test, expect, Page } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { EMPTY_STORE, shoot, signInAs, storeCounts, SHOTS, reopen, setPin } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

const DESK = { viewport: { width: 1024, height: 768 } };

async function openAdmin(page: Page, title: string) {
  await page.getByRole("link", { name: new RegExp(`^${title}`) }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(title);
}

test("a coordinator enrols a volunteer's phone by invite; revoking the phone wipes it", async ({ browser }) => {
  const office = await browser.newContext(DESK);
  const desk = await office.newPage();
  const deskProblems = watchConsole(desk);

  // A wrong password gets one generic answer; the right one opens the management home.
  await signInAs(desk, server.url, "tanaka", "not-the-password", null);
  await expect(desk.getByTestId("sign-in-error")).toHaveText("IDまたはパスワードが違います。");
  await desk.getByLabel("パスワード").fill("mimamori");
  await desk.getByRole("button", { name: "サインイン" }).click();
  await setPin(desk);
  await expect(desk).toHaveURL(/\/admin$/);
  await expect(desk.getByTestId("admin-menu")).toBeVisible();
  await shoot(desk, "10-admin-home");

  // A new volunteer: no password, two neighbours to watch, and an invite.
  await openAdmin(desk, "ユーザー・招待");
  const form = desk.getByTestId("add-user");
  await form.getByLabel("氏名").fill("木村 トミ");
  await form.getByLabel("ID（サインイン用）").fill("kimura");
  await form.getByRole("button", { name: "追加する" }).click();
  await expect(desk.getByText("木村 トミ さんを追加しました。")).toBeVisible();
  const card = desk.getByTestId("user-card").filter({ hasText: "木村 トミ" });
  await card.getByRole("button", { name: "担当する方" }).click();
  const picker = card.getByTestId("assignments");
  await picker.getByRole("checkbox").nth(0).check();
  await picker.getByRole("checkbox").nth(1).check();
  await picker.getByRole("button", { name: "保存する" }).click();
  await expect(picker.getByText("保存しました。")).toBeVisible();
  await expect(card).toContainText("担当 2人");
  await card.getByRole("button", { name: "招待コードを発行" }).click();
  const invite = card.getByTestId("invite");
  await expect(invite.getByRole("img", { name: "招待コードのQRコード" }).locator("svg")).toBeVisible();
  const label = (await invite.getByTestId("invite-code").getAttribute("aria-label")) ?? "";
  const code = label.replace("招待コード", "").trim();
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  await shoot(desk, "11-invite");
  await invite.screenshot({ path: `${SHOTS}/11-invite-card-1024.png` });

  // The volunteer opens the QR code's address on their phone and taps one button.
  const phoneContext = await browser.newContext();
  const phone = await phoneContext.newPage();
  const phoneProblems = watchConsole(phone);
  await phone.goto(`${server.url}/enroll#${code}`);
  await expect(phone.getByLabel("招待コード")).toHaveValue(code);
  await shoot(phone, "12-enroll");
  await phone.getByRole("button", { name: "この端末を登録する" }).click();
  await setPin(phone);
  await expect(phone).toHaveURL(/\/persons$/);
  await expect(phone.getByTestId("person-row")).toHaveCount(2);
  await expect.poll(async () => (await storeCounts(phone)).persons).toBe(2);

  // The code worked once; a second phone is told plainly.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(`${server.url}/enroll#${code}`);
  await otherPage.getByRole("button", { name: "この端末を登録する" }).click();
  await expect(otherPage.getByRole("alert")).toContainText("この招待コードは使用済みです");
  await other.close();

  // The phone is lost: the coordinator revokes it.
  await reopen(desk, `${server.url}/admin`);
  await openAdmin(desk, "端末");
  const row = desk.getByTestId("device-row").filter({ hasText: "木村 トミ" });
  await expect(row).toHaveCount(1);
  await row.getByRole("button", { name: "この端末を無効にする" }).click();
  await row.getByRole("button", { name: "無効にする", exact: true }).click();
  await expect(row).toContainText("無効");
  await shoot(desk, "13-devices");

  // At its next contact the phone learns it, wipes everything personal, and says why.
  await reopen(phone);
  await expect(phone).toHaveURL(/\/login$/);
  await expect(phone.getByTestId("sign-in-notice")).toContainText("この端末は利用できなくなりました");
  expect(await storeCounts(phone)).toEqual(EMPTY_STORE);
  await shoot(phone, "14-revoked");

  expect([...deskProblems, ...phoneProblems]).toEqual([]);
  await phoneContext.close();
  await office.close();
});

test("a coordinator registers a person with consent, withdraws it, and reads the audit log", async ({ browser }) => {
  const office = await browser.newContext(DESK);
  const desk = await office.newPage();
  const problems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  await openAdmin(desk, "対象者");
  await expect(desk.getByTestId("admin-person-row")).toHaveCount(50);
  await desk.getByRole("link", { name: "新しく登録" }).click();
  const form = desk.getByTestId("person-form");

  // Nothing typed is lost on an error, and the error sits next to its field, in Japanese.
  await form.getByLabel("住所").fill("秋田県雪見町本町 3-4");
  await form.getByRole("button", { name: "登録する" }).click();
  await expect(form.getByText("小地域を選んでください。").first()).toBeVisible();
  await expect(form.getByLabel("住所")).toHaveValue("秋田県雪見町本町 3-4");

  await form.getByLabel("小地域（町内会・自治会）").selectOption({ label: "本町一丁目町内会" });
  await form.getByLabel("氏名", { exact: false }).first().fill("<script>alert(1)</script> 森 ハル");
  await form.getByLabel("ふりがな").fill("もり はる");
  await form.getByLabel("電話番号").first().fill("0185-00-7777");
  await form.getByLabel("緯度").fill("39.821");
  await form.getByLabel("経度").fill("140.244");
  await form.getByLabel("避難に支援が必要").check();
  await form.getByLabel("口頭").check();
  await form.getByLabel("記録への同意").check();
  await form.getByLabel("災害時の共有").check();
  await shoot(desk, "15-person-form");
  await form.getByRole("button", { name: "登録する" }).click();

  // The detail page: the name is text, not markup; the consent is in force.
  await expect(desk).toHaveURL(/\/admin\/persons\/p-[0-9a-f]{32}$/);
  await expect(desk.getByRole("heading", { level: 1 })).toContainText("<script>alert(1)</script> 森 ハル");
  const consent = desk.getByTestId("consent-now");
  await expect(consent).toContainText("口頭");
  await expect(consent).toContainText("記録・災害時に共有");

  // Withdrawal is recorded, not deleted.
  await desk.getByRole("button", { name: "同意の撤回" }).click();
  await desk.getByRole("button", { name: "撤回する" }).click();
  await expect(desk.getByText("有効な同意がありません。情報の共有はできません。")).toBeVisible();
  await expect(desk.getByTestId("consent-history")).toContainText("撤回");
  // The audit log names who did what, from which device; reopening the page adds a reading.
  await reopen(desk);
  const audit = desk.getByTestId("audit");
  await expect(audit).toContainText("田中 美紀");
  for (const action of ["登録", "同意の記録", "同意の撤回", "閲覧"]) {
    await expect(audit.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
  }
  await shoot(desk, "16-person-detail");
  // The other management screens pass the same accessibility rules.
  for (const [menu, shot] of [["地域", "18-areas"], ["協力法人", "19-organizations"]]) {
    await desk.getByRole("link", { name: "管理", exact: true }).click();
    await openAdmin(desk, menu);
    await expect(desk.getByRole("heading", { level: 1 })).toContainText(menu);
    await shoot(desk, shot);
  }
  expect(problems).toEqual([]);
  await office.close();
});

test("partner staff see the requests referred to their organisation, and nothing of the watch history", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  await signInAs(page, server.url, "yamada");
  await expect(page).toHaveURL(/\/requests$/);
  // The demo refers four requests to 雪見福祉会, all for persons who agreed to sharing with partners.
  await expect(page.getByTestId("request")).toHaveCount(4);
  await expect(page.getByTestId("request").first()).toContainText("お名前");
  const nav = page.getByRole("navigation", { name: "メニュー" });
  await expect(nav.getByRole("link")).toHaveText(["依頼一覧", "設定"]);
  await shoot(page, "17-partner-requests");
  // The watch history is not theirs to see, on screen or through the API: a check the 民生委員
  // records reaches the coordinator, never the partner.
  const suzuki = await server.signIn("suzuki");
  const person = (await server.pull(suzuki)).scope[0].id;
  const check = { id: crypto.randomUUID(), person_id: person, outcome: "concern", note: "partner-test", recorded_at: Date.now() };
  await server.api(suzuki, "POST", "/sync/push", { mutations: [{ type: "create_check", check }] });
  const seen = async (login: string) => (await server.allChecks(await server.signIn(login))).map((c) => c.id);
  expect(await seen("tanaka")).toContain(check.id);
  expect(await seen("yamada")).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});
