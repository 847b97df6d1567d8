// Collects what the page writes to the console, so a test can assert it stayed clean:
// no hydration errors or warnings, no panics, online or offline.
import type { Page, ConsoleMessage } from "@playwright/test";

export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg: ConsoleMessage) => {
    if (msg.type() !== "error" && msg.type() !== "warning") return;
    const text = msg.text();
    // The browser's own note when a request fails with the network off is expected.
    if (/net::ERR_(INTERNET_DISCONNECTED|CONNECTION_REFUSED|CONNECTION_RESET|FAILED)/.test(text)) return;
    if (/Failed to load resource/.test(text) && msg.location().url.includes("/api/")) return;
    problems.push(`${msg.type()}: ${text}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}
