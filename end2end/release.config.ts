import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// scripts/release-check: the unpacked release archive, already serving at VEXT_RELEASE_URL on a
// fresh SQLite file with one administrator (no fixtures of scripts/e2e-server).
export default defineConfig({
  ...base,
  testDir: './release',
  projects: [
    {
      name: 'release',
      use: { ...(base.projects?.[0]?.use ?? {}), baseURL: process.env.VEXT_RELEASE_URL },
    },
  ],
  webServer: undefined,
});
