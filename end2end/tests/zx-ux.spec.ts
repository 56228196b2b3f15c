import { expect, test, type Page } from './fixtures';
import { DALLAS_ADMIN, LIST, VIEWER, open, openHydrated } from './helpers';

// The console as a demanding admin uses it: Enter, acting as soon as things show, Back, the
// keyboard, no JavaScript, narrow windows. Runs after the other list specs (file order), before
// the CSV imports; its entries use extensions 9xxx and numbers +1201555 09xx.

const list = (page: Page) => page.getByRole('table').locator('td a.row-link');

async function openCreate(page: Page) {
  await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
  const dialog = page.getByRole('dialog', { name: 'Manually Add' });
  await expect(dialog).toBeVisible();
  return dialog;
}

test.describe.serial('forms survive Enter, double submits and closing', () => {
  test('Enter in Manually Add saves, and the list stays whole', async ({ page }) => {
    await openHydrated(page, LIST);
    const dialog = await openCreate(page);
    await dialog.getByLabel('Display Name').fill('Enter Key');
    await dialog.getByLabel('Extension').fill('9001');
    await dialog.getByLabel('Phone Number').fill('+12015550901');
    await dialog.getByLabel('Phone Number').press('Enter');
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Saved "Enter Key" (extension 9001).' })).toBeVisible();
    // The filter bar is still there and the list counts the new row.
    await expect(page.getByRole('searchbox', { name: 'Search' })).toBeVisible();
    await page.getByRole('searchbox', { name: 'Search' }).fill('enter key');
    await expect(list(page)).toHaveText(['Enter Key']);
    await expect(page.getByText('1 virtual extension', { exact: true })).toBeVisible();
  });

  test('a form submitted twice at once saves once', async ({ page }) => {
    await openHydrated(page, LIST);
    const dialog = await openCreate(page);
    await dialog.getByLabel('Display Name').fill('Twice Submitted');
    await dialog.getByLabel('Extension').fill('9005');
    await dialog.getByLabel('Phone Number').fill('+12015550905');
    // Two submissions in the same moment (a double Enter, a double click): one save, no
    // "already used" refusal of the second.
    await dialog.locator('form').evaluate((form: HTMLFormElement) => {
      form.requestSubmit();
      form.requestSubmit();
    });
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').filter({ hasText: 'Saved "Twice Submitted"' })).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.getByRole('searchbox', { name: 'Search' }).fill('twice');
    await expect(list(page)).toHaveText(['Twice Submitted']);
  });

  test('Enter in Edit saves, and the details say what changed', async ({ page }) => {
    await openHydrated(page, LIST + '?q=enter%20key');
    await list(page).first().click();
    const details = page.getByRole('dialog', { name: 'Enter Key' });
    await details.getByRole('link', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Enter Key' });
    // The form takes focus once it shows.
    await expect(edit.getByLabel('Level')).toBeFocused();
    await edit.getByLabel('Display Name').fill('Enter Key Two');
    await edit.getByLabel('Display Name').press('Enter');
    const saved = page.getByRole('dialog', { name: 'Enter Key Two' });
    await expect(saved.getByRole('status')).toHaveText('Saved. Changed Display Name from "Enter Key" to "Enter Key Two".');
    await expect(saved.getByText('Loading…')).toHaveCount(0);
    await expect(page).toHaveURL(/\/virtual-extension\/[^/]+\?q=enter%20key$/);
  });

  test('Tabbing through an empty form marks nothing; Save does', async ({ page }) => {
    await openHydrated(page, LIST);
    const dialog = await openCreate(page);
    await dialog.getByLabel('First Name').focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
    await expect(dialog.locator('.field-error')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog.getByLabel('Display Name')).toHaveAccessibleDescription(/required|Enter/i);
    // Escape while the form shows errors: closed, no crash (the fixture watches).
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });

  test('the form shows the ESN a location-level entry gets, and a location administrator has their location chosen', async ({ page }) => {
    await openHydrated(page, LIST, DALLAS_ADMIN);
    const dialog = await openCreate(page);
    await expect(dialog.getByLabel('Level')).toHaveValue('LOCATION');
    await expect(dialog.getByLabel('Location', { exact: true })).toHaveValue(/.+/);
    await expect(dialog.getByLabel('Location', { exact: true }).locator('option:checked')).toHaveText('Dallas');
    await dialog.getByLabel('Extension').fill('9002');
    await expect(dialog.getByText('at other locations they dial 8214 9002')).toBeVisible();
  });

  test('an organization-level extension that a location already uses is warned about in the form', async ({ page }) => {
    await openHydrated(page, LIST);
    let dialog = await openCreate(page);
    await dialog.getByLabel('Level').selectOption({ label: 'Location' });
    await dialog.getByLabel('Location', { exact: true }).selectOption({ label: 'Dallas' });
    await dialog.getByLabel('Display Name').fill('Dallas Shadow');
    await dialog.getByLabel('Extension').fill('9010');
    await dialog.getByLabel('Phone Number').fill('+12015550910');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();

    dialog = await openCreate(page);
    await expect(dialog.getByLabel('Level')).toHaveValue('ORGANIZATION');
    await dialog.getByLabel('Display Name').fill('Org Shadowed');
    await dialog.getByLabel('Phone Number').fill('+12015550911');
    await dialog.getByLabel('Extension').fill('9010');
    await expect(dialog.getByLabel('Extension')).toHaveAccessibleDescription(
      /Extension 9010 also belongs to "Dallas Shadow" at Dallas: callers there will reach that one/,
    );
    // A warning, not a refusal: Save goes ahead and says it again.
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status')).toContainText('Extension 9010 also belongs to "Dallas Shadow" at Dallas');
  });
});

test.describe.serial('the list keeps its state', () => {
  test('a row opened from a search closes back onto that search, focus on the row', async ({ page }) => {
    await openHydrated(page, LIST);
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('enter key two');
    await search.press('Enter');
    await expect(page).toHaveURL(/\?q=enter%20key%20two$/);
    // Clicked as soon as it shows, then Edit at once: the panel stays open.
    await list(page).first().click();
    await page.getByRole('dialog', { name: 'Enter Key Two' }).getByRole('link', { name: 'Edit' }).click();
    await expect(page).toHaveURL(/\/edit\?q=enter%20key%20two$/);
    await expect(page.getByRole('dialog').getByLabel('Display Name')).toHaveValue('Enter Key Two');
    await expect(page).toHaveURL(/\/edit\?q=enter%20key%20two$/);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').getByRole('link', { name: 'Close' }).click();
    await expect(page).toHaveURL(new RegExp(`${LIST}\\?q=enter%20key%20two$`));
    await expect(search).toHaveValue('enter key two');
    await expect(list(page)).toHaveText(['Enter Key Two']);
    await expect(list(page).first()).toBeFocused();
  });

  test('Organization level turns the location filter off; the address holds only what is set', async ({ page }) => {
    await openHydrated(page, LIST + '?location=nowhere');
    await page.getByLabel('Level', { exact: true }).selectOption({ label: 'Organization' });
    await expect(page).toHaveURL(new RegExp(`${LIST}\\?level=ORGANIZATION$`));
    await expect(page.getByLabel('Location', { exact: true })).toBeDisabled();
    await expect(page.getByText('Organization-level entries belong to no location.')).toBeVisible();
  });

  test('columns keep their widths while sorting and paging', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await open(page, LIST);
    // 26 entries of its own, so that a second page exists whatever else ran first.
    for (let i = 1; i <= 26; i++) {
      const n = String(i).padStart(2, '0');
      const response = await page.request.post('/api/create_virtual_extension', {
        headers: { Origin: new URL(page.url()).origin, Accept: 'application/json' },
        form: {
          'input[level]': 'ORGANIZATION',
          'input[display_name]': `Widths ${String.fromCharCode(122 - i)} ${n}`,
          'input[extension]': `43${n}`,
          'input[phone_number]': `+120155505${n}`,
        },
      });
      expect(response.ok(), await response.text()).toBeTruthy();
    }
    await openHydrated(page, LIST + '?q=widths&per_page=25');
    await expect(page.getByText('26 virtual extensions', { exact: true })).toBeVisible();
    const widths = () =>
      page.getByRole('table').locator('thead th').evaluateAll((ths) => ths.map((th) => Math.round(th.getBoundingClientRect().width)));
    const before = await widths();
    const byName = await list(page).allTextContents();
    await page.getByRole('link', { name: 'Phone Number' }).click();
    await expect(page).toHaveURL(/sort=phone_number/);
    // The rows sorted by number have arrived.
    await expect(list(page)).not.toHaveText(byName);
    expect(await widths()).toEqual(before);
    const pager = page.getByRole('navigation', { name: 'Pages' });
    await pager.getByRole('link', { name: 'Next' }).click();
    await expect(pager).toContainText('Page 2 of');
    expect(await widths()).toEqual(before);
  });

  test('a page past the end says which pages there are', async ({ page }) => {
    await openHydrated(page, LIST + '?page=99');
    await expect(page.getByRole('heading', { name: 'There is no page 99' })).toBeVisible();
    const last = page.getByRole('link', { name: /^Go to page \d+$/ });
    const pages = (await last.textContent())!.replace('Go to page ', '');
    await last.click();
    await expect(page.getByText(`Page ${pages} of ${pages}`, { exact: true })).toBeVisible();
    await expect(list(page).first()).toBeVisible();
    await openHydrated(page, '/management/audit-log?page=500');
    await expect(page.getByRole('heading', { name: 'There is no page 500' })).toBeVisible();
  });

  test('search spells letters as people type them', async ({ page }) => {
    await openHydrated(page, LIST);
    const dialog = await openCreate(page);
    await dialog.getByLabel('Display Name').fill('Martin Ødegaard');
    await dialog.getByLabel('Extension').fill('9003');
    await dialog.getByLabel('Phone Number').fill('+12015550903');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await page.getByRole('searchbox', { name: 'Search' }).fill('Odegaard');
    await expect(list(page)).toHaveText(['Martin Ødegaard']);
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('Edit shows the stored values and saves them', async ({ page }) => {
    await open(page, LIST + '?q=odegaard');
    await page.getByRole('link', { name: 'Martin Ødegaard' }).click();
    await page.getByRole('link', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Display Name')).toHaveValue('Martin Ødegaard');
    await expect(dialog.getByLabel('Extension')).toHaveValue('9003');
    await expect(dialog.getByLabel('Phone Number')).toHaveValue('+12015550903');
    await expect(dialog.getByLabel('Level')).toHaveValue('ORGANIZATION');
    await expect(dialog.locator('input[name="version"]')).toHaveValue(/^\d+$/);
    await dialog.getByLabel('Extension').fill('9004');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByRole('dialog', { name: 'Martin Ødegaard' }).locator('dd').filter({ hasText: /^9004$/ })).toBeVisible();
    // The redirect after the post keeps the list the admin came from.
    await expect(page).toHaveURL(/\?q=odegaard$/);
  });
});

test.describe('roles see only what they can do', () => {
  test('a read-only administrator gets no Bulk Add button and no file picker', async ({ page }) => {
    await openHydrated(page, LIST + '/tasks', VIEWER);
    await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
    await expect(page.getByText("Every administrator's CSV imports")).toBeVisible();
    await expect(page.getByRole('link', { name: 'Bulk Add in CSV' })).toHaveCount(0);
    const crumbs = page.getByRole('navigation', { name: 'Breadcrumb' });
    await expect(crumbs.getByRole('link', { name: 'Virtual Extension' })).toBeVisible();
    await openHydrated(page, LIST + '/bulk-add', VIEWER);
    const panel = page.getByRole('dialog', { name: 'Bulk Add in CSV' });
    await expect(panel.getByRole('alert')).toContainText('you can look but not import');
    await expect(panel.getByLabel('CSV file')).toBeHidden();
    // The column help says when Location is required.
    await expect(panel.getByRole('row', { name: /^Location/ }).getByRole('cell').first()).toHaveText('For Location level');
  });
});

test.describe('fits the screen', () => {
  test('at 800×900 the navigation folds behind Menu and nothing scrolls sideways', async ({ page }) => {
    await page.setViewportSize({ width: 800, height: 900 });
    await openHydrated(page, LIST);
    await expect(page.getByRole('button', { name: 'Create Virtual Extension' })).toBeInViewport({ ratio: 1 });
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeHidden();
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(sideways).toBeLessThanOrEqual(0);
    await page.getByText('Menu').click();
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Virtual Extension' })).toBeVisible();
  });

  test('at 1280×800 a side panel keeps its title and Save in view', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await openHydrated(page, LIST);
    const dialog = await openCreate(page);
    await dialog.getByLabel('Phone Number').scrollIntoViewIfNeeded();
    await expect(dialog.getByRole('button', { name: 'Save' })).toBeInViewport({ ratio: 1 });
    await expect(dialog.getByRole('heading', { name: 'Manually Add' })).toBeInViewport({ ratio: 1 });
  });
});

test.describe('before the WASM has loaded', () => {
  test("a panel filled in before its own code arrives keeps what was typed and chosen", async ({ page }) => {
    await openHydrated(page, LIST);
    // The page's WASM loads; the lazy panels' chunks are held back (a slow line or CPU).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pkg\/(chunk_|split_)[^?]*\.wasm(\?.*)?$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(LIST + '/new');
    const dialog = page.getByRole('dialog', { name: 'Manually Add' });
    await dialog.getByLabel('Level').selectOption({ label: 'Location' });
    await dialog.getByLabel('Location', { exact: true }).selectOption({ label: 'Dallas' });
    await dialog.getByLabel('Display Name').fill('Gap Typist');
    await dialog.getByLabel('Extension').fill('4391');
    await dialog.getByLabel('Phone Number').fill('+12015550391');
    expect(await page.locator('html[data-hydrated]').count()).toBe(0);

    release();
    await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
    await expect(dialog.getByLabel('Level')).toHaveValue('LOCATION');
    await expect(dialog.getByLabel('Location', { exact: true })).toHaveValue(/.+/);
    await expect(dialog.getByLabel('Display Name')).toHaveValue('Gap Typist');
    await expect(dialog.getByLabel('Extension')).toHaveValue('4391');
    await expect(dialog.getByLabel('Phone Number')).toHaveValue('+12015550391');
    // The ESN shows as it would had they typed after hydration: the signals hold the values.
    await expect(dialog).toContainText('they dial 8214 4391 (the ESN)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('row', { name: /Gap Typist/ }).getByRole('cell').last()).toHaveText('Dallas');
  });

  test('an admin who acts on the server-rendered page as soon as it shows loses nothing', async ({ page }) => {
    await openHydrated(page, LIST);
    // The WASM is held back: the page is the server's HTML, with JavaScript on.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pkg\/[^?]*\.wasm(\?.*)?$/, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(LIST);
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('enter key two');
    await search.press('Enter');
    await expect(page).toHaveURL(/q=enter\+key\+two/);
    await expect(list(page)).toHaveText(['Enter Key Two']);
    await list(page).first().click();
    await page.getByRole('dialog', { name: 'Enter Key Two' }).getByRole('link', { name: 'Edit' }).click();
    const edit = page.getByRole('dialog', { name: 'Enter Key Two' });
    await edit.getByLabel('First Name').fill('Early');
    await edit.getByRole('button', { name: 'Save' }).click();
    const details = page.getByRole('dialog', { name: 'Enter Key Two' });
    await expect(details.locator('dd').filter({ hasText: /^Early$/ })).toBeVisible();
    await expect(page).toHaveURL(/q=enter(\+|%20)key(\+|%20)two/);
    expect(await page.locator('html[data-hydrated]').count()).toBe(0);

    // The WASM arrives and takes over this same page: nothing lost, nothing crashes.
    release();
    await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
    await expect(details.locator('dd').filter({ hasText: /^Early$/ })).toBeVisible();
    await details.getByRole('link', { name: 'Close' }).click();
    await expect(details).toBeHidden();
    await expect(list(page)).toHaveText(['Enter Key Two']);
  });
});
