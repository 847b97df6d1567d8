// The maps. The coordinator's: everyone in her districts as markers coloured by how they stand, grouped
// when zoomed out, filtered from the URL (a bookmark comes back as it was), a side panel per person,
// the small-area table, the A4 printout, and a tile server that is down. The 民生委員's phone map:
// her own persons from the device store, 「この地域の地図を保存」, and the map opened with no signal. The tiles come from a
// fixture server started here: the suite never reaches the internet, and the test checks that no
// tile request carries anything about a person.
import { test, expect, Browser, BrowserContext, Page } from "@playwright/test";
import { TestServer } from "./support/server";
import { TileServer } from "./support/tiles";
import { watchConsole } from "./support/console";
import { shoot, signInAs, signedInPage, SHOTS, reopen } from "./support/ui";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";

const DESK = { viewport: { width: 1280, height: 800 } };

let server: TestServer;
let tiles: TileServer;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  tiles = await TileServer.start();
  server = await TestServer.start({ MIMAMORI_MAP_TILES: tiles.url });
});
test.afterAll(async () => {
  await server?.dispose();
  tiles?.close();
});

/** The coordinator at her desk, on the 管理 home after signing in. */
async function deskPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(DESK);
  const page = await context.newPage();
  await signInAs(page, server.url, "tanaka");
  await expect(page.getByTestId("admin-menu")).toBeVisible();
  return { context, page };
}

async function openMap(page: Page, query = "") {
  await reopen(page, `${server.url}/admin/map${query}`);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("地図");
}

/** Persons drawn: single markers plus the counts in the clusters. */
async function drawn(page: Page): Promise<number> {
  await expect(page.locator(".leaflet-marker-icon").first()).toBeVisible();
  const singles = await page.locator(".leaflet-marker-icon.map-pin").count();
  const clusters = await page.locator(".leaflet-marker-icon.map-cluster").allInnerTexts();
  return singles + clusters.reduce((n, t) => n + Number(t), 0);
}

test("the coordinator sees where everyone stands, filters, opens a person and prints", async ({ browser }) => {
  // What 鈴木さん's phone found today: an emergency, a worry with a request.
  const suzuki = await server.signIn("suzuki");
  const [a, b] = await server.persons(suzuki);
  const check = (p: any, outcome: string) => ({
    type: "create_check",
    check: { id: randomUUID(), person_id: p.id, outcome, note: "呼んでも返事がない", recorded_at: Date.now() - 60_000 },
  });
  const request = {
    type: "raise_request",
    request: { id: randomUUID(), person_id: b.id, need: "shopping", detail: "灯油", raised_at: Date.now() },
  };
  await server.api(suzuki, "POST", "/sync/push", { mutations: [check(a, "emergency"), check(b, "concern"), request] });
  const tanaka = await server.signIn("tanaka");
  const everyone = (await server.api(tanaka, "GET", "/map")).persons.length;

  const { context, page } = await deskPage(browser);
  const problems = watchConsole(page);
  await page.getByRole("link", { name: /^地図/ }).click();
  await expect(page).toHaveURL(/\/admin\/map$/);
  await expect(page.getByTestId("map-count")).toHaveText(`${everyone} / ${everyone}人`);
  await expect.poll(() => drawn(page)).toBe(everyone);
  await expect(page.locator(".leaflet-control-attribution")).toContainText("国土地理院");
  await expect(page.getByTestId("map-legend")).toContainText("緊急");
  await expect(page.getByTestId("map-legend")).toContainText("四角は要援護");
  // Tiles came from the configured server, and nothing about a person went with them.
  await expect.poll(() => tiles.requests.length).toBeGreaterThan(0);
  for (const r of tiles.requests) {
    expect(r.url).toMatch(/^\/tiles\/\d+\/\d+\/\d+\.png$/);
    expect(r.referer).toBeUndefined();
  }

  // Zoomed out, the markers group; the group holding the emergency is ringed in red.
  for (let i = 0; i < 4; i++) await page.getByRole("button", { name: "Zoom out" }).click();
  await expect(page.locator(".map-cluster.worst-emergency").first()).toBeVisible();
  await expect.poll(() => drawn(page)).toBe(everyone);
  await page.screenshot({ path: `${SHOTS}/50-map-clusters-1280.png` });

  // 緊急 only, from the filter; the URL carries it.
  for (const s of ["気になる", "確認期限超過", "記録なし", "問題なし"]) {
    await page.getByTestId("map-count").click(); // keep focus off the map
    await page.locator(".status-filter label").filter({ hasText: s }).getByRole("checkbox").uncheck();
  }
  await expect(page).toHaveURL(/status=emergency$/);
  await expect(page.getByTestId("map-count")).toHaveText(`1 / ${everyone}人`);
  const pin = page.locator(".leaflet-marker-icon.map-pin.status-emergency");
  await expect(pin).toHaveCount(1);
  await expect(pin).toHaveText("緊");
  await expect(pin).toHaveAttribute("title", `${a.name}（緊急）`);
  await pin.click();
  const panel = page.getByTestId("map-panel");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText(a.name);
  await expect(panel).toContainText("呼んでも返事がない");
  await expect(panel).toContainText("鈴木");
  await expect(page).toHaveURL(new RegExp(`person=${a.id}`));
  await shoot(page, "51-map");

  // The bookmark comes back as it was: the same filter and the same person open.
  const bookmark = page.url();
  await reopen(page, `${server.url}/admin`);
  await reopen(page, bookmark);
  await expect(page.getByTestId("map-count")).toHaveText(`1 / ${everyone}人`);
  await expect(page.getByTestId("map-panel").getByRole("heading", { level: 2 })).toHaveText(a.name);

  // 依頼が進行中: those with a request not yet done, 鈴木さん's new one among them; its panel lists it.
  const withRequests = (await server.api(tanaka, "GET", "/map")).persons.filter((p: any) => p.open_requests > 0);
  expect(withRequests.map((p: any) => p.id)).toContain(b.id);
  await openMap(page, `?requests=1&person=${b.id}`);
  await expect(page.getByTestId("map-count")).toHaveText(`${withRequests.length} / ${everyone}人`);
  await expect.poll(() => drawn(page)).toBe(withRequests.length);
  await expect(page.getByTestId("map-panel")).toContainText("灯油");
  await expect(page.getByTestId("map-panel")).toContainText("気になる");

  // The small-area table: sorted by 気になる・緊急, most first, then fewest; a row narrows the map.
  await openMap(page);
  const table = page.getByTestId("map-areas");
  const worried = async () => (await table.locator("tbody tr td:last-child").allInnerTexts()).map(Number);
  const header = table.locator("th").filter({ hasText: "気になる・緊急" });
  await table.getByRole("button", { name: "気になる・緊急" }).click();
  await expect(header).toHaveAttribute("aria-sort", "descending");
  const most = await worried();
  expect(most.reduce((a, b) => a + b, 0)).toBe(2);
  expect(most).toEqual([...most].sort((x, y) => y - x));
  await table.getByRole("button", { name: "気になる・緊急" }).click();
  await expect(header).toHaveAttribute("aria-sort", "ascending");
  expect(await worried()).toEqual([...most].sort((x, y) => x - y));
  await table.getByRole("button", { name: "気になる・緊急" }).click();
  await table.locator("tbody tr").first().getByRole("button").click();
  await expect(page).toHaveURL(/area=sa-/);
  const inArea = Number((await page.getByTestId("map-count").innerText()).split(" / ")[0]);
  expect(inArea).toBeLessThan(everyone);
  await expect.poll(() => drawn(page)).toBe(inArea);

  // The small-area view (for the meeting's printout): a summary per small area in place of the
  // persons' markers, the same figures as the table, outlined in red where someone is 気になる or 緊急.
  await openMap(page);
  await page.getByLabel("小地域ごとの集計で表示").check();
  await expect(page).toHaveURL(/labels=1/);
  const areaLabels = page.locator(".leaflet-marker-icon .map-area-box");
  await expect(areaLabels).toHaveCount(await table.locator("tbody tr").count());
  await expect(page.locator(".leaflet-marker-icon.map-pin, .leaflet-marker-icon.map-cluster")).toHaveCount(0);
  for (const row of await table.locator("tbody th").allInnerTexts()) {
    await expect(areaLabels.filter({ hasText: row.split("・").pop()! })).toHaveCount(1);
  }
  await expect(areaLabels.and(page.locator(".warn"))).toHaveCount((await worried()).filter((n) => n > 0).length);
  // Labels that would cover one another are not drawn on top of each other: those that would be
  // are hidden (an area with someone 気になる or 緊急 shown first) until zooming in makes room.
  const shownBoxes = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>(".map-area-label"))
        .filter((el) => el.style.visibility !== "hidden")
        .map((el) => {
          const r = el.firstElementChild!.getBoundingClientRect();
          return { left: r.left, top: r.top, right: r.right, bottom: r.bottom, warn: !!el.querySelector(".warn") };
        }),
    );
  const anyOverlap = (b: { left: number; top: number; right: number; bottom: number }[]) =>
    b.some((x, i) => b.some((y, j) => i < j && x.left < y.right && y.left < x.right && x.top < y.bottom && y.top < x.bottom));
  await expect.poll(async () => anyOverlap(await shownBoxes())).toBe(false);
  const before = await shownBoxes();
  const total = await table.locator("tbody tr").count();
  await expect(page.locator(".map-covered-note")).toHaveText(
    `重なる ${total - before.length} 地域の集計は、拡大すると表示されます（全地域は下の表に）`,
  );
  expect(before.length).toBeGreaterThan(0);
  expect(before.some((b) => b.warn), "an area with someone 気になる or 緊急 is among those shown").toBe(true);
  await shoot(page, "54-map-areas");
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.getByRole("button", { name: "Zoom in" }).click();
  await expect.poll(async () => (await shownBoxes()).length).toBeGreaterThan(before.length);
  expect(anyOverlap(await shownBoxes())).toBe(false);
  await page.getByRole("button", { name: "Zoom out" }).click();
  await page.getByRole("button", { name: "Zoom out" }).click();

  // On paper: the map and the table, no filters, no buttons.
  await page.emulateMedia({ media: "print" });
  await expect(page.locator(".map-filters")).toBeHidden();
  await expect(page.locator(".map-side")).toBeHidden();
  await expect(page.getByTestId("map-areas")).toBeVisible();
  await expect(page.locator(".leaflet-container")).toBeVisible();
  await page.pdf({ path: `${SHOTS}/52-map-print.pdf`, landscape: true, format: "A4" });
  await page.screenshot({ path: `${SHOTS}/52-map-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // A malformed or foreign URL is the default view, never an empty map or an error.
  await openMap(page, "?district=d-elsewhere&status=bogus&household=%27&person=p-nobody");
  await expect(page.getByTestId("map-count")).toHaveText(`${everyone} / ${everyone}人`);
  await expect.poll(() => drawn(page)).toBe(everyone);

  // Correcting a place: the panel's button, then a click on the map; the record is updated.
  await openMap(page, `?status=emergency&person=${a.id}`);
  await page.getByTestId("map-panel").getByRole("button", { name: "場所を直す" }).click();
  await expect(page.getByTestId("placing")).toContainText(`${a.name}さん`);
  // Off the single marker in the middle, below the zoom buttons.
  const canvas = page.locator(".leaflet-container");
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.click(box.x + 120, box.y + 160);
  await expect(page.getByTestId("placing")).toBeHidden();
  const moved = await server.api(tanaka, "GET", `/persons/${a.id}`);
  expect(moved.fields.lat).not.toBe(a.lat);
  const log = await server.api(tanaka, "GET", `/persons/${a.id}/audit`);
  expect(log.map((l: any) => l.action)).toContain("person.update");

  // 集合住宅: two persons at one address are one group at any zoom, and a click lists them both.
  const other = await server.api(tanaka, "GET", `/persons/${b.id}`);
  await server.api(tanaka, "PUT", `/persons/${b.id}`, {
    person: { ...other.fields, lat: moved.fields.lat, lng: moved.fields.lng },
  });
  await openMap(page, "?status=emergency,concern");
  const building = page.locator(".leaflet-marker-icon.map-cluster");
  await expect(building).toHaveCount(1);
  await expect(building).toHaveText("2");
  await building.click();
  const list = page.getByTestId("map-building");
  await expect(list).toContainText("この場所の方（2人）");
  await expect(list).toContainText(a.name);
  await expect(list).toContainText(b.name);
  expect(problems).toEqual([]);
  await context.close();
});

test("with the tile server down the markers still show, with a note", async ({ browser }) => {
  const { context, page } = await deskPage(browser);
  tiles.close();
  try {
    await openMap(page);
    await expect(page.getByTestId("tiles-down")).toHaveText("地図の画像を読み込めません。印はそのまま表示しています。");
    expect(await drawn(page)).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/53-map-no-tiles-1280.png` });
  } finally {
    await tiles.listen();
    await context.close();
  }
});

test("field users and partners have no office map", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await signedInPage(context, server.url, "sato");
  const res = await page.evaluate(async () => (await fetch("/api/v1/map")).status);
  expect(res).toBe(403);
  await context.close();
});

const PHONE = { viewport: { width: 390, height: 844 } };

/** The tiles the service worker keeps. */
async function keptTiles(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    if (!(await caches.has("mimamori-tiles"))) return [];
    return (await (await caches.open("mimamori-tiles")).keys()).map((r) => r.url);
  });
}

test("a 民生委員 plans her round on the phone map, saves her area's map and opens it with no signal", async ({ browser }) => {
  // Standing in the demo town, by 本町一丁目, with location allowed.
  const context = await browser.newContext({
    ...PHONE,
    geolocation: { latitude: 39.8208, longitude: 140.2449, accuracy: 20 },
    permissions: ["geolocation"],
  });
  const page = await signedInPage(context, server.url, "suzuki");
  const problems = watchConsole(page);
  const mine = await page.getByTestId("person-row").count();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await page.getByTestId("open-map").click();
  await expect(page).toHaveURL(/\/map$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("地図");
  await expect.poll(() => drawn(page)).toBe(mine);
  await expect(page.locator(".leaflet-control-attribution")).toContainText("国土地理院");
  await expect(page.getByTestId("map-not-saved")).toBeVisible();

  // Save the area: the estimate first, then the tiles of her own small areas, zoom 12 to 17.
  const before = tiles.requests.length;
  await page.getByTestId("save-area").click();
  await expect(page.getByTestId("save-estimate")).toContainText(/\d+ 枚（約 \d+ MB）保存します。端末に保存できる地図は 50 MB まで/);
  const planned = Number((await page.getByTestId("save-estimate").innerText()).match(/(\d+) 枚/)![1]);
  expect(planned).toBeGreaterThan(6);
  await page.getByRole("button", { name: "保存する" }).click();
  await expect(page.getByTestId("save-result")).toContainText(`この地域の地図を保存しました（${planned} 枚`, { timeout: 60_000 });
  await expect(page.getByTestId("map-not-saved")).toBeHidden();
  const fetched = tiles.requests.slice(before).map((r) => Number(r.url.split("/")[2]));
  expect(Math.min(...fetched)).toBeGreaterThanOrEqual(12);
  expect(Math.max(...fetched)).toBeLessThanOrEqual(17);
  for (const r of tiles.requests) expect(r.referer).toBeUndefined();
  // The worker keeps each tile just after handing it to the page.
  await expect.poll(async () => (await keptTiles(page)).length).toBeGreaterThanOrEqual(planned);
  // Saving again fetches nothing already kept.
  const again = tiles.requests.length;
  await page.getByTestId("save-area").click();
  await page.getByRole("button", { name: "保存する" }).click();
  await expect(page.getByTestId("save-result")).toContainText("今回 0.0 MB");
  expect(tiles.requests.length).toBe(again);
  await shoot(page, "60-field-map");

  // A tap on a marker opens the person.
  const pin = page.locator(".leaflet-marker-icon.map-pin").first();
  const title = (await pin.getAttribute("title"))!;
  await pin.click();
  await expect(page).toHaveURL(/\/persons\/p-/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText(title.split("（")[0]);

  // No signal, a cold start: the markers from the device store, the base map from the saved tiles.
  await context.setOffline(true);
  await reopen(page, `${server.url}/map`);
  await expect.poll(() => drawn(page)).toBe(mine);
  await expect.poll(() => page.locator("img.leaflet-tile-loaded").count()).toBeGreaterThan(0);
  await expect(page.getByTestId("tiles-missing")).toBeHidden();
  // Where she stands, when she asks (no signal needed).
  await expect(page.locator(".leaflet-marker-icon.map-here")).toHaveCount(0);
  await page.getByRole("button", { name: "現在地を表示" }).click();
  await expect(page.locator(".leaflet-marker-icon.map-here")).toHaveAttribute("title", "現在地");
  await page.screenshot({ path: `${SHOTS}/61-field-map-offline-390.png` });
  await context.setOffline(false);

  // Signing out forgets the kept tiles with everything else.
  await page.getByRole("link", { name: "設定" }).click();
  await page.getByRole("button", { name: "サインアウト" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect.poll(() => keptTiles(page)).toEqual([]);
  expect(problems).toEqual([]);
  await context.close();
});

test("with no saved map and no signal, the phone map shows the markers and says the map is not saved", async ({ browser }) => {
  const context = await browser.newContext(PHONE);
  const page = await signedInPage(context, server.url, "sato");
  const mine = await page.getByTestId("person-row").count();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await context.setOffline(true);
  await page.getByTestId("open-map").click();
  await expect.poll(() => drawn(page)).toBe(mine);
  await expect(page.getByTestId("tiles-missing")).toContainText("地図の画像がありません");
  // Never opened online: the map's settings have not arrived, and saving says so.
  await page.getByTestId("save-area").click();
  await expect(page.getByTestId("save-estimate")).toContainText("地図の設定をまだ受け取っていません");
  await expect(page.getByRole("button", { name: "保存する" })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/62-field-map-no-tiles-390.png`, fullPage: true });

  // Online once: the setting is kept; offline again, saving stops at once and says why.
  await context.setOffline(false);
  await reopen(page);
  await expect.poll(() => drawn(page)).toBe(mine);
  await expect(page.locator(".leaflet-control-attribution")).toContainText("国土地理院");
  await context.setOffline(true);
  await page.getByTestId("save-area").click();
  await page.getByRole("button", { name: "保存する" }).click();
  await expect(page.getByTestId("save-result")).toContainText("電波が切れたため途中で止まりました");
  await context.setOffline(false);
  await context.close();
});
