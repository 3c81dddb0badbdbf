/**
 * The dashboard end to end in real Chromium (Debian's, through playwright-core): kugetsu on real
 * HTTP (SQLite, the command agent running the fake agent CLI, no agent sandbox so the test sees the
 * agents' pids) and the fake Gitea on real HTTP as the OAuth2 provider and API.
 * - Sign in with Gitea: `/` → "Sign in with Gitea" → Gitea's authorize page (the fake's chooser) →
 *   code → token → `/api/v1/user` → back on the overview, signed in.
 * - The overview shows a job that starts after the page was opened, without a reload; the job
 *   page's log grows while the agent runs; its state turns to succeeded without a reload.
 * - Cancel from the job page stops the agent and its process group (a grandchild that ignores
 *   SIGTERM included).
 * - bob, a reader of acme/app and nobody on acme/vault, sees none of acme/vault's jobs (overview,
 *   queue, history, job page) and no Cancel on acme/app's; a forged cancel is refused.
 * Screenshots go to test-artifacts/web-ui/.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGone } from '../agents/support.js';
import { pollUntil } from '../faults/support/poll.js';
import { launchChromium, newContext, screenshot } from './support/browser.js';
import { createDashboardWorld, type DashboardWorld } from './support/dashboard-world.js';

/** Each test starts kugetsu and Chromium and waits for real agent turns (seconds each). */
const E2E = { timeout: 120_000 };

let browser: Browser;
let world: DashboardWorld | undefined;
const scratch: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const f of scratch.splice(0)) rmSync(f, { force: true });
});

/** A scratch file path in the OS temp dir, removed after the test. */
function scratchFile(name: string): string {
  const file = path.join(tmpdir(), `kugetsu-dashboard-${process.pid}-${Date.now()}-${name}`);
  scratch.push(file);
  return file;
}

/** Signs `login` in through the fake Gitea's OAuth pages, starting from `/`; ends on the overview. */
async function signIn(page: Page, w: DashboardWorld, login: string): Promise<void> {
  const res = await page.goto(`${w.base}/`);
  expect(res?.status()).toBe(200);
  expect(await page.locator('h1').textContent()).toBe('kugetsu');
  expect(await page.locator('a[href^="/jobs/"]').count()).toBe(0);
  await page.getByRole('link', { name: 'Sign in with Gitea' }).click();
  // Gitea's authorize page (the fake's chooser, on the fake's own origin).
  await page.waitForURL((url) => url.origin === w.gitea.url && url.pathname === '/login/oauth/authorize');
  await page.locator(`a[data-login="${login}"]`).click();
  await page.waitForURL(`${w.base}/`);
  expect(await page.locator('header .who').textContent()).toContain(`Signed in as ${login}`);
}

/** The id of the job the store holds for issue `n` of `repo`, once it is in state `state`. */
async function jobOf(w: DashboardWorld, repo: string, n: number, state: string): Promise<string> {
  return pollUntil(async () => (await w.service.store.listByIssue(`${repo}#${n}` as never)).find((j) => j.state === state)?.id, {
    timeoutMs: 20_000,
    intervalMs: 50,
    what: `a ${state} job of ${repo}#${n}`,
    diagnose: () => w.logs.text().slice(-3000),
  });
}

/**
 * The page problems (console errors, page errors) that are not expected: those of kugetsu's own
 * pages, except failed loads with the `expected` statuses (e.g. a refused POST, a 404 page).
 */
function unexpected(problems: string[], w: DashboardWorld, expected: number[] = []): string[] {
  return problems.filter((p) => !p.includes(`(${w.gitea.url}/`)).filter((p) => !expected.some((status) => p.includes(`status of ${status} `)));
}

async function marked(page: Page): Promise<void> {
  await page.evaluate("window.kugetsuTestMarker = 'no reload'");
}
async function stillMarked(page: Page): Promise<boolean> {
  return (await page.evaluate('window.kugetsuTestMarker')) === 'no reload';
}

describe('a signed-in writer', () => {
  it('signs in with Gitea, sees a new job appear on the overview and its log grow on the job page, without a reload', E2E, async () => {
    const steps = Array.from({ length: 24 }, (_v, i) => [`print:step ${i + 1}`, 'sleep:1000']).flat();
    world = await createDashboardWorld(steps);
    const w = world;
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();

    // Without a session: the API says 401, the page offers sign-in only.
    expect((await page.request.get(`${w.base}/api/jobs`)).status()).toBe(401);
    await signIn(page, w, 'alice');
    await page.waitForSelector('#live-status[data-state="live"]');
    await marked(page);
    expect(await page.locator('#running tr[data-job]').count()).toBe(0);

    const asked = await w.ask('acme/app', 'add a greeting');
    expect(asked.status).toBe(202);
    const id = await jobOf(w, 'acme/app', asked.issue, 'running');
    const row = page.locator(`#running tr[data-job="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('td[data-label="Issue"]').textContent()).toBe(`acme/app#${asked.issue}`);
    expect(await row.locator('td[data-label="Asked by"]').textContent()).toBe('alice');
    expect(await stillMarked(page)).toBe(true);

    await row.getByRole('link', { name: `#${id}`, exact: true }).click();
    await page.waitForURL(`${w.base}/jobs/${id}`);
    await marked(page);
    const log = page.locator('#job-log');
    const lines = async () => ((await log.textContent()) ?? '').match(/step \d+/g)?.length ?? 0;
    const first = await pollUntil(async () => (await lines()) || undefined, { timeoutMs: 20_000, intervalMs: 50, what: 'the first output' });
    const grown = await pollUntil(async () => ((await lines()) > first ? lines() : undefined), { timeoutMs: 20_000, intervalMs: 50, what: 'the log to grow' });
    expect(grown).toBeGreaterThan(first);
    expect(await stillMarked(page)).toBe(true);
    await screenshot(page, 'job-running');

    // Meanwhile, in other tabs: a job on acme/vault takes the second slot and a follow-up on its
    // issue waits behind it; the overview (light, dark, at a phone's width) for the screenshots.
    const second = await w.ask('acme/vault', 'rotate the keys');
    await jobOf(w, 'acme/vault', second.issue, 'running');
    await w.ask('acme/vault', 'and update the docs', 'alice', second.issue);
    for (const options of [{ colorScheme: 'light' as const }, { colorScheme: 'dark' as const }, { phone: true }]) {
      const other = await newContext(browser, { ...options, storageState: await context.storageState() });
      const overview = await other.context.newPage();
      await overview.goto(`${w.base}/`);
      await overview.waitForSelector('#live-status[data-state="live"]');
      const name = options.phone ? 'overview-phone' : `overview-${options.colorScheme}`;
      await screenshot(overview, name, { fullPage: !options.phone });
      expect(unexpected(other.problems, w)).toEqual([]);
      await other.context.close();
    }

    // The turn ends: the state turns to succeeded and the whole output is there, still without a reload.
    await page.locator('[data-testid="job-state"] .state-succeeded').waitFor({ timeout: 60_000 });
    await pollUntil(async () => ((await log.textContent()) ?? '').includes('step 24'), { timeoutMs: 10_000, intervalMs: 50, what: 'the last line' });
    expect(((await log.textContent()) ?? '').match(/step \d+/g)).toEqual(Array.from({ length: 24 }, (_v, i) => `step ${i + 1}`));
    expect(await page.locator('[data-testid="exit-code"]').textContent()).toBe('0');
    expect(await stillMarked(page)).toBe(true);
    expect(await page.locator('#cancel-button').count()).toBe(0);
    await screenshot(page, 'job-finished');

    // The same page in full after a reload.
    await page.reload();
    expect(await lines()).toBe(24);

    await page.goto(`${w.base}/history?repo=acme/app`);
    expect(await page.locator(`#history-results tr[data-job="${id}"] .state`).textContent()).toBe('succeeded');
    await screenshot(page, 'history');
    expect(unexpected(problems, w)).toEqual([]);
    await context.close();
  });

  it('cancels a running job from its page: the agent and its process group are gone', E2E, async () => {
    const runLog = scratchFile('runs.log');
    const grandchild = scratchFile('grandchild.pid');
    world = await createDashboardWorld([`append:${runLog}:\${PID}`, `grandchild:${grandchild}`, 'print:working', 'sleep:60000']);
    const w = world;
    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, w, 'alice');
    const asked = await w.ask('acme/app', 'work for a long time');
    const id = await jobOf(w, 'acme/app', asked.issue, 'running');
    await pollUntil(() => existsSync(runLog) && existsSync(grandchild) && readFileSync(grandchild, 'utf8').trim() !== '', {
      timeoutMs: 20_000,
      intervalMs: 50,
      what: 'the agent and its grandchild',
    });
    const agentPid = Number(readFileSync(runLog, 'utf8').trim());
    const grandchildPid = Number(readFileSync(grandchild, 'utf8').trim());
    expect(isGone(agentPid)).toBe(false);
    expect(isGone(grandchildPid)).toBe(false);

    await page.goto(`${w.base}/jobs/${id}`);
    await page.waitForSelector('#live-status[data-state="live"]');
    await marked(page);
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await page.locator('[data-testid="job-state"] .state-canceled').waitFor({ timeout: 20_000 });
    expect(await page.locator('#action-result').textContent()).toMatch(/^(Canceled\.|Stop requested)/);
    expect(await stillMarked(page)).toBe(true);
    await pollUntil(() => isGone(agentPid) && isGone(grandchildPid), { timeoutMs: 15_000, intervalMs: 50, what: 'the agent and its grandchild to be gone' });
    expect((await w.service.store.get(id))?.state).toBe('canceled');
    expect(await page.locator('#cancel-button').count()).toBe(0);
    await screenshot(page, 'job-canceled');
    expect(unexpected(problems, w)).toEqual([]);
    await context.close();
  });
});

describe('a reader', () => {
  it("sees none of a repository's jobs without read access, no Cancel with read access, and a forged cancel is refused", E2E, async () => {
    world = await createDashboardWorld(['print:working', 'sleep:60000']);
    const w = world;
    const app = await w.ask('acme/app', 'change the app');
    const vault = await w.ask('acme/vault', 'open the vault');
    const appId = await jobOf(w, 'acme/app', app.issue, 'running');
    const vaultId = await jobOf(w, 'acme/vault', vault.issue, 'running');

    const { context, problems } = await newContext(browser);
    const page = await context.newPage();
    await signIn(page, w, 'bob');
    const hasJob = async (sel: string, jobId: string) => (await page.locator(`${sel} [data-job="${jobId}"]`).count()) > 0;
    expect(await hasJob('#running', appId)).toBe(true);
    expect(await hasJob('#running', vaultId)).toBe(false);
    expect(await page.content()).not.toContain('acme/vault');
    await page.goto(`${w.base}/queue`);
    expect(await hasJob('#lanes', appId)).toBe(true);
    expect(await page.content()).not.toContain('acme/vault');
    await page.goto(`${w.base}/history`);
    expect(await hasJob('#history-results', appId)).toBe(true);
    expect(await page.content()).not.toContain('acme/vault');
    const hidden = await page.goto(`${w.base}/jobs/${vaultId}`);
    expect(hidden?.status()).toBe(404);
    expect(await page.content()).not.toContain('open the vault');

    await page.goto(`${w.base}/jobs/${appId}`);
    expect(await page.locator('[data-testid="job-state"] .state').textContent()).toBe('running');
    expect(await page.locator('#cancel-button').count()).toBe(0);
    expect(await page.getByRole('button', { name: /cancel/i }).count()).toBe(0);
    // A forged cancel from bob's own page, with and without his session's CSRF token: refused.
    const forged = await page.evaluate<Array<{ status: number; body: string }>>(`(async () => {
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const send = async (headers) => {
        const res = await fetch('/api/jobs/' + ${JSON.stringify(appId)} + '/cancel', { method: 'POST', headers });
        return { status: res.status, body: await res.text() };
      };
      return [await send({ 'x-csrf-token': token }), await send({})];
    })()`);
    expect(forged.map((f) => f.status)).toEqual([403, 403]);
    expect((await w.service.store.get(appId))?.state).toBe('running');
    await screenshot(page, 'reader-job');
    // The hidden job's 404 page and the refused POSTs (403) are logged by Chromium as failed loads.
    expect(unexpected(problems, w, [403, 404])).toEqual([]);
    await context.close();
  });
});
