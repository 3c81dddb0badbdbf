import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { issueKey } from '../../src/domain/issue-key.js';
import { formatDuration } from '../../src/report/format-duration.js';
import { renderStatusComment, statusMarker } from '../../src/report/render-status-comment.js';
import type { Job } from '../../src/domain/job.js';

const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../golden');

const base: Job = {
  id: '42',
  deliveryId: 'f0e1d2c3-0000-4000-8000-000000000001',
  issueKey: issueKey('acme', 'widgets', 7),
  repo: {
    owner: 'acme',
    name: 'widgets',
    fullName: 'acme/widgets',
    cloneUrl: 'https://git.example/acme/widgets.git',
    defaultBranch: 'main',
    htmlUrl: 'https://git.example/acme/widgets',
  },
  issueNumber: 7,
  replyTo: 7,
  trigger: 'command',
  message: 'add a --verbose flag\nand document it',
  sender: { id: 3, login: 'alice' },
  commentId: 1001,
  state: 'queued',
  attempt: 1,
  branch: 'kugetsu/issue-7',
  agent: 'opencode',
  createdAt: '2026-11-22T10:00:00.000Z',
};
const now = new Date('2026-11-22T10:03:05.000Z');
const ctx = { branchUrl: 'https://git.example/acme/widgets/src/branch/kugetsu/issue-7' };

const cases: Record<string, Job> = {
  queued: base,
  running: { ...base, state: 'running', startedAt: '2026-11-22T10:01:00.000Z' },
  'queued-after-interruption': { ...base, attempt: 2, note: 'Interrupted because kugetsu was shut down during attempt 1; it continues as attempt 2 of 3.' },
  succeeded: {
    ...base,
    state: 'succeeded',
    startedAt: '2026-11-22T10:01:00.000Z',
    finishedAt: '2026-11-22T10:04:12.000Z',
    result: {
      exitCode: 0,
      timedOut: false,
      canceled: false,
      durationMs: 192_000,
      sessionId: 'ses_abc123',
      outputTail: '',
      summary: 'Added `--verbose` and a README section.',
      newCommits: 2,
      pushed: true,
      headSha: 'a'.repeat(40),
    },
    pullRequest: { number: 12, url: 'https://git.example/acme/widgets/pulls/12' },
  },
  'failed-agent': {
    ...base,
    state: 'failed',
    trigger: 'label',
    message: '',
    result: {
      exitCode: 1,
      timedOut: false,
      canceled: false,
      durationMs: 61_500,
      sessionId: 'ses_abc123',
      outputTail: 'step 1\nError: model refused\n```\nbacktick fence in output\n```',
      newCommits: 0,
      pushed: false,
      failedPhase: 'agent',
      error: 'The agent exited with code 1. Nothing was pushed; see the output below.',
    },
  },
  'failed-timeout': {
    ...base,
    state: 'failed',
    trigger: 'review',
    message: 'Please split the function.',
    replyTo: 9,
    result: {
      exitCode: null,
      timedOut: true,
      canceled: false,
      durationMs: 3_600_000,
      outputTail: 'still thinking…',
      newCommits: 0,
      pushed: false,
      failedPhase: 'agent',
      error: 'The agent ran longer than the 3600 s limit and was stopped (KUGETSU_AGENT_TIMEOUT_S). Nothing was pushed.',
    },
  },
  'failed-clone': {
    ...base,
    state: 'failed',
    result: {
      exitCode: null,
      timedOut: false,
      canceled: false,
      durationMs: 900,
      outputTail: '',
      newCommits: 0,
      pushed: false,
      failedPhase: 'clone',
      error: 'could not clone https://git.example/acme/widgets.git: repository not found or the token lacks read access; check GITEA_TOKEN.',
    },
  },
  canceled: {
    ...base,
    state: 'canceled',
    result: {
      exitCode: null,
      timedOut: false,
      canceled: true,
      durationMs: 4000,
      outputTail: 'working…',
      newCommits: 0,
      pushed: false,
      failedPhase: 'agent',
      error: 'The job was canceled; the worktree was kept.',
    },
  },
};
// A finished job whose comment a newer job's comment superseded: collapsed, the old content kept.
cases['superseded'] = { ...cases['succeeded']!, supersededBy: '43' };
cases['superseded-failed'] = { ...cases['failed-agent']!, supersededBy: '43' };

describe('status comment golden files (test/golden/status-*.md; UPDATE_GOLDEN=1 rewrites them)', () => {
  it.each(Object.keys(cases))('%s', (name) => {
    const rendered = renderStatusComment(cases[name]!, ctx, now);
    const file = path.join(GOLDEN, `status-${name}.md`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, rendered);
    expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1 once and review it`).toBe(true);
    expect(rendered).toBe(readFileSync(file, 'utf8'));
  });

  it('a finished turn with usage shows its tokens and cost, and the issue total when given', () => {
    const usage = { inputTokens: 1200, outputTokens: 340, cacheReadTokens: 5000, cacheWriteTokens: 0, costUsd: 0.0123, costSource: 'agent' as const, model: 'claude-sonnet-4-5' };
    const job: Job = { ...cases['succeeded']!, result: { ...cases['succeeded']!.result!, usage } };
    const issueUsage = { inputTokens: 2400, outputTokens: 680, cacheReadTokens: 10_000, cacheWriteTokens: 0, costUsd: 0.03, turns: 2, costComplete: false };
    const text = renderStatusComment(job, { ...ctx, issueUsage }, now);
    expect(text).toContain(
      '| Tokens (this turn) | 1,200 in · 340 out · 5,000 cache read · 0 cache write · $0.0123 · `claude-sonnet-4-5` |\n| Tokens (issue, 2 turns) | 2,400 in · 680 out · 10,000 cache read · 0 cache write · $0.0300 (some turns without cost) |',
    );
    // While running, no total yet; without usage, no token rows at all (the golden files).
    expect(renderStatusComment({ ...job, state: 'running' }, { ...ctx, issueUsage }, now)).not.toContain('Tokens (issue');
    expect(renderStatusComment(cases['succeeded']!, ctx, now)).not.toContain('Tokens');
  });

  it('every state starts with the hidden marker and names the job', () => {
    for (const job of Object.values(cases)) {
      const text = renderStatusComment(job, ctx, now);
      expect(text.startsWith(`${statusMarker(job)}\n`)).toBe(true);
      expect(text.startsWith('<!-- kugetsu:')).toBe(true);
      expect(text).toContain(`job ${job.id}`);
    }
  });

  it('a superseded comment is one summary line with the whole earlier comment inside <details>', () => {
    const text = renderStatusComment(cases['superseded']!, ctx, now);
    const full = renderStatusComment(cases['succeeded']!, ctx, now);
    expect(text.split('\n')[2]).toBe('<details><summary>✅ Superseded by job 43 — succeeded in 3m 12s</summary>');
    expect(text).toContain(full.slice(statusMarker(cases['succeeded']!).length).trim());
    expect(text.trimEnd().endsWith('</details>')).toBe(true);
  });

  it('queued and running jobs are never rendered collapsed, even when marked superseded', () => {
    for (const name of ['queued', 'running']) {
      const job = { ...cases[name]!, supersededBy: '43' };
      expect(renderStatusComment(job, ctx, now)).toBe(renderStatusComment(cases[name]!, ctx, now));
    }
  });

  it('agent output cannot close its code block early', () => {
    const text = renderStatusComment(cases['failed-agent']!, ctx, now);
    expect(text).toContain('````text\nstep 1');
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [42_000, '42s'],
    [192_000, '3m 12s'],
    [3_900_000, '1h 05m'],
    [-1, '–'],
  ])('%d ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
