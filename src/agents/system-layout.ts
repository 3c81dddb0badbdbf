import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_HIDDEN_PATHS } from './sandbox-settings.js';

/** The read-only system part of a sandbox, as found on this host. */
export interface SystemLayout {
  /** Directories shown read-only at the same path: `/usr`, `/etc`, and `/bin`, `/lib`… where they are real directories. */
  roDirs: string[];
  /** Top-level symlinks recreated inside (merged-`/usr` systems: `/bin` → `usr/bin`). */
  symlinks: Array<{ path: string; target: string }>;
  /** Extra files shown read-only because a shown file links to them (e.g. `/etc/resolv.conf` → `/run/…`). */
  roFiles: string[];
  /** Paths under {@link roDirs} (or the operator's read-only paths) replaced by an unreadable file or an empty read-only directory. */
  hidden: Array<{ path: string; kind: 'file' | 'dir' }>;
}

/** The system directories a sandbox shows, in this order. */
const SYSTEM_DIRS = ['/usr', '/etc'];
/** Top-level entries that are directories on older systems and symlinks into `/usr` on merged-`/usr` ones. */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];
/** Files in `/etc` that are often symlinks to somewhere else (systemd-resolved's stub file lives in `/run`). */
const LINKED_ETC_FILES = ['/etc/resolv.conf'];

async function kindOf(p: string): Promise<'file' | 'dir' | 'link' | undefined> {
  try {
    const s = await lstat(p);
    if (s.isSymbolicLink()) return 'link';
    return s.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** True when `p` is `dir` or below it (both absolute, normalised). */
export function isWithin(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Looks at this host's root to decide how the sandbox shows the system: which of `/bin`, `/lib`…
 * are symlinks (recreated) or directories (bound read-only), where `/etc/resolv.conf` really is,
 * and which of the secret paths ({@link DEFAULT_HIDDEN_PATHS} plus `extraHidden`, plus SSH host
 * private keys) exist and must be hidden — under the system directories or under `extraShown`
 * (the operator's read-only paths). A hidden path that is a symlink is hidden at its target when
 * that target is shown. Never throws: what cannot be read is left out.
 */
export async function detectSystemLayout(options: { extraHidden?: readonly string[]; extraShown?: readonly string[] } = {}): Promise<SystemLayout> {
  const extraHidden = options.extraHidden ?? [];
  const layout: SystemLayout = { roDirs: [...SYSTEM_DIRS], symlinks: [], roFiles: [], hidden: [] };
  for (const p of ROOT_LINKS) {
    const kind = await kindOf(p);
    if (kind === 'link') layout.symlinks.push({ path: p, target: await readlink(p) });
    else if (kind === 'dir') layout.roDirs.push(p);
  }
  const shown = (p: string) => [...layout.roDirs, ...(options.extraShown ?? [])].some((d) => isWithin(p, d));
  for (const p of LINKED_ETC_FILES) {
    if ((await kindOf(p)) !== 'link') continue;
    const target = await realpath(p).catch(() => undefined);
    if (target && !shown(target) && (await kindOf(target)) === 'file') layout.roFiles.push(target);
  }
  const sshKeys = await readdir('/etc/ssh').then(
    (names) => names.filter((n) => /^ssh_host_.*_key$/.test(n)).map((n) => `/etc/ssh/${n}`),
    () => [] as string[],
  );
  const seen = new Set<string>();
  for (const wanted of [...DEFAULT_HIDDEN_PATHS, ...sshKeys, ...extraHidden]) {
    let p = path.resolve(wanted);
    let kind = await kindOf(p);
    if (kind === 'link') {
      p = await realpath(p).catch(() => '');
      kind = p ? await kindOf(p) : undefined;
    }
    if ((kind !== 'file' && kind !== 'dir') || !shown(p) || seen.has(p)) continue;
    seen.add(p);
    layout.hidden.push({ path: p, kind });
  }
  return layout;
}
