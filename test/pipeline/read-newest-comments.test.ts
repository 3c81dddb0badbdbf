import { describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import { readNewestComments } from '../../src/pipeline/read-newest-comments.js';
import type { FakeGitea } from '../../src/sandbox/fake-gitea.js';
import { useFakeGitea } from '../support/fake-gitea.js';

const R = 'acme/app';
const gitea = useFakeGitea({ strict: false });
const client = () => createGiteaClient({ baseUrl: gitea.baseUrl, token: gitea.fake.token });

/** Issue #1 with `n` comments `c0`…, every `botEvery`-th one by the bot, and a label change in the middle. */
function thread(fake: FakeGitea, n: number, botEvery = 0): void {
  fake.addRepo({ owner: 'acme', name: 'app' });
  fake.addLabel(R, 'bug');
  fake.addIssue(R, { title: 'long', author: 'alice' });
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const bot = botEvery > 0 && i % botEvery === 0;
    fake.addComment(R, 1, { body: `c${i}`, author: bot ? 'kugetsu-bot' : 'alice', createdAt: new Date(t0 + i * 1000) });
  }
}

const timelineReads = (fake: FakeGitea) =>
  fake
    .takeCalls()
    .filter((c) => c.path.includes('/timeline'))
    .map((c) => Number(/page=(\d+)/.exec(c.path)?.[1]));
const bodies = (n: number, from: number) => Array.from({ length: n }, (_v, i) => `c${from + i}`);

describe('readNewestComments: the newest comments of a thread, page by page with a stop', () => {
  it("starts at the page of the newest ones (by Gitea's count), keeps `keep` of them oldest first, and says older ones exist", async () => {
    thread(gitea.fake, 1000);
    const got = await readNewestComments(client(), 'acme', 'app', 1, { keep: 30, expected: 1000, maxPages: 50, accept: () => true, shrink: (c) => c.body });
    expect(got.comments).toEqual(bodies(30, 970));
    expect(got).toMatchObject({ complete: true, unreadBefore: true });
    // 970 = page 20 (entries 950–999), then the empty page 21 ends it: 2 of the 20 pages, not all.
    expect(timelineReads(gitea.fake)).toEqual([20, 21]);
  });

  it('a wrong or missing count costs requests, never comments', async () => {
    thread(gitea.fake, 120);
    const read = (expected: number | undefined) => readNewestComments(client(), 'acme', 'app', 1, { keep: 25, expected, maxPages: 50, accept: () => true, shrink: (c) => c.body });
    for (const expected of [undefined, 0, 40, 120, 500]) {
      const got = await read(expected);
      expect(got.comments, `expected=${expected}`).toEqual(bodies(25, 95));
      expect(got.complete).toBe(true);
    }
    const pages = timelineReads(gitea.fake);
    // undefined/0: pages 1–4 (the empty page 4 ends it); 40: the same; 120: pages 2–4;
    // 500: pages 10 and 11 are empty (the end), then back from 9 until 25 are found on pages 3 and 2.
    expect(pages).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 2, 3, 4, 10, 11, 9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it("comments it does not accept (the bot's) take no place: it reads back until `keep` are found", async () => {
    thread(gitea.fake, 200, 2);
    const got = await readNewestComments(client(), 'acme', 'app', 1, {
      keep: 40,
      expected: 200,
      maxPages: 50,
      accept: (c) => c.user.login !== 'kugetsu-bot',
      shrink: (c) => c.body,
    });
    expect(got.comments).toEqual(Array.from({ length: 40 }, (_v, i) => `c${121 + 2 * i}`));
    expect(got.older).toBeGreaterThan(0);
    expect(timelineReads(gitea.fake)).toEqual([4, 5, 3]);
  });

  it('stops after `maxPages` and says the read is incomplete', async () => {
    thread(gitea.fake, 300);
    const got = await readNewestComments(client(), 'acme', 'app', 1, { keep: 10, expected: 0, maxPages: 3, accept: () => true, shrink: (c) => c.body });
    expect(got).toMatchObject({ complete: false, pages: 3 });
    expect(got.comments).toEqual(bodies(10, 140));
    expect(timelineReads(gitea.fake)).toEqual([1, 2, 3]);
  });
});
