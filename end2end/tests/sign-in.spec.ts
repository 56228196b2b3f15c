import { expect, test } from '@playwright/test';
import { ADMIN, LIST } from './helpers';

test.describe('sign-in', () => {
  test('every page asks for a sign-in and returns to where the admin was going', async ({ page }) => {
    await page.goto(LIST + '/new');
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await expect(page.getByRole('heading', { name: 'Sign in to vext' })).toBeVisible();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toContainText('do not match an active administrator');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`${LIST}/new$`));
    await expect(page.getByRole('dialog', { name: 'Manually Add' })).toBeVisible();
  });

  test('Sign out ends the session', async ({ page }) => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`${LIST}$`));
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto(LIST);
    await expect(page).toHaveURL(/\/sign-in/);
  });
});
