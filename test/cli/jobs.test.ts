import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../../src/cli/context.js';
import { jobsListCommand, jobsLogsCommand, jobsShowCommand } from '../../src/cli/jobs-command.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir, testContext } from './support/cli-kit.js';
import { fillStateDir } from './support/job-db.js';

async function filled() {
  const stateDir = tempDir();
  await fillStateDir(stateDir);
  return { stateDir, ctx: () => testContext({ KUGETSU_STATE_DIR: stateDir }) };
}
const json = (c: ReturnType<typeof testContext>) => JSON.parse(c.output.stdout.join('\n'));

describe('kugetsu jobs list', () => {
  it('--json lists the jobs newest first, and --state/--limit narrow them', async () => {
    const { ctx } = await filled();
    const all = ctx();
    expect(await jobsListCommand({ json: true }, all)).toBe(0);
    const jobs = json(all).jobs;
    expect(jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([
      ['4', 'queued'],
      ['3', 'running'],
      ['2', 'failed'],
      ['1', 'succeeded'],
    ]);
    expect(jobs[2]).toMatchObject({
      issueKey: 'acme/app#2',
      trigger: 'command',
      sender: 'alice',
      attempt: 1,
      exitCode: 3,
      failedPhase: 'agent',
      finishedAt: '2025-01-01T00:01:02.000Z',
    });

    const failed = ctx();
    expect(await jobsListCommand({ state: 'failed', json: true }, failed)).toBe(0);
    expect(json(failed).jobs.map((j: { id: string }) => j.id)).toEqual(['2']);
    const two = ctx();
    expect(await jobsListCommand({ limit: 2, json: true }, two)).toBe(0);
    expect(json(two).jobs.map((j: { id: string }) => j.id)).toEqual(['4', '3']);
  });

  it('prints one line per job as text', async () => {
    const { ctx } = await filled();
    const c = ctx();
    expect(await jobsListCommand({ state: 'failed' }, c)).toBe(0);
    expect(c.output.stdout).toEqual([expect.stringMatching(/^#2     failed    acme\/app#2  command by @alice  \S+ 2s \(agent\)$/)]);
  });

  it('exits 1 with what to do when there is no database (and creates none) or the state is unknown', async () => {
    const empty = tempDir();
    const c = testContext({ KUGETSU_STATE_DIR: empty });
    expect(await runAction(c, 'jobs list', () => jobsListCommand({}, c))).toBe(1);
    expect(c.output.stderr[0]).toBe(
      `kugetsu: no kugetsu database at ${path.join(empty, 'kugetsu.db')}\n  → run this where kugetsu serve runs, or set KUGETSU_STATE_DIR to its state dir`,
    );
    expect(existsSync(path.join(empty, 'kugetsu.db'))).toBe(false);
    const { ctx } = await filled();
    const bad = ctx();
    expect(await runAction(bad, 'jobs list', () => jobsListCommand({ state: 'done' }, bad))).toBe(1);
    expect(bad.output.stderr[0]).toContain('--state must be one of queued, running, succeeded, failed, canceled');
  });
});

describe('kugetsu jobs show', () => {
  it('--json gives the job, its history and its log file', async () => {
    const { stateDir, ctx } = await filled();
    const c = ctx();
    expect(await jobsShowCommand('2', { json: true }, c)).toBe(0);
    const shown = json(c);
    expect(shown.job).toMatchObject({ id: '2', state: 'failed', message: 'fix issue 2', result: { exitCode: 3, error: 'The agent exited with code 3.' } });
    expect(shown.history.map((e: { state: string; detail?: string }) => [e.state, e.detail])).toEqual([
      ['queued', undefined],
      ['running', undefined],
      ['failed', 'agent exit 3'],
    ]);
    expect(shown).toMatchObject({ logFile: path.join(stateDir, 'logs', 'job-2.log'), logExists: false });
  });

  it('prints the result and history as text; an unknown id exits 1', async () => {
    const { ctx } = await filled();
    const c = ctx();
    expect(await jobsShowCommand('1', {}, c)).toBe(0);
    expect(c.output.stdout).toContain('  result: exit 0, 4s, 1 new commit(s), pushed, session ses_1');
    expect(c.output.stdout.filter((l) => /^ {4}\S+ {2}(queued|running|succeeded)/.test(l))).toHaveLength(3);
    const missing = ctx();
    expect(await runAction(missing, 'jobs show', () => jobsShowCommand('99', {}, missing))).toBe(1);
    expect(missing.output.stderr[0]).toBe('kugetsu: no job 99\n  → list the jobs with: kugetsu jobs list');
  });
});

describe('kugetsu jobs logs', () => {
  it('--json gives the log lines, --tail the last ones; plain prints them', async () => {
    const { ctx } = await filled();
    const c = ctx();
    expect(await jobsLogsCommand('1', { json: true, tail: 2 }, c)).toBe(0);
    expect(json(c)).toStrictEqual({ job: '1', state: 'succeeded', source: 'engine', dropped: 0, lines: ['editing src/app.ts', 'done'] });
    const plain = ctx();
    expect(await jobsLogsCommand('1', {}, plain)).toBe(0);
    expect(plain.output.stdout).toEqual(['reading the issue', 'editing src/app.ts', 'done']);
  });

  it('says why a job has no output', async () => {
    const { ctx } = await filled();
    const c = ctx();
    expect(await runAction(c, 'jobs logs', () => jobsLogsCommand('4', {}, c))).toBe(1);
    expect(c.output.stderr[0]).toMatch(/^kugetsu: job 4 \(queued\) has no output yet\n  → a job has output once its agent started/);
  });

  it('reads the log file of a job whose output is not in the database (run before it was kept there)', async () => {
    const { stateDir, ctx } = await filled();
    writeFileSync(path.join(stateDir, 'logs', 'job-2.log'), 'old output\nfrom the file\n');
    const c = ctx();
    expect(await jobsLogsCommand('2', { json: true }, c)).toBe(0);
    expect(json(c)).toStrictEqual({
      job: '2',
      state: 'failed',
      source: 'file',
      dropped: 0,
      lines: ['old output', 'from the file'],
      logFile: path.join(stateDir, 'logs', 'job-2.log'),
    });
  });

  it('reads while another connection (the server) has the database open', async () => {
    const { stateDir, ctx } = await filled();
    const server = openSqliteStore({ file: path.join(stateDir, 'kugetsu.db') });
    try {
      const c = ctx();
      expect(await jobsListCommand({ json: true }, c)).toBe(0);
      expect(json(c).jobs).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});
