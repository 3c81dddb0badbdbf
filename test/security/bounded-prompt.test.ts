/**
 * Issue 11, scenario 4 — an unbounded prompt — against the real `kugetsu serve`: an issue with a
 * 1 MB body and 3,000 comments of 20 KB, two thirds of them by a read-only user. The job runs; its
 * prompt stays within `KUGETSU_PROMPT_MAX_BYTES` and says what was left out and where to read it;
 * the thread is read a page at a time near its end (never the unpaginated comment list), and the
 * server's peak memory barely moves (it rose by ~470 MB before).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT_LIMITS } from '../../src/config/prompt-limits.js';
import { postDelivery } from '../faults/support/deliveries.js';
import { pollUntil } from '../faults/support/poll.js';
import { ensureStopped, logTail, startServer, type ServerProcess } from '../faults/support/server-process.js';
import { agentCommand, agentRuns, baseEnv, commentDelivery, createWorld, REPO, SECRET, statusComments, type FaultWorld } from '../faults/support/world.js';

let world: FaultWorld | undefined;
let server: ServerProcess | undefined;

afterEach(async () => {
  await ensureStopped(server);
  server = undefined;
  await world?.close();
  world = undefined;
});

/** Peak resident set size of a process in bytes (`VmHWM` of /proc/<pid>/status, Linux proc(5)). */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const COMMENTS = 3000;
const COMMENT_BYTES = 20_000;
const BODY_BYTES = 1_000_000;

describe('a huge issue thread', () => {
  it('gives a prompt within its cap that says what was left out, read page by page in bounded memory', { timeout: 120_000 }, async () => {
    const w = (world = await createWorld({ issues: 1, prefix: 'kugetsu-huge-thread-' }));
    const fake = w.fake;
    fake.setPermission(REPO, 'bob', 'write');
    fake.setPermission(REPO, 'mallory', 'read');
    const t0 = Date.parse('2025-01-01T00:00:00Z');
    const filler = 'x'.repeat(COMMENT_BYTES - 40);
    for (let i = 0; i < COMMENTS; i++) {
      const author = i % 3 === 0 ? 'bob' : 'mallory';
      fake.addComment(REPO, 1, { body: `comment ${i} by ${author} ${filler}`, author, createdAt: new Date(t0 + i * 1000) });
    }
    // The delivery names the issue as it was; Gitea then holds the 1 MB body the prompt reads.
    const delivery = commentDelivery(w, 1, 'please fix it');
    fake.issue(REPO, 1).body = `BODY-START ${'b'.repeat(BODY_BYTES)} BODY-END`;

    server = await startServer({ env: baseEnv(w, { KUGETSU_AGENT_COMMAND: JSON.stringify(agentCommand(w, 0)) }), logFile: path.join(w.tmp, 'server.log') });
    const before = peakRss(server.pid);
    fake.takeCalls();
    const res = await postDelivery(server.url, delivery, SECRET);
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const jobId = String(res.json!.job);
    await pollUntil(() => statusComments(fake).find((s) => s.job === jobId && s.state === 'succeeded'), {
      timeoutMs: 60_000,
      what: `job ${jobId} to succeed`,
      diagnose: () => logTail(server!.logFile),
    });
    const grewBy = peakRss(server.pid) - before;
    console.log(`peak RSS ${Math.round(before / 1e6)} MB → +${Math.round(grewBy / 1e6)} MB`);

    const run = agentRuns(w.runLog).find((r) => r.phase === 'start' && r.job === jobId);
    expect(run, 'the agent ran').toBeDefined();
    const promptFile = path.join(w.stateDir, 'prompts', 'acme', 'app', 'issue-1', `job-${jobId}.md`);
    const prompt = readFileSync(promptFile, 'utf8');
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(DEFAULT_PROMPT_LIMITS.maxBytes);
    // The request, the start of the body, and the newest permitted comment are there …
    expect(prompt).toContain('please fix it');
    expect(prompt).toContain('BODY-START');
    expect(prompt).not.toContain('BODY-END');
    const newestByBob = COMMENTS - 1 - ((COMMENTS - 1) % 3);
    expect(prompt).toContain(`comment ${newestByBob} by bob`);
    // … nothing by the read-only user, and an account of what was left out, with where to read it.
    expect(prompt).not.toContain('by mallory');
    const notes = prompt.slice(prompt.indexOf('## Left out of this prompt'));
    expect(notes).toMatch(/^## Left out of this prompt/);
    expect(notes).toContain('The issue body:');
    expect(notes).toMatch(/comments are cut at 16 KiB each/);
    const counted = Number(/Older comments: only the newest 50 are read \(Gitea counts (\d+) comments/.exec(notes)?.[1]);
    expect(counted).toBeGreaterThan(COMMENTS);
    expect(notes).toMatch(/by people who may not ask kugetsu for work on acme\/app \(below the `write` role, or not allowed\): @mallory \(\d+\)/);
    expect(notes).toContain(`Read the whole issue at ${fake.baseUrl}/acme/app/issues/1`);

    // Read near the end, a page at a time; never the whole list in one response.
    const reads = fake.takeCalls().filter((c) => c.method === 'GET' && c.path.startsWith('/repos/acme/app/issues/1/'));
    expect(reads.filter((c) => c.path.startsWith('/repos/acme/app/issues/1/comments'))).toEqual([]);
    const pages = reads.filter((c) => c.path.includes('/timeline')).map((c) => c.path);
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.length).toBeLessThanOrEqual(3);
    expect(pages.every((p) => /limit=50$/.test(p))).toBe(true);
    // 60 MB of thread; the server's peak memory grows by a few pages' worth, not by the thread.
    expect(grewBy, `peak RSS grew by ${Math.round(grewBy / 1e6)} MB`).toBeLessThan(100e6);
  });
});
