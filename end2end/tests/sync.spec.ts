// The sync engine as field users meet it: lost answers, two tabs, wrong clocks, two people
// editing one record offline, a month of records queued, people leaving a volunteer's care,
// an old store upgraded, and a store the browser threw away.
import { test, expect, Page, BrowserContext } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { jaDate, shoot, signInAs, storeCounts, SHOTS, signedInPage, reopen, setPin } from "./support/ui";
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

async function logCheck(page: Page, outcome: string, note: string) {
  await page.getByRole("button", { name: outcome, exact: true }).click();
  await page.getByLabel("メモ（任意）").fill(note);
  await page.getByRole("button", { name: "記録する" }).click();
  await expect(page.getByTestId("saved")).toBeVisible();
}

/** Fires the browser's `online` event, one of the app's sync triggers. */
async function signalReturns(context: BrowserContext) {
  await context.setOffline(true);
  await context.setOffline(false);
}

async function checksWithNote(note: string | RegExp): Promise<any[]> {
  const all = await server.allChecks(await server.signIn("tanaka"));
  return all.filter((c) => (typeof note === "string" ? c.note === note : note.test(c.note ?? "")));
}

test("a push whose answer is lost is sent again and stored once", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "sato");
  const problems = watchConsole(page);
  // The server commits the push, then the connection drops before the answer arrives.
  let dropping = true;
  let lost = 0;
  const pushes: string[][] = [];
  await page.route("**/api/v1/sync/push", async (route) => {
    pushes.push(route.request().postDataJSON().mutations.map((m: any) => m.check?.id ?? m.id));
    if (dropping) {
      dropping = false;
      await route.fetch();
      // Counted once the server has answered (committed), not when the push left the phone.
      lost++;
      await route.abort("connectionreset");
    } else {
      await route.continue();
    }
  });
  await page.getByTestId("person-row").first().click();
  await logCheck(page, "気になる", "答えが届かなかった記録");
  await expect.poll(() => lost).toBe(1);
  // Stored on the server, but the phone could not know: it sends the same record again.
  expect(await checksWithNote("答えが届かなかった記録")).toHaveLength(1);
  await signalReturns(context);
  await expect(page.getByTestId("pending-count")).toHaveCount(0);
  await expect(page.getByTestId("history-item").first()).toContainText("送信済み");
  expect(pushes.length).toBeGreaterThanOrEqual(2);
  expect(pushes[1]).toEqual(pushes[0]);
  expect(await checksWithNote("答えが届かなかった記録")).toHaveLength(1);
  expect(problems).toEqual([]);
  await context.close();
});

test("two tabs share one device store: one leads syncing, each record once, and the other shows where it stands", async ({
  browser,
}) => {
  const context = await browser.newContext();
  const first = await signedIn(context, "sato");
  const second = await context.newPage();
  await reopen(second, `${server.url}/persons`);
  await expect(second.getByTestId("person-row").first()).toBeVisible();
  const problems = [...watchConsole(first), ...watchConsole(second)];
  const pushes = { first: 0, second: 0 };
  first.on("request", (r) => void (r.url().includes("/api/v1/sync/push") && pushes.first++));
  second.on("request", (r) => void (r.url().includes("/api/v1/sync/push") && pushes.second++));
  // Records made in both tabs with no signal: both see all three waiting (one store).
  await context.setOffline(true);
  await first.getByTestId("person-row").nth(1).click();
  for (const n of [1, 2]) await logCheck(first, "変わりなし", `二つのタブ ${n}`);
  await second.getByTestId("person-row").nth(2).click();
  await logCheck(second, "変わりなし", "二つのタブ 3");
  await expect(second.getByTestId("pending-count")).toContainText("未送信 3 件");
  await expect(first.getByTestId("pending-count")).toContainText("未送信 3 件");
  // Signal back: the first tab (it opened first) leads; the second never pushes, yet hears that
  // everything went, without a reload.
  await context.setOffline(false);
  await expect(first.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect(second.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect(second.getByTestId("sync-bar")).toContainText("すべて送信済み");
  expect(pushes.first).toBeGreaterThan(0);
  expect(pushes.second).toBe(0);
  const stored = await checksWithNote(/^二つのタブ /);
  expect(stored.map((c) => c.note).sort()).toEqual(["二つのタブ 1", "二つのタブ 2", "二つのタブ 3"]);
  // The leader closes: the second tab takes over and syncs on its own.
  await first.close();
  await logCheck(second, "変わりなし", "二つのタブ 4");
  await expect(second.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await expect.poll(() => pushes.second).toBeGreaterThan(0);
  expect((await checksWithNote(/^二つのタブ 4$/)).length).toBe(1);
  expect(problems).toEqual([]);
  await context.close();
});

test("phones whose clocks are a day fast or slow still record the right time, in the right order", async ({ browser }) => {
  const fast = await browser.newContext();
  const slow = await browser.newContext();
  const fastPage = await signedIn(fast, "sato");
  const slowPage = await signedIn(slow, "sato");
  const problems = [...watchConsole(fastPage), ...watchConsole(slowPage)];
  // Both lose the signal, then their clocks go wrong: one a day ahead, one a day behind.
  await fast.setOffline(true);
  await slow.setOffline(true);
  await fastPage.clock.setFixedTime(new Date(Date.now() + DAY));
  await slowPage.clock.setFixedTime(new Date(Date.now() - DAY));
  await fastPage.getByTestId("person-row").first().click();
  await logCheck(fastPage, "変わりなし", "時計が一日進んだ端末");
  // Offline, the phone can only go by its own clock.
  await expect(fastPage.getByTestId("history-item").first()).toContainText(jaDate(1));
  await slowPage.getByTestId("person-row").first().click();
  await logCheck(slowPage, "気になる", "時計が一日遅れた端末");
  await expect(slowPage.getByTestId("history-item").first()).toContainText(jaDate(-1));

  // The fast phone finds signal first, then the slow one.
  await fast.setOffline(false);
  await expect(fastPage.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await slow.setOffline(false);
  await expect(slowPage.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  // The server corrected both by the clock difference it saw, so both happened today…
  const fastCheck = (await checksWithNote("時計が一日進んだ端末"))[0];
  const slowCheck = (await checksWithNote("時計が一日遅れた端末"))[0];
  for (const c of [fastCheck, slowCheck]) {
    expect(Math.abs(c.recorded_at - Date.now())).toBeLessThan(5 * 60_000);
    expect(Math.abs(c.recorded_at - c.received_at)).toBeLessThan(60_000);
  }
  // …in the order they were made (the slow phone's came second).
  expect(slowCheck.recorded_at).toBeGreaterThanOrEqual(fastCheck.recorded_at);
  // The phones show the corrected times, newest first.
  await reopen(slowPage);
  const history = slowPage.getByTestId("history-item");
  await expect(history.first()).toContainText("時計が一日遅れた端末");
  await expect(history.first()).toContainText(jaDate(0));
  await expect(history.nth(1)).toContainText("時計が一日進んだ端末");
  await expect(history.nth(1)).toContainText(jaDate(0));
  await shoot(slowPage, "20-clock-corrected");
  expect(problems).toEqual([]);
  await fast.close();
  await slow.close();
});

test("two people edit one person offline: other fields merge, the same field goes to the coordinator", async ({ browser }) => {
  const a = await browser.newContext();
  const b = await browser.newContext();
  const pageA = await signedIn(a, "suzuki");
  const pageB = await signedIn(b, "suzuki");
  const problems = [...watchConsole(pageA), ...watchConsole(pageB)];
  await pageA.getByTestId("person-row").first().click();
  const personUrl = pageA.url();
  const name = (await pageA.getByRole("heading", { level: 1 }).textContent())!;
  await reopen(pageB, personUrl);
  await a.setOffline(true);
  await b.setOffline(true);

  // Phone A: a new number and a note. Phone B: a different number.
  await pageA.getByRole("button", { name: "連絡先・メモを変更する" }).click();
  await pageA.getByLabel("電話番号").fill("0185-11-1111");
  await pageA.getByLabel("メモ", { exact: true }).fill("玄関の鍵は隣の家が預かっている");
  await shoot(pageA, "21-edit-person");
  await pageA.getByRole("button", { name: "変更を保存" }).click();
  await expect(pageA.getByTestId("edit-saved")).toBeVisible();
  await expect(pageA.getByTestId("person-phone")).toHaveText("0185-11-1111");
  await expect(pageA.getByTestId("pending-count")).toContainText("未送信 1 件");
  await pageB.getByRole("button", { name: "連絡先・メモを変更する" }).click();
  await pageB.getByLabel("電話番号").fill("0185-22-2222");
  await pageB.getByRole("button", { name: "変更を保存" }).click();
  await expect(pageB.getByTestId("person-phone")).toHaveText("0185-22-2222");
  // Still offline, B's edit survives a reload (it is in IndexedDB, not in memory).
  await reopen(pageB);
  await expect(pageB.getByTestId("person-phone")).toHaveText("0185-22-2222");

  // A reaches the server first; then B.
  await a.setOffline(false);
  await expect(pageA.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  await b.setOffline(false);
  await expect(pageB.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  // B now shows A's note (a different field: merged) and A's number, with the disagreement said plainly.
  await expect(pageB.getByTestId("person-notes")).toHaveText("玄関の鍵は隣の家が預かっている");
  await expect(pageB.getByTestId("person-phone")).toHaveText("0185-11-1111");
  await expect(pageB.getByTestId("conflict-notice")).toContainText("「電話番号」");
  await shoot(pageB, "22-conflict-notice");

  // The coordinator sees both numbers and keeps B's.
  const office = await browser.newContext(DESK);
  const desk = await office.newPage();
  const deskProblems = watchConsole(desk);
  await signInAs(desk, server.url, "tanaka");
  await expect(desk).toHaveURL(/\/admin$/);
  await desk.getByRole("link", { name: /食い違いの確認/ }).click();
  const conflict = desk.getByTestId("conflict");
  await expect(conflict).toHaveCount(1);
  await expect(conflict).toContainText(name);
  await expect(conflict).toContainText("電話番号");
  await expect(conflict.getByTestId("current-value")).toHaveText("0185-11-1111");
  await expect(conflict.getByTestId("other-value")).toHaveText("0185-22-2222");
  await shoot(desk, "23-conflicts");
  await conflict.getByRole("button", { name: "こちらを残す" }).nth(1).click();
  await expect(desk.getByTestId("no-conflicts")).toBeVisible();

  // Both phones follow at their next sync.
  for (const page of [pageA, pageB]) {
    await reopen(page);
    await expect(page.getByTestId("person-phone")).toHaveText("0185-22-2222");
    await expect(page.getByTestId("conflict-notice")).toHaveCount(0);
    await expect(page.getByTestId("person-notes")).toHaveText("玄関の鍵は隣の家が預かっている");
  }
  expect([...problems, ...deskProblems]).toEqual([]);
  await office.close();
  await a.close();
  await b.close();
});

/** Whether any record of the device store holds `text` in the clear. */
async function rawStoreHas(page: Page, text: string): Promise<boolean> {
  return page.evaluate(
    (text) =>
      new Promise<boolean>((res) => {
        const r = indexedDB.open("mimamori");
        r.onsuccess = () => {
          const db = r.result;
          const names = Array.from(db.objectStoreNames);
          const tx = db.transaction(names);
          let found = false;
          const look = (v: unknown): boolean =>
            v instanceof Uint8Array ? new TextDecoder().decode(v).includes(text) : JSON.stringify(v ?? null).includes(text);
          for (const n of names) {
            const all = tx.objectStore(n).getAll();
            all.onsuccess = () => {
              for (const rec of all.result) {
                if (look(rec) || (rec && typeof rec === "object" && Object.values(rec).some(look))) found = true;
              }
            };
          }
          tx.oncomplete = () => {
            db.close();
            res(found);
          };
        };
      }),
    text
  );
}

/** A phone with the previous release installed (service worker in control) whose device store is
 * the one that release wrote, in the clear: `version` 1 (four stores, persons as v1 kept them) or 3
 * (seven stores, persons as the server sends them), a session, the user's persons, and `checks`
 * unsent records. Returns the user's session cookie. */
async function previousRelease(
  context: BrowserContext,
  page: Page,
  login: string,
  version: 1 | 3,
  checks: { note: string; outcome: string; recorded_at: number }[],
): Promise<string> {
  const signIn = await context.request.post(`${server.url}/api/v1/session`, {
    headers: { "x-mimamori-request": "1" },
    data: { login, password: "mimamori" },
  });
  const user = (await signIn.json()).user;
  const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
  const scope = (await server.api(cookie, "GET", "/sync/pull?cursor=0")).scope.map((s: any) => s.id);
  let persons = (await server.api(cookie, "POST", "/sync/persons", { ids: scope })).persons;
  if (version === 1) {
    persons = persons.map((p: any) => ({
      id: p.id, name: p.name, kana: p.kana, address: p.address, phone: p.phone, lat: p.lat, lng: p.lng,
      small_area: p.small_area, district: p.district, check_interval_days: p.check_interval_days,
    }));
  }
  // The app was installed on this phone (its service worker serves the shell offline)…
  await page.goto(`${server.url}/login`);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  // …and its store is the one that release wrote.
  await page.goto(`${server.url}/api/v1/health`);
  await page.evaluate(
    () => new Promise((res, rej) => { const r = indexedDB.deleteDatabase("mimamori"); r.onsuccess = res; r.onerror = () => rej(r.error); })
  );
  await page.evaluate(
    async ({ user, persons, version, checks }) => {
      const db: IDBDatabase = await new Promise((res, rej) => {
        const r = indexedDB.open("mimamori", version);
        r.onupgradeneeded = () => {
          const d = r.result;
          d.createObjectStore("meta");
          d.createObjectStore("persons", { keyPath: "id" });
          d.createObjectStore("checks", { keyPath: "id" }).createIndex("by_person", "person_id");
          d.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
          if (version >= 2) {
            d.createObjectStore("refused", { keyPath: "id" });
            d.createObjectStore("drafts");
          }
          if (version >= 3) d.createObjectStore("requests", { keyPath: "id" });
        };
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const tx = db.transaction(["meta", "persons", "checks", "outbox"], "readwrite");
      tx.objectStore("meta").put(user, "session");
      for (const p of persons) tx.objectStore("persons").put(p);
      checks.forEach((c, i) => {
        const check = { id: crypto.randomUUID(), person_id: persons[i % persons.length].id, ...c };
        tx.objectStore("checks").put({ ...check, author_id: user.id, author_name: user.display_name, sync: "pending" });
        tx.objectStore("outbox").add({ mutation: { type: "create_check", check } });
      });
      await new Promise((res) => (tx.oncomplete = res));
      db.close();
    },
    { user, persons, version, checks }
  );
  return cookie;
}

test("a month offline with 2,000 checks queued, from the release before the lock: sealed in place, all arrive once, in order, and the app stays usable", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watchConsole(page);
  // Thirty days of records, as the previous release left them in its store.
  const start = Date.now() - 30 * 86_400_000;
  const n = 2000;
  const checks = [...Array(n).keys()].map((i) => ({
    outcome: "all_well",
    note: `ひと月分 ${i}`,
    recorded_at: start + Math.floor((i * 30 * 86_400_000) / n),
  }));
  await previousRelease(context, page, "sato", 3, checks);
  await context.setOffline(true);
  await page.goto(`${server.url}/persons`);
  // Its user chooses a PIN, and the month is sealed in place, offline, before anything shows.
  await setPin(page);
  await expect(page.getByTestId("pending-count")).toContainText("未送信 2000 件");
  expect(await rawStoreHas(page, "ひと月分")).toBe(false);

  // The signal returns. While the month goes out, the user keeps working.
  await context.setOffline(false);
  await expect(page.getByTestId("sync-bar")).toContainText("送信中");
  await page.getByTestId("person-row").nth(2).click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "← 担当の方" }).click();
  await expect(page.getByTestId("person-row")).toHaveCount(5);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 90_000 });

  const stored = await checksWithNote(/^ひと月分 /);
  expect(stored).toHaveLength(2000);
  expect(new Set(stored.map((c) => c.id)).size).toBe(2000);
  // In server order, exactly the order they were made in.
  const order = stored.map((c) => Number(c.note.split(" ")[1]));
  expect(order).toEqual([...Array(2000).keys()]);
  expect((await storeCounts(page)).outbox).toBe(0);
  expect(problems).toEqual([]);
  await context.close();
});

/** A value of the device store's `meta` (undefined when absent). */
function metaValue(page: Page, key: string): Promise<unknown> {
  return page.evaluate(
    (key) =>
      new Promise((resolve) => {
        const r = indexedDB.open("mimamori");
        r.onsuccess = () => {
          const got = r.result.transaction("meta").objectStore("meta").get(key);
          got.onsuccess = () => resolve(got.result);
        };
      }),
    key
  );
}

test("a person taken off a volunteer's list leaves the phone at the next sync, and the phone says what it dropped", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "takahashi");
  const problems = watchConsole(page);
  await expect(page.getByTestId("person-row")).toHaveCount(4);
  // Once a whole pull is applied the phone holds its mark; a sync with nothing new sends it back
  // and is answered with the checks page alone (the office change below still comes through).
  await expect.poll(() => metaValue(page, "pull_mark"), { timeout: 15_000 }).not.toBeUndefined();
  const quiet = page.waitForResponse((r) => r.url().includes("/sync/pull?") && r.url().includes("&mark="));
  await reopen(page, `${server.url}/persons`);
  const quietPull = await (await quiet).json();
  expect(quietPull.unchanged).toBe(true);
  expect(quietPull.scope).toEqual([]);
  await expect(page.getByTestId("person-row")).toHaveCount(4);
  // A server rolled back to a release without marks refuses the parameter: the phone asks again
  // without it, gets the whole pull, and nothing shows wrong.
  let refused = 0;
  await page.route(/\/sync\/pull\?.*&mark=/, (route) => {
    refused += 1;
    return route.fulfill({
      status: 400,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "invalid_query", message: "unknown field `mark`", message_ja: "送信内容が正しくありません。" } }),
    });
  });
  const whole = page.waitForResponse((r) => r.url().includes("/sync/pull?") && !r.url().includes("mark=") && r.status() === 200);
  await reopen(page, `${server.url}/persons`);
  expect((await (await whole).json()).scope).toHaveLength(4);
  expect(refused).toBeGreaterThan(0);
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");
  await page.unroute(/\/sync\/pull\?.*&mark=/);
  await expect(page.getByTestId("person-row")).toHaveCount(4);
  const leaving = page.getByTestId("person-row").first();
  const leavingName = (await leaving.locator(".person-name").textContent())!;
  await leaving.click();
  const leavingId = page.url().split("/").pop()!;
  // Offline, a check on that person waits on the phone…
  await context.setOffline(true);
  await logCheck(page, "変わりなし", "担当から外れる方への記録");
  // …while the office takes the person off 高橋さん's list.
  const office = await server.signIn("tanaka");
  const users = await server.api(office, "GET", "/users");
  const takahashi = users.find((u: any) => u.user.login === "takahashi");
  const keep = takahashi.person_ids.filter((id: string) => id !== leavingId);
  await server.api(office, "PUT", `/users/${takahashi.user.id}/assignments`, { person_ids: keep });

  await context.setOffline(false);
  await reopen(page, `${server.url}/persons`);
  await expect(page.getByTestId("person-row")).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByTestId("person-row").filter({ hasText: leavingName })).toHaveCount(0);
  // The refused record went with the person (their data may not stay), and the phone says so.
  await expect(page.getByTestId("sync-bar")).toContainText("担当から外れた方の、送信できなかった記録 1 件を端末から消去しました");
  await shoot(page, "24-left-scope");
  const held = await page.evaluate(
    (id) =>
      new Promise<number>((resolve) => {
        const r = indexedDB.open("mimamori");
        r.onsuccess = () => {
          const all = r.result.transaction("checks").objectStore("checks").getAll();
          all.onsuccess = () => resolve(all.result.filter((c: any) => c.person_id === id).length);
        };
      }),
    leavingId
  );
  expect(held).toBe(0);
  expect((await storeCounts(page)).persons).toBe(3);
  expect(await checksWithNote("担当から外れる方への記録")).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test("a device store from the previous version keeps its records offline and refreshes online", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // What version 1 of the app left on a phone: its four stores, a session, persons, an unsent check.
  await previousRelease(context, page, "sato", 1, [
    { outcome: "not_home", note: "前のバージョンで保存した記録", recorded_at: Date.now() - 3_600_000 },
  ]);

  // The new version opens offline: everything is there, nothing lost in the upgrade.
  await context.setOffline(true);
  await page.goto(`${server.url}/persons`);
  // A store from before the app lock: its user chooses a PIN, and it is sealed in place, offline.
  await setPin(page);
  await expect(page.getByTestId("person-row")).toHaveCount(5);
  await expect(page.getByTestId("pending-count")).toContainText("未送信 1 件");
  const version = await page.evaluate(
    () => new Promise<number>((res) => { const r = indexedDB.open("mimamori"); r.onsuccess = () => { res(r.result.version); r.result.close(); }; })
  );
  // Upgraded through every step to the current schema (v4 added the store of records set aside).
  expect(version).toBe(4);
  expect(await rawStoreHas(page, "前のバージョンで保存した記録")).toBe(false);
  expect(await storeCounts(page)).toMatchObject({ persons: 5, outbox: 1, refused: 0, drafts: 0, requests: 0 });

  // Online: the old record goes out, and the persons are fetched again with what v2 shows.
  await context.setOffline(false);
  await expect(page.getByTestId("pending-count")).toHaveCount(0, { timeout: 30_000 });
  expect(await checksWithNote("前のバージョンで保存した記録")).toHaveLength(1);
  // Fetched again once with what the current version keeps (the mark of a v1 store cleared), and
  // stored sealed like everything else.
  const refreshed = () =>
    page.evaluate(
      () =>
        new Promise<boolean>((res) => {
          const r = indexedDB.open("mimamori");
          r.onsuccess = () => {
            const tx = r.result.transaction(["meta", "persons"]);
            const stale = tx.objectStore("meta").get("stale_persons");
            const all = tx.objectStore("persons").getAll();
            tx.oncomplete = () =>
              res(stale.result === false && all.result.length === 5 && all.result.every((p: any) => p.s && !p.name));
          };
        })
    );
  await expect.poll(refreshed).toBe(true);
  await context.close();
});

test("a store the browser emptied is noticed and filled again, not shown as an empty list", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedIn(context, "sato");
  await expect(page.getByTestId("person-row")).toHaveCount(5);
  // Storage pressure: the browser evicts the site's data, but the session cookie survives.
  await page.goto(`${server.url}/api/v1/health`);
  await page.evaluate(
    () => new Promise((res, rej) => { const r = indexedDB.deleteDatabase("mimamori"); r.onsuccess = res; r.onerror = () => rej(r.error); })
  );
  await page.goto(`${server.url}/persons`);
  // The PIN went with the store: the user chooses one again before anything is kept.
  await setPin(page);
  await expect(page.getByTestId("notice")).toContainText("サーバーから取り直しています");
  await expect(page.getByTestId("person-row")).toHaveCount(5);
  await shoot(page, "25-store-refilled");
  expect((await storeCounts(page)).persons).toBe(5);
  await context.close();
});
