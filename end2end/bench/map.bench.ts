// How fast the office map draws 5,000 persons, and the frame times while zooming and panning
// (BENCHMARKS.md §8). Not part of the test suite: run it against a server on the benchmark data set
//   MIMAMORI_DATABASE_URL=sqlite://data/bench.db target/release/server generate
//   MIMAMORI_DATABASE_URL=sqlite://data/bench.db MIMAMORI_ADDR=127.0.0.1:3999 \
//     MIMAMORI_MAP_TILES='http://127.0.0.1:3997/tiles/{z}/{x}/{y}.png' target/release/server &
//   cd end2end && npx playwright test --config bench.config.ts map.bench.ts
// (this script serves the tiles on port 3997; a coordinator of 10 districts sees 5,000 persons).
import { test, expect } from "@playwright/test";
import * as http from "node:http";
const TILE = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC", "base64");
test("map bench", async ({ browser }) => {
  test.setTimeout(300_000);
  const tiles = http.createServer((_, res) => res.writeHead(200, { "content-type": "image/png" }).end(TILE));
  await new Promise<void>((r) => tiles.listen(3997, "127.0.0.1", () => r()));
  const url = process.env.MIMAMORI_BENCH_URL ?? "http://127.0.0.1:3999";
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url + "/");
  await page.getByLabel("ID").fill("coord0a");
  await page.getByLabel("パスワード").fill("mimamori");
  await page.getByRole("button", { name: "サインイン" }).click();
  await expect(page.getByTestId("admin-menu")).toBeVisible({ timeout: 60_000 });
  for (let run = 0; run < 4; run++) {
    const t0 = Date.now();
    await page.goto(url + "/admin/map");
    await expect(page.locator(".leaflet-marker-icon").first()).toBeVisible({ timeout: 60_000 });
    const drawn = Date.now() - t0;
    await expect(page.getByTestId("map-count")).toHaveText("5000 / 5000人");
    // Frame times while zooming in and out and panning.
    await page.evaluate(() => { (window as any).__frames = []; let last = performance.now();
      const tick = (t: number) => { (window as any).__frames.push(t - last); last = t; if ((window as any).__frames.length < 100000) requestAnimationFrame(tick); };
      requestAnimationFrame(tick); });
    await page.locator(".leaflet-container").scrollIntoViewIfNeeded();
    const b = (await page.locator(".leaflet-container").boundingBox())!;
    for (let i = 0; i < 3; i++) { await page.getByRole("button", { name: "Zoom in" }).click(); await page.waitForTimeout(400); }
    for (let i = 0; i < 3; i++) { await page.getByRole("button", { name: "Zoom out" }).click(); await page.waitForTimeout(400); }
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    await page.mouse.down();
    for (let i = 0; i < 30; i++) await page.mouse.move(b.x + b.width / 2 - i * 8, b.y + b.height / 2 - i * 4);
    await page.mouse.up();
    await page.waitForTimeout(500);
    const frames: number[] = await page.evaluate(() => (window as any).__frames.slice(1));
    frames.sort((x, y) => x - y);
    const p = (q: number) => frames[Math.floor(frames.length * q)].toFixed(1);
    console.log(`RUN ${run} drawn_ms=${drawn} frames=${frames.length} median=${p(0.5)} p95=${p(0.95)} max=${frames[frames.length - 1].toFixed(1)} over50=${frames.filter((f) => f > 50).length}`);
  }
  tiles.close();
});
