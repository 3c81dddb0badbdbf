/** Thrown when a database's schema is not the one this kugetsu writes (see `migratePostgres`, `requireCurrentSchema`). */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
  constructor(
    message: string,
    /** The version the database has (0: no kugetsu schema). */
    readonly found: number,
    /** The version this kugetsu writes. */
    readonly known: number,
  ) {
    super(message);
  }
}
