import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgresCluster } from './postgres-cluster.js';

/** One empty database of the benchmark's PostgreSQL server. */
export interface BenchDatabase {
  /** `postgresql://…/kugetsu_bench_<label>_<random>` (the password is the server's). */
  url: string;
  name: string;
  /** Drops it (`WITH (FORCE)`: connections a killed process left are ended first). */
  drop(): Promise<void>;
}

/** What the report says about the server the PostgreSQL rows ran against. */
export interface BenchPostgresInfo {
  /** `KUGETSU_TEST_DATABASE_URL` or `throwaway cluster (durable)`. */
  source: string;
  /** `SHOW server_version`. */
  version: string;
  /** `SHOW fsync` and `SHOW synchronous_commit`: `on` for both is as durable as SQLite's `synchronous=FULL`. */
  fsync: string;
  synchronousCommit: string;
}

/** The PostgreSQL server of one benchmark run. */
export interface BenchPostgres {
  info: BenchPostgresInfo;
  /** A new, empty database named after `label` (letters, digits, `_`). */
  createDatabase(label: string): Promise<BenchDatabase>;
  /** Runs `work` with a fresh database named after `label`, then drops it, however `work` ended. */
  withDatabase<T>(label: string, work: (db: BenchDatabase) => Promise<T>): Promise<T>;
  /** Stops the throwaway cluster, if this run started one (a server from the environment is left alone). */
  close(): void;
}

/**
 * The server the PostgreSQL measurements use: `KUGETSU_TEST_DATABASE_URL` when set (`.ci/run`
 * exports it: a role that may `CREATE DATABASE`), else a throwaway cluster on 127.0.0.1 started
 * like the tests' (see `startPostgresCluster`) but with PostgreSQL's durable defaults, so that its
 * commits are fsync'd like SQLite's. Each measurement makes a database of its own with
 * {@link BenchPostgres.createDatabase} and drops it afterwards.
 */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const fromEnv = process.env.KUGETSU_TEST_DATABASE_URL;
  const cluster = fromEnv ? undefined : await startPostgresCluster({ durable: true, maxConnections: 200 });
  const serverUrl = fromEnv ?? cluster!.url;
  try {
    const show = async (name: string) => String((await adminQuery(serverUrl, `SHOW ${name}`)).rows[0]?.[name] ?? '?');
    const info: BenchPostgresInfo = {
      source: fromEnv ? 'KUGETSU_TEST_DATABASE_URL' : 'throwaway cluster on 127.0.0.1 (durable defaults)',
      version: await show('server_version'),
      fsync: await show('fsync'),
      synchronousCommit: await show('synchronous_commit'),
    };
    const createDatabase = async (label: string): Promise<BenchDatabase> => {
      const name = `kugetsu_bench_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
      await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
      const u = new URL(serverUrl);
      u.pathname = `/${name}`;
      return { url: u.toString(), name, drop: async () => void (await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)) };
    };
    return {
      info,
      createDatabase,
      async withDatabase(label, work) {
        const db = await createDatabase(label);
        try {
          return await work(db);
        } finally {
          await db.drop();
        }
      },
      close: () => cluster?.stop(),
    };
  } catch (err) {
    cluster?.stop();
    throw err;
  }
}

/** Runs `sql` (no parameters: names are made here) on one short-lived connection to `url`. */
async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
