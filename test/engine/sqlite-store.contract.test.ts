import { Database } from '../../src/store/sqlite-driver.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { StoreBackend } from './contract-fixtures.js';
import { describeStoreContract } from './store-contract.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The embedded backend: a SQLite file in a fresh temp dir per test. */
const sqlite: StoreBackend = {
  name: 'sqlite',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'kugetsu-contract-'));
    dirs.push(dir);
    return join(dir, 'state', 'kugetsu.db');
  },
  async open(file, options = {}) {
    return openSqliteStore({ file, ...options });
  },
  schemaVersion: SCHEMA_VERSION,
  async readSchemaVersion(file) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  },
  async writeSchemaVersion(file, version) {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma(`user_version = ${Number(version)}`);
    } finally {
      db.close();
    }
  },
};

describeStoreContract(sqlite);
