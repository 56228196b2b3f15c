import { expect, type Page } from '@playwright/test';

export const LIST = '/services/call/features/virtual-extension';

export const ADMIN = { email: 'admin@example.com', password: process.env.VEXT_E2E_PASSWORD ?? 'e2e passphrase for vext' };

/** The other fixtures of scripts/e2e-server: a read-only and a Dallas location administrator. */
export const VIEWER = { email: 'viewer@example.com', password: ADMIN.password };
export const DALLAS_ADMIN = { email: 'dallas@example.com', password: ADMIN.password };

/** Opens a page, signing in first (as `who`) when vext asks for it (with or without JavaScript). */
export async function open(page: Page, path: string, who: { email: string; password: string } = ADMIN) {
  await page.goto(path);
  if (new URL(page.url()).pathname === '/sign-in') {
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).not.toHaveURL(/\/sign-in/);
  }
}

/** Opens a page and waits until the WASM has hydrated it (vext marks <html data-hydrated>). */
export async function openHydrated(page: Page, path: string, who = ADMIN) {
  await open(page, path, who);
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
