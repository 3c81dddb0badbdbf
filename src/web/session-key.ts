import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The key session cookies are signed with (32 bytes): SHA-256 of `KUGETSU_SESSION_SECRET` when it
 * is set; otherwise the key in `<stateDir>/session-key` (64 hex characters, mode 0600), generated
 * on first use and kept across restarts. Several ingress processes behind one URL need the same
 * key: set `KUGETSU_SESSION_SECRET` for them (each state dir would otherwise get its own).
 */
export function sessionKey(stateDir: string, secret: string | undefined): Buffer {
  if (secret) return createHash('sha256').update(`kugetsu-session-key\n${secret}`).digest();
  const file = path.join(stateDir, 'session-key');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) {
      chmodSync(file, 0o600);
      return Buffer.from(text, 'hex');
    }
  }
  mkdirSync(stateDir, { recursive: true });
  const key = randomBytes(32);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${key.toString('hex')}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return key;
}
