import { createServer } from 'node:net';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { SchemaVersionError } from '../../src/engine-postgres/schema-version-error.js';
import { accepted } from './contract-fixtures.js';
import { adminQuery, usePostgresDatabase } from '../support/postgres.js';

const database = usePostgresDatabase();

async function rows<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  return (await adminQuery(url, sql)).rows as T[];
}

/** A URL of this file's database with another user and password (the role does not exist). */
function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

describe('PostgreSQL store: schema and connections', () => {
  it('records each migration step once in schema_migrations, however many processes start at once', async () => {
    const url = await database.freshSchemaUrl();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url })));
    try {
      const versions = await rows<{ version: number; description: string }>(url, 'SELECT version, description FROM schema_migrations ORDER BY version');
      expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m, i) => ({ version: i + 1, description: m.description })));
      // Exactly one of them found the database new; every other waited for the step in progress
      // (one transaction per step) and found it at some later version.
      const found = stores.map((s) => s.openedAtVersion).sort();
      expect(found[0]).toBe(0);
      for (const version of found.slice(1)) expect(version).toBeGreaterThanOrEqual(1);
      for (const version of found.slice(1)) expect(version).toBeLessThanOrEqual(POSTGRES_SCHEMA_VERSION);
      const reopened = await openPostgresStore({ url });
      expect(reopened.openedAtVersion).toBe(POSTGRES_SCHEMA_VERSION);
      await reopened.close();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('with schema "require-current" changes nothing: refuses a new database and a newer schema, opens the current one', async () => {
    const url = await database.freshSchemaUrl();
    const schema = new URL(url).searchParams.get('options')!.split('=')[1]!;
    await expect(openPostgresStore({ url, schema: 'require-current' })).rejects.toThrow(/has no kugetsu schema yet/);
    expect(await rows(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}'`)).toEqual([]);

    const store = await openPostgresStore({ url });
    const job = await accepted(store, 7);
    await store.close();
    const reader: PostgresStore = await openPostgresStore({ url, schema: 'require-current' });
    expect(await reader.get(job.id)).toStrictEqual(job);
    await reader.close();

    await adminQuery(url, `INSERT INTO schema_migrations (version, description) VALUES (${POSTGRES_SCHEMA_VERSION + 1}, 'newer')`);
    const newer = openPostgresStore({ url, schema: 'require-current' });
    await expect(newer).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(newer).rejects.toThrow(`has schema version ${POSTGRES_SCHEMA_VERSION + 1}, but this kugetsu knows versions up to ${POSTGRES_SCHEMA_VERSION}`);
  });

  it('never shows the password when it cannot connect, log in or find the database', async () => {
    const password = 'pw-Zq8!shouldNotLeak';
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const cases = [
      { url: `postgres://kugetsu:${encodeURIComponent(password)}@127.0.0.1:${closedPort}/kugetsu`, cause: /ECONNREFUSED/ },
      { url: withCredentials(database.url, 'nobody', password), cause: /password authentication failed|role "nobody" does not exist/ },
      { url: `${database.url.replace(/\/[^/?]*$/, '/no_such_db')}`, cause: /database "no_such_db" does not exist/ },
      { url: `postgres://127.0.0.1:${closedPort}/kugetsu?password=${encodeURIComponent(password)}`, cause: /ECONNREFUSED/ },
    ];
    for (const { url, cause } of cases) {
      const error = await openPostgresStore({ url, connectionTimeoutMs: 5000 }).then(
        () => new Error('opened'),
        (err: Error) => err,
      );
      expect(error.message).toMatch(/^cannot open the PostgreSQL database postgres(ql)?:\/\//);
      expect(error.message).toMatch(cause);
      expect(error.message).not.toContain(password);
      expect(error.message).not.toContain(encodeURIComponent(password));
      expect(JSON.stringify(error)).not.toContain(password);
    }
    // The test server's own password never shows either.
    const serverPassword = decodeURIComponent(new URL(database.url).password);
    const wrongDb = await openPostgresStore({ url: database.url.replace(/\/[^/?]*$/, '/no_such_db') }).catch((err: Error) => err);
    expect((wrongDb as Error).message).toContain(':***@');
    expect((wrongDb as Error).message).not.toContain(serverPassword);
  });

  it('refuses a URL that is not postgres:// without repeating it', async () => {
    await expect(openPostgresStore({ url: 'mysql://root:hunter2hunter2@db/x' })).rejects.toThrow(/must start with postgres:\/\/ or postgresql:\/\//);
    await expect(openPostgresStore({ url: 'mysql://root:hunter2hunter2@db/x' })).rejects.not.toThrow(/hunter2/);
  });
});
