import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { admitted, jobIn } from './contract-fixtures.js';

const ROOT = resolve(import.meta.dirname, '../..');
const database = usePostgresDatabase();
const dir = mkdtempSync(join(tmpdir(), 'kugetsu-pg-procs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => buildStore(), 120_000);

/**
 * Compiles the PostgreSQL store to plain ESM in `dir/build` with the project's tsc, for child `node`
 * processes. Run in `dir`, where no tsconfig.json is found (TypeScript 5 ignores one when files are
 * named; 6 refuses unless told `--ignoreConfig`, which 5 does not know).
 */
function buildStore(): void {
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      ...['--noCheck', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types')],
      ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'],
      ...['--rootDir', join(ROOT, 'src'), '--outDir', join(dir, 'build')],
      join(ROOT, 'src/engine-postgres/open-postgres-store.ts'),
    ],
    { cwd: dir },
  );
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

/**
 * Runs `node <args>` in the build folder; kills it with SIGKILL once `killWhen(stdout so far)` holds.
 * Resolves with its complete stdout lines, how it ended, and its stderr.
 */
function runChild(args: string[], killWhen?: (out: string) => boolean): Promise<{ lines: string[]; signal: NodeJS.Signals | null; code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (killWhen?.(out)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code, signal) =>
      done({
        lines: out
          .slice(0, out.lastIndexOf('\n') + 1)
          .split('\n')
          .filter(Boolean),
        signal,
        code,
        stderr,
      }),
    );
  });
}

describe('PostgreSQL store shared by several processes', () => {
  it('three processes admit the same 150 events at once, one killed with SIGKILL mid-way: each event is one complete job', async () => {
    writeFileSync(join(dir, 'child.mjs'), CHILD);
    const url = await database.freshSchemaUrl();
    await (await openPostgresStore({ url })).close(); // the schema first, so that every child starts admitting at once

    const run = (name: string, killAfterLines?: number) =>
      runChild(['child.mjs', url, name], killAfterLines === undefined ? undefined : (out) => out.split('\n').length > killAfterLines);
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

  it('three worker processes claim from one database at once, one killed with SIGKILL: no job claimed twice, issues in order, caps kept, its jobs taken over', async () => {
    writeFileSync(join(dir, 'worker.mjs'), WORKER);
    const url = await database.freshSchemaUrl();
    const setup = await openPostgresStore({ url });
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let n = 1; n <= 16; n++) ids.push((await admitted(setup, jobIn(n % 2 ? 'app' : 'other', n, `d-${round}-${n}`))).id);
    }
    expect(ids).toHaveLength(48);

    // A sampler in this process: every snapshot must keep the caps.
    let peak = { all: 0, app: 0 };
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const running = (await setup.unfinished()).filter((j) => j.state === 'running');
        peak = { all: Math.max(peak.all, running.length), app: Math.max(peak.app, running.filter((j) => j.repo.name === 'app').length) };
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const run = (name: string, killAfterClaims?: number) =>
      runChild(
        ['worker.mjs', url, name, String(ids.length)],
        killAfterClaims === undefined ? undefined : (out) => out.split('\n').filter((l) => l.startsWith('claim ')).length >= killAfterClaims,
      );
    const results = await Promise.all([run('p0', 6), run('p1'), run('p2')]);
    sampling = false;
    await sampler;
    try {
      expect(results[0]!.signal).toBe('SIGKILL');
      for (const r of results.slice(1)) expect([r.code, r.stderr]).toEqual([0, '']);
      const lines = results.flatMap((r) => r.lines);
      expect(lines.filter((l) => l.startsWith('problem'))).toEqual([]);
      // No job was claimed twice for one attempt, whoever claimed it.
      const claims = lines.filter((l) => l.startsWith('claim ')).map((l) => l.split(' ') as [string, string, string, string]);
      const attempts = claims.map(([, id, attempt]) => `${id}/${attempt}`);
      expect(new Set(attempts).size).toBe(attempts.length);
      // Every job ended once, succeeded; the killed worker's running jobs were taken over as their next attempt.
      const jobs = await Promise.all(ids.map(async (id) => (await setup.get(id))!));
      expect(jobs.map((j) => j.state)).toEqual(ids.map(() => 'succeeded'));
      const takenOver = lines.filter((l) => l.startsWith('takeover '));
      expect(takenOver.length).toBeGreaterThanOrEqual(1);
      for (const job of jobs) {
        const history = await setup.history(job.id);
        const runs = history.filter((e) => e.state === 'running').length;
        expect(runs).toBe(job.attempt);
        expect(history.at(-1)!.state).toBe('succeeded');
      }
      expect(jobs.filter((j) => j.attempt === 2).length).toBe(takenOver.length);
      expect(peak.all).toBeLessThanOrEqual(4);
      expect(peak.app).toBeLessThanOrEqual(2);
      expect(peak.all).toBeGreaterThanOrEqual(2);
    } finally {
      await setup.close();
    }
  }, 120_000);
});

/**
 * One worker process: until `total` jobs have succeeded, interrupts jobs whose lease expired (their
 * worker died) back to `queued` as their next attempt, claims up to 2 jobs (4 running at most in
 * all, 2 of acme/app), checks each claimed job's older issue-mates have ended, holds it 5–25 ms and
 * finishes it. Prints `claim <id> <attempt> <worker>`, `takeover <id>` and `problem …` lines.
 */
const WORKER = `
import { openPostgresStore } from './build/engine-postgres/open-postgres-store.js';
const [url, name, total] = process.argv.slice(2);
const store = await openPostgresStore({ url, maxConnections: 3 });
const say = (line) => process.stdout.write(line + '\\n');
const limits = (job) => (job.repo.name === 'app' ? { repoMax: 2 } : {});
let idle = 0;
while (idle < 3000) {
  if ((await store.counts()).succeeded >= Number(total)) break;
  for (const dead of await store.expiredLeases(Date.now())) {
    const back = await store.change(dead.id, { expect: ['running'], workerId: dead.workerId, patch: { state: 'queued', attempt: dead.attempt + 1, startedAt: undefined, workerId: undefined, leaseUntil: undefined }, detail: 'worker died' });
    if (back) say('takeover ' + dead.id);
  }
  const jobs = await store.claim({ workerId: name, slots: 2, leaseMs: 1500, globalMax: 4, limits, claimed: () => [], rateLimited: () => [] });
  if (jobs.length === 0) {
    idle += 1;
    await new Promise((r) => setTimeout(r, 5));
    continue;
  }
  idle = 0;
  for (const job of jobs) {
    say('claim ' + job.id + ' ' + job.attempt + ' ' + name);
    for (const older of await store.listByIssue(job.issueKey)) {
      if (Number(older.id) < Number(job.id) && !['succeeded', 'failed', 'canceled'].includes(older.state)) say('problem: ' + job.id + ' claimed while ' + older.id + ' was ' + older.state);
    }
  }
  await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  for (const job of jobs) {
    const done = await store.change(job.id, { expect: ['running'], workerId: name, patch: { state: 'succeeded', finishedAt: new Date().toISOString(), workerId: undefined, leaseUntil: undefined } });
    if (!done) say('problem: ' + name + ' lost ' + job.id);
  }
}
await store.close();
`;
