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

/**
 * kugetsu's variables that hold secrets. Their values never reach an agent under another name either
 * (e.g. a per-repository webhook secret kept in `ACME_API_KEY`, which `*_API_KEY` would pass on).
 */
const SECRET_VARIABLES = [
  'GITEA_TOKEN',
  'KUGETSU_WEBHOOK_SECRET',
  'KUGETSU_WEBHOOK_AUTHORIZATION',
  'KUGETSU_SESSION_SECRET',
  'KUGETSU_OAUTH_CLIENT_SECRET',
  'KUGETSU_METRICS_TOKEN',
  'KUGETSU_NOTIFY_SECRET',
  'KUGETSU_DATABASE_URL',
];

/** Secrets shorter than this are not looked for inside other values (they would match by chance). */
const MIN_SECRET_LENGTH = 8;

/**
 * The secret values found in `env`: those of {@link SECRET_VARIABLES} (comma-separated lists split),
 * of the variables `KUGETSU_REPO_SECRETS` names (`owner/repo=ENV_NAME,…`), and of `secretNames`.
 */
function secretValues(env: Record<string, string | undefined>, secretNames: readonly string[]): string[] {
  const named = (env.KUGETSU_REPO_SECRETS ?? '')
    .split(',')
    .map((item) => item.split('=')[1]?.trim() ?? '')
    .filter(Boolean);
  const values: string[] = [];
  for (const name of [...SECRET_VARIABLES, ...named, ...secretNames]) {
    const value = env[name];
    if (!value) continue;
    values.push(value.trim(), ...value.split(',').map((v) => v.trim()));
  }
  return [...new Set(values.filter((v) => v.length > 0))];
}

/** True when `value` is one of `secrets`, or carries one of at least {@link MIN_SECRET_LENGTH} characters. */
function holdsSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => value === s || (s.length >= MIN_SECRET_LENGTH && value.includes(s)));
}

function matches(name: string, pattern: string): boolean {
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

/**
 * The agent's environment: host variables named by {@link DEFAULT_AGENT_ENV} plus `extra`
 * (`KUGETSU_AGENT_ENV`, names or `*` patterns), never `GITEA_TOKEN` or any `KUGETSU_*` setting,
 * and never a variable whose value is (or carries) one of kugetsu's secrets: the token, webhook
 * secrets (also per-repository ones named in `KUGETSU_REPO_SECRETS`), session, OAuth, metrics and
 * notification secrets, the database URL, and the values of the variables `secretNames` lists
 * (e.g. an instance's `token_env`). The agent must not inherit the service's whole environment.
 */
export function pickAgentEnv(env: Record<string, string | undefined>, extra: readonly string[] = [], secretNames: readonly string[] = []): Record<string, string> {
  const patterns = [...DEFAULT_AGENT_ENV, ...extra];
  const secrets = secretValues(env, secretNames);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER.some((re) => re.test(name)) || holdsSecret(value, secrets)) continue;
    if (patterns.some((p) => matches(name, p))) out[name] = value;
  }
  return out;
}
