// Accessibility: axe-core's rules (WCAG 2.1 A/AA and best practice) on the page as it is now.
import { expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

/** Fails with each violation's rule, impact and the elements it found, so the report says what to fix. */
export async function expectNoAxeViolations(page: Page, screen: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) => `${screen}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`
  );
  expect(found).toEqual([]);
}
