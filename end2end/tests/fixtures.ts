import { expect, test as base, type Browser, type BrowserContext, type Page } from '@playwright/test';

/**
 * What a crashed WASM app logs: a Rust panic, the `unreachable` trap that follows it, or a
 * read of a signal whose owner is gone. Any of these fails the test that caused it, in every
 * spec, on every page the test opened (its own page, popups, and contexts it created).
 */
const CRASH = /panicked|unreachable|already been disposed/i;

/** Chromium's CPU slowdown for every page (VEXT_E2E_CPU_THROTTLE=4 in scripts/slow-checks). */
const THROTTLE = Number(process.env.VEXT_E2E_CPU_THROTTLE ?? '1');

const watched = new WeakSet<Page>();

async function watch(page: Page, crashes: string[]) {
  if (watched.has(page)) return;
  watched.add(page);
  page.on('console', (msg) => {
    if (CRASH.test(msg.text())) crashes.push(`${page.url()}: ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    if (CRASH.test(`${err.message}\n${err.stack ?? ''}`)) crashes.push(`${page.url()}: pageerror: ${err.message}`);
  });
  if (THROTTLE > 1) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  }
}

function watchContext(context: BrowserContext, crashes: string[]) {
  context.on('page', (page) => void watch(page, crashes));
}

export const test = base.extend<{ crashWatch: string[] }>({
  page: async ({ page, crashWatch }, use) => {
    await watch(page, crashWatch);
    await use(page);
  },
  crashWatch: [
    async ({ context, browser }: { context: BrowserContext; browser: Browser }, use) => {
      const crashes: string[] = [];
      watchContext(context, crashes);
      // Contexts a test makes itself (a second administrator) are watched too.
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args: Parameters<Browser['newContext']>) => {
        const made = await newContext(...args);
        watchContext(made, crashes);
        return made;
      };
      await use(crashes);
      browser.newContext = newContext;
      expect(crashes, 'the WASM app crashed (panic, unreachable, or a disposed signal read)').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Page };
