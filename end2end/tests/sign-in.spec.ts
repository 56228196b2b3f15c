import { expect, test } from './fixtures';
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

  test('after signing in, a next that leads off-site goes to the Virtual Extension page', async ({ page }) => {
    for (const next of ['/%09/evil.example', '/%5Cevil.example', '//evil.example', '/.//evil.example']) {
      await page.context().clearCookies();
      await page.goto(`/sign-in?next=${next}`);
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByLabel('Password').press('Enter');
      await expect(page).toHaveURL(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${LIST}$`));
    }
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
