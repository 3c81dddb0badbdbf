import { readFileSync, statSync } from 'node:fs';
import { parseSecrets, secretFile } from './stored-secrets.js';

/** What a file held when it was last read, and the facts that tell whether it changed since. */
interface KeptFile {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  secrets: string[];
  /** Changed less than {@link RACY_NS} before it was read: read again next time (see below). */
  racy: boolean;
}

/**
 * A file changed this shortly before it was read may change again within the same timestamp tick
 * (file times are taken from a clock that ticks every few ms on many kernels), leaving size and times
 * as they were: such a read is not trusted and the file is read again next time. Git's "racy clean"
 * index entries are the same problem (Documentation/technical/racy-git.txt), 2 s in ns.
 */
const RACY_NS = 2_000_000_000n;

/**
 * The ingress's reader of the secrets `kugetsu hooks install|secret` stored (see `stored-secrets.ts`
 * for the files): `key` (`owner/repo` or `org/*`, optionally `@<host>/`-prefixed) → its secrets,
 * empty when none is stored. Same answers as `storedSecretsFor`, at the cost of one `stat` per call:
 * each file's secrets are kept with its inode, size, mtime and ctime (ns), and read again only when
 * one of them differs (or the file had changed just before it was read), so a secret written,
 * rotated (by rename or in place) or removed while the server runs counts from the next delivery on.
 *
 * Keys come from unverified bodies, so at most `maxKeys` (default 4,096) are remembered: beyond that
 * the memory is dropped and rebuilt, never grown. Throws only what `fs` throws for an unreadable file
 * (e.g. EACCES), as `storedSecretsFor` does.
 */
export function createStoredSecretsReader(stateDir: string, maxKeys = 4096): (key: string) => string[] {
  // key → its file (null: not a valid name, so never a file).
  const files = new Map<string, string | null>();
  const kept = new Map<string, KeptFile>();
  return (key) => {
    let file = files.get(key);
    if (file === undefined) {
      if (files.size >= maxKeys) files.clear();
      file = secretFile(stateDir, key) ?? null;
      files.set(key, file);
    }
    if (file === null) return [];
    const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
    if (!stat?.isFile()) {
      kept.delete(file);
      return [];
    }
    const before = kept.get(file);
    if (before && !before.racy && before.ino === stat.ino && before.size === stat.size && before.mtimeNs === stat.mtimeNs && before.ctimeNs === stat.ctimeNs) return before.secrets;
    // Read after the stat: a change between the two shows as a different stat next time.
    const secrets = parseSecrets(readFileSync(file, 'utf8'));
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const racy = nowNs - stat.mtimeNs < RACY_NS || nowNs - stat.ctimeNs < RACY_NS;
    if (kept.size >= maxKeys) kept.clear();
    kept.set(file, { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs, secrets, racy });
    return secrets;
  };
}
