/**
 * Issue 11, scenario 7 — world-readable state — against the real `kugetsu serve`: the state dir and
 * everything in it (database with -wal/-shm, logs, prompts, clones, worktrees) are owner-only after
 * a job in a fresh state dir; a state dir left 0755/0644 by an older kugetsu is tightened at
 * start-up with one log line saying what changed; a symlink in it is not followed.
 */
import { chmodSync, existsSync, lstatSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { postDelivery } from '../faults/support/deliveries.js';
import { pollUntil } from '../faults/support/poll.js';
import { ensureStopped, logTail, readLogLines, startServer, terminate, type ServerProcess } from '../faults/support/server-process.js';
import { baseEnv, commentDelivery, createWorld, SECRET, statusComments, type FaultWorld } from '../faults/support/world.js';
import { FAKE_AGENT } from '../agents/support.js';

let world: FaultWorld | undefined;
let server: ServerProcess | undefined;

afterEach(async () => {
  await ensureStopped(server);
  server = undefined;
  await world?.close();
  world = undefined;
});

/** Every entry under `root` (itself included) but symlinks, with its permission bits. */
function walk(root: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  const visit = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    out.push({ path: path.relative(root, p) || '.', mode: st.mode & 0o7777, dir: st.isDirectory() });
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(root);
  return out;
}

const shared = (entries: ReturnType<typeof walk>) => entries.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`);

describe('private state', () => {
  it('a fresh state dir is owner-only after a job; a 0755/0644 one is tightened at start-up with one log line', { timeout: 90_000 }, async () => {
    const w = (world = await createWorld({ issues: 1, prefix: 'kugetsu-private-state-' }));
    const stateDir = path.join(w.tmp, 'fresh-state');
    // A file:// URL: a clone from a plain path would hard-link the origin's objects (made by this
    // test, under its own umask) instead of writing its own.
    w.repo = { ...w.repo, cloneUrl: `file://${w.origin}` };
    w.fake.repo('acme/app').cloneUrl = w.repo.cloneUrl;
    const env = baseEnv(w, {
      KUGETSU_STATE_DIR: stateDir,
      KUGETSU_AGENT_COMMAND: JSON.stringify(['node', FAKE_AGENT, 'write:out.txt:private code', 'print:done']),
    });
    server = await startServer({ env, logFile: path.join(w.tmp, 'server-1.log') });
    const res = await postDelivery(server.url, commentDelivery(w, 1, 'write the notes'), SECRET);
    expect(res.status).toBe(202);
    const ended = await pollUntil(() => statusComments(w.fake).find((s) => s.state === 'succeeded' || s.state === 'failed')?.state, {
      timeoutMs: 30_000,
      what: 'the job to end',
      diagnose: () => logTail(server!.logFile),
    });
    expect(ended, logTail(server.logFile)).toBe('succeeded');

    // While the server runs (the database's -wal and -shm exist), nothing has group or other bits.
    const fresh = walk(stateDir);
    expect(shared(fresh)).toEqual([]);
    const names = fresh.map((e) => e.path);
    for (const expected of [
      '.',
      'kugetsu.db',
      'kugetsu.db-wal',
      'kugetsu.db-shm',
      'admin-token',
      'logs/job-1.log',
      'prompts/acme/app/issue-1/job-1.md',
      'prompts/acme/app/issue-1/job-1.message.txt',
      'worktrees/acme/app/issue-1/out.txt',
      'repos/acme/app.git',
    ]) {
      expect(names, expected).toContain(expected);
    }
    expect(fresh.find((e) => e.path === '.')?.mode).toBe(0o700);
    expect(fresh.find((e) => e.path === 'kugetsu.db')?.mode).toBe(0o600);
    expect(readLogLines(server.logFile).filter((l) => String(l.msg ?? '').startsWith('state dir made private'))).toEqual([]);
    expect((await terminate(server, 20_000)).code).toBe(0);

    // As an older kugetsu under umask 022 left it: dirs 0755, files 0644; plus a symlink to a file outside.
    const outside = path.join(w.tmp, 'outside.txt');
    writeFileSync(outside, "not kugetsu's");
    chmodSync(outside, 0o644);
    symlinkSync(outside, path.join(stateDir, 'link-to-outside'));
    const loosened = walk(stateDir);
    for (const e of loosened) chmodSync(path.join(stateDir, e.path), e.dir ? 0o755 : 0o644);
    expect(shared(walk(stateDir)).length).toBe(loosened.length);

    server = await startServer({ env, logFile: path.join(w.tmp, 'server-2.log') });
    expect(shared(walk(stateDir))).toEqual([]);
    expect(lstatSync(outside).mode & 0o777).toBe(0o644);
    expect(existsSync(path.join(stateDir, 'link-to-outside'))).toBe(true);
    const lines = readLogLines(server.logFile).filter((l) => String(l.msg ?? '').startsWith('state dir made private'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: `state dir made private: group/other permissions removed from ${loosened.length} entries`,
      tightened: loosened.length,
      stateDir,
    });
    expect(lines[0]!.examples[0]).toEqual({ path: '.', from: '0755', to: '0700' });
  });
});
