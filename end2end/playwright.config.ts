import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';

// Each database gets its own vext on its own port and its own throwaway database
// (see scripts/e2e-server). PostgreSQL runs when scripts/test found a server (always in CI).
const databases = ['sqlite', ...(process.env.VEXT_E2E_POSTGRES === '1' ? ['postgres'] : [])];
const port = (db: string) => (db === 'sqlite' ? 3100 : 3101);
// scripts/slow-checks runs the suite with Chromium's CPU slowed down (VEXT_E2E_CPU_THROTTLE=4,
// see tests/fixtures.ts): the same steps, no added waits, only longer time limits.
const slowdown = Math.max(1, Number(process.env.VEXT_E2E_CPU_THROTTLE ?? '1'));
// Files run in name order, the CSV import spec (100,000 rows) among the first.
// VEXT_E2E_IMPORTS_LAST=1 (scripts/slow-checks) runs it after all the others on the same server
// instead: no spec may depend on what another one left behind, or on running before it.
const importsLast = process.env.VEXT_E2E_IMPORTS_LAST === '1';
const IMPORTS = /csv-import\.spec\.ts$/;

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless=new',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  },
};

const config: PlaywrightTestConfig = {
  testDir: './tests',
  timeout: 30_000 * slowdown,
  expect: { timeout: 10_000 * slowdown },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: databases.flatMap((db) => {
    const use = { ...chromium, baseURL: `http://127.0.0.1:${port(db)}` };
    if (!importsLast) return [{ name: db, use }];
    return [
      { name: `${db}-first`, use, testIgnore: IMPORTS },
      { name: db, use, testMatch: IMPORTS, dependencies: [`${db}-first`] },
    ];
  }),
  webServer: databases.map((db) => ({
    command: `bash ../scripts/e2e-server ${db} ${port(db)}`,
    url: `http://127.0.0.1:${port(db)}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  })),
};

export default defineConfig(config);
