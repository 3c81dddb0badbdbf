import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';

const OPENCODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));

describe('end to end with the real opencode binary against the scripted model (over real loopback HTTP)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let result: DemoResult;
  const printed: string[] = [];

  it('a signed issue_label delivery → opencode writes a file → kugetsu commits and pushes → "succeeded"; a /kugetsu comment → second turn on the same session', async () => {
    result = await runDemo({ dir, opencodeBin: OPENCODE_BIN, print: (l) => printed.push(l) });

    expect(result.answers.map((a) => a.status)).toEqual([202, 202]);
    const [first, second] = result.jobs;
    expect(first).toMatchObject({ state: 'succeeded', trigger: 'label', branch: 'kugetsu/issue-1', result: { exitCode: 0, pushed: true, newCommits: 1 } });
    expect(second).toMatchObject({ state: 'succeeded', trigger: 'command', message: 'please also say goodbye', result: { exitCode: 0, pushed: true, newCommits: 1 } });
    expect(first!.result!.sessionId).toMatch(/^ses_/);
    expect(second!.result!.sessionId).toBe(first!.result!.sessionId);

    // What opencode wrote in the worktree reached the origin on the issue branch.
    expect(result.greeting).toBe('# Greeting\n\nHello from kugetsu!\n\nGoodbye, and thanks for all the issues.');
    expect(result.branchLog.split('\n')).toHaveLength(2);

    // One status comment per delegation: created once (queued, or already running when the outbox
    // coalesced the two), then edited in place until it says succeeded.
    // The first comment is collapsed (one `<details>` edit) once the second one exists.
    const headline = (body: string) => body.split('\n')[2]!;
    const collapsed = result.trail.filter((t) => headline(t.body).startsWith('<details><summary>✅ Superseded by job 2 — succeeded in'));
    expect(collapsed).toHaveLength(1);
    const trail = result.trail.filter((t) => !collapsed.includes(t));
    const creates = trail.map((t, i) => (t.action === 'created' ? i : -1)).filter((i) => i >= 0);
    expect(creates).toHaveLength(2);
    for (const [from, to] of [
      [creates[0]!, creates[1]!],
      [creates[1]!, trail.length],
    ] as const) {
      const versions = trail.slice(from, to);
      expect(headline(versions[0]!.body)).toMatch(/^(⏳ \*\*kugetsu\*\* · queued|🛠️ \*\*kugetsu\*\* · running)$/);
      expect(headline(versions.at(-1)!.body)).toMatch(/^✅ \*\*kugetsu\*\* · succeeded in \d+s$/);
      expect(versions.slice(1).every((v) => v.action === 'edited')).toBe(true);
      expect(new Set(versions.slice(1).map((v) => v.commentId)).size).toBeLessThanOrEqual(1);
    }
    const fake = result.sandbox.gitea.fake;
    const botComments = fake.commentsOn('demo/hello', 1).filter((c) => c.authorId === fake.bot.id);
    expect(botComments).toHaveLength(2);
    expect(fake.issueLabelNames('demo/hello', 1)).toEqual(['kugetsu/done']);

    // The model saw the issue as fenced data in the first prompt, and the whole history in the second turn.
    const turns = result.sandbox.model.requests.filter((r) => r.kind === 'turn');
    expect(turns[0]!.userText).toContain('Please add a GREETING.md that says hello.');
    expect(turns[0]!.userText).toContain('@alice added the trigger label');
    const lastTurn = turns.at(-1)!;
    expect(lastTurn.userText).toContain('please also say goodbye');
    expect(lastTurn.messages.filter((m) => m.role === 'user')).toHaveLength(2);
    expect(printed.join('\n')).toContain('← 202');
  }, 120_000);
});
