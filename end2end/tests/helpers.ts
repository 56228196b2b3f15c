import { expect, type Page } from '@playwright/test';

export const LIST = '/services/call/features/virtual-extension';

export const ADMIN = { email: 'admin@example.com', password: process.env.VEXT_E2E_PASSWORD ?? 'e2e passphrase for vext' };

/** Opens a page, signing in first when vext asks for it (with or without JavaScript). */
export async function open(page: Page, path: string) {
  await page.goto(path);
  if (new URL(page.url()).pathname === '/sign-in') {
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).not.toHaveURL(/\/sign-in/);
  }
}

/** Opens a page and waits until the WASM has hydrated it (vext marks <html data-hydrated>). */
export async function openHydrated(page: Page, path: string) {
  await open(page, path);
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
