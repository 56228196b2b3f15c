import { expect, test } from '@playwright/test';

// The release archive, as a newcomer first uses it: sign in as the administrator the README's
// first step creates, then add a virtual extension by hand.
const OWNER = { email: 'owner@example.com', password: process.env.VEXT_RELEASE_PASSWORD ?? '' };

test('the unpacked release signs in and saves a virtual extension', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Virtual Extension', level: 1 })).toBeVisible();
  // The site beside the binary was found: the WASM loaded and hydrated the page.
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);

  await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
  const dialog = page.getByRole('dialog', { name: 'Manually Add' });
  await dialog.getByLabel('Display Name').fill('Release Check');
  await dialog.getByLabel('Extension').fill('4100');
  await dialog.getByLabel('Phone Number').fill('+12015550199');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row', { name: /Release Check/ })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('cell', { name: '+12015550199' })).toBeVisible();
  expect(problems).toEqual([]);
});
