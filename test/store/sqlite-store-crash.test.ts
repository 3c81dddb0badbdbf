import { Database } from '../../src/store/sqlite-driver.js';
import { execFileSync, spawn } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, tempDir } from './store-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Compiles the store (and the type-only modules it names) to plain ESM in `dir/build` with the
 * project's own tsc, so that a child `node` can run the real store without a TS loader. Run in
 * `dir`, where no tsconfig.json is found (TypeScript 5 ignores one when files are named; 6 refuses
 * unless told `--ignoreConfig`, which 5 does not know).
 */
function buildStore(dir: string): void {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      ...['--noCheck', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')],
      ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'],
      ...['--rootDir', join(ROOT, 'src'), '--outDir', join(dir, 'build')],
      join(ROOT, 'src/store/sqlite-store.ts'),
    ],
    { cwd: dir },
  );
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
}

/**
 * The child: admits bursts of 25 concurrent deliveries (each with its status comment in the
 * outbox), and prints `<delivery id> <job id>` for each one once `admit` resolved — the moment
 * ingress would answer 2xx. Every third delivery repeats the event of the one before it.
 */
const CHILD = `
import { openSqliteStore } from './build/store/sqlite-store.js';
const store = openSqliteStore({ file: process.argv[2] });
const repo = { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'x', defaultBranch: 'main', htmlUrl: 'x' };
let n = 0;
for (;;) {
  const burst = [];
  for (let i = 0; i < 25; i++, n++) {
    const id = 'd-' + n;
    const eventKey = 'event-' + (n % 3 === 2 ? n - 1 : n);
    const job = { issueKey: 'acme/app#' + (n + 1), repo, issueNumber: n + 1, replyTo: n + 1, trigger: 'command', message: 'm', sender: { id: 1, login: 'a' }, deliveryId: id, branch: 'b', agent: 'opencode' };
    const outbox = (j) => [{ key: 'status:' + j.id, group: j.issueKey, op: { kind: 'status_comment', jobId: j.id } }];
    burst.push(store.admit({ id, eventType: 'issue_comment', eventKey, receivedAt: new Date().toISOString() }, job, { requireIdleIssue: false, outbox })
      .then((o) => process.stdout.write(id + ' ' + (o.kind === 'accepted' ? o.job.id : o.kind) + '\\n')));
  }
  await Promise.all(burst);
}
`;

describe('SqliteStore after kill -9 in the middle of a burst', () => {
  it('has every acknowledged admit, each exactly once and complete, and an intact file', async () => {
    const dir = tempDir();
    buildStore(dir);
    writeFileSync(join(dir, 'child.mjs'), CHILD);
    const file = join(dir, 'state', 'kugetsu.db');

    const child = spawn(process.execPath, ['child.mjs', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 1500) {
          child.kill('SIGKILL');
          done();
        }
      });
      child.on('exit', () => fail(new Error(`child exited early: ${err}`)));
    });
    expect(await exited).toBe('SIGKILL');
    // Only whole lines: the last write may have been cut by the kill.
    const acknowledged = out
      .slice(0, out.lastIndexOf('\n'))
      .split('\n')
      .map((line) => line.split(' ') as [string, string]);
    expect(acknowledged.length).toBeGreaterThan(1000);
    expect(acknowledged.filter(([, outcome]) => outcome === 'duplicate').length).toBeGreaterThan(300);

    const store = openStore({ file });
    for (const [deliveryId, outcome] of acknowledged) {
      if (outcome === 'duplicate') continue; // a duplicate records nothing of its own
      expect(await store.hasEvent(deliveryId)).toBe(true);
      const job = await store.get(outcome);
      expect(job?.deliveryId).toBe(deliveryId);
    }
    // Nothing twice, and every stored job is whole: its delivery, history row and outbox item.
    const jobs = await store.recent(100_000);
    expect(new Set(jobs.map((j) => j.deliveryId)).size).toBe(jobs.length);
    const due = new Set((await store.outboxDue(Date.now() + 60_000, 100_000)).map((i) => i.key));
    for (const job of jobs) {
      expect(await store.hasEvent(job.deliveryId)).toBe(true);
      expect(await store.history(job.id)).toEqual([{ state: 'queued', at: job.createdAt }]);
      expect(due.has(`status:${job.id}`)).toBe(true);
    }
    await store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();
  });
});
