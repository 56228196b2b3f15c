import { expect, test } from './fixtures';
import { DALLAS_ADMIN, LIST, VIEWER, openHydrated, watchConsole } from './helpers';

// Roles change what the pages offer; the server refuses the rest regardless (server/tests).
test.describe('what each role sees', () => {
  test('a read-only administrator sees everything and no edit controls', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST, VIEWER);
    await expect(page.getByText('Read-only administrator')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: 'Virtual Extension' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Create Virtual Extension' })).toHaveCount(0);
    await expect(page.getByText('Only full administrators change the mode')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save mode' })).toHaveCount(0);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Administrators' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Administrators' })).toBeVisible();
    await expect(page.getByRole('row', { name: /admin@example\.com/ })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Add Administrator' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'admin@example.com' })).toHaveCount(0);

    await nav.getByRole('link', { name: 'Audit Log' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit Log' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Export CSV' })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test('a location administrator is offered only their own locations, and no management', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST, DALLAS_ADMIN);
    await expect(page.getByText('Location administrator')).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Virtual Extension' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Administrators' })).toHaveCount(0);
    await expect(nav.getByRole('link', { name: 'Audit Log' })).toHaveCount(0);

    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await expect(dialog.getByLabel('Level')).toHaveValue('LOCATION');
    await expect(dialog.getByLabel('Level').locator('option')).toHaveText(['Location']);
    const location = dialog.getByLabel('Location', { exact: true });
    await expect(location).toBeVisible();
    await expect(location.locator('option')).toHaveText(['Choose a location', 'Dallas']);
    expect(problems).toEqual([]);
  });
});
