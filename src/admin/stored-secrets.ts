import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SAFE_NAME } from '../domain/repo-ref.js';

/**
 * Webhook secrets that `kugetsu hooks install` generated, one file per repository or organisation
 * under the state dir, readable by kugetsu's user only:
 * `<state>/secrets/<owner>/<repo>.secret` (key `owner/repo`) and `<state>/secrets/<org>/@org.secret`
 * (key `org/*`; `@` never occurs in a Gitea name). Directories are `0700`, files `0600`; names are
 * lowercase (Gitea names are case-insensitive, and the ingress looks them up in lowercase). A file
 * holds one secret per line (normally one; add a line by hand to accept an old secret for a while).
 */
const DIR = 'secrets';
const ORG_FILE = '@org.secret';

/** A fresh webhook secret: 32 random bytes as lowercase hex. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The file of `key` (`owner/repo` or `org/*`, with a leading `@<host>/` for an instance other than
 * the first: `secrets/@<host>/<owner>/…`), or `undefined` when the key is not a valid name.
 */
export function secretFile(stateDir: string, key: string): string | undefined {
  const at = /^@([a-z0-9.-]+(?::\d+)?)\//.exec(key.toLowerCase());
  if (at && /\.\./.test(at[1]!)) return undefined;
  const dirs = at ? [DIR, `@${at[1]}`] : [DIR];
  const [owner, repo, ...rest] = key
    .toLowerCase()
    .slice(at ? at[0].length : 0)
    .split('/');
  if (rest.length > 0 || !owner || !repo || !SAFE_NAME.test(owner) || /\.\.|\.$/.test(owner)) return undefined;
  if (repo === '*') return path.join(stateDir, ...dirs, owner, ORG_FILE);
  if (!SAFE_NAME.test(repo) || /\.\.|\.$/.test(repo)) return undefined;
  return path.join(stateDir, ...dirs, owner, `${repo}.secret`);
}

/** The stored secrets of `key` (`owner/repo` or `org/*`), empty when none is stored. */
export function storedSecretsFor(stateDir: string, key: string): string[] {
  const file = secretFile(stateDir, key);
  if (!file || !existsSync(file)) return [];
  return parseSecrets(readFileSync(file, 'utf8'));
}

/**
 * Every stored secret by key (`owner/repo` or `org/*`, lowercase): what the ingress should accept
 * besides `KUGETSU_WEBHOOK_SECRET` and `KUGETSU_REPO_SECRETS`. An empty record when nothing is stored.
 */
export function readStoredSecrets(stateDir: string): Record<string, string[]> {
  const root = path.join(stateDir, DIR);
  const out: Record<string, string[]> = {};
  if (!existsSync(root)) return out;
  for (const owner of readdirSync(root, { withFileTypes: true })) {
    if (!owner.isDirectory()) continue;
    for (const file of readdirSync(path.join(root, owner.name), { withFileTypes: true })) {
      if (!file.isFile() || !file.name.endsWith('.secret')) continue;
      const key = file.name === ORG_FILE ? `${owner.name}/*` : `${owner.name}/${file.name.slice(0, -'.secret'.length)}`;
      const secrets = parseSecrets(readFileSync(path.join(root, owner.name, file.name), 'utf8'));
      if (secrets.length > 0 && secretFile(stateDir, key)) out[key] = secrets;
    }
  }
  return out;
}

/** Stores `secret` as the only secret of `key` (atomically, mode 0600). Throws for an invalid key. */
export function writeStoredSecret(stateDir: string, key: string, secret: string): string {
  const file = secretFile(stateDir, key);
  if (!file) throw new Error(`cannot store a secret for "${key}": not owner/repo or org/*`);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  chmodSync(path.join(stateDir, DIR), 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Removes the stored secret of `key`; true when there was one. */
export function deleteStoredSecret(stateDir: string, key: string): boolean {
  const file = secretFile(stateDir, key);
  if (!file || !existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** The secrets of a stored file's text: one per line, blank lines and `#` comments skipped. */
export function parseSecrets(text: string): string[] {
  return text
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}
