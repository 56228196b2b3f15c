import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from './fixtures';
import { LIST, VIEWER, open, openHydrated, watchConsole } from './helpers';

// Runs after virtual-extension.spec.ts (file order): that spec starts from an empty list.

/** Creates an organization-level entry through Manually Add. */
async function create(page: Page, name: string, extension: string, phone: string) {
  await openHydrated(page, LIST + '/new');
  const dialog = page.getByRole('dialog', { name: 'Manually Add' });
  await dialog.getByLabel('Display Name').fill(name);
  await dialog.getByLabel('Extension').fill(extension);
  await dialog.getByLabel('Phone Number').fill(phone);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('link', { name, exact: true })).toBeVisible();
}

/** Opens an entry's details from the list, then its edit panel. */
async function edit(page: Page, name: string) {
  await openHydrated(page, LIST + '?q=' + encodeURIComponent(name));
  await page.getByRole('link', { name, exact: true }).click();
  const details = page.getByRole('dialog', { name });
  await details.getByRole('link', { name: 'Edit', exact: true }).click();
  const form = page.getByRole('dialog', { name });
  await expect(form.getByText('Edit Virtual Extension')).toBeVisible();
  return form;
}

test.describe.serial('Edit, move and delete virtual extensions; locations', () => {
  test('an edit saves every field, and the list and history follow', async ({ page }) => {
    const problems = watchConsole(page);
    await create(page, 'Edit Me', '4501', '+12015550151');
    const form = await edit(page, 'Edit Me');
    await expect(form.getByLabel('Display Name')).toHaveValue('Edit Me');
    await form.getByLabel('First Name').fill('Edith');
    await form.getByLabel('Last Name').fill('Mayer');
    await form.getByLabel('Display Name').fill('Edith Mayer');
    await form.getByLabel('Extension').fill('4502');
    await form.getByLabel('Phone Number').fill('+12015550152');
    await form.getByRole('button', { name: 'Save' }).click();

    const details = page.getByRole('dialog', { name: 'Edith Mayer' });
    await expect(details.getByText('Virtual extension updated')).toBeVisible();
    await expect(details.locator('dd').filter({ hasText: '4502' })).toBeVisible();
    await expect(details.locator('dd').filter({ hasText: '+12015550152' })).toBeVisible();
    await page.keyboard.press('Escape');
    // Back on the list it was opened from: the search for the old name, which finds nothing now.
    await expect(page).toHaveURL(/\?q=Edit%20Me$|\?q=Edit\+Me$/);
    await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue('Edit Me');
    await page.getByRole('searchbox', { name: 'Search' }).fill('Edith');
    const row = page.getByRole('row', { name: /Edith Mayer/ });
    await expect(row.getByRole('cell').nth(2)).toHaveText('Edith');
    await expect(row.getByRole('cell').nth(4)).toHaveText('4502');
    expect(problems).toEqual([]);
  });

  test('an edit is checked like a create, beside the fields', async ({ page }) => {
    const form = await edit(page, 'Edith Mayer');
    // 4001 belongs to Ana Souza (virtual-extension.spec.ts).
    await form.getByLabel('Extension').fill('4001');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect(form.getByText(/Extension 4001 is already used at organization level/)).toBeVisible();
    await expect(form.getByLabel('Extension')).toHaveAttribute('aria-invalid', 'true');
    // Its own number is no conflict.
    await expect(form.getByText(/already belongs to/)).toHaveCount(0);
  });

  test('an entry moves to a location and back, with its ESN shown there', async ({ page }) => {
    let form = await edit(page, 'Edith Mayer');
    await form.getByLabel('Level').selectOption('LOCATION');
    await form.getByLabel('Location', { exact: true }).selectOption({ label: 'Austin' });
    await form.getByRole('button', { name: 'Save' }).click();
    let details = page.getByRole('dialog', { name: 'Edith Mayer' });
    await expect(details.getByText('Virtual extension moved')).toBeVisible();
    await expect(details.locator('dd').filter({ hasText: '83004502' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('row', { name: /Edith Mayer/ }).getByRole('cell').last()).toHaveText('Austin');

    form = await edit(page, 'Edith Mayer');
    await form.getByLabel('Level').selectOption('ORGANIZATION');
    await form.getByRole('button', { name: 'Save' }).click();
    details = page.getByRole('dialog', { name: 'Edith Mayer' });
    await expect(details.getByText('Virtual extension moved')).toHaveCount(2);
    await expect(details.getByText('ESN')).toHaveCount(0);
    await expect(details.locator('dd').first()).toHaveText('Organization');
  });

  test('a concurrent edit is never overwritten unseen', async ({ page, context }) => {
    const mine = await edit(page, 'Edith Mayer');
    const other = await context.newPage();
    const theirs = await edit(other, 'Edith Mayer');
    await theirs.getByLabel('Display Name').fill('Edith (by them)');
    await theirs.getByRole('button', { name: 'Save' }).click();
    await expect(other.getByRole('dialog', { name: 'Edith (by them)' })).toBeVisible();

    await mine.getByLabel('Display Name').fill('Edith (by me)');
    await mine.getByRole('button', { name: 'Save' }).click();
    const alert = mine.getByRole('alert').filter({ hasText: 'Someone else changed this virtual extension' });
    await expect(alert).toBeVisible();
    const name = alert.getByRole('row', { name: /Display Name/ });
    await expect(name.getByRole('cell')).toHaveText(['Edith (by them)', 'Edith (by me)']);
    // My edit is still in the form; saving again replaces theirs, knowingly.
    await expect(mine.getByLabel('Display Name')).toHaveValue('Edith (by me)');
    await mine.getByRole('button', { name: 'Save' }).click();
    const saved = page.getByRole('dialog', { name: 'Edith (by me)' });
    await expect(saved).toBeVisible();
    // What the save replaced is theirs, not what the form first opened with.
    await expect(saved.getByRole('status')).toHaveText('Saved. Changed Display Name from "Edith (by them)" to "Edith (by me)".');
    await other.close();
  });

  test('Delete asks first; Escape keeps the entry, Delete removes it', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST + '?q=Edith');
    await page.getByRole('link', { name: 'Edith (by me)' }).click();
    const details = page.getByRole('dialog', { name: 'Edith (by me)' });
    const deleteButton = details.getByRole('button', { name: 'Delete', exact: true });
    await deleteButton.click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete "Edith (by me)"?' });
    await expect(confirm).toContainText('This cannot be undone.');
    // The safe choice has focus; Tab stays inside; Escape cancels and focus returns.
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByRole('button', { name: 'Delete' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await expect(deleteButton).toBeFocused();
    await expect(details).toBeVisible();

    await deleteButton.click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Deleted 1 virtual extension.' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Edith (by me)' })).toHaveCount(0);
    expect(problems).toEqual([]);
  });

  test('pages follow the address bar: Next, Back and a shared link', async ({ page }) => {
    await openHydrated(page, LIST);
    // 30 entries through the server function itself (as the form posts), quicker than 30 forms.
    for (let i = 1; i <= 30; i++) {
      const n = String(i).padStart(2, '0');
      const response = await page.request.post('/api/create_virtual_extension', {
        headers: { Origin: new URL(page.url()).origin, Accept: 'application/json' },
        form: {
          'input[level]': 'ORGANIZATION',
          'input[display_name]': `Pager ${n}`,
          'input[extension]': `48${n}`,
          'input[phone_number]': `+120155502${n}`,
        },
      });
      expect(response.ok(), await response.text()).toBeTruthy();
    }
    await openHydrated(page, LIST + '?q=pager&per_page=25');
    await expect(page.getByText('30 virtual extensions', { exact: true })).toBeVisible();
    const pager = page.getByRole('navigation', { name: 'Pages' });
    await expect(pager).toContainText('Page 1 of 2');
    await expect(page.getByRole('table').locator('td a.row-link')).toHaveCount(25);
    await pager.getByRole('link', { name: 'Next' }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(pager).toContainText('Page 2 of 2');
    await expect(page.getByRole('table').locator('td a.row-link')).toHaveText(['Pager 26', 'Pager 27', 'Pager 28', 'Pager 29', 'Pager 30']);
    await page.goBack();
    await expect(pager).toContainText('Page 1 of 2');
    // A shared link opens the same page, sorted the same way.
    const shared = await page.context().newPage();
    await openHydrated(shared, LIST + '?q=pager&per_page=25&page=2&sort=extension&dir=desc');
    await expect(shared.getByRole('table').locator('td a.row-link')).toHaveText(['Pager 05', 'Pager 04', 'Pager 03', 'Pager 02', 'Pager 01']);
    await shared.close();
  });

  test('Export downloads what the search selects, in the template format', async ({ page }) => {
    await openHydrated(page, LIST + '?q=pager&sort=extension&dir=desc&page=2&per_page=25');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^virtual-extensions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = Buffer.concat(await (await file.createReadStream()).toArray()).toString('utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension');
    // Every match (not just the page on screen), in the order they were created.
    expect(lines.length).toBe(31);
    expect(lines[1]).toBe('UPDATE,Organization,,,,Pager 01,+12015550201,4801');
  });

  test('several entries are deleted at once, after a confirmation that says how many', async ({ page }) => {
    await create(page, 'Bulk One', '4601', '+12015550161');
    await create(page, 'Bulk Two', '4602', '+12015550162');
    await create(page, 'Bulk Three', '4603', '+12015550163');
    await openHydrated(page, LIST + '?q=bulk');
    await expect(page.getByText('3 virtual extensions', { exact: true })).toBeVisible();
    await page.getByRole('checkbox', { name: 'Select Bulk One (4601)' }).check();
    await page.getByRole('checkbox', { name: 'Select Bulk Two (4602)' }).check();
    await expect(page.getByText('2 selected')).toBeVisible();
    await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
    await expect(page.getByText('3 selected')).toBeVisible();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete 3 virtual extensions?' });
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Delete 3 virtual extensions' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Deleted 3 virtual extensions.' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'No virtual extensions match' })).toBeVisible();
  });

  test('read-only administrators get no edit, delete or select controls', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openHydrated(page, LIST, VIEWER);
    await expect(page.getByRole('link', { name: 'Ana Souza (Remote)' })).toBeVisible();
    await expect(page.getByRole('checkbox')).toHaveCount(0);
    await page.getByRole('link', { name: 'Ana Souza (Remote)' }).click();
    const details = page.getByRole('dialog', { name: 'Ana Souza (Remote)' });
    await expect(details.locator('dt', { hasText: 'Phone Number' })).toBeVisible();
    await expect(details.getByRole('link', { name: 'Edit' })).toHaveCount(0);
    await expect(details.getByRole('button', { name: 'Delete' })).toHaveCount(0);
    await context.close();
  });

  test('Management > Locations: add, edit and delete; a location in use says what to move first', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Locations' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Locations' })).toBeVisible();
    await expect(page.getByRole('row', { name: /Dallas/ }).getByRole('cell').nth(1)).toHaveText('8214');

    await page.getByRole('link', { name: 'Add Location' }).click();
    let dialog = page.getByRole('dialog', { name: 'Add Location' });
    await dialog.getByLabel('Name').fill('Houston');
    await dialog.getByLabel('Routing Prefix').fill('82');
    await dialog.getByLabel('Country').fill('us');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByText(/overlaps Dallas's prefix 8214/)).toBeVisible();
    await dialog.getByLabel('Routing Prefix').fill('8400');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('row', { name: /Houston/ }).getByRole('cell')).toHaveText(['Houston', '8400', 'US', '0', '0']);

    await page.getByRole('link', { name: 'Houston', exact: true }).click();
    dialog = page.getByRole('dialog', { name: 'Houston' });
    await dialog.getByLabel('Name').fill('Houston West');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('link', { name: 'Houston West' })).toBeVisible();

    // Dallas still has entries and an administrator: Delete says so and where to go.
    await page.getByRole('link', { name: 'Dallas', exact: true }).click();
    dialog = page.getByRole('dialog', { name: 'Dallas' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const why = dialog.getByRole('alert').filter({ hasText: 'Dallas cannot be deleted yet.' });
    await expect(why).toContainText('still here: move them to another location or to organization level');
    await expect(why).toContainText('location administrator manages it');
    await expect(why.getByRole('link', { name: 'Show its virtual extensions' })).toBeVisible();
    await page.keyboard.press('Escape');

    await page.getByRole('link', { name: 'Houston West' }).click();
    dialog = page.getByRole('dialog', { name: 'Houston West' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Delete location Houston West?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Deleted location Houston West.' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Houston West' })).toHaveCount(0);
    // The overlapping prefix was refused with a 409, which Chromium logs; nothing else.
    expect(problems.filter((p) => !p.includes('status of 409 (Conflict)'))).toEqual([]);
  });
});

test.describe('Accessibility (axe-core)', () => {
  /** Fails on any serious or critical WCAG 2.1 A/AA violation, naming the rule and the nodes. */
  async function scan(page: Page, what: string) {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${what}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
  }

  test('every page and panel has no serious or critical violation', async ({ page }) => {
    // A dozen pages, each loaded, hydrated and scanned: more than the default 30 s.
    test.slow();
    await create(page, 'Axe Check', '4701', '+12015550171');
    const pages: [string, string][] = [
      ['list', LIST],
      ['list, filtered and sorted', LIST + '?q=axe&sort=extension&dir=desc'],
      ['Manually Add', LIST + '/new'],
      ['Locations', '/management/locations'],
      ['Add Location', '/management/locations/new'],
      ['Administrators', '/management/administrators'],
      ['Add Administrator', '/management/administrators/new'],
      ['Audit Log', '/management/audit-log'],
    ];
    for (const [what, path] of pages) {
      await openHydrated(page, path);
      await scan(page, what);
    }
    await openHydrated(page, LIST + '?q=axe');
    await page.getByRole('link', { name: 'Axe Check' }).click();
    await expect(page.getByRole('dialog', { name: 'Axe Check' })).toBeVisible();
    await scan(page, 'details');
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect(page.getByRole('alertdialog')).toBeVisible();
    await scan(page, 'delete confirmation');
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await expect(page.getByText('Edit Virtual Extension')).toBeVisible();
    await scan(page, 'edit');
    await openHydrated(page, '/management/locations');
    await page.getByRole('link', { name: 'Dallas', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Dallas' })).toBeVisible();
    await scan(page, 'edit location');
  });

  test('the sign-in page has no serious or critical violation', async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('/sign-in');
    await scan(page, 'sign-in');
    await context.close();
  });
});
