/**
 * The client script and stylesheet in real Chromium (Debian's, through playwright-core), against
 * the real page routes served over HTTP on 127.0.0.1 with fixed view models and a stand-in API the
 * test drives: live regions refresh on `event: job` without a reload, the job log grows on
 * `event: output`, Cancel posts with the CSRF token and shows the answer, the skip link works from
 * the keyboard, nothing overflows a phone's width, dark follows the system — and no page logs an
 * error or a Content-Security-Policy violation.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, newContext, screenshot } from './support/browser.js';
import { ALICE, sampleApp } from './support/sample-app.js';
import { sampleData, sampleRow, sampleViews } from './support/sample-data.js';
import { pollUntil } from '../faults/support/poll.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

let server: ReturnType<typeof serve> | undefined;
let base = '';
let views: ReturnType<typeof sampleViews>;
let app: ReturnType<typeof sampleApp>;

beforeEach(async () => {
  views = sampleViews(Date.now());
  app = sampleApp(sampleData(views), () => ALICE, { now: Date.now });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve());
  });
  base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
});
afterEach(async () => {
  const s = server as unknown as { closeAllConnections(): void; close(cb: () => void): void };
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
});

describe('the overview', () => {
  it('shows a job that starts after the page was opened, without a reload, and says it is live', { timeout: 60_000 }, async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#live-status[data-state="live"]');
    await pollUntil(() => app.api.streams === 1, { timeoutMs: 5_000, intervalMs: 20, what: 'the event stream' });
    // A marker that a reload would lose.
    await page.evaluate("window.marker = 'same page'");
    expect(await page.locator('#running tr[data-job="44"]').count()).toBe(0);

    const started = sampleRow({ id: '44', state: 'running', issueNumber: 12, startedAt: new Date().toISOString(), workerId: 'host-b/77' });
    views.overview.running.push(started);
    await app.api.emit('job', { change: { id: 1, jobId: '44', state: 'running' }, job: started });

    await page.locator('#running tr[data-job="44"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('#running tr[data-job="44"] td[data-label="Worker"]').textContent()).toBe('host-b/77');
    expect(await page.evaluate('window.marker')).toBe('same page');
    // Times: relative (kept current by the script) and absolute.
    const time = page.locator('#running tr[data-job="44"] time').first();
    expect(await time.locator('.rel').textContent()).toMatch(/now|second/);
    expect(await time.locator('.abs').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('is usable from the keyboard: the first Tab reaches the skip link, which moves focus to the content', { timeout: 60_000 }, async () => {
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('follows the system colour scheme and fits a phone without sideways scrolling', { timeout: 60_000 }, async () => {
    const backgrounds: Record<string, string> = {};
    for (const scheme of ['light', 'dark'] as const) {
      const { context, problems } = await newContext(browser, { colorScheme: scheme });
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await page.waitForSelector('#live-status[data-state="live"]');
      backgrounds[scheme] = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await screenshot(page, `sample-overview-${scheme}`);
      expect(problems).toEqual([]);
      await context.close();
    }
    expect(backgrounds.light).not.toBe(backgrounds.dark);
    // Dark means a dark background: the sum of its RGB channels is low.
    const channels = (rgb: string) => (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((n, c) => n + Number(c), 0);
    expect(channels(backgrounds.dark!)).toBeLessThan(channels(backgrounds.light!));

    const { context, problems } = await newContext(browser, { phone: true });
    const page = await context.newPage();
    for (const path of ['/', '/queue', '/history', '/jobs/41']) {
      await page.goto(`${base}${path}`);
      const widths = await page.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
      expect(widths.scroll, path).toBeLessThanOrEqual(widths.client);
    }
    await page.goto(`${base}/`);
    await screenshot(page, 'sample-overview-phone');
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the job page', () => {
  it('tails the log as output events arrive, and Cancel posts with the CSRF token and shows the answer', { timeout: 60_000 }, async () => {
    views.log.text = 'first line\n';
    views.log.next = Buffer.byteLength(views.log.text);
    app.api.log.text = views.log.text;
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${base}/jobs/41`);
    await page.waitForSelector('#live-status[data-state="live"]');
    expect(await page.locator('#job-log').textContent()).toBe('first line\n');

    app.api.log.text += 'second line — ü\n';
    await app.api.emit('output', { jobId: '41' });
    await pollUntil(async () => (await page.locator('#job-log').textContent()) === 'first line\nsecond line — ü\n', { timeoutMs: 10_000, intervalMs: 50, what: 'the second line' });
    expect(app.api.logReads).toContain(views.log.next);

    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('#action-result:not([hidden])').waitFor();
    expect(await page.locator('#action-result').textContent()).toBe('Refused: you need write permission on acme/app.');
    expect(app.api.actions).toEqual([{ path: '/api/jobs/41/cancel', csrf: (ALICE as { csrfToken: string }).csrfToken }]);
    await screenshot(page, 'sample-job');
    // The refused POST is logged by Chromium as a failed resource (403): that one is expected.
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
    await context.close();
  });
});
