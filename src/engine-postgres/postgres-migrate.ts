import type { ClientBase, Pool } from 'pg';
import { inTransaction } from './postgres-transaction.js';
import { POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
import { SchemaVersionError } from './schema-version-error.js';

/**
 * The key of the transaction-level advisory lock migrations run under: "kugetsu" in ASCII as one
 * 64-bit integer (the single-bigint key space, which does not overlap the two-int4 one that
 * admissions use; PostgreSQL 15 docs, §9.27.10 "Advisory Lock Functions").
 */
export const MIGRATION_LOCK_KEY = '30246909452252021';

/**
 * The database's kugetsu schema version: the highest `version` in `schema_migrations`, or 0 when
 * that table does not exist (a new database). Reads only.
 */
export async function postgresSchemaVersion(client: ClientBase | Pool): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return 0;
  const result = await client.query<{ v: number }>(`SELECT coalesce(max(version), 0)::integer AS v FROM schema_migrations`);
  return result.rows[0]?.v ?? 0;
}

/**
 * Brings the database to {@link POSTGRES_SCHEMA_VERSION}: one transaction per step, each taken
 * under `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)` and re-reading the version inside it, so two
 * processes starting at once never apply a step twice (the second waits, then finds the work done).
 * A step and its `schema_migrations` row commit together (PostgreSQL's DDL is transactional), so a
 * failing step leaves the database at the previous version. Returns the version found before
 * migrating. `label` names the database in messages (a URL with its password masked).
 *
 * @throws {SchemaVersionError} when the database has a newer schema than this kugetsu knows
 *   (written by a newer kugetsu): nothing is changed then.
 * @throws the failing step's `pg` error otherwise.
 */
export async function migratePostgres(pool: Pool, label: string): Promise<number> {
  let found: number | undefined;
  for (;;) {
    const applied = await inTransaction(pool, async (client) => {
      await client.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [MIGRATION_LOCK_KEY]);
      const version = await postgresSchemaVersion(client);
      found ??= version;
      refuseNewer(version, label);
      if (version >= POSTGRES_SCHEMA_VERSION) return false;
      if (version === 0) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS schema_migrations (
             version     integer     PRIMARY KEY,
             description text        NOT NULL,
             applied_at  timestamptz NOT NULL DEFAULT now()
           )`,
        );
      }
      const step = POSTGRES_MIGRATIONS[version]!;
      await client.query(step.sql);
      await client.query(`INSERT INTO schema_migrations (version, description) VALUES ($1, $2)`, [version + 1, step.description]);
      return true;
    });
    if (!applied) return found ?? 0;
  }
}

/**
 * Refuses (throws {@link SchemaVersionError}) unless the database is exactly at
 * {@link POSTGRES_SCHEMA_VERSION}; used by readers that must not migrate (the `kugetsu jobs` CLI).
 */
export async function requireCurrentSchema(pool: Pool, label: string): Promise<void> {
  const version = await postgresSchemaVersion(pool);
  refuseNewer(version, label);
  if (version === 0) {
    throw new SchemaVersionError(`${label} has no kugetsu schema yet: kugetsu serve creates it at start`, 0, POSTGRES_SCHEMA_VERSION);
  }
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `${label} has schema version ${version}, this kugetsu knows ${POSTGRES_SCHEMA_VERSION}: kugetsu serve migrates it at start`,
      version,
      POSTGRES_SCHEMA_VERSION,
    );
  }
}

function refuseNewer(version: number, label: string): void {
  if (version > POSTGRES_SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `${label} has schema version ${version}, but this kugetsu knows versions up to ${POSTGRES_SCHEMA_VERSION}: ` +
        'it was written by a newer kugetsu. Upgrade kugetsu, or point KUGETSU_DATABASE_URL elsewhere.',
      version,
      POSTGRES_SCHEMA_VERSION,
    );
  }
}
