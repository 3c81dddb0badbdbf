import type { SystemLayout } from './system-layout.js';

/** What one sandboxed process may see and do. Host paths are shown at the same path inside. */
export interface SandboxView {
  /** Directories and files shown read-write (the worktree, its agent dir, a session file). */
  rw: string[];
  /** Directories and files shown read-only besides the system (the agent binary, a prompt file, shared git objects). */
  ro: string[];
  /** Working directory inside, e.g. the worktree. */
  cwd: string;
  /** `open`: the host's network; `none`: a network namespace with only loopback. */
  network: 'open' | 'none';
}

/** Capabilities of the installed bwrap that change the arguments. */
export interface BwrapFeatures {
  /** `--disable-userns` exists (bubblewrap ≥ 0.8.0): the sandbox cannot make user namespaces of its own. */
  disableUserns: boolean;
}

/**
 * The bwrap(1) arguments (bubblewrap 0.8) that run a command in `view`, up to and including `--`:
 *
 * - namespaces: `--unshare-all` (user, ipc, pid, net, uts, cgroup) then `--share-net` unless the
 *   network is `none`; `--unshare-user` (needed by `--disable-userns`; when bwrap is not setuid it
 *   is implied anyway) and `--disable-userns` so the agent cannot build a namespace of its own to
 *   rearrange its mounts; `--cap-drop ALL` (as root bwrap would otherwise keep every capability);
 * - lifetime: `--die-with-parent` (the sandbox is killed when the bwrap that started it dies, so
 *   killing bwrap's process group ends every process inside: its own PID namespace goes with its
 *   PID 1) and `--new-session` (setsid(2): no controlling terminal to inject input into);
 * - files: an empty root (bwrap mounts a fresh tmpfs as `/`), `layout`'s system directories and
 *   files read-only, its secrets replaced by `/dev/null` (on a `nodev` bind it cannot even be
 *   opened) or an empty read-only tmpfs, a private
 *   `/proc` (only the sandbox's own processes) and `/dev`, empty tmpfs `/tmp`, `/var/tmp` and
 *   `/run`, then `view.ro` read-only and `view.rw` read-write at their own paths. Missing parent
 *   directories of those are created empty inside, so a path's neighbours do not exist there; the
 *   root is then remounted read-only, so the only writable places are `view.rw` and the tmpfs mounts.
 *
 * Mounts apply in order; later ones cover earlier ones. The environment is not part of the
 * arguments (it would show in the host's process list): bwrap passes its own environment on.
 */
export function bwrapArgs(view: SandboxView, layout: SystemLayout, features: BwrapFeatures): string[] {
  const args = ['--unshare-all'];
  if (view.network === 'open') args.push('--share-net');
  args.push('--unshare-user');
  if (features.disableUserns) args.push('--disable-userns');
  args.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session', '--hostname', 'kugetsu-sandbox');
  for (const dir of layout.roDirs) args.push('--ro-bind', dir, dir);
  for (const link of layout.symlinks) args.push('--symlink', link.target, link.path);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/var/tmp', '--tmpfs', '/run');
  for (const file of layout.roFiles) args.push('--ro-bind', file, file);
  for (const p of view.ro) args.push('--ro-bind', p, p);
  for (const h of layout.hidden) {
    if (h.kind === 'file') args.push('--ro-bind', '/dev/null', h.path);
    else args.push('--perms', '0700', '--tmpfs', h.path, '--remount-ro', h.path);
  }
  for (const p of view.rw) args.push('--bind', p, p);
  // The root tmpfs (and the empty parent directories bwrap made in it) read-only too.
  args.push('--remount-ro', '/', '--chdir', view.cwd, '--');
  return args;
}
