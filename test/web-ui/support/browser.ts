import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (installed by `.ci/run`); playwright cannot download browsers here. */
export const CHROMIUM = process.env.KUGETSU_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser tests write their screenshots (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/web-ui/', import.meta.url));

/**
 * Starts headless Chromium through playwright-core with the flags of stack-notes.md (`--no-sandbox`:
 * the tests may run as root; no background network: loopback only).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Options of a fresh browser context (one person's cookies). */
export interface ContextOptions {
  /** `light` or `dark` for `prefers-color-scheme`. */
  colorScheme?: 'light' | 'dark';
  /** A phone-sized viewport (390 × 844, touch) instead of 1280 × 900. */
  phone?: boolean;
  /** Cookies of another context (`context.storageState()`): the same person, signed in. */
  storageState?: Awaited<ReturnType<BrowserContext['storageState']>>;
}

/**
 * A new browser context that fails the test on any page error or Content-Security-Policy
 * violation: `problems` collects them (console errors and uncaught exceptions).
 */
export async function newContext(browser: Browser, options: ContextOptions = {}): Promise<{ context: BrowserContext; problems: string[] }> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
    locale: 'en-GB',
    ...(options.storageState ? { storageState: options.storageState } : {}),
    timezoneId: 'UTC',
  });
  const problems: string[] = [];
  context.on('page', (page) => watch(page, problems));
  return { context, problems };
}

function watch(page: Page, problems: string[]): void {
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A failing EventSource reconnect when the server stops at the end of a test is not a problem.
    if (msg.type() === 'error' && !/ERR_CONNECTION_REFUSED/.test(msg.text())) problems.push(`console error: ${msg.text()} (${msg.location().url})`);
  });
}

/** Saves a screenshot (the full page unless `fullPage: false`) as `test-artifacts/web-ui/<name>.png`; returns the file path. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true });
  return file;
}
