/**
 * Helpers of the security tests (test/security/): a real service on a real SQLite state dir, the
 * raw rows of that database, a seeded PRNG, and a scanner that looks for secrets in files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Database } from '../../src/store/sqlite-driver.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Logger } from '../../src/log/logger.js';
import { createService, type Service } from '../../src/service.js';

/** Tables of the store that an admitted delivery writes to; all must stay empty after a refusal. */
export const ADMISSION_TABLES = ['jobs', 'job_events', 'deliveries', 'sessions', 'outbox', 'repos'] as const;

/**
 * Starts a real kugetsu (`loadConfig` → `createService` → `start()`) with its SQLite store in
 * `stateDir`, the command agent `agentArgv`, reconciliation only at start-up, and `env` on top.
 * `logger` replaces the service's own (omit it to keep the product's redacting stdout logger).
 */
export async function startRealService(options: {
  giteaUrl: string;
  token: string;
  secret: string;
  stateDir: string;
  agentArgv: string[];
  env?: Record<string, string | undefined>;
  logger?: Logger;
}): Promise<Service> {
  const config = loadConfig(
    {
      GITEA_URL: options.giteaUrl,
      GITEA_TOKEN: options.token,
      KUGETSU_WEBHOOK_SECRET: options.secret,
      KUGETSU_STATE_DIR: options.stateDir,
      KUGETSU_AGENT: 'command',
      KUGETSU_AGENT_COMMAND: JSON.stringify(options.agentArgv),
      KUGETSU_RECONCILE_INTERVAL_S: '0',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...options.env,
    },
    options.stateDir,
  );
  const service = createService(config, options.logger ? { logger: options.logger } : {});
  await service.start();
  return service;
}

/** Row counts of `tables` in the SQLite file, read through a separate read-only connection. */
export function tableCounts(dbFile: string, tables: readonly string[] = ADMISSION_TABLES): Record<string, number> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, number> = {};
    for (const t of tables) out[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return out;
  } finally {
    db.close();
  }
}

/** Every row of `deliveries` (id and content key), for messages when something was stored. */
export function storedDeliveries(dbFile: string): unknown[] {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM deliveries').all();
  } finally {
    db.close();
  }
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every regular file under `dir` (recursively; symlinks are not followed). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** A secret found somewhere it must not be. */
export interface Leak {
  where: string;
  secret: string;
  excerpt: string;
}

/** The named needles found in `text`, with a short excerpt around each first hit. */
export function findSecrets(where: string, text: string, needles: Record<string, string>): Leak[] {
  const leaks: Leak[] = [];
  for (const [name, needle] of Object.entries(needles)) {
    const at = text.indexOf(needle);
    if (at >= 0) leaks.push({ where, secret: name, excerpt: text.slice(Math.max(0, at - 80), at + needle.length + 40).replace(/\s+/g, ' ') });
  }
  return leaks;
}

/** Scans the files `files` (skipping ones larger than `maxBytes`) for the needles. */
export function scanFiles(files: readonly string[], needles: Record<string, string>, maxBytes = 20 * 1024 * 1024): Leak[] {
  const leaks: Leak[] = [];
  for (const f of files) {
    if (statSync(f).size > maxBytes) continue;
    leaks.push(...findSecrets(f, readFileSync(f).toString('latin1'), latin1Needles(needles)));
  }
  return leaks;
}

/** The needles as latin1 strings, so a binary-safe `latin1` read of a file finds UTF-8 secrets too. */
function latin1Needles(needles: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(needles).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]));
}
