import { expect, type Page } from '@playwright/test';

export const LIST = '/services/call/features/virtual-extension';

/** Opens a page and waits until the WASM has hydrated it (vext marks <html data-hydrated>). */
export async function openHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

/** Fails the test on any console error or hydration warning. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (msg.type() === 'error' || /hydrat/i.test(text)) problems.push(`${msg.type()}: ${text}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}
