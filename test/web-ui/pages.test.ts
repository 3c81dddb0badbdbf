/**
 * The dashboard's pages as HTML: what each shows, who sees what, the Content-Security-Policy (no
 * inline script, nothing from another origin), the static assets, and bad history filters (a
 * reason, never a 5xx). Real Hono app and page routes; the data functions answer with fixed view
 * models (test/web-ui/support/sample-data.ts). The browser tests cover the same pages live.
 */
import { describe, expect, it } from 'vitest';
import type { Viewer } from '../../src/web/viewer.js';
import { ALICE, sampleApp } from './support/sample-app.js';
import { sampleData, sampleViews } from './support/sample-data.js';

const ANONYMOUS: Viewer = { kind: 'anonymous' };
const PAGES = ['/', '/queue', '/history', '/jobs/41'];

function world(viewer: Viewer = ALICE, views = sampleViews()) {
  let current = viewer;
  const data = sampleData(views);
  const app = sampleApp(data, () => current);
  return {
    data,
    views,
    as(v: Viewer) {
      current = v;
    },
    async get(path: string, headers: Record<string, string> = {}) {
      const res = await app.request(path, { headers });
      return { status: res.status, headers: res.headers, html: await res.text() };
    },
  };
}

/** Every piece of job data the sample carries, none of which may show without a session. */
function jobWords(views: ReturnType<typeof sampleViews>): string[] {
  return [...views.jobs.flatMap((j) => [j.issueKey, j.messagePreview, `/jobs/${j.id}`, j.branch]), views.log.text.trim(), 'host-a/1234'];
}

describe('without a session', () => {
  it('/ shows the sign-in page with a link to /auth/login and no job data; the other pages answer 401 with it', async () => {
    const w = world(ANONYMOUS);
    const home = await w.get('/');
    expect(home.status).toBe(200);
    expect(home.html).toContain('href="/auth/login"');
    expect(home.html).toContain('Sign in with Gitea');
    for (const path of PAGES) {
      const page = await w.get(path);
      expect(page.status, path).toBe(path === '/' ? 200 : 401);
      for (const word of jobWords(w.views)) expect(page.html, `${path} shows ${word}`).not.toContain(word);
    }
    expect(w.data.calls).toEqual([]);
  });

  it('with several instances: one sign-in link per instance that offers it, named by name and host', async () => {
    const app = sampleApp(sampleData(), () => ANONYMOUS, {
      signIn: [
        { name: 'company', host: 'git.example.com' },
        { name: 'codeberg', host: 'codeberg.org' },
      ],
    });
    const html = await (await app.request('/')).text();
    const links = [...html.matchAll(/<a [^>]*href="(\/auth\/login[^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [m[1], m[2]!.trim()]);
    expect(links).toEqual([
      ['/auth/login?instance=company', 'Sign in with company (git.example.com)'],
      ['/auth/login?instance=codeberg', 'Sign in with codeberg (codeberg.org)'],
    ]);
  });

  it('says how to set sign-in up when OAuth is not configured', async () => {
    const app = sampleApp(sampleData(), () => ANONYMOUS, { oauth: false });
    const html = await (await app.request('/')).text();
    expect(html).not.toContain('/auth/login');
    expect(html).toContain('KUGETSU_OAUTH_CLIENT_ID');
  });
});

describe('every page', () => {
  it('has a strict Content-Security-Policy, a doctype, no inline script or style and nothing from another origin', async () => {
    const w = world();
    for (const viewer of [ALICE, ANONYMOUS, { kind: 'admin' } as Viewer]) {
      w.as(viewer);
      for (const path of PAGES) {
        const page = await w.get(path);
        const csp = page.headers.get('content-security-policy') ?? '';
        expect(csp, path).toContain("default-src 'none'");
        expect(csp, path).toContain("script-src 'self'");
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp, path).not.toContain('unsafe-inline');
        expect(page.headers.get('cache-control'), path).toBe('no-store');
        expect(page.html.startsWith('<!DOCTYPE html>'), path).toBe(true);
        // Every <script> has a src on this origin; no inline handlers or style attributes.
        const scripts = [...page.html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
        expect(scripts.length, path).toBe(1);
        for (const [, attrs, body] of scripts) {
          expect(attrs, path).toContain('src="/assets/dashboard.js"');
          expect(body, path).toBe('');
        }
        expect(page.html, path).not.toMatch(/\son[a-z]+=/i);
        expect(page.html, path).not.toMatch(/\sstyle=/i);
        expect(page.html, path).not.toMatch(/<(?:script|link)[^>]+(?:src|href)="(?:https?:)?\/\//i);
        // Keyboard: the first link is the skip link to <main id="main">.
        expect(page.html.match(/<a [^>]*>/)?.[0], path).toContain('href="#main"');
        expect(page.html, path).toContain('<main id="main"');
      }
    }
  });
});

describe('the overview', () => {
  it('shows slots, running jobs with elapsed time, waiting work and why, the latest failures and the outbox', async () => {
    const w = world();
    const { html, status } = await w.get('/');
    expect(status).toBe(200);
    expect(html).toMatch(/1 \/ 2<\/span><span class="label">agent slots in use/);
    expect(html).toContain('href="/jobs/41"');
    expect(html).toContain('data-elapsed-since="2026-11-25T11:56:00.000Z"');
    expect(html).toContain('4m 0s');
    expect(html).toContain('its issue (an older job runs or waits)');
    expect(html).toContain('a rate limit');
    expect(html).toContain('the agent exited with code 2');
    expect(html).toContain('3</span><span class="label">Gitea writes pending (1 retrying, 0 failed)');
    // Times: relative and absolute.
    expect(html).toContain('<span class="rel">4 minutes ago</span><span class="abs">2026-11-25 11:56:00 UTC</span>');
    expect(html).toContain('data-page="overview"');
    expect(html).toContain('data-live=""');
  });
});

describe('the job page', () => {
  it('shows the facts, history, message, prompt, log and Gitea writes, and Cancel with the CSRF token for a person who may cancel', async () => {
    const w = world();
    const { html } = await w.get('/jobs/41');
    expect(html).toContain('action="/api/jobs/41/cancel"');
    expect(html).toContain(`name="_csrf" value="${(ALICE as { csrfToken: string }).csrfToken}"`);
    expect(html).toContain(`<meta name="csrf-token" content="${(ALICE as { csrfToken: string }).csrfToken}"/>`);
    expect(html).not.toContain('/retry');
    expect(html).toContain('alice with a /kugetsu command');
    expect(html).toContain('/kugetsu please add a greeting to the README');
    expect(html).toContain('Issue acme/app#7: Add a greeting');
    expect(html).toMatch(/<pre id="job-log"[^>]*data-after="40"[^>]*data-follow=""[^>]*>reading README.md\nwriting the greeting\n<\/pre>/);
    expect(html).toContain('status_comment');
    expect(html).toContain('Gitea answered 502');
    expect(html).toContain('claimed by host-a/1234');
  });

  it('shows no Cancel to a viewer who may not cancel, and Retry on a failed job only to one who may retry', async () => {
    const views = sampleViews();
    views.detail.may = { cancel: false, retry: false, reason: 'needs write permission on acme/app' };
    const w = world(ALICE, views);
    const reader = await w.get('/jobs/41');
    expect(reader.html).not.toContain('/cancel');
    expect(reader.html).not.toMatch(/id="(cancel|retry)-button"/);
    expect(reader.html.match(/<form/g)?.length).toBe(1); // sign out only
    expect(reader.html).toContain('needs write permission on acme/app');

    views.detail.job = { ...views.failed, id: '41' };
    views.detail.may = { cancel: false, retry: true };
    const failed = await w.get('/jobs/41');
    expect(failed.html).toContain('action="/api/jobs/41/retry"');
    expect(failed.html).not.toContain('/cancel');
  });

  it('escapes what the agent and the delegator wrote', async () => {
    const views = sampleViews();
    views.detail.request.message = '<script>alert(1)</script>';
    views.log.text = '<img src=x onerror=alert(2)>';
    const w = world(ALICE, views);
    const { html } = await w.get('/jobs/41');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('<img');
  });

  it('answers 404 for a job the viewer may not see, as for one that does not exist', async () => {
    const w = world();
    for (const path of ['/jobs/999', '/jobs/abc', '/jobs/%3Cscript%3E']) {
      const page = await w.get(path);
      expect(page.status, path).toBe(404);
      expect(page.html, path).toContain('Not found');
      expect(page.html, path).not.toContain('<script>');
    }
  });
});

describe('history', () => {
  it('passes the filters to listJobs (days as UTC midnight, repeated states) and links the next page', async () => {
    const w = world();
    const { html, status } = await w.get('/history?repo=acme/app&issue=7&state=failed&state=canceled&sender=bob&since=2026-11-01&until=2026-11-25T10:00:00Z&q=greeting');
    expect(status).toBe(200);
    expect(w.data.calls).toEqual([
      'listJobs {"repo":"acme/app","issue":7,"states":["failed","canceled"],"sender":"bob","since":"2026-11-01T00:00:00.000Z","until":"2026-11-25T10:00:00.000Z","q":"greeting"} {}',
    ]);
    expect(html).toContain('value="acme/app"');
    expect(html).toContain(
      'href="/history?repo=acme%2Fapp&amp;issue=7&amp;sender=bob&amp;since=2026-11-01&amp;until=2026-11-25T10%3A00%3A00Z&amp;q=greeting&amp;state=failed&amp;state=canceled&amp;before=40"',
    );
    expect(html).toContain('href="http://gitea.test/acme/app/issues/7"');
  });

  it('shows the reason of a bad filter instead of results, without asking for jobs', async () => {
    const w = world();
    for (const [query, reason] of [
      ['issue=abc', 'issue:'],
      ['since=yesterday', 'since: must be a date'],
      ['state=done', 'states:'],
      ['repo=not a repo', 'repo: must be owner/name'],
      ['before=1%27%20OR%201=1', 'before: must be a job id'],
    ] as const) {
      const page = await w.get(`/history?${query}`);
      expect(page.status, query).toBe(200);
      expect(page.html, query).toContain(reason);
      expect(page.html, query).toContain('role="alert"');
    }
    expect(w.data.calls).toEqual([]);
  });
});

describe('assets', () => {
  it('serves the stylesheet and the script with their types and ETags (304 when unchanged) to anyone; 404 for others', async () => {
    const w = world(ANONYMOUS);
    for (const [name, type] of [
      ['dashboard.css', 'text/css'],
      ['dashboard.js', 'text/javascript'],
    ] as const) {
      const res = await w.get(`/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[0-9a-f]{20}"$/);
      expect((await w.get(`/assets/${name}`, { 'if-none-match': etag })).status).toBe(304);
    }
    expect((await w.get('/assets/../package.json')).status).toBe(404);
    expect((await w.get('/assets/other.js')).status).toBe(404);
  });
});
