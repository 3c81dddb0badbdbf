import { describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT_LIMITS, type PromptLimits } from '../../src/config/prompt-limits.js';
import { issueKey } from '../../src/domain/issue-key.js';
import type { GiteaIssue } from '../../src/gitea/types.js';
import { buildPrompt, type PromptInput } from '../../src/pipeline/build-prompt.js';
import type { PromptComment, PromptThread } from '../../src/pipeline/read-prompt-thread.js';
import type { Job } from '../../src/domain/job.js';

const job = {
  id: '7',
  issueKey: issueKey('acme', 'app', 3),
  issueNumber: 3,
  repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: '/x', defaultBranch: 'main', htmlUrl: 'https://git.example/acme/app' },
  sender: { id: 1, login: 'alice' },
  trigger: 'command',
  branch: 'kugetsu/issue-3',
  message: '',
} as unknown as Job;
const issue: GiteaIssue = {
  number: 3,
  title: 'Fix <!-- x -->it',
  body: 'the body',
  state: 'open',
  labels: [],
  user: { id: 1, login: 'alice' },
  htmlUrl: 'https://git.example/acme/app/issues/3',
  isPull: false,
};
const noThread: PromptThread = { comments: [], outsiders: [], unconfirmed: [], olderLeftOut: false, complete: true, total: 0 };
const comment = (i: number, bytes: number, limits: PromptLimits): PromptComment => {
  const text = `comment ${i} ${'y'.repeat(Math.max(0, bytes - 12))}`;
  return {
    login: 'bob',
    createdAt: `2025-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    text: text.slice(0, limits.maxCommentBytes),
    bytes: text.length,
    cut: text.length > limits.maxCommentBytes,
  };
};
const input = (over: Partial<PromptInput>): PromptInput => ({
  job,
  issue,
  message: 'do it',
  thread: noThread,
  followUp: false,
  limits: DEFAULT_PROMPT_LIMITS,
  minRole: 'write',
  ...over,
});
const size = (s: string) => Buffer.byteLength(s);

describe('buildPrompt within its caps', () => {
  it('a small issue: everything quoted, nothing left out, no notes', () => {
    const prompt = buildPrompt(input({ thread: { ...noThread, comments: [comment(1, 100, DEFAULT_PROMPT_LIMITS)] } }));
    expect(prompt).toContain('# Work on acme/app#3: Fix it');
    expect(prompt).toContain('## Request from @alice\n\n```text\ndo it\n```');
    expect(prompt).toContain('### @bob (2025-01-01T00:00:01Z)');
    expect(prompt).not.toContain('## Left out of this prompt');
  });

  it('a request larger than the whole cap is cut, names its file, and the body keeps its share', () => {
    const message = 'm'.repeat(1_000_000);
    const prompt = buildPrompt(input({ message, messageFile: '/state/prompts/job-7.message.txt', issue: { ...issue, body: 'b'.repeat(50_000) } }));
    expect(size(prompt)).toBeLessThanOrEqual(DEFAULT_PROMPT_LIMITS.maxBytes);
    expect(prompt).toContain('the whole request is in the file `/state/prompts/job-7.message.txt`');
    expect(prompt).toMatch(/- The request: \d+ KiB of 977 KiB are shown/);
    expect(prompt).toMatch(/```text\nb{7000,}/);
  });

  it.each([
    { maxBytes: 16_384, maxBodyBytes: 4096, maxCommentBytes: 1024, maxComments: 5 },
    { maxBytes: 65_536, maxBodyBytes: 65_536, maxCommentBytes: 8192, maxComments: 50 },
    DEFAULT_PROMPT_LIMITS,
    { maxBytes: 1_048_576, maxBodyBytes: 262_144, maxCommentBytes: 65_536, maxComments: 200 },
  ])('never exceeds maxBytes=$maxBytes; the newest comments win; what did not fit is counted', (limits) => {
    const comments = Array.from({ length: limits.maxComments }, (_v, i) => comment(i, 70_000, limits));
    const outsiders = Array.from({ length: 14 }, (_v, i) => ({ login: `reader${i}`, count: i + 1 }));
    const thread: PromptThread = { comments, outsiders, unconfirmed: [{ login: 'carol', count: 2 }], olderLeftOut: true, complete: false, total: 3001 };
    const prompt = buildPrompt(input({ limits, thread, message: 'x'.repeat(20_000), issue: { ...issue, body: 'b'.repeat(2_000_000) } }));
    expect(size(prompt)).toBeLessThanOrEqual(limits.maxBytes);
    const shown = [...prompt.matchAll(/^### @bob/gm)].length;
    const left = Number(/The (\d+) oldest of the comments read/.exec(prompt)?.[1] ?? 0);
    expect(shown + left).toBe(limits.maxComments);
    if (shown > 0) expect(prompt).toContain(`comment ${limits.maxComments - 1} `);
    expect(prompt).toContain(`@reader0 (1), @reader1 (2)`);
    expect(prompt).toContain('and 4 more');
    expect(prompt).toContain("2 comments whose authors' role Gitea could not confirm: @carol (2)");
    expect(prompt).toContain('Older comments: only the newest');
    expect(prompt).toContain('The thread is longer than kugetsu reads');
    expect(prompt.trimEnd().endsWith('Read the whole issue at https://git.example/acme/app/issues/3')).toBe(true);
  });
});
