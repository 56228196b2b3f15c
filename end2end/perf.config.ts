import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// scripts/wasm-size: how long the Virtual Extension page takes from navigation to hydrated, on
// the release build (VEXT_BIN, LEPTOS_SITE_ROOT), from a fresh SQLite vext on port 3103.
export default defineConfig({
  ...base,
  testDir: './perf',
  timeout: 300_000,
  projects: [
    {
      name: 'perf',
      use: { ...(base.projects?.[0]?.use ?? {}), baseURL: 'http://127.0.0.1:3103' },
    },
  ],
  webServer: {
    command: 'bash ../scripts/e2e-server sqlite 3103',
    url: 'http://127.0.0.1:3103/healthz',
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
