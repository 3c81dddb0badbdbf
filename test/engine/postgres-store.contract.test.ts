import pg from 'pg';
import { openPostgresStore } from '../../src/engine-postgres/open-postgres-store.js';
import { postgresSchemaVersion } from '../../src/engine-postgres/postgres-migrate.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/engine-postgres/postgres-schema.js';
import { usePostgresDatabase } from '../support/postgres.js';
import type { StoreBackend } from './contract-fixtures.js';
import { describeStoreContract } from './store-contract.js';

const database = usePostgresDatabase();

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The shared backend: a new schema per test in this file's own database on the test server. */
const postgres: StoreBackend = {
  name: 'postgres',
  fresh: () => database.freshSchemaUrl(),
  open: (url, options = {}) => openPostgresStore({ url, ...options }),
  schemaVersion: POSTGRES_SCHEMA_VERSION,
  readSchemaVersion: (url) => withClient(url, (client) => postgresSchemaVersion(client)),
  async writeSchemaVersion(url, version) {
    await withClient(url, (client) => client.query(`INSERT INTO schema_migrations (version, description) VALUES ($1, 'written by a newer kugetsu')`, [version]));
  },
};

describeStoreContract(postgres);
