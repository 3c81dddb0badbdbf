import { execa } from 'execa';
import { bwrapArgs, type BwrapFeatures } from './bwrap-args.js';
import type { SystemLayout } from './system-layout.js';

/** Whether bubblewrap can build kugetsu's sandbox on this host, and if not, what to change. */
export type SandboxProbe = { ok: true; version: string; features: BwrapFeatures } | { ok: false; problem: string; fix: string };

/** Docker flags that let bubblewrap work inside a container (see README "Security model"). */
export const DOCKER_FLAGS = '--security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined';

/**
 * What to change for a bwrap failure, by its message (bubblewrap 0.8 `bwrap: …` lines; causes from
 * containers/bubblewrap issues #284, #505 and the Debian package's README.Debian):
 * - no user namespace (`No permissions to create(ing) new namespace`, `Creating new namespace
 *   failed`, `setting up uid map`): the host kernel forbids unprivileged user namespaces
 *   (`user.max_user_namespaces=0`, Debian `kernel.unprivileged_userns_clone=0`, Ubuntu ≥ 23.10
 *   `kernel.apparmor_restrict_unprivileged_userns=1`), or Docker's default seccomp profile blocks
 *   clone/unshare with namespace flags;
 * - `Failed to make / slave`, `Failed to mount tmpfs`, other `Permission denied` mounts: an LSM
 *   profile (Docker's AppArmor `docker-default`, SELinux) forbids mount(2);
 * - `Can't mount proc`: the container's `/proc` has masked paths, so the kernel refuses a new
 *   procfs in a user namespace ("VFS: Mount too revealing").
 */
export function explainBwrapFailure(stderr: string): string {
  const text = stderr.trim();
  if (/can't mount proc/i.test(text)) {
    return `the container masks parts of /proc, so bwrap cannot mount a private /proc; run the container with --security-opt systempaths=unconfined (all flags: ${DOCKER_FLAGS})`;
  }
  if (/no permissions to creat|creating new namespace failed|setting up uid map|unshare|no space left on device/i.test(text)) {
    return (
      'user namespaces are not available: on the host run `sysctl -w user.max_user_namespaces=15000` (and on Debian ≤ 10 ' +
      '`sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu ≥ 23.10 `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` ' +
      `or an AppArmor profile for bwrap); in Docker add ${DOCKER_FLAGS}`
    );
  }
  if (/permission denied|operation not permitted|make \/ slave|mount tmpfs/i.test(text)) {
    return `a security profile forbids the mounts bwrap makes; in Docker add ${DOCKER_FLAGS} (AppArmor: apparmor=unconfined; SELinux: label=type:spc_t)`;
  }
  return 'see the bwrap message; README "Security model" lists what the sandbox needs';
}

/**
 * Checks bubblewrap: `bwrap --version` and `--help` (is `--disable-userns` there?), then a real
 * sandbox with every option kugetsu uses running `/bin/true` with an empty view. Resolves
 * `{ ok: false, problem, fix }` with the bwrap message and what to change (install the package,
 * Docker flags, kernel settings); never rejects. Bounded by `timeoutMs` (default 15 000) per step.
 */
export async function probeSandbox(bwrap: string, layout: SystemLayout, timeoutMs = 15_000): Promise<SandboxProbe> {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' };
  const version = await execa(bwrap, ['--version'], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  if (version.exitCode !== 0) {
    const missing = (version as { code?: string }).code === 'ENOENT';
    return {
      ok: false,
      problem: missing ? `bubblewrap ('${bwrap}') is not installed` : `'${bwrap} --version' failed: ${String(version.stderr || version.message).trim()}`,
      fix: "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), or set KUGETSU_AGENT_SANDBOX=off to run agents without a sandbox (they can then read kugetsu's token)",
    };
  }
  const help = await execa(bwrap, ['--help'], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  const features: BwrapFeatures = { disableUserns: /--disable-userns/.test(`${help.stdout}${help.stderr}`) };
  const args = bwrapArgs({ rw: [], ro: [], cwd: '/', network: 'open' }, layout, features);
  const run = await execa(bwrap, [...args, '/bin/true'], { env, extendEnv: false, reject: false, timeout: timeoutMs, stdin: 'ignore' });
  if (run.exitCode !== 0) {
    const message = String(run.stderr || run.message)
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    return {
      ok: false,
      problem: `bubblewrap cannot create the agent sandbox here (${message})`,
      fix: `${explainBwrapFailure(message)}; or set KUGETSU_AGENT_SANDBOX=off to run agents without a sandbox (they can then read kugetsu's token)`,
    };
  }
  return { ok: true, version: String(version.stdout).trim(), features };
}
