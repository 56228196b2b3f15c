import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// scripts/screenshots: the README's pictures, retaken from a fresh SQLite vext (port 3102).
export default defineConfig({
  ...base,
  testDir: './screenshots',
  timeout: 120_000,
  projects: [
    {
      name: 'screenshots',
      use: { ...(base.projects?.[0]?.use ?? {}), baseURL: 'http://127.0.0.1:3102' },
    },
  ],
  webServer: {
    command: 'bash ../scripts/e2e-server sqlite 3102',
    url: 'http://127.0.0.1:3102/healthz',
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
