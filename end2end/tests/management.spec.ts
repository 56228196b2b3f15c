import { expect, test, type Page } from './fixtures';
import { ADMIN, openHydrated, watchConsole } from './helpers';

const ADMINISTRATORS = '/management/administrators';
const AUDIT = '/management/audit-log';

async function signInFresh(page: Page, who: { email: string; password: string }) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

/** Adds an administrator through the Add Administrator panel (the list must be open). */
async function addAdministrator(page: Page, email: string, password: string, role?: string) {
  await page.getByRole('link', { name: 'Add Administrator' }).click();
  const add = page.getByRole('dialog', { name: 'Add Administrator' });
  await add.getByLabel('Email').fill(email);
  if (role) await add.getByLabel('Role').selectOption({ label: role });
  await add.getByLabel('Initial password').fill(password);
  await add.getByRole('button', { name: 'Add' }).click();
  await expect(add).toBeHidden();
}

test.describe('Management', () => {
  test('a full administrator adds, changes, disables and re-enables an administrator', async ({ page, browser }) => {
    const problems = watchConsole(page);
    const email = `temp-${Date.now()}@example.com`;
    const password = 'a temporary passphrase';
    await openHydrated(page, ADMINISTRATORS);
    await page.getByRole('link', { name: 'Add Administrator' }).click();
    const add = page.getByRole('dialog', { name: 'Add Administrator' });
    await add.getByLabel('Email').fill(email);
    await add.getByLabel('Role').selectOption({ label: 'Location administrator' });
    await add.getByLabel('Initial password').fill('password1');
    await add.getByRole('button', { name: 'Add' }).click();
    // Two problems at once, each beside its field.
    await expect(add.getByText('manages at least one location')).toBeVisible();
    await expect(add.getByText('among the first ones attackers try')).toBeVisible();
    await add.getByLabel('Dallas').check();
    await add.getByLabel('Initial password').fill(password);
    await add.getByRole('button', { name: 'Add' }).click();
    await expect(add).toBeHidden();
    const row = page.getByRole('row', { name: new RegExp(email.replace('.', '\\.')) });
    await expect(row.getByRole('cell')).toHaveText([email, 'Location administrator', 'Dallas', 'Active', '0']);

    // They sign in elsewhere; disabling them ends that session.
    const other = await browser.newContext();
    const theirs = await other.newPage();
    await signInFresh(theirs, { email, password });
    await page.reload();
    await expect(row.getByRole('cell').last()).toHaveText('1');
    await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);

    await row.getByRole('link', { name: email }).click();
    const manage = page.getByRole('dialog', { name: email });
    await manage.getByLabel('Role').selectOption({ label: 'Read-only administrator' });
    await manage.getByRole('button', { name: 'Save role' }).click();
    await expect(manage.getByText('Role and locations saved.')).toBeVisible();
    await expect(row.getByRole('cell').nth(1)).toHaveText('Read-only administrator');
    await manage.getByRole('button', { name: 'Disable' }).click();
    await expect(manage.getByRole('button', { name: 'Re-enable' })).toBeVisible();
    await expect(row.getByRole('cell').nth(3)).toHaveText('Disabled');
    await theirs.reload();
    await expect(theirs).toHaveURL(/\/sign-in/);
    await manage.getByRole('button', { name: 'Re-enable' }).click();
    await expect(manage.getByRole('button', { name: 'Disable' })).toBeVisible();
    await expect(row.getByRole('cell').nth(3)).toHaveText('Active');
    await other.close();

    // Every step is in the audit log, with the values before and after.
    await page.goto(`${AUDIT}?target=${encodeURIComponent(email)}`);
    const log = page.getByRole('table');
    await expect(log.getByRole('row')).toHaveCount(5);
    await expect(log.getByRole('row').nth(1)).toContainText('Administrator re-enabled');
    await expect(log.getByRole('row').nth(3)).toContainText('Location administrator → Read-only administrator');
    await expect(log.getByRole('row').nth(4)).toContainText('Administrator added');
    await expect(log.getByRole('row').nth(4)).toContainText(ADMIN.email);
    // The refused first try is a 422 the browser reports; nothing else may go wrong.
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
  });

  test('a full administrator creates an API token, a script uses it, and revoking it shuts the script out', async ({ page }) => {
    const problems = watchConsole(page);
    const name = `Sync ${Date.now()}`;
    await openHydrated(page, ADMINISTRATORS);
    await page.getByRole('navigation').getByRole('link', { name: 'API Tokens' }).click();
    await expect(page.getByRole('heading', { name: 'API Tokens', level: 1 })).toBeVisible();
    await page.getByRole('link', { name: 'Create API Token' }).click();
    const create = page.getByRole('dialog', { name: 'Create API Token' });
    // Submitted with Enter; a bad expiry is refused beside its field, nothing is made.
    await create.getByLabel('Name').fill(name);
    await create.getByLabel('Role').selectOption({ label: 'Read-only administrator' });
    await create.getByLabel('Expires after (days)').fill('0');
    await create.getByLabel('Name').press('Enter');
    await expect(create.getByText('enter a whole number of days from 1 to 3650')).toBeVisible();
    await create.getByLabel('Expires after (days)').fill('30');
    await create.getByLabel('Expires after (days)').press('Enter');
    await expect(create.getByText(`API token ${name} is created`)).toBeVisible();
    const secret = await create.getByLabel('Secret').inputValue();
    expect(secret).toMatch(/^vext_[0-9a-f]{64}$/);

    const api = (token: string) =>
      page.request.get('/v1/telephony/config/virtualExtensions?max=2', {
        headers: { Authorization: `Bearer ${token}` },
      });
    const listed = await api(secret);
    expect(listed.status()).toBe(200);
    expect(Array.isArray((await listed.json()).virtualExtensions)).toBe(true);

    await create.getByRole('link', { name: 'Done' }).click();
    await expect(create).toBeHidden();
    const row = page.getByRole('row', { name: new RegExp(name) });
    await expect(row.getByRole('cell').nth(1)).toHaveText('Read-only administrator');
    await expect(row.getByRole('cell').nth(6)).toHaveText('Active');
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    const confirm = page.getByRole('alertdialog', { name: `Revoke API token ${name}?` });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByText(`API token ${name} is revoked`)).toBeVisible();
    await expect(row.getByRole('cell').nth(6)).toHaveText('Revoked');
    await expect.poll(async () => (await api(secret)).status(), { timeout: 2_000 }).toBe(401);

    // Both steps are in the audit log under the administrator who made them.
    await page.goto(`${AUDIT}?target=${encodeURIComponent(name)}`);
    const log = page.getByRole('table');
    await expect(log.getByRole('row')).toHaveCount(3);
    await expect(log.getByRole('row').nth(1)).toContainText('API token revoked');
    await expect(log.getByRole('row').nth(2)).toContainText('API token created');
    // The refused first try is a 422 the browser reports; nothing else may go wrong.
    expect(problems.filter((p) => !p.includes('status of 422'))).toEqual([]);
  });

  test('the audit log filters by what changed and exports what it shows', async ({ page }) => {
    await openHydrated(page, AUDIT);
    await page.getByLabel('What').selectOption({ label: 'Location created' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/what=location\.created/);
    const rows = page.getByRole('table').getByRole('row');
    // The fixtures' two locations, added on the command line.
    await expect(rows).toHaveCount(3);
    await expect(rows.nth(1)).toContainText('Austin');
    await expect(rows.nth(1)).toContainText('command line');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^vext-audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await (await file.createReadStream()).toArray();
    const csv = Buffer.concat(text).toString('utf8');
    expect(csv).toContain('Location created');
    expect(csv).not.toContain('Administrator added');
    // The back button restores the unfiltered log.
    await page.goBack();
    await expect(page).not.toHaveURL(/what=/);
  });

  test('changing one\'s own password asks for the current one', async ({ page, browser }) => {
    const problems = watchConsole(page);
    const email = `own-${Date.now()}@example.com`;
    const password = 'my first passphrase';
    await openHydrated(page, ADMINISTRATORS);
    // The panel is full administrators' (read-only ones see the list without controls).
    await addAdministrator(page, email, password, 'Full administrator');
    const theirs = await (await browser.newContext()).newPage();
    const theirProblems = watchConsole(theirs);
    await signInFresh(theirs, { email, password });
    await theirs.goto(ADMINISTRATORS);
    await expect(theirs.locator('html[data-hydrated="true"]')).toHaveCount(1);
    await theirs.getByRole('link', { name: email }).click();
    const manage = theirs.getByRole('dialog', { name: email });
    await expect(manage.getByRole('heading', { name: 'Change your password' })).toBeVisible();
    await manage.getByLabel('New password', { exact: true }).fill('my second passphrase');
    await manage.getByRole('button', { name: 'Set new password' }).click();
    await expect(manage.getByText('Enter your current password to set a new one.')).toBeVisible();
    await manage.getByLabel('Current password', { exact: true }).fill('not my passphrase');
    await manage.getByLabel('New password', { exact: true }).fill('my second passphrase');
    await manage.getByRole('button', { name: 'Set new password' }).click();
    await expect(manage.getByText('That is not your current password.')).toBeVisible();
    // The right one: the password changes and this session ends with the others (reloading
    // only once the server has answered: leaving the page earlier would abort the request).
    await manage.getByLabel('Current password', { exact: true }).fill(password);
    await manage.getByLabel('New password', { exact: true }).fill('my second passphrase');
    const changed = theirs.waitForResponse((r) => r.url().endsWith('/api/reset_admin_password'));
    await manage.getByRole('button', { name: 'Set new password' }).click();
    expect((await changed).status()).toBe(200);
    await theirs.reload();
    await expect(theirs).toHaveURL(/\/sign-in/);
    await signInFresh(theirs, { email, password: 'my second passphrase' });
    // A full administrator resetting someone else's password is not asked for one.
    await page.reload();
    await page.getByRole('link', { name: email }).click();
    const other = page.getByRole('dialog', { name: email });
    await expect(other.getByRole('heading', { name: 'Reset password' })).toBeVisible();
    await expect(other.getByLabel('Current password')).toHaveCount(0);
    expect(problems).toEqual([]);
    // Their refused tries are 422s the browser reports, and the list's refresh after their
    // sessions ended a 401; nothing else may go wrong.
    expect(theirProblems.filter((p) => !/status of (422|401)/.test(p))).toEqual([]);
  });

  test('"Sign out everywhere" ends this administrator\'s other sessions too', async ({ page, browser }) => {
    const email = `twice-${Date.now()}@example.com`;
    const password = 'another temporary passphrase';
    await openHydrated(page, ADMINISTRATORS);
    await addAdministrator(page, email, password);
    const first = await (await browser.newContext()).newPage();
    const second = await (await browser.newContext()).newPage();
    await signInFresh(first, { email, password });
    await signInFresh(second, { email, password });
    await first.getByRole('button', { name: 'Sign out everywhere' }).click();
    await expect(first).toHaveURL(/\/sign-in/);
    await second.reload();
    await expect(second).toHaveURL(/\/sign-in/);
  });
});
