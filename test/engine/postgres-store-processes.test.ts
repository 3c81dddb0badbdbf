import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { usePostgresDatabase } from '../support/postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');
const database = usePostgresDatabase();
const dir = mkdtempSync(join(tmpdir(), 'kugetsu-pg-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Compiles the PostgreSQL store to plain ESM in `dir/build` with the project's tsc, for child `node`
 * processes. Run in `dir`, where no tsconfig.json is found (TypeScript 5 ignores one when files are
 * named; 6 refuses unless told `--ignoreConfig`, which 5 does not know).
 */
function buildStore(): void {
  execFileSync(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    ...['--noCheck', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')],
    ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'],
    ...['--rootDir', join(ROOT, 'src'), '--outDir', join(dir, 'build')],
    join(ROOT, 'src/engine-postgres/open-postgres-store.ts'),
  ], { cwd: dir });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
}

const EVENTS = 150;

/**
 * One kugetsu process's admissions: every event `event-0 … event-<EVENTS-1>` under a delivery id of
 * its own (`<name>-<n>`), 25 at a time, on issues of its own; prints `<delivery id> <event> <outcome> <job id>`
 * once `admit` resolved — when ingress would answer 2xx. Every process races for the same events.
 */
const CHILD = `
import { openPostgresStore } from './build/engine-postgres/open-postgres-store.js';
const [url, name] = process.argv.slice(2);
const store = await openPostgresStore({ url });
const repo = { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'x', defaultBranch: 'main', htmlUrl: 'x' };
for (let n = 0; n < ${EVENTS}; n += 25) {
  const burst = [];
  for (let i = n; i < Math.min(n + 25, ${EVENTS}); i++) {
    const id = name + '-' + i;
    const eventKey = 'event-' + i;
    const job = { issueKey: 'acme/app#' + (i + 1), repo, issueNumber: i + 1, replyTo: i + 1, trigger: 'command', message: 'm', sender: { id: 1, login: 'a' }, deliveryId: id, branch: 'b', agent: 'opencode' };
    const outbox = (j) => [{ key: 'status:' + j.id, group: j.issueKey, op: { kind: 'status_comment', jobId: j.id } }];
    burst.push(store.admit({ id, eventType: 'issue_comment', eventKey, receivedAt: new Date().toISOString() }, job, { requireIdleIssue: true, outbox })
      .then((o) => process.stdout.write(id + ' ' + eventKey + ' ' + o.kind + ' ' + (o.kind === 'accepted' ? o.job.id : o.kind === 'duplicate' ? o.jobId : '-') + '\\n')));
  }
  await Promise.all(burst);
}
await store.close();
`;

describe('PostgreSQL store shared by several processes', () => {
  it('three processes admit the same 150 events at once, one killed with SIGKILL mid-way: each event is one complete job', async () => {
    buildStore();
    writeFileSync(join(dir, 'child.mjs'), CHILD);
    const url = await database.freshSchemaUrl();
    await (await openPostgresStore({ url })).close(); // the schema first, so that every child starts admitting at once

    const run = (name: string, killAfterLines?: number) =>
      new Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }>((done) => {
        const child = spawn(process.execPath, ['child.mjs', url, name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (killAfterLines !== undefined && out.split('\n').length > killAfterLines) child.kill('SIGKILL');
        });
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code, signal) => done({ lines: out.slice(0, out.lastIndexOf('\n') + 1).split('\n').filter(Boolean), signal, code, stderr }));
      });
    const results = await Promise.all([run('p0', 40), run('p1'), run('p2')]);
    expect(results[0]!.signal).toBe('SIGKILL');
    expect(results[0]!.lines.length).toBeGreaterThanOrEqual(40);
    expect(results[0]!.lines.length).toBeLessThan(EVENTS);
    for (const r of results.slice(1)) expect([r.code, r.stderr]).toEqual([0, '']);
    const acknowledged = results.flatMap((r) => r.lines.map((line) => line.split(' ') as [string, string, string, string]));
    expect(results[1]!.lines).toHaveLength(EVENTS);
    expect(results[2]!.lines).toHaveLength(EVENTS);

    const store = await openPostgresStore({ url });
    try {
      const jobs = await store.recent(10_000);
      // Each event became exactly one job; every event was admitted (two processes ran to the end).
      expect(jobs).toHaveLength(EVENTS);
      expect(new Set(jobs.map((j) => j.issueKey)).size).toBe(EVENTS);
      const jobOfEvent = new Map<string, string>();
      for (const job of jobs) {
        const handled = await store.handled({ id: job.deliveryId, eventKey: '' });
        expect(handled).toStrictEqual({ jobId: job.id, by: 'delivery' });
        expect(await store.history(job.id)).toEqual([{ state: 'queued', at: job.createdAt }]);
        jobOfEvent.set(`event-${job.issueNumber - 1}`, job.id);
      }
      // Every answer a process gave is true: the job it named is the one job of that event.
      // (Never "busy": under the issue's lock a copy finds the committed event first.)
      for (const [deliveryId, eventKey, outcome, jobId] of acknowledged) {
        expect([deliveryId, outcome, jobId]).toEqual([deliveryId, expect.stringMatching(/^(accepted|duplicate)$/), jobOfEvent.get(eventKey)]);
        if (outcome === 'accepted') expect((await store.get(jobId))!.deliveryId).toBe(deliveryId);
      }
      const due = await store.outboxDue(Date.now() + 60_000, 10_000);
      expect(due.map((i) => i.key).sort()).toEqual(jobs.map((j) => `status:${j.id}`).sort());
    } finally {
      await store.close();
    }
  }, 120_000);
});
