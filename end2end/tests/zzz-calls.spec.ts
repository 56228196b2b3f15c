// Last of the specs (zzz-): its entries and ranges would change what earlier specs count.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from './fixtures';
import { LIST, open, openHydrated, watchConsole } from './helpers';

const RANGES = LIST + '/ranges';
const ROUTING = '/services/call/test-call-routing';

/** Adds a virtual extension with Manually Add (organization level unless `location` is given). */
async function create(page: Page, name: string, extension: string, phone: string, location?: string) {
  await openHydrated(page, LIST + '/new');
  const dialog = page.getByRole('dialog', { name: 'Manually Add' });
  if (location) {
    await dialog.getByLabel('Level').selectOption({ label: 'Location' });
    await dialog.getByLabel('Location', { exact: true }).selectOption({ label: location });
  }
  await dialog.getByLabel('Display Name').fill(name);
  await dialog.getByLabel('Extension').fill(extension);
  await dialog.getByLabel('Phone Number').fill(phone);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
}

/** Fails on any serious or critical WCAG 2.1 A/AA violation. */
async function scan(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

test.describe.serial('Calls: ranges, Test Call Routing and Caller ID', () => {
  test('the Ranges tab adds a range (a bad pattern is flagged as typed), edits and deletes it', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST);
    await page.getByRole('navigation', { name: 'Entries and ranges' }).getByRole('link', { name: 'Ranges' }).click();
    await expect(page).toHaveURL(new RegExp(RANGES + '$'));
    await expect(page.getByRole('link', { name: 'Ranges' })).toHaveAttribute('aria-current', 'page');

    await page.getByRole('link', { name: 'Add Range' }).click();
    const add = page.getByRole('dialog', { name: 'Add Range' });
    await add.getByLabel('Name').fill('Sales Floor');
    await add.getByLabel('Prefix').fill('+1214555');
    await add.getByLabel('Location').selectOption({ label: 'Organization' });
    const patterns = add.getByLabel('Patterns');
    await patterns.fill('77XX\n7X7X');
    // Each line's state, from the model's rules, before anything is sent.
    await expect(add.getByRole('listitem').filter({ hasText: /^7X7X/ })).toContainText('X may only stand at the right end');
    await expect(add.getByRole('listitem').filter({ hasText: /^77XX/ })).toContainText('valid');
    await patterns.fill('77XX\n781X');
    await expect(add.getByRole('listitem').filter({ hasText: /^781X/ })).toContainText('valid');
    await expect(add.getByText('2 of 100 patterns')).toBeVisible();
    await add.getByRole('button', { name: 'Save' }).click();
    await expect(add).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Range Sales Floor added.' })).toBeVisible();
    const row = page.getByRole('row', { name: /Sales Floor/ });
    await expect(row.getByRole('cell')).toHaveText(['Sales Floor', '+1214555', '77XX, 781X', '2', 'Organization']);

    // The server's rules: a pattern overlapping another range's is refused, by name.
    await page.getByRole('link', { name: 'Add Range' }).click();
    const second = page.getByRole('dialog', { name: 'Add Range' });
    await second.getByLabel('Name').fill('Overlap');
    await second.getByLabel('Prefix').fill('+1214556');
    await second.getByLabel('Patterns').fill('771X');
    await second.getByRole('button', { name: 'Save' }).click();
    await expect(second.getByRole('alert')).toContainText('overlaps pattern 77XX of range "Sales Floor"');
    await second.getByRole('button', { name: 'Cancel' }).click();
    await expect(second).toBeHidden();

    // Edit: one more pattern; the list follows.
    await row.getByRole('link', { name: 'Sales Floor' }).click();
    const edit = page.getByRole('dialog', { name: 'Sales Floor' });
    await expect(edit.getByLabel('Patterns')).toHaveValue('77XX\n781X');
    await edit.getByLabel('Patterns').fill('77XX\n781X\n79XX');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(row.getByRole('cell').nth(3)).toHaveText('3');

    // Delete, confirmed.
    await row.getByRole('link', { name: 'Sales Floor' }).click();
    await page.getByRole('dialog', { name: 'Sales Floor' }).getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete range Sales Floor?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The range is deleted' })).toBeVisible();
    await expect(page.getByRole('row', { name: /Sales Floor/ })).toHaveCount(0);
    // The overlap was a 409, which Chromium logs; nothing else went wrong.
    expect(problems.filter((p) => !p.includes('status of 409 (Conflict)'))).toEqual([]);
  });

  test('Test Call Routing and Caller ID answer by their labels, with Enter, and keep the question in the URL', async ({ page }) => {
    const problems = watchConsole(page);
    await create(page, 'Route Desk', '4881', '+12015550281');
    await create(page, 'Route Dallas', '4882', '+12015550282', 'Dallas');
    await openHydrated(page, RANGES + '/new');
    const add = page.getByRole('dialog', { name: 'Add Range' });
    await add.getByLabel('Name').fill('Route Block');
    await add.getByLabel('Prefix').fill('+1972555');
    await add.getByLabel('Patterns').fill('66XX');
    await add.getByRole('button', { name: 'Save' }).click();
    await expect(add).toBeHidden();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Test Call Routing' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Test Call Routing' })).toBeVisible();
    const routing = page.getByRole('form', { name: 'Test Call Routing' });
    await routing.getByLabel('Calling from').selectOption({ label: 'Austin' });
    await routing.getByLabel('Dialed digits').fill('8214 4882');
    await routing.getByLabel('Dialed digits').press('Enter');
    const answer = page.getByRole('region', { name: 'Where the call goes' });
    await expect(answer).toContainText('Virtual extension');
    await expect(answer).toContainText('+12015550282');
    await expect(answer.getByRole('link', { name: /Route Dallas/ })).toBeVisible();
    await expect(answer.getByRole('listitem').filter({ hasText: 'An ESN: routing prefix 8214 of Dallas' })).toBeVisible();
    await expect(page).toHaveURL(/dialed=8214\+4882|dialed=8214%204882/);

    // A range, and a rejected call.
    await routing.getByLabel('Dialed digits').fill('6642');
    await routing.getByRole('button', { name: 'Test' }).click();
    await expect(answer).toContainText('+19725556642');
    await expect(answer.getByRole('link', { name: /Route Block/ })).toBeVisible();
    await routing.getByLabel('Dialed digits').fill('4882');
    await routing.getByRole('button', { name: 'Test' }).click();
    await expect(answer).toContainText('Unknown extension');
    await expect(answer).toContainText('Nothing: the call is rejected');

    // Caller ID: a national spelling, to a phone at another location: the ESN.
    const caller = page.getByRole('form', { name: 'Caller ID' });
    await caller.getByLabel('Incoming number').fill('(201) 555-0282');
    await caller.getByLabel('Called location').selectOption({ label: 'Austin' });
    await caller.getByRole('button', { name: 'Show Caller ID' }).click();
    const shown = page.getByRole('region', { name: 'What the phone shows' });
    await expect(shown).toContainText('Route Dallas');
    await expect(shown).toContainText('82144882');
    // Both questions stay in the address bar: a reload shows both answers again.
    await page.reload();
    await expect(page.getByRole('region', { name: 'Where the call goes' })).toContainText('Unknown extension');
    await expect(page.getByRole('region', { name: 'What the phone shows' })).toContainText('82144882');
    expect(problems).toEqual([]);
  });

  test('the Ranges tab and Test Call Routing have no serious or critical accessibility violation', async ({ page }) => {
    await openHydrated(page, RANGES);
    await scan(page, 'Ranges');
    await openHydrated(page, RANGES + '/new');
    await expect(page.getByRole('dialog', { name: 'Add Range' })).toBeVisible();
    await page.getByLabel('Patterns').fill('1X2X');
    await scan(page, 'Add Range with a pattern error');
    await openHydrated(page, ROUTING + '?dialed=4881&calling=%2B12015550281');
    await expect(page.getByRole('region', { name: 'Where the call goes' })).toContainText('Route Desk');
    await scan(page, 'Test Call Routing with answers');
  });
});

test.describe('Calls without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('Test Call Routing and Caller ID answer as plain GET forms', async ({ page }) => {
    await open(page, ROUTING);
    const routing = page.getByRole('form', { name: 'Test Call Routing' });
    await routing.getByLabel('Dialed digits').fill('4881');
    await routing.getByRole('button', { name: 'Test' }).click();
    await expect(page.getByRole('region', { name: 'Where the call goes' })).toContainText('+12015550281');
    const caller = page.getByRole('form', { name: 'Caller ID' });
    await caller.getByLabel('Incoming number').fill('+12015550281');
    await caller.getByRole('button', { name: 'Show Caller ID' }).click();
    await expect(page.getByRole('region', { name: 'What the phone shows' })).toContainText('Route Desk');
    // The first question survived the second form's submit.
    await expect(page.getByRole('region', { name: 'Where the call goes' })).toContainText('+12015550281');
  });
});
