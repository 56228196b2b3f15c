import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from './fixtures';
import { LIST, VIEWER, open, openHydrated, watchConsole } from './helpers';

// Every test imports its own rows under a file name of its own, and deletes what it imported
// when it ends (pass or fail): the specs run in any order, and each test alone or twice
// (`--repeat-each 2`, `--shard`; scripts/slow-checks proves it).

const HEADER = 'Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension';
const TASKS = LIST + '/tasks';

/** Two good rows (one at Dallas, Level in lower case, Action blank) and two bad ones. */
const TEAM = [
  'ADD,Organization,,Carla,Ng,Carla Ng,+12035550001,7001',
  ',location,Dallas,,,Dallas Lobby,+12035550002,7002',
  'ADD,Organization,,,,,+12035550003,7003',
  'ADD,Organization,,,,Second Carla,+12035550004,7001',
];

/** What TEAM adds when it is imported (the rows with errors add nothing). */
const TEAM_ADDS = ['Organization,,7001', 'Location,Dallas,7002'];

/** A file name no other test, run or repeat uses: the Tasks list's rows are told apart by it. */
function unique(base: string) {
  return `${base}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}.csv`;
}

/** The entries (`Level,Location,Extension`) the running test imported, deleted after it. */
let imported: string[] = [];

test.beforeEach(() => {
  imported = [];
});

test.afterEach(async ({ page }) => {
  if (imported.length === 0) return;
  test.setTimeout(test.info().timeout + 240_000);
  // Deleted the way an admin would: a CSV of DELETE rows, submitted and run as a task.
  const name = unique('cleanup');
  const body = '\uFEFF' + [HEADER, ...imported.map((key) => { const [level, location, extension] = key.split(','); return `DELETE,${level},${location},,,,,${extension}`; })].join('\r\n') + '\r\n';
  await openHydrated(page, TASKS);
  const status = await page.evaluate(async ({ name, body }) => {
    const form = new FormData();
    form.append('file', new Blob([body], { type: 'text/csv' }), name);
    const response = await fetch('/api/imports', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
    return response.status;
  }, { name, body });
  expect(status, 'the clean-up import was accepted').toBe(201);
  await page.reload();
  const row = page.getByRole('row', { name });
  await expect(row).toContainText(`Processed ${imported.length.toLocaleString('en-US')} of`, { timeout: 200_000 });
  await expect(row.getByText(/^Completed/)).toBeVisible();
  imported = [];
});

/** Opens Create Virtual Extension > Bulk Add in CSV the way an admin does. */
async function openBulkAdd(page: Page) {
  await openHydrated(page, LIST);
  await page.getByRole('button', { name: 'Create Virtual Extension' }).click();
  await page.getByRole('link', { name: 'Bulk Add in CSV' }).click();
  const panel = page.getByRole('dialog', { name: 'Bulk Add in CSV' });
  await expect(panel).toBeVisible();
  return panel;
}

function csvFile(name: string, rows: string[]) {
  return { name, mimeType: 'text/csv', buffer: Buffer.from('\uFEFF' + [HEADER, ...rows].join('\r\n') + '\r\n') };
}

/** Many valid rows: long enough that the Tasks list shows the import running. */
function bigFile(name: string, rows: number, numberBase: number) {
  const lines: string[] = [];
  const adds: string[] = [];
  for (let i = 0; i < rows; i++) {
    // Valid US numbers: exchange 2xx, four digits.
    const n = numberBase + i;
    const number = `+1203${200 + Math.floor(n / 10000)}${String(n % 10000).padStart(4, '0')}`;
    lines.push(`ADD,Organization,,,,Csv Person ${i},${number},${700000 + n}`);
    adds.push(`Organization,,${700000 + n}`);
  }
  return { file: csvFile(name, lines), adds };
}

/** Submits TEAM as `name` from the Bulk Add panel and waits for its task to finish. */
async function importTeam(page: Page, name: string) {
  const panel = await openBulkAdd(page);
  await panel.getByLabel('CSV file').setInputFiles(csvFile(name, TEAM));
  imported.push(...TEAM_ADDS);
  await panel.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(/\/tasks\?submitted=/);
  const row = page.getByRole('row', { name });
  await expect(row.getByText('Completed with errors')).toBeVisible();
  return row;
}

test.describe('Bulk Add in CSV and the Tasks list', () => {
  test('the panel offers the template and explains every column', async ({ page }) => {
    const problems = watchConsole(page);
    const panel = await openBulkAdd(page);
    for (const column of ['Action', 'Level', 'Location', 'First Name', 'Last Name', 'Display Name', 'Phone Number', 'Extension']) {
      await expect(panel.getByRole('rowheader', { name: column, exact: true })).toBeVisible();
    }
    const download = page.waitForEvent('download');
    await panel.getByRole('link', { name: 'Download template' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('virtual-extension-template.csv');
    const text = Buffer.concat(await (await file.createReadStream()).toArray()).toString('utf8');
    expect(text).toBe(HEADER + '\r\n');
    const scan = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(scan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    expect(problems).toEqual([]);
  });

  test('Validate counts what Submit would do and lists the first errors', async ({ page }) => {
    const panel = await openBulkAdd(page);
    await panel.getByLabel('CSV file').setInputFiles(
      csvFile('team.csv', TEAM),
    );
    await panel.getByRole('button', { name: 'Validate' }).click();
    await expect(panel.getByRole('status').filter({ hasText: 'rows:' })).toHaveText(
      '4 rows: 2 to add, 0 to update, 0 to delete, 0 unchanged, 2 in error.',
    );
    const errors = panel.getByRole('table', { name: 'Problems found by Validate' });
    await expect(errors.getByRole('row', { name: /DISPLAY_NAME_REQUIRED/ })).toContainText('4');
    await expect(errors.getByRole('row', { name: /EXTENSION_DUPLICATE_IN_FILE/ })).toContainText('Row 2 already uses');
    // Nothing was changed by Validate.
    await openHydrated(page, LIST + '?q=carla');
    await expect(page.getByText('No virtual extensions match')).toBeVisible();
  });

  test('a file that is not a CSV of the template is refused with the reason', async ({ page }) => {
    const panel = await openBulkAdd(page);
    await panel.getByLabel('CSV file').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from('Name,Number\r\nAnn,123\r\n') });
    await panel.getByRole('button', { name: 'Validate' }).click();
    await expect(panel.getByRole('alert')).toContainText('Unknown columns "Name", "Number"');
    await panel.getByLabel('CSV file').setInputFiles({ name: 'latin1.csv', mimeType: 'text/csv', buffer: Buffer.from(HEADER + '\r\nADD,Organization,,Jos\xe9,,Jos\xe9,+12035550009,7009\r\n', 'latin1') });
    await panel.getByRole('button', { name: 'Submit' }).click();
    await expect(panel.getByRole('alert')).toContainText('CSV UTF-8');
    await expect(page).toHaveURL(/bulk-add/);
  });

  test('Submit opens the Tasks list, which shows the import and its outcome', async ({ page }) => {
    const problems = watchConsole(page);
    const row = await importTeam(page, unique('team'));
    await expect(page.getByRole('heading', { name: 'Tasks', level: 1 })).toBeVisible();
    await expect(page.getByText('Your file was submitted')).toBeVisible();
    await expect(row).toContainText('admin@example.com');
    await expect(row).toContainText('Processed 4 of 4 rows');
    // Added, Updated, Deleted, Failed.
    await expect(row.getByRole('cell').nth(5)).toHaveText('2');
    await expect(row.getByRole('cell').nth(8)).toHaveText('2');
    await openHydrated(page, LIST + '?q=carla');
    await expect(page.getByRole('link', { name: 'Carla Ng', exact: true })).toBeVisible();
    expect(problems).toEqual([]);
  });

  test("a task's page lists its row errors and downloads them to fix and upload again", async ({ page }) => {
    const name = unique('team');
    await importTeam(page, name);
    await page.getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { name, level: 1 })).toBeVisible();
    const table = page.getByRole('table', { name: 'Row errors of this import' });
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(table.getByRole('row', { name: /DISPLAY_NAME_REQUIRED/ })).toContainText('Display Name');
    // A page of row errors past the end says which pages there are and links to the last.
    const taskUrl = page.url();
    await page.goto(taskUrl + '?page=99');
    await expect(page.getByRole('heading', { name: 'There is no page 99' })).toBeVisible();
    await expect(page.getByText('There is only 1 page.')).toBeVisible();
    await page.getByRole('link', { name: 'Go to page 1' }).click();
    await expect(table.getByRole('row')).toHaveCount(3);
    expect(page.url()).toBe(taskUrl);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download errors (CSV)' }).click();
    const file = await download;
    const errorsName = name.replace(/\.csv$/, '-errors.csv');
    expect(file.suggestedFilename()).toBe(errorsName);
    const text = Buffer.concat(await (await file.createReadStream()).toArray()).toString('utf8').replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe(HEADER + ',Error');
    expect(lines).toHaveLength(3);
    // Numbers carry the spreadsheet's text marker (no formula runs); vext reads them back.
    expect(lines[1]).toMatch(/^ADD,Organization,,,,,'\+12035550003,7003,.*DISPLAY_NAME_REQUIRED/);
    expect(lines[2]).toMatch(/^ADD,Organization,,,,Second Carla,'\+12035550004,7001,.*EXTENSION_DUPLICATE_IN_FILE/);

    // Fixed in the spreadsheet, Error column and all, it goes back in.
    const fixed = text.replace(",,,'+12035550003,7003,", ",,Third Desk,'+12035550003,7003,").replace(",Second Carla,'+12035550004,7001,", ",Second Carla,'+12035550004,7004,");
    const panel = await openBulkAdd(page);
    await panel.getByLabel('CSV file').setInputFiles({ name: errorsName, mimeType: 'text/csv', buffer: Buffer.from(fixed) });
    imported.push('Organization,,7003', 'Organization,,7004');
    await panel.getByRole('button', { name: 'Validate' }).click();
    await expect(panel.getByRole('status').filter({ hasText: 'rows:' })).toHaveText(
      '2 rows: 2 to add, 0 to update, 0 to delete, 0 unchanged, 0 in error.',
    );
    await panel.getByRole('button', { name: 'Submit' }).click();
    const row = page.getByRole('row', { name: errorsName });
    await expect(row.getByText('Completed', { exact: true })).toBeVisible();
  });

  test('a large import shows its progress while it runs; the same file twice is one import', async ({ page }) => {
    // 100,000 rows on a debug build, watched by a browser that may be CPU-throttled.
    test.setTimeout(240_000);
    const panel = await openBulkAdd(page);
    // The largest file an upload may carry: it runs for seconds, long enough to watch on any
    // machine (a faster import once outran a 20,000-row file).
    const name = unique('large');
    const { file, adds } = bigFile(name, 100000, 1000);
    await panel.getByLabel('CSV file').setInputFiles(file);
    // The same file again, from a second tab made ready beforehand: submitted right after the
    // first, while that import is surely queued or running (opening the panel again after the
    // first submit could take a throttled browser longer than the import itself).
    const second = await page.context().newPage();
    const again = await openBulkAdd(second);
    await again.getByLabel('CSV file').setInputFiles(file);
    imported.push(...adds);
    await panel.getByRole('button', { name: 'Submit' }).click();
    await expect(page).toHaveURL(/\/tasks\?submitted=/);
    await again.getByRole('button', { name: 'Submit' }).click();
    await expect(second.getByText('This file is already being imported')).toBeVisible();
    await second.close();
    const row = page.getByRole('row', { name });
    await expect(row).toHaveCount(1);
    // While it runs: an active status and a bar whose value moves up to the row count. The page
    // records every status and bar value the row shows as it changes them (a MutationObserver),
    // so nothing depends on how often a test could sample a slow browser.
    await page.evaluate((name) => {
      // The whole document: a re-rendered table is watched as well as the first one.
      const table = document.body;
      const seen = { statuses: [] as string[], values: [] as string[] };
      (window as unknown as { __progress: typeof seen }).__progress = seen;
      const record = () => {
        const now = [...table.querySelectorAll('tr')].find((r) => r.textContent?.includes(name));
        if (!now) return;
        const status = now.querySelectorAll('td')[3]?.textContent ?? '';
        const value = now.querySelector('progress')?.getAttribute('value') ?? '';
        if (!seen.statuses.includes(status)) seen.statuses.push(status);
        if (!seen.values.includes(value)) seen.values.push(value);
      };
      record();
      new MutationObserver(record).observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
    }, name);
    await expect(row.getByText('Completed', { exact: true })).toBeVisible({ timeout: 200_000 });
    const seen = await page.evaluate(() => (window as unknown as { __progress: { statuses: string[]; values: string[] } }).__progress);
    expect(seen.statuses.some((s) => ['Queued', 'Validating', 'Importing'].includes(s)), seen.statuses.join(', ')).toBe(true);
    expect(seen.values.length, seen.values.join(', ')).toBeGreaterThan(1);
    await expect(row).toContainText('Processed 100,000 of 100,000 rows');
    await expect(row.getByRole('cell').nth(5)).toHaveText('100,000');
  });

  test('without JavaScript the form still submits and lands on the Tasks list', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await open(page, LIST + '/bulk-add');
    const name = unique('plain');
    await page.getByLabel('CSV file').setInputFiles(csvFile(name, ['ADD,Organization,,,,Plain Desk,+12035559001,7901']));
    imported.push('Organization,,7901');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page).toHaveURL(/\/tasks\?submitted=/);
    await expect(page.getByRole('row', { name })).toBeVisible();
    await context.close();
  });

  test('read-only administrators see the Tasks list but cannot upload', async ({ page, browser }) => {
    const name = unique('team');
    await importTeam(page, name);
    const viewer = await (await browser.newContext()).newPage();
    await openHydrated(viewer, TASKS, VIEWER);
    await expect(viewer.getByRole('row', { name })).toBeVisible();
    const status = await viewer.evaluate(async () => {
      const form = new FormData();
      form.append('file', new Blob(['Action,Level,Location,First Name,Last Name,Display Name,Phone Number,Extension\r\n']), 'x.csv');
      const response = await fetch('/api/imports', { method: 'POST', body: form, headers: { Accept: 'application/json' } });
      return response.status;
    });
    expect(status).toBe(403);
    await viewer.context().close();
  });
});
