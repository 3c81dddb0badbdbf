import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startPostgresCluster, type PostgresCluster } from '../../src/bench/postgres-cluster.js';

/** A database of its own for one test file (see {@link usePostgresDatabase}). */
export interface TestDatabase {
  /** `postgresql://…/kugetsu_t_<random>`, usable once the file's `beforeAll` ran. */
  readonly url: string;
  /** The server's URL (its maintenance database), to create more databases. */
  readonly serverUrl: string;
  /**
   * A new, empty schema `s<n>` in this database, as a URL whose connections use it
   * (`?options=-c search_path=s<n>`, passed to the server at connect): a clean database for one
   * test without the cost of `CREATE DATABASE` (≈ 0.3 s here).
   */
  freshSchemaUrl(): Promise<string>;
}

let cluster: Promise<PostgresCluster> | undefined;
/** Test files of this process using {@link cluster} right now. */
let users = 0;

/**
 * The PostgreSQL server the tests use: `KUGETSU_TEST_DATABASE_URL` (a role that may create
 * databases; `.ci/run` starts one server for the whole run and sets it), or else a throwaway
 * cluster this process starts on 127.0.0.1 at first use (so `npm test` needs no set-up beyond
 * Debian's `postgresql` package). That cluster is stopped after the last test file of this process
 * that uses it (see {@link usePostgresDatabase}), or by its watchdog once the process is gone.
 */
export function testServerUrl(): Promise<string> {
  const fromEnv = process.env.KUGETSU_TEST_DATABASE_URL;
  if (fromEnv) return Promise.resolve(fromEnv);
  cluster ??= startPostgresCluster();
  return cluster.then((c) => c.url);
}

/** Stops the cluster this process started, once no test file uses it. */
async function releaseCluster(): Promise<void> {
  if (--users > 0 || !cluster) return;
  const started = cluster;
  cluster = undefined;
  (await started).stop();
}

/**
 * Gives the calling test file a fresh database `kugetsu_t_<random>` on {@link testServerUrl}:
 * created in `beforeAll`, dropped in `afterAll` (`WITH (FORCE)`, so a connection a failed test
 * left open does not keep it). Never skips: without a reachable server the file fails.
 * Call it once per file, at its top level.
 */
export function usePostgresDatabase(): TestDatabase {
  let url = '';
  let serverUrl = '';
  let schemas = 0;
  const name = `kugetsu_t_${randomBytes(6).toString('hex')}`;
  beforeAll(async () => {
    users += 1;
    serverUrl = await testServerUrl();
    await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
    const u = new URL(serverUrl);
    u.pathname = `/${name}`;
    url = u.toString();
  }, 120_000);
  afterAll(async () => {
    try {
      if (serverUrl) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await releaseCluster();
    }
  });
  return {
    get url() {
      if (!url) throw new Error('the test database exists only from beforeAll on');
      return url;
    },
    get serverUrl() {
      return serverUrl;
    },
    async freshSchemaUrl() {
      const schema = `s${++schemas}`;
      await adminQuery(url, `CREATE SCHEMA ${schema}`);
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      return u.toString();
    },
  };
}

/** Runs `sql` (no parameters: names made here) on one short-lived connection to `url`. */
export async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
