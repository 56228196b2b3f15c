import { expect, test, type Page } from '../tests/fixtures';
import { LIST, openHydrated } from '../tests/helpers';

// Every page of the console at 1280×800 (public/readme/*.png, the README's pictures) and at
// 800×900 (public/readme/narrow/*.png), so that layout changes show in review.

const OUT = '../public/readme';
const HEADER = 'Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension';
const PEOPLE = [
  ['Organization', '', 'Ana', 'Souza', 'Ana Souza (Remote)', '+12015550123', '4001'],
  ['Organization', '', 'Bram', 'de Vries', 'Bram de Vries', '+31201234567', '4002'],
  ['Location', 'Dallas', '', '', 'Dallas Lobby', '+12145550100', '4100'],
  ['Location', 'Dallas', 'Key', 'Customer', 'Key Customer', '+12145550101', '4001'],
  ['Location', 'Austin', 'Zoë', 'Ångström', 'Zoë Ångström', '+15125550102', '4200'],
  ['Organization', '', 'Martin', 'Ødegaard', 'Martin Ødegaard', '+4722123456', '4003'],
  ['Organization', '', '', '', 'Front Desk (Paris)', '+33142685300', '4004'],
  ['Location', 'Austin', '', '', '', '+15125550103', '4201'],
];

async function shoot(page: Page, name: string) {
  // Nothing moving: no caret, no animations (the page's CSP forbids injected styles).
  await page.screenshot({ path: `${OUT}/${name}.png`, caret: 'hide', animations: 'disabled' });
}

async function importTeam(page: Page) {
  await openHydrated(page, LIST + '/bulk-add');
  const rows = PEOPLE.map((p) => ['ADD', ...p].join(','));
  const csv = '\uFEFF' + [HEADER, ...rows].join('\r\n') + '\r\n';
  const panel = page.getByRole('dialog', { name: 'Bulk Add in CSV' });
  await panel.getByLabel('CSV file').setInputFiles({ name: 'team.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await panel.getByRole('button', { name: 'Validate' }).click();
  await expect(panel.getByRole('status').filter({ hasText: 'rows:' })).toBeVisible();
  return panel;
}

const SIZES = [
  [1280, 800, ''],
  [800, 900, 'narrow/'],
] as const;

test('every page at 1280×800 and 800×900', async ({ page }) => {
  let panel;
  for (const [width, height, dir] of SIZES) {
    await page.setViewportSize({ width, height });
    panel = await importTeam(page);
    await shoot(page, `${dir}bulk-add`);
  }
  await panel!.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Tasks' })).toBeVisible();
  await expect(page.getByText('Completed with errors').first()).toBeVisible();
  // A range, for the Ranges tab and Test Call Routing.
  await openHydrated(page, LIST + '/ranges/new');
  const add = page.getByRole('dialog', { name: 'Add Range' });
  await add.getByLabel('Name').fill('Sales Desks');
  await add.getByLabel('Prefix').fill('+1214555');
  await add.getByLabel('Patterns').fill('12XX\n130X');
  await add.getByRole('button', { name: 'Save' }).click();
  await expect(add).toBeHidden();
  for (const [width, height, dir] of SIZES) {
    await page.setViewportSize({ width, height });
    await openHydrated(page, LIST + '/ranges/new');
    await page.getByRole('dialog', { name: 'Add Range' }).getByLabel('Patterns').fill('50XX\n5X0X');
    await shoot(page, `${dir}ranges`);
    await openHydrated(page, '/services/call/test-call-routing?dialed=8214+4001&calling=%2B12145550101');
    await expect(page.getByRole('region', { name: 'What the phone shows' })).toContainText('Key Customer');
    await shoot(page, `${dir}test-call-routing`);
  }
  for (const [width, height, dir] of SIZES) {
    await page.setViewportSize({ width, height });
    await openHydrated(page, LIST + '/tasks');
    await expect(page.getByText('Completed with errors').first()).toBeVisible();
    await shoot(page, `${dir}tasks`);
    await page.getByRole('link', { name: 'team.csv' }).first().click();
    await expect(page.getByRole('heading', { level: 2, name: 'Row errors' })).toBeVisible();
    await shoot(page, `${dir}task`);

    await openHydrated(page, LIST + '?sort=extension');
    await expect(page.getByRole('table').locator('td a.row-link').first()).toBeVisible();
    await shoot(page, `${dir}screenshot`);
    await page.getByRole('table').locator('td a.row-link', { hasText: 'Key Customer' }).first().click();
    await expect(page.getByRole('dialog', { name: 'Key Customer' }).getByText('ESN')).toBeVisible();
    await shoot(page, `${dir}details`);
    await page.getByRole('dialog').getByRole('link', { name: 'Edit' }).click();
    await expect(page.getByRole('dialog').getByLabel('Display Name')).toHaveValue('Key Customer');
    await shoot(page, `${dir}edit`);

    for (const [path, name, heading] of [
      ['/management/locations', 'locations', 'Locations'],
      ['/management/administrators', 'administrators', 'Administrators'],
      ['/management/audit-log', 'audit-log', 'Audit Log'],
    ] as const) {
      await openHydrated(page, path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await shoot(page, `${dir}${name}`);
    }
  }
});
