import { chmod, lstat, mkdir, opendir } from 'node:fs/promises';
import path from 'node:path';

/** The permission bits kugetsu removes from everything in its state dir: group and other. */
export const SHARED_BITS = 0o077;

/** What {@link makeStatePrivate} did. */
export interface PrivateStateReport {
  /** True when the state dir did not exist and was created (mode 0700). */
  created: boolean;
  /** Entries whose group/other bits were removed. */
  tightened: number;
  /** The first few of them: path relative to the state dir, old and new mode in octal. */
  examples: Array<{ path: string; from: string; to: string }>;
  /** Entries that could not be tightened or read (e.g. owned by another user), with the error code. */
  failed: Array<{ path: string; error: string }>;
}

const EXAMPLES = 5;
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/**
 * Makes the state dir owner-only: creates it with mode 0700 when missing, then walks it and removes
 * the group and other permission bits (`mode & ~0o077`) from every directory and file that has any
 * — the database and its `-wal`/`-shm`, logs, prompts, sessions, secrets, clones and worktrees — so
 * that a state dir written under a looser umask (0755 dirs, 0644 files) is not readable by other
 * local users. Owner bits are kept (an executable stays executable for its owner). Symbolic links
 * are neither followed nor changed (`chmod` would change their target, possibly outside the state
 * dir). Meant for start-up, before any agent runs (nothing else changes the tree meanwhile). Never
 * throws for one entry: what cannot be changed is listed in `failed`; rejects only when the state
 * dir itself cannot be created or is not a directory.
 */
export async function makeStatePrivate(stateDir: string): Promise<PrivateStateReport> {
  const report: PrivateStateReport = { created: false, tightened: 0, examples: [], failed: [] };
  const existing = await lstat(stateDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!existing) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    report.created = true;
  } else if (!existing.isDirectory()) {
    throw new Error(`${stateDir} is not a directory`);
  }
  const fail = (file: string, err: unknown) => report.failed.push({ path: path.relative(stateDir, file) || '.', error: (err as NodeJS.ErrnoException).code ?? String(err) });
  const tighten = async (file: string, mode: number) => {
    if ((mode & SHARED_BITS) === 0) return;
    const to = mode & 0o7777 & ~SHARED_BITS;
    try {
      await chmod(file, to);
    } catch (err) {
      fail(file, err);
      return;
    }
    report.tightened++;
    if (report.examples.length < EXAMPLES) report.examples.push({ path: path.relative(stateDir, file) || '.', from: octal(mode), to: octal(to) });
  };

  const root = await lstat(stateDir);
  await tighten(stateDir, root.mode);
  const dirs = [stateDir];
  while (dirs.length > 0) {
    const dir = dirs.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      fail(dir, err);
      continue;
    }
    for await (const entry of handle) {
      const file = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      let stat;
      try {
        stat = await lstat(file);
      } catch (err) {
        fail(file, err);
        continue;
      }
      if (stat.isSymbolicLink()) continue;
      await tighten(file, stat.mode);
      if (stat.isDirectory()) dirs.push(file);
    }
  }
  return report;
}
