import type { GitConfigEntry } from './http-auth-config.js';

/** Variables copied from the base environment when set (nothing else is). */
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR'] as const;

/**
 * Names of git-guarded variables this module sets itself, for simple-git's `allowEnvironment`
 * option (simple-git 4 removes inherited `GIT_*` variables and rejects a task whose explicit
 * env names one that is not listed there).
 */
export const ALLOWED_GIT_ENV = ['GIT_TERMINAL_PROMPT', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0'] as const;

/**
 * The whole environment of one git process: `PATH`, `HOME`, `TMPDIR`, proxy and CA variables from
 * `base`, `LANG=C`/`LC_ALL=C` (stable English messages, which error hints look for),
 * `GIT_TERMINAL_PROMPT=0` (never wait for a password) and, when `config` is given, that one entry
 * as `GIT_CONFIG_COUNT=1`/`GIT_CONFIG_KEY_0`/`GIT_CONFIG_VALUE_0`. Nothing else from `base`
 * (no `GIT_DIR`, `EDITOR`, `GIT_*`) reaches git.
 */
export function buildGitEnv(base: Readonly<Record<string, string | undefined>>, config?: GitConfigEntry): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) {
    const value = base[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.LANG = 'C';
  env.LC_ALL = 'C';
  env.GIT_TERMINAL_PROMPT = '0';
  if (config) {
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = config.key;
    env.GIT_CONFIG_VALUE_0 = config.value;
  }
  return env;
}
