import path from 'node:path';

/**
 * Variables whose value is a host file or directory the agent reads (its configuration, CA
 * certificates): when one is set to an absolute path, that path is shown read-only in the sandbox.
 * `XDG_CONFIG_HOME` is among them, so an operator's agent configuration (e.g. opencode's
 * `$XDG_CONFIG_HOME/opencode/`) stays in force but cannot be changed by one issue's agent for another's.
 */
export const READ_ONLY_PATH_VARIABLES = [
  'XDG_CONFIG_HOME',
  'OPENCODE_CONFIG',
  'OPENCODE_CONFIG_DIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
] as const;

/** Variables replaced by paths in the agent dir (they would name host places the sandbox does not show). */
const REPLACED = ['HOME', 'TMPDIR', 'TMP', 'TEMP', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME'];

/** Where an issue's agent keeps its files: `<agentDir>/home` (HOME, XDG dirs) and `<agentDir>/tmp` (TMPDIR). */
export function agentDirLayout(agentDir: string): { home: string; tmp: string } {
  return { home: path.join(agentDir, 'home'), tmp: path.join(agentDir, 'tmp') };
}

/**
 * The environment of a sandboxed turn: `env` with `HOME` = `<agentDir>/home`, `TMPDIR` =
 * `<agentDir>/tmp`, `XDG_DATA_HOME`, `XDG_STATE_HOME`, `XDG_CACHE_HOME` under that home (opencode
 * keeps its sessions in the data dir, so they survive between the turns and no other issue
 * sees them), `TMP`, `TEMP` and `XDG_RUNTIME_DIR` removed. `XDG_CONFIG_HOME` is kept when it is an
 * absolute path (and returned in `roPaths`), else set to `<home>/.config`. Every other variable of
 * {@link READ_ONLY_PATH_VARIABLES} holding an absolute path is returned in `roPaths`.
 * Base directory names follow the XDG Base Directory Specification.
 */
export function sandboxEnv(env: Readonly<Record<string, string>>, agentDir: string): { env: Record<string, string>; roPaths: string[] } {
  const { home, tmp } = agentDirLayout(agentDir);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (!REPLACED.includes(k)) out[k] = v;
  out.HOME = home;
  out.TMPDIR = tmp;
  out.XDG_DATA_HOME = path.join(home, '.local', 'share');
  out.XDG_STATE_HOME = path.join(home, '.local', 'state');
  out.XDG_CACHE_HOME = path.join(home, '.cache');
  const config = env.XDG_CONFIG_HOME;
  out.XDG_CONFIG_HOME = config !== undefined && path.isAbsolute(config) ? config : path.join(home, '.config');
  const roPaths: string[] = [];
  for (const name of READ_ONLY_PATH_VARIABLES) {
    const value = out[name];
    if (value !== undefined && path.isAbsolute(value) && value !== path.join(home, '.config')) roPaths.push(path.normalize(value));
  }
  return { env: out, roPaths };
}
