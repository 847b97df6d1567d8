// A first visit over a slow link: the page the server sends is already a working sign-in form,
// long before the app's ~370 KB of wasm have arrived (issue 12). Here the wasm is held back on
// purpose, to stand for that slow link: the user signs in with the plain form, or types into it
// and sees the app take over with what was typed; a wrong password is said in Japanese.
import { test, expect, Page } from "@playwright/test";
import { TestServer } from "./support/server";
import { watchConsole } from "./support/console";
import { shoot, SHOTS, setPin, unlock } from "./support/ui";
import * as fs from "node:fs";

let server: TestServer;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await TestServer.start();
});
test.afterAll(async () => {
  await server?.dispose();
});

/** Holds every wasm download until `release` is called, as a slow link would. */
async function holdTheApp(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  await page.route(/\.wasm$/, async (route) => {
    await released;
    // A download the page gave up on (it navigated away meanwhile) has nothing to continue.
    await route.continue().catch(() => {});
  });
  return release;
}

const htmlForm = (page: Page) => page.getByTestId("sign-in-form-html");

test("a first visit signs in with the page's own form before the app has arrived", async ({ page }) => {
  const problems = watchConsole(page);
  const release = await holdTheApp(page);
  await page.goto(`${server.url}/`, { waitUntil: "domcontentloaded" });
  await expect(htmlForm(page)).toBeVisible();
  await expect(page.getByRole("heading", { name: "サインイン" })).toBeVisible();
  await shoot(page, "first-visit-sign-in");

  await page.getByLabel("ID").fill("sato");
  await page.getByLabel("パスワード").fill("mimamori");
  await page.getByRole("button", { name: "サインイン" }).click();
  // Signed in on the server; the app itself is still on its way: the boot screen, never a second form.
  await expect(page.getByText("読み込み中…")).toBeVisible();
  await expect(htmlForm(page)).toHaveCount(0);

  release();
  await setPin(page);
  await expect(page).toHaveURL(/\/persons$/);
  await expect(page.getByTestId("person-row").first()).toBeVisible();
  await expect(page.getByTestId("sync-bar")).toContainText("すべて送信済み");
  // A new sign-in, not a store the browser emptied: no "fetched everything again" notice.
  await expect(page.getByTestId("notice")).toHaveCount(0);

  // Signed in, the first page is the app's boot screen, whether the service worker or the server answers.
  const again = await page.goto(`${server.url}/`);
  expect(await again!.text()).not.toContain("sign-in-form-html");
  await unlock(page);
  await expect(page.getByTestId("person-row").first()).toBeVisible();
  expect(problems).toEqual([]);
});

test("what was typed before the app arrived stays when the app takes over", async ({ page }) => {
  const problems = watchConsole(page);
  const release = await holdTheApp(page);
  await page.goto(`${server.url}/`, { waitUntil: "domcontentloaded" });
  await page.getByLabel("ID").fill("sato");
  await page.getByLabel("パスワード").pressSequentially("mimam");

  release();
  await expect(page).toHaveURL(/\/login$/);
  await expect(htmlForm(page)).toHaveCount(0);
  await expect(page.getByLabel("ID")).toHaveValue("sato");
  await expect(page.getByLabel("パスワード")).toHaveValue("mimam");
  await expect(page.getByLabel("パスワード")).toBeFocused();
  // The caret is where it was: typing goes on at the end.
  await page.keyboard.type("ori");
  await expect(page.getByLabel("パスワード")).toHaveValue("mimamori");
  await page.keyboard.press("Enter");
  await setPin(page);
  await expect(page.getByTestId("person-row").first()).toBeVisible();
  expect(problems).toEqual([]);
});

test("a wrong password on the page's form is said in Japanese and the ID kept", async ({ page }) => {
  await holdTheApp(page);
  await page.goto(`${server.url}/`, { waitUntil: "domcontentloaded" });
  await page.getByLabel("ID").fill("sato");
  await page.getByLabel("パスワード").fill("not-the-password");
  await page.getByRole("button", { name: "サインイン" }).click();
  await expect(page.getByRole("alert")).toHaveText("IDまたはパスワードが違います。");
  await expect(page.getByLabel("ID")).toHaveValue("sato");
  await expect(page.getByLabel("パスワード")).toHaveValue("");
  await shoot(page, "first-visit-refused");
});
