import type { DatabaseSetting } from '../config/config.js';
import { postgresSchemaVersion } from '../engine-postgres/postgres-migrate.js';
import { createPostgresPool } from '../engine-postgres/postgres-pool.js';
import { POSTGRES_SCHEMA_VERSION } from '../engine-postgres/postgres-schema.js';
import { fail, ok, warn, type DoctorCheck } from './doctor-check.js';

/**
 * `kugetsu doctor`'s database line when `KUGETSU_DATABASE_URL` is set: connects (one connection,
 * 5 s at most), reads the schema version and compares it with this kugetsu's. Changes nothing.
 * The URL is shown with its password masked, and the password is masked in any error text.
 */
export async function checkPostgresDatabase(database: Extract<DatabaseSetting, { kind: 'postgres' }>): Promise<DoctorCheck> {
  const name = 'database';
  const where = database.redacted;
  const pool = createPostgresPool({ url: database.url, max: 1, connectionTimeoutMs: 5000 });
  try {
    const version = await postgresSchemaVersion(pool);
    if (version === 0) return ok(name, `${where} is reachable; no kugetsu schema yet (kugetsu serve creates it)`);
    if (version === POSTGRES_SCHEMA_VERSION) return ok(name, `${where} opens, schema version ${version}`);
    if (version < POSTGRES_SCHEMA_VERSION) return warn(name, `${where} has schema version ${version}`, `kugetsu serve migrates it to version ${POSTGRES_SCHEMA_VERSION} at start`);
    return fail(name, `${where} has schema version ${version}, newer than this kugetsu (${POSTGRES_SCHEMA_VERSION})`, 'run the kugetsu version that wrote it, or upgrade this one');
  } catch (err) {
    const message = database.secrets.reduce((text, secret) => (secret.length >= 4 ? text.split(secret).join('***') : text), (err as Error).message);
    return fail(name, `${where} does not open: ${message}`, 'check KUGETSU_DATABASE_URL, that the PostgreSQL server runs and accepts this user, and that the database exists');
  } finally {
    await pool.end().catch(() => undefined);
  }
}
