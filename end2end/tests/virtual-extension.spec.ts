import { expect, test, type Page } from './fixtures';
import { DALLAS_ADMIN, LIST, open, openHydrated, watchConsole } from './helpers';

// One database per project run, shared by these steps in order.
test.describe.serial('Services > Call > Features > Virtual Extension', () => {
  test('the page sits where admins know it and invites the first entry', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, '/');
    await expect(page).toHaveURL(new RegExp(`${LIST}$`));
    await expect(page.getByRole('heading', { level: 1, name: 'Virtual Extension' })).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByText('Services')).toBeVisible();
    await expect(nav.getByText('Call', { exact: true })).toBeVisible();
    await expect(nav.getByText('Features')).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Virtual Extension' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { name: 'No virtual extensions yet' })).toBeVisible();
    // Every form label names exactly one control on the page, even unscoped.
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    for (const label of ['Level', 'Location', 'First Name', 'Last Name', 'Display Name', 'Extension', 'Phone Number']) {
      await expect(page.getByLabel(label), label).toHaveCount(1);
    }
    expect(problems).toEqual([]);
  });

  test('Create Virtual Extension > Manually Add saves a row that appears without a reload', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST);
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Level')).toHaveValue('ORGANIZATION');
    await expect(dialog.getByLabel('Location', { exact: true })).toBeHidden();
    await dialog.getByLabel('First Name').fill('Ana');
    await dialog.getByLabel('Last Name').fill('Souza');
    await dialog.getByLabel('Display Name').fill('Ana Souza (Remote)');
    await dialog.getByLabel('Extension').fill('4001');
    await dialog.getByLabel('Phone Number').fill('+12015550123');

    // A marker on window survives client-side navigation but not a document reload.
    await page.evaluate(() => ((window as any).__vextMarker = 'still here'));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    const row = page.getByRole('row', { name: /Ana Souza \(Remote\)/ });
    await expect(row).toBeVisible();
    // The first cell holds the row's checkbox (for deleting several at once).
    await expect(row.getByRole('cell')).toHaveText(['', 'Ana Souza (Remote)', 'Ana', 'Souza', '4001', '+12015550123', 'Organization']);
    await expect(page.getByText('1 virtual extension', { exact: true })).toBeVisible();
    // Client-side navigation only: the document was never reloaded.
    expect(await page.evaluate(() => (window as any).__vextMarker)).toBe('still here');
    expect(problems).toEqual([]);
  });

  test('the saved row is still there after a reload', async ({ page }) => {
    await open(page, LIST);
    await expect(page.getByRole('row', { name: /Ana Souza \(Remote\)/ })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('cell', { name: '+12015550123' })).toBeVisible();
  });

  test('a bad phone number is explained beside the field before submit', async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    const phone = dialog.getByLabel('Phone Number');
    await phone.fill('214-555-0100');
    await phone.blur();
    await expect(dialog.getByText(/has no \+ and country code/)).toBeVisible();
    await expect(phone).toHaveAttribute('aria-invalid', 'true');
    // The error is the field's description, so screen readers read it with the field.
    await expect(phone).toHaveAccessibleDescription(/has no \+ and country code/);
    await phone.fill('+1 214 555 0100');
    await phone.blur();
    await expect(dialog.getByText('Remove spaces and punctuation: write it as +12145550100.')).toBeVisible();
  });

  test('a 61-character display name is refused inline, counted as the server counts', async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    const name = dialog.getByLabel('Display Name');
    // 61 emoji: 122 UTF-16 units, 61 characters.
    await name.fill('😀'.repeat(61));
    await expect(dialog.getByText('61 / 60 characters')).toBeVisible();
    await dialog.getByLabel('Extension').fill('4002');
    await dialog.getByLabel('Phone Number').fill('+12015550124');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByText('Display Name is 61 characters long; the limit is 60. Shorten it by 1.')).toBeVisible();
    await expect(name).toBeFocused();
    await name.fill('😀'.repeat(60));
    await expect(dialog.getByText('60 / 60 characters')).toBeVisible();
  });

  test('server-side conflicts land beside the right fields', async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Display Name').fill('Someone Else');
    await dialog.getByLabel('Extension').fill('4001');
    await dialog.getByLabel('Phone Number').fill('+12015550123');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('Extension')).toHaveAccessibleDescription(/Extension 4001 is already used at organization level/);
    await expect(dialog.getByLabel('Phone Number')).toHaveAccessibleDescription(/already belongs to "Ana Souza \(Remote\)"/);
    await expect(dialog).toBeVisible();
  });

  test('a number that is not in its country plan is refused by the server check', async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Display Name').fill('Nobody');
    await dialog.getByLabel('Extension').fill('4010');
    // Syntactically E.164, but the US has no area code 099.
    await dialog.getByLabel('Phone Number').fill('+10995550123');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('Phone Number')).toHaveAccessibleDescription(/is not a valid number/);
  });

  test('a location-level entry names its location', async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Level').selectOption({ label: 'Location' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('Location', { exact: true })).toHaveAccessibleDescription(/Location is required/);
    await dialog.getByLabel('Location', { exact: true }).selectOption({ label: 'Dallas' });
    await dialog.getByLabel('Display Name').fill('Key Customer');
    await dialog.getByLabel('Extension').fill('4001');
    await dialog.getByLabel('Phone Number').fill('+12015550125');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('row', { name: /Key Customer/ }).getByRole('cell').last()).toHaveText('Dallas');
    // Saved, with the rules' warning: an organization-level 4001 exists too.
    const status = page.getByRole('status');
    await expect(status).toContainText('Saved "Key Customer" (extension 4001).');
    await expect(status).toContainText('callers at Dallas will reach this one instead of the organization-level one');
  });

  test("the server's verdict arrives while typing, before Save", async ({ page }) => {
    await openHydrated(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Display Name').fill('Early Bird');
    await dialog.getByLabel('Phone Number').fill('+12015550199');
    await dialog.getByLabel('Extension').fill('4001');
    await expect(dialog.getByLabel('Extension')).toHaveAccessibleDescription(/Extension 4001 is already used at organization level/);
    await dialog.getByLabel('Extension').fill('4030');
    await expect(dialog.getByLabel('Extension')).not.toHaveAccessibleDescription(/already used/);
    // The numbering plan lives on the server only: its verdict arrives the same way.
    await dialog.getByLabel('Phone Number').fill('+10995550199');
    await expect(dialog.getByLabel('Phone Number')).toHaveAccessibleDescription(/is not a valid number/);
  });

  test('Cancel and Escape close the panel', async ({ page }) => {
    await openHydrated(page, LIST);
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await expect(dialog.getByLabel('Level')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(page).toHaveURL(new RegExp(`${LIST}$`));
  });

  test("an entry's details show its ESN and its history", async ({ page }) => {
    await openHydrated(page, LIST);
    await page.getByRole('link', { name: 'Key Customer' }).click();
    const details = page.getByRole('dialog', { name: 'Key Customer' });
    await expect(details.getByRole('definition')).toContainText(['Location', 'Dallas', '4001', '82144001', '+12015550125']);
    const history = details.getByRole('region', { name: 'History' });
    await expect(history.getByRole('listitem').first()).toContainText('Virtual extension created');
    await expect(history.getByRole('listitem').first()).toContainText('admin@example.com');
    await expect(history).toContainText('Display Name: — → Key Customer');
    await page.keyboard.press('Escape');
    await expect(details).toBeHidden();
  });

  test('a location administrator creates entries at their own location', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST, DALLAS_ADMIN);
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await expect(dialog.getByLabel('Level')).toHaveValue('LOCATION');
    await dialog.getByLabel('Location', { exact: true }).selectOption({ label: 'Dallas' });
    await dialog.getByLabel('Display Name').fill('Dallas Courier');
    await dialog.getByLabel('Extension').fill('4040');
    await dialog.getByLabel('Phone Number').fill('+12015550140');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('row', { name: /Dallas Courier/ }).getByRole('cell').last()).toHaveText('Dallas');
    await page.getByRole('link', { name: 'Dallas Courier' }).click();
    // The history is part of the audit log, which location administrators do not read.
    const history = page.getByRole('dialog', { name: 'Dallas Courier' }).getByRole('region', { name: 'History' });
    await expect(history).toContainText('full and read-only administrators see');
    await expect(history).not.toContainText(DALLAS_ADMIN.email);
    expect(problems).toEqual([]);
  });
});

test.describe.serial('the list: search, filters, sort and the address bar', () => {
  // Runs after the steps above: Ana Souza (Remote) 4001, Key Customer 4001 at Dallas, Dallas
  // Courier 4040 at Dallas, and whatever the no-JavaScript steps add.
  // Each row's display name is the link that opens its details.
  const names = (page: Page) => page.getByRole('table').locator('td a.row-link');

  test('typing searches names without a reload, ignoring case and accents', async ({ page }) => {
    await openHydrated(page, LIST);
    await page.evaluate(() => ((window as any).__vextMarker = 'still here'));
    await page.getByRole('searchbox', { name: 'Search' }).fill('SÓUZA');
    await expect(names(page)).toHaveText(['Ana Souza (Remote)']);
    await expect(page).toHaveURL(/\?q=S%C3%93UZA$/);
    await expect(page.getByText('1 virtual extension', { exact: true })).toBeVisible();
    await page.getByRole('searchbox', { name: 'Search' }).fill('555-0140');
    await expect(names(page)).toHaveText(['Dallas Courier']);
    // Typed key by key, with pauses longer than the debounce: the box keeps focus and text.
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('');
    await search.pressSequentially('cour', { delay: 400 });
    await expect(page).toHaveURL(/\?q=cour$/);
    await expect(search).toBeFocused();
    await expect(search).toHaveValue('cour');
    await expect(names(page)).toHaveText(['Dallas Courier']);
    await page.getByRole('searchbox', { name: 'Search' }).fill('nobody at all');
    await expect(page.getByRole('heading', { name: 'No virtual extensions match' })).toBeVisible();
    expect(await page.evaluate(() => (window as any).__vextMarker)).toBe('still here');
  });

  test('filters and sorting live in the address bar, and Back restores them', async ({ page }) => {
    await openHydrated(page, LIST);
    await page.getByLabel('Level', { exact: true }).selectOption({ label: 'Location' });
    await expect(page).toHaveURL(/level=LOCATION/);
    await expect(names(page)).toHaveText(['Dallas Courier', 'Key Customer']);
    const extension = page.getByRole('columnheader', { name: 'Extension' });
    await extension.getByRole('link').click();
    await expect(extension).toHaveAttribute('aria-sort', 'ascending');
    await expect(names(page)).toHaveText(['Key Customer', 'Dallas Courier']);
    await extension.getByRole('link').click();
    await expect(extension).toHaveAttribute('aria-sort', 'descending');
    await expect(page).toHaveURL(/sort=extension&dir=desc/);
    await expect(names(page)).toHaveText(['Dallas Courier', 'Key Customer']);
    await page.goBack();
    await expect(extension).toHaveAttribute('aria-sort', 'ascending');
    // A shared link opens the same view, filters shown as chosen.
    await openHydrated(page, LIST + '?level=LOCATION&sort=extension&dir=desc&per_page=25');
    await expect(names(page)).toHaveText(['Dallas Courier', 'Key Customer']);
    await expect(page.getByLabel('Level', { exact: true })).toHaveValue('LOCATION');
    await expect(page.getByLabel('Per page')).toHaveValue('25');
    await expect(page.getByText('Page 1 of 1')).toBeVisible();
  });
});

test.describe('before the WASM loads', () => {
  test.use({ javaScriptEnabled: false });

  test('the server-rendered form posts and the row is listed', async ({ page }) => {
    await open(page, LIST);
    await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Display Name').fill('No Script');
    await dialog.getByLabel('Extension').fill('4020');
    await dialog.getByLabel('Phone Number').fill('+12015550126');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(page).toHaveURL(new RegExp(`${LIST}$`));
    await expect(page.getByRole('row', { name: /No Script/ })).toBeVisible();
  });

  test('a refused form post comes back with its errors beside the fields', async ({ page }) => {
    await open(page, LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Display Name').fill('No Script Two');
    await dialog.getByLabel('Extension').fill('4020');
    await dialog.getByLabel('Phone Number').fill('2015550127');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('Phone Number')).toHaveAccessibleDescription(/has no \+ and country code/);
    // Valid values that clash with the directory come back as conflicts.
    for (const [name, phone] of [['No Script Two', '+12015550127'], ['No Script Three', '+12015550128']]) {
      await open(page, LIST + '/new');
      await dialog.getByLabel('Display Name').fill(name);
      await dialog.getByLabel('Extension').fill('4021');
      await dialog.getByLabel('Phone Number').fill(phone);
      await dialog.getByRole('button', { name: 'Save' }).click();
    }
    await expect(dialog.getByLabel('Extension')).toHaveAccessibleDescription(/Extension 4021 is already used/);
  });
});

test.describe.serial('virtual extension mode', () => {
  test('Enhanced asks for confirmation with the PSTN warning; Standard does not', async ({ page }) => {
    const problems = watchConsole(page);
    await openHydrated(page, LIST);
    const section = page.locator('section.settings');
    await expect(section.getByRole('heading', { name: 'Virtual extension mode' })).toBeVisible();
    await expect(section.getByRole('radio', { name: 'Standard' })).toBeChecked();
    await section.getByRole('radio', { name: 'Enhanced' }).check();
    await section.getByRole('button', { name: 'Save mode' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Switch to Enhanced mode?' });
    await expect(confirm).toContainText("won't work properly unless your PSTN provider supports");
    await expect(confirm.getByRole('button', { name: 'Switch to Enhanced' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await section.getByRole('button', { name: 'Save mode' }).click();
    await confirm.getByRole('button', { name: 'Switch to Enhanced' }).click();
    await expect(section.getByRole('status')).toHaveText('Virtual extension mode: Enhanced.');
    await page.reload();
    await expect(section.getByRole('radio', { name: 'Enhanced' })).toBeChecked();
    await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
    await section.getByRole('radio', { name: 'Standard' }).check();
    await section.getByRole('button', { name: 'Save mode' }).click();
    await expect(confirm).toBeHidden();
    await expect(section.getByRole('status')).toHaveText('Virtual extension mode: Standard.');
    expect(problems).toEqual([]);
  });
});
