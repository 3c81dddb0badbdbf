/** Host variables every agent gets when set (exact names or `PREFIX*` patterns). */
export const DEFAULT_AGENT_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TMPDIR',
  'TERM',
  'XDG_*',
  'OPENCODE_*',
  '*_API_KEY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** Variables that never reach an agent, whatever the allowlist says: kugetsu's own credentials. */
const NEVER = [/^GITEA_TOKEN$/, /^KUGETSU_/];

function matches(name: string, pattern: string): boolean {
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

/**
 * The agent's environment: host variables named by {@link DEFAULT_AGENT_ENV} plus `extra`
 * (`KUGETSU_AGENT_ENV`, names or `*` patterns), never `GITEA_TOKEN` or any `KUGETSU_*` setting.
 * The agent must not inherit the service's whole environment.
 */
export function pickAgentEnv(env: Record<string, string | undefined>, extra: readonly string[] = []): Record<string, string> {
  const patterns = [...DEFAULT_AGENT_ENV, ...extra];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER.some((re) => re.test(name))) continue;
    if (patterns.some((p) => matches(name, p))) out[name] = value;
  }
  return out;
}
