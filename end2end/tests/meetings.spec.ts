// 個別ケース検討会 as a coordinator holds it: two persons whose 気になる came in from the field are
// picked for a meeting; the agenda names both for the office, and with partner staff in the room
// names only the one who agreed to share with partners (the other is a number, without the note
// the volunteer wrote); the print layout; the decision entered after the meeting becomes the case's
// update, with owner and date, as the 要対応 timeline shows.
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

test("a meeting's agenda shows each audience what it may see, prints, and takes the decisions", async ({
  browser,
}) => {
  // 佐藤さん's phone sends a 気になる on two of her persons, one with a note naming the family.
  const phone = await server.signIn("sato");
  const [a, b] = await server.persons(phone);
  const concern = (p: any, note: string) => ({
    type: "create_check",
    check: { id: randomUUID(), person_id: p.id, outcome: "concern", note, recorded_at: Date.now() - 60_000 },
  });
  const res = await server.api(phone, "POST", "/sync/push", {
    mutations: [concern(a, "玄関に新聞がたまっている"), concern(b, "長男さんと連絡がとれないと近所の方の話")],
  });
  expect(res.results.map((r: any) => r.status)).toEqual(["applied", "applied"]);
  // a agreed to share with partners; b did not.
  const office = await server.signIn("tanaka");
  const consent = (partners: boolean) => ({
    consent: {
      obtained_on: "2026-04-01",
      method: "written",
      scopes: { record: true, share_partners: partners, share_disaster: true },
    },
  });
  await server.api(office, "POST", `/persons/${a.id}/consents`, consent(true));
  await server.api(office, "POST", `/persons/${b.id}/consents`, consent(false));

  const desk = await (await browser.newContext(DESK)).newPage();
  const problems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await desk.getByRole("link", { name: /^個別ケース検討会/ }).click();
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText("個別ケース検討会");
  await desk.getByLabel("開く日").fill("2026-12-10");
  await desk.getByLabel("会議の名前（なくてもかまいません）").fill("12月 個別ケース検討会");
  await desk.getByRole("checkbox", { name: new RegExp(a.name) }).check();
  await desk.getByRole("checkbox", { name: new RegExp(b.name) }).check();
  await shoot(desk, "76-meeting-new");
  await desk.getByRole("button", { name: "検討会の資料をつくる" }).click();

  // For the office: both named, with what the field saw.
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText("12月 個別ケース検討会　2026-12-10");
  const items = desk.getByTestId("agenda-item");
  await expect(items).toHaveCount(2);
  await expect(desk.getByTestId("agenda")).toContainText(a.name);
  await expect(desk.getByTestId("agenda")).toContainText(b.name);
  await expect(desk.getByTestId("agenda")).toContainText("長男さんと連絡がとれない");
  await shoot(desk, "77-meeting-agenda");

  // Partner staff attend: b is a number only, without the note.
  await desk.getByRole("button", { name: "協力法人の職員も出席" }).click();
  await expect(desk.getByTestId("agenda-audience")).toContainText("同意のない方 1人");
  await expect(desk.getByTestId("agenda")).toContainText(a.name);
  await expect(desk.getByTestId("agenda")).not.toContainText(b.name);
  await expect(desk.getByTestId("agenda")).not.toContainText("長男さん");
  await expect(desk.getByText(/対象者 \d（.+）お名前は表示しません/)).toBeVisible();
  await expect(desk.getByTestId("decision-form")).toHaveCount(0);
  await desk.emulateMedia({ media: "print" });
  await expect(desk.getByTestId("print-agenda")).toBeHidden();
  await expect(desk.locator(".app-header")).toBeHidden();
  await desk.screenshot({ path: `${SHOTS}/78-meeting-agenda-print.png`, fullPage: true });
  await desk.emulateMedia({ media: "screen" });

  // After the meeting: the decision on a, entered for the office.
  await desk.getByRole("button", { name: "社協・市町村の職員だけ" }).click();
  const first = items.filter({ hasText: a.name });
  const form = first.getByTestId("decision-form");
  await form.getByLabel("状況").selectOption({ label: "対応中" });
  await form.getByLabel("担当").selectOption({ label: "田中 美紀（社協コーディネーター）" });
  await form.getByLabel("次の対応日").fill("2026-12-20");
  await form.getByLabel("決まったこと").fill("田中が家族に連絡をとる");
  await form.getByRole("button", { name: "決定を記録する" }).click();
  await expect(first.getByTestId("decided")).toBeVisible();
  await expect(first).toContainText("田中が家族に連絡をとる");
  await expect(first).toContainText("2026-12-20");

  // The meeting is moved a week and b taken off; a, decided, stays (its box cannot be cleared).
  await desk.getByTestId("change-meeting").click();
  const change = desk.getByTestId("change-meeting-form");
  await expect(change.getByRole("checkbox", { name: new RegExp(a.name) })).toBeChecked();
  await expect(change.getByRole("checkbox", { name: new RegExp(a.name) })).toBeDisabled();
  await change.getByLabel("開く日").fill("2026-12-17");
  await change.getByRole("checkbox", { name: new RegExp(b.name) }).uncheck();
  await shoot(desk, "96-meeting-change");
  await change.getByRole("button", { name: "変更を保存する" }).click();
  await expect(desk.getByRole("heading", { level: 1 })).toHaveText("12月 個別ケース検討会　2026-12-17");
  await expect(items).toHaveCount(1);
  await expect(desk.getByTestId("agenda")).not.toContainText(b.name);
  await expect(items.first().getByTestId("decided")).toBeVisible();

  // The queue's timeline says the same.
  const cases = await server.api(office, "GET", "/cases");
  const theCase = cases.cases.find((c: any) => c.person_id === a.id);
  expect(theCase.status).toBe("in_progress");
  expect(theCase.next_action_on).toBe("2026-12-20");
  expect(theCase.owner.display_name).toBe("田中 美紀");
  expect(problems).toEqual([]);
});
