import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The file holding the admin API's bearer token: `<state>/admin-token`, mode 0600. */
export function adminTokenFile(stateDir: string): string {
  return path.join(stateDir, 'admin-token');
}

/** The admin token the running server wrote, or `undefined` when there is none (never started here). */
export function readAdminToken(stateDir: string): string | undefined {
  const file = adminTokenFile(stateDir);
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, 'utf8').trim();
  return /^[0-9a-f]{64}$/.test(token) ? token : undefined;
}

/**
 * Called by the server at start: returns the admin token of `stateDir`, creating it (32 random
 * bytes, hex, file mode 0600) when missing or malformed. An existing token is kept, so commands
 * that already read it keep working across restarts; its mode is reset to 0600.
 */
export function ensureAdminToken(stateDir: string): string {
  const file = adminTokenFile(stateDir);
  const existing = readAdminToken(stateDir);
  if (existing) {
    chmodSync(file, 0o600);
    return existing;
  }
  mkdirSync(stateDir, { recursive: true });
  const token = randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return token;
}
