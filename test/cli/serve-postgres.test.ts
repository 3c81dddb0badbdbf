import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { startFakeGiteaServer } from '../../src/sandbox/fake-gitea-server.js';
import { ensureStopped, KUGETSU_BIN, readLogLines, startServer, terminate, type ServerProcess } from '../faults/support/server-process.js';
import { usePostgresDatabase } from '../support/postgres.js';
import { closedPort, onCleanup, tempDir } from './support/cli-kit.js';

const database = usePostgresDatabase();

function serveOnce(env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [KUGETSU_BIN, 'serve'], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('kugetsu serve with KUGETSU_DATABASE_URL (real process)', () => {
  it('creates the schema in PostgreSQL, answers /healthz, names the database with its password masked, and stops on SIGTERM', async () => {
    const gitea = await startFakeGiteaServer();
    onCleanup(() => gitea.close());
    const url = await database.freshSchemaUrl();
    const password = decodeURIComponent(new URL(url).password);
    const stateDir = tempDir();
    let server: ServerProcess | undefined;
    onCleanup(() => ensureStopped(server));
    const logFile = path.join(tempDir(), 'serve.log');
    server = await startServer({
      env: {
        GITEA_URL: gitea.url,
        GITEA_TOKEN: gitea.fake.token,
        KUGETSU_WEBHOOK_SECRET: 'secret-for-tests',
        KUGETSU_STATE_DIR: stateDir,
        KUGETSU_DATABASE_URL: url,
        KUGETSU_AGENT_SANDBOX: 'off',
        KUGETSU_RECONCILE_INTERVAL_S: '0',
      },
      logFile,
    });
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const exit = await terminate(server, 20_000);
    expect(exit.code).toBe(0);

    const listening = readLogLines(logFile).find((l) => typeof l.msg === 'string' && l.msg.startsWith('kugetsu listening'));
    expect(url).toContain(`:${password}@`);
    expect(listening?.database).toBe(url.replace(`:${password}@`, ':***@'));
    expect(readFileSync(logFile, 'utf8')).not.toContain(password);
    const reader = await openPostgresStore({ url, schema: 'require-current' });
    expect(reader.openedAtVersion).toBe(POSTGRES_SCHEMA_VERSION);
    await reader.close();
  }, 60_000);

  it('exits 1 when the database cannot be reached, saying what to check, without the password or a stack trace', async () => {
    const password = 'pw-kept-secret-42';
    const port = await closedPort();
    const result = await serveOnce({
      GITEA_URL: 'http://127.0.0.1:9',
      GITEA_TOKEN: 'tokentoken',
      KUGETSU_WEBHOOK_SECRET: 's',
      KUGETSU_STATE_DIR: tempDir(),
      KUGETSU_AGENT_SANDBOX: 'off',
      KUGETSU_DATABASE_URL: `postgresql://kugetsu:${password}@127.0.0.1:${port}/kugetsu`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`kugetsu cannot start: cannot open the PostgreSQL database postgresql://kugetsu:***@127.0.0.1:${port}/kugetsu: `);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain(`→ check KUGETSU_DATABASE_URL (postgresql://kugetsu:***@127.0.0.1:${port}/kugetsu)`);
    expect(result.stderr + result.stdout).not.toContain(password);
    expect(result.stderr).not.toContain('    at ');
  }, 60_000);
});
