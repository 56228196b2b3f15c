import { expect, test } from '@playwright/test';
import { ADMIN, LIST, openHydrated } from '../tests/helpers';

// Time from navigation to hydrated, cold cache: each load in a new browser context (nothing
// cached, nothing compiled), signed in by cookie. `data-hydrated` is set once the first
// hydration is over, lazy routes included (app::hydration); an init script notes the moment. Also the WASM the page fetched, by file.
// Prints one JSON line (scripts/wasm-size reads it).
const RUNS = Number(process.env.VEXT_PERF_RUNS ?? '7');

test('the Virtual Extension page, navigation to hydrated', async ({ browser, page }) => {
  await openHydrated(page, LIST, ADMIN);
  const state = await page.context().storageState();
  const times: number[] = [];
  let wasm: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ storageState: state });
    const cold = await context.newPage();
    await cold.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.documentElement.dataset.hydrated === 'true') {
          (window as unknown as { hydratedAt: number }).hydratedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
    });
    const fetched: Record<string, number> = {};
    cold.on('requestfinished', async (request) => {
      if (!/\.wasm(\?|$)/.test(request.url())) return;
      const sizes = await request.sizes();
      fetched[new URL(request.url()).pathname] = sizes.responseBodySize;
    });
    await cold.goto(LIST);
    await expect(cold.locator('html[data-hydrated="true"]')).toHaveCount(1);
    times.push(await cold.evaluate(() => (window as unknown as { hydratedAt: number }).hydratedAt));
    wasm = fetched;
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`HYDRATION ${JSON.stringify({ runs: RUNS, medianMs: Math.round(median), timesMs: times.map(Math.round), wasmFetched: wasm })}`);
  expect(times).toHaveLength(RUNS);
});
