import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from '../../src/cli/context.js';
import { doctorCommand } from '../../src/cli/doctor-command.js';
import { jobsCancelCommand } from '../../src/cli/jobs-cancel-command.js';
import { jobsListCommand, jobsLogsCommand, jobsShowCommand } from '../../src/cli/jobs-command.js';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';
import { closedPort, tempDir, testContext } from './support/cli-kit.js';
import { fillStore } from './support/job-db.js';

const database = usePostgresDatabase();
const json = (c: ReturnType<typeof testContext>) => JSON.parse(c.output.stdout.join('\n'));

/** A state dir without a SQLite file, and a PostgreSQL database holding the four jobs of `fillStore`. */
async function world() {
  const url = await database.freshSchemaUrl();
  await fillStore(await openPostgresStore({ url }));
  const stateDir = tempDir();
  return { url, stateDir, ctx: () => testContext({ KUGETSU_STATE_DIR: stateDir, KUGETSU_DATABASE_URL: url }) };
}

describe('kugetsu jobs with KUGETSU_DATABASE_URL', () => {
  it('lists and shows the jobs of the PostgreSQL database (no SQLite file is read or made)', async () => {
    const { stateDir, ctx } = await world();
    const list = ctx();
    expect(await jobsListCommand({ json: true }, list)).toBe(0);
    expect(json(list).jobs.map((j: { id: string; state: string }) => [j.id, j.state])).toEqual([
      ['4', 'queued'],
      ['3', 'running'],
      ['2', 'failed'],
      ['1', 'succeeded'],
    ]);
    const show = ctx();
    expect(await jobsShowCommand('2', { json: true }, show)).toBe(0);
    expect(json(show).history.map((e: { state: string; detail?: string }) => [e.state, e.detail])).toEqual([
      ['queued', undefined],
      ['running', undefined],
      ['failed', 'agent exit 3'],
    ]);
    expect(existsSync(path.join(stateDir, 'kugetsu.db'))).toBe(false);
    // The agent's output comes from the database: this machine has no log file of it.
    const logs = ctx();
    expect(await jobsLogsCommand('1', {}, logs)).toBe(0);
    expect(logs.output.stdout).toEqual(['reading the issue', 'editing src/app.ts', 'done']);
    expect(existsSync(path.join(stateDir, 'logs', 'job-1.log'))).toBe(false);
  });

  it('without a server, cancels a queued job in PostgreSQL and refuses a running one', async () => {
    const { url, ctx } = await world();
    const base = `http://127.0.0.1:${await closedPort()}`;
    const queued = ctx();
    expect(await jobsCancelCommand('4', { url: base }, queued)).toBe(0);
    const running = ctx();
    expect(await runAction(running, 'jobs cancel', () => jobsCancelCommand('3', { url: base }, running))).toBe(2);
    const store = await openPostgresStore({ url });
    try {
      expect(await store.get('4')).toMatchObject({ state: 'canceled', note: 'Canceled with `kugetsu jobs cancel` before it started.' });
      expect(await store.outboxIsOpen('status:4')).toBe(true);
      expect((await store.get('3'))!.state).toBe('running');
    } finally {
      await store.close();
    }
  });

  it('refuses a database without kugetsu schema (and creates none), an unreachable server, and a bad URL — never showing the password', async () => {
    const empty = await database.freshSchemaUrl();
    const schema = new URL(empty).searchParams.get('options')!.split('=')[1]!;
    const c = testContext({ KUGETSU_STATE_DIR: tempDir(), KUGETSU_DATABASE_URL: empty });
    expect(await runAction(c, 'jobs list', () => jobsListCommand({}, c))).toBe(1);
    expect(c.output.stderr[0]).toMatch(
      /^kugetsu: postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/kugetsu_t_\w+\?options=.* has no kugetsu schema yet: kugetsu serve creates it at start\n {2}→ run kugetsu serve with this KUGETSU_DATABASE_URL once/,
    );
    expect((await adminQuery(empty, `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = '${schema}'`)).rows[0]).toEqual({ n: 0 });

    const password = 'pw-never-printed-9';
    const down = testContext({ KUGETSU_STATE_DIR: tempDir(), KUGETSU_DATABASE_URL: `postgres://kugetsu:${password}@127.0.0.1:${await closedPort()}/kugetsu` });
    expect(await runAction(down, 'jobs list', () => jobsListCommand({}, down))).toBe(1);
    expect(down.output.stderr[0]).toMatch(
      /^kugetsu: cannot open the PostgreSQL database postgres:\/\/kugetsu:\*\*\*@127\.0\.0\.1:\d+\/kugetsu: .*ECONNREFUSED[\s\S]*→ check KUGETSU_DATABASE_URL \(postgres:\/\/kugetsu:\*\*\*@/,
    );

    const bad = testContext({ KUGETSU_STATE_DIR: tempDir(), KUGETSU_DATABASE_URL: `mysql://root:${password}@db/x` });
    expect(await runAction(bad, 'jobs list', () => jobsListCommand({}, bad))).toBe(1);
    expect(bad.output.stderr[0]).toContain('KUGETSU_DATABASE_URL must start with postgres:// or postgresql://');
    for (const out of [c, down, bad]) expect([...out.output.stdout, ...out.output.stderr].join('\n')).not.toContain(password);
  });

  it('kugetsu doctor checks the PostgreSQL database instead of a SQLite file', async () => {
    const { ctx } = await world();
    const c = ctx();
    await doctorCommand({ json: true }, c);
    const checks = (json(c).checks as Array<{ name: string; status: string; detail: string }>).filter((x) => x.name === 'database');
    expect(checks).toEqual([
      {
        name: 'database',
        status: 'ok',
        detail: expect.stringMatching(
          new RegExp(`^postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/kugetsu_t_\\w+\\?options=\\S+ opens, schema version ${POSTGRES_SCHEMA_VERSION}$`),
        ),
      },
    ]);
  }, 60_000);
});
