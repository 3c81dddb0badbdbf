import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pickAgentEnv } from './agent-env.js';
import { createRepoSettingsSource } from './repo-config-source.js';
import { defaultRepoSettings, webhooksDir } from './repo-config-defaults.js';
import { crossFieldProblems, envSchema, sandboxProblems, type Config, type DatabaseSetting } from './config.js';
import type { DatabaseUrl } from './database-url.js';
import { loadPriceTable, PriceTableError, type PriceTable } from './price-table.js';
import { agentKindDefaults, type AgentKindDefaults } from './agent-kinds.js';
import type { AgentConfig } from './config.js';
import { otherSignInInstances } from './sign-in-apps.js';
import { readWebSettings } from './web-settings.js';
import { defaultInstance, loadInstancesFile, type InstanceSettings } from './instances-file.js';

/** Raised when the environment is missing or has invalid settings; `problems` lists every one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`kugetsu cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * True when `<stateDir>/secrets/<owner>/` holds a `*.secret` file (written by `kugetsu hooks
 * install` or `kugetsu hooks secret`): repositories then have secrets of their own.
 */
function hasStoredSecrets(stateDir: string): boolean {
  try {
    const root = path.join(stateDir, 'secrets');
    return readdirSync(root, { withFileTypes: true }).some((owner) => owner.isDirectory() && readdirSync(path.join(root, owner.name)).some((f) => f.endsWith('.secret')));
  } catch {
    return false;
  }
}

/**
 * Reads kugetsu's settings from an environment record (the only reader of `process.env` is the
 * default argument). Relative paths are resolved against `cwd`. With `options.receivesDeliveries`
 * false (a `kugetsu worker`, which never answers a delivery) no webhook secret is required.
 *
 * @throws {ConfigError} listing every missing or invalid setting at once.
 */
export function loadConfig(givenEnv: Record<string, string | undefined> = process.env, cwd: string = process.cwd(), options: { receivesDeliveries?: boolean } = {}): Config {
  // With an instances file, its first instance stands where GITEA_URL, GITEA_TOKEN and
  // KUGETSU_WEBHOOK_SECRET stand without one (the dashboard's sign-in, the global secret).
  let env = givenEnv;
  let fileInstances: InstanceSettings[] | undefined;
  if (givenEnv.KUGETSU_INSTANCES_FILE) {
    const loaded = loadInstancesFile(path.resolve(cwd, givenEnv.KUGETSU_INSTANCES_FILE), givenEnv);
    if (!loaded.instances) throw new ConfigError(loaded.errors.map((e) => `KUGETSU_INSTANCES_FILE: ${e.text}`));
    fileInstances = loaded.instances;
    const first = fileInstances[0]!;
    // The first instance's OAuth application, when the file names it, stands where
    // KUGETSU_OAUTH_CLIENT_ID and KUGETSU_OAUTH_CLIENT_SECRET stand without it.
    env = {
      ...givenEnv,
      GITEA_URL: first.url,
      GITEA_TOKEN: first.token,
      KUGETSU_WEBHOOK_SECRET: first.secrets.join(','),
      ...(first.oauth ? { KUGETSU_OAUTH_CLIENT_ID: first.oauth.clientId, KUGETSU_OAUTH_CLIENT_SECRET: first.oauth.clientSecret } : {}),
    };
  }
  // Every instance's token and secrets stay out of the agent's environment, whatever their names.
  const instanceSecretNames = (fileInstances ?? []).flatMap((i) => [i.tokenEnv, i.secretEnv, i.oauthClientIdEnv, i.oauthClientSecretEnv]).filter((n): n is string => Boolean(n));
  const parsed = envSchema.safeParse(env);
  const stateDir = path.resolve(cwd, env.KUGETSU_STATE_DIR || './.kugetsu');
  const crossField = crossFieldProblems(env, { storedSecrets: hasStoredSecrets(stateDir), receivesDeliveries: options.receivesDeliveries ?? true });
  if (!parsed.success || crossField.length > 0) {
    const problems = (parsed.success ? [] : parsed.error.issues).map((issue) => {
      const key = issue.path.join('.');
      return issue.message.startsWith(key) || !key ? issue.message : `${key}: ${issue.message}`;
    });
    throw new ConfigError([...problems, ...crossField]);
  }
  const e = parsed.data;
  const problems: string[] = [];
  const repoSecrets = parseRepoSecrets(e.KUGETSU_REPO_SECRETS, env, problems);
  problems.push(...sandboxProblems(stateDir, e.KUGETSU_AGENT_SANDBOX_RO_PATHS, e.KUGETSU_AGENT_SANDBOX));
  if (e.KUGETSU_OPENCODE_MODE === 'serve' && e.KUGETSU_AGENT_SANDBOX !== 'off' && e.KUGETSU_AGENT_SANDBOX_NETWORK === 'none') {
    problems.push(
      'KUGETSU_OPENCODE_MODE=serve needs KUGETSU_AGENT_SANDBOX_NETWORK=open: kugetsu reaches the opencode server on the host loopback, which a sandbox without network does not share',
    );
  }
  let prices: PriceTable | undefined;
  if (e.KUGETSU_PRICES_FILE !== undefined) {
    try {
      prices = loadPriceTable(path.resolve(cwd, e.KUGETSU_PRICES_FILE));
    } catch (err) {
      if (!(err instanceof PriceTableError)) throw err;
      problems.push(`KUGETSU_PRICES_FILE: ${err.message}`);
    }
  }
  const web = readWebSettings(env, otherSignInInstances(fileInstances ?? []));
  if ('problems' in web) problems.push(...web.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const kinds = agentKindDefaults(e);
  const base: Omit<Config, 'repoSettings'> = {
    giteaUrl: e.GITEA_URL,
    giteaToken: e.GITEA_TOKEN,
    webhookSecrets: e.KUGETSU_WEBHOOK_SECRET,
    repoSecrets,
    webhookAuthorization: e.KUGETSU_WEBHOOK_AUTHORIZATION || undefined,
    maxBodyBytes: e.KUGETSU_MAX_BODY_BYTES,
    door: { headersMs: e.KUGETSU_HEADERS_TIMEOUT_S * 1000, requestMs: e.KUGETSU_REQUEST_TIMEOUT_S * 1000, maxBodiesInFlight: e.KUGETSU_MAX_BODIES_IN_FLIGHT },
    refusalReplyWindowMs: e.KUGETSU_REFUSAL_REPLY_WINDOW_S * 1000,
    access: { minRole: e.KUGETSU_MIN_ROLE, allowUsers: e.KUGETSU_ALLOW_USERS, denyUsers: e.KUGETSU_DENY_USERS },
    refusalReply: e.KUGETSU_REFUSAL_REPLY,
    rateLimits: { sender: e.KUGETSU_RATE_LIMIT_SENDER, repo: e.KUGETSU_RATE_LIMIT_REPO },
    maxQueuedPerIssue: e.KUGETSU_MAX_QUEUED_PER_ISSUE,
    allowUnsigned: e.KUGETSU_ALLOW_UNSIGNED,
    host: e.HOST,
    port: e.PORT,
    stateDir,
    database: databaseSetting(e.KUGETSU_DATABASE_URL, stateDir),
    maxAgents: e.KUGETSU_MAX_AGENTS,
    globalMaxAgents: e.KUGETSU_GLOBAL_MAX_AGENTS,
    jobOutputMaxBytes: e.KUGETSU_JOB_OUTPUT_MAX_BYTES,
    leaseMs: e.KUGETSU_LEASE_S * 1000,
    agent: selectedAgent(e.KUGETSU_AGENT, e.KUGETSU_AGENT_COMMAND, kinds),
    agentKinds: kinds,
    opencodeMode: e.KUGETSU_OPENCODE_MODE,
    prices,
    agentTimeoutMs: e.KUGETSU_AGENT_TIMEOUT_S * 1000,
    budget: { maxTurnCostUsd: e.KUGETSU_MAX_TURN_COST_USD, maxDailyCostUsd: e.KUGETSU_MAX_DAILY_COST_USD },
    sandbox: {
      mode: e.KUGETSU_AGENT_SANDBOX,
      network: e.KUGETSU_AGENT_SANDBOX_NETWORK,
      roPaths: e.KUGETSU_AGENT_SANDBOX_RO_PATHS,
      hide: e.KUGETSU_AGENT_SANDBOX_HIDE,
      bwrap: e.KUGETSU_BWRAP,
    },
    agentEnv: pickAgentEnv(env, e.KUGETSU_AGENT_ENV, instanceSecretNames),
    triggerLabel: e.KUGETSU_TRIGGER_LABEL,
    maxAttempts: e.KUGETSU_MAX_ATTEMPTS,
    promptLimits: {
      maxBytes: e.KUGETSU_PROMPT_MAX_BYTES,
      maxBodyBytes: e.KUGETSU_PROMPT_MAX_BODY_BYTES,
      maxCommentBytes: e.KUGETSU_PROMPT_MAX_COMMENT_BYTES,
      maxComments: e.KUGETSU_PROMPT_MAX_COMMENTS,
    },
    retentionMs: e.KUGETSU_RETENTION_DAYS * 24 * 3600 * 1000,
    reconcileIntervalMs: e.KUGETSU_RECONCILE_INTERVAL_S * 1000,
    shutdownGraceMs: e.KUGETSU_SHUTDOWN_GRACE_S * 1000,
    progressIntervalMs: e.KUGETSU_PROGRESS_INTERVAL_S * 1000,
    repos: e.KUGETSU_REPOS,
    agentEnvWith: (extra: readonly string[]) => pickAgentEnv(env, [...e.KUGETSU_AGENT_ENV, ...extra], instanceSecretNames),
    command: e.KUGETSU_COMMAND,
    logLevel: e.KUGETSU_LOG_LEVEL,
    ...('settings' in web ? { web: web.settings } : {}),
    metricsToken: e.KUGETSU_METRICS_TOKEN,
    notify: { urls: e.KUGETSU_NOTIFY_URLS, events: e.KUGETSU_NOTIFY_EVENTS, secret: e.KUGETSU_NOTIFY_SECRET },
  };
  const repoSettings = createRepoSettingsSource({ dir: path.resolve(cwd, webhooksDir(env)), env, defaults: defaultRepoSettings(base, env) });
  if (repoSettings.initialErrors.length > 0) throw new ConfigError(repoSettings.initialErrors.map((err) => err.text));
  const instances = fileInstances ?? [defaultInstance(base)];
  const strangers = base.repos.filter((r) => r.host !== undefined && !instances.some((i) => i.host === r.host));
  if (strangers.length > 0) {
    const hosts = instances.map((i) => i.host).join(', ');
    throw new ConfigError(strangers.map((r) => `KUGETSU_REPOS: "${r.host}/${r.owner}/${r.name}" names a host that is no configured instance's (configured: ${hosts})`));
  }
  return { ...base, instances, repoSettings };
}

/**
 * `KUGETSU_REPO_SECRETS=owner/repo=ENV_NAME,owner/*=OTHER_ENV`: each repository (or owner) may have
 * its own webhook secret, named by the environment variable that holds it (never inline).
 */
function parseRepoSecrets(raw: string | undefined, env: Record<string, string | undefined>, problems: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const item of (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)\/([A-Za-z0-9_][A-Za-z0-9_.-]*|\*)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(item);
    if (!m) {
      problems.push(`KUGETSU_REPO_SECRETS: "${item}" must be owner/repo=ENV_VAR or owner/*=ENV_VAR (the secret itself goes in that variable)`);
      continue;
    }
    const value = env[m[3]!];
    if (!value) {
      problems.push(`KUGETSU_REPO_SECRETS: ${m[3]} (the secret of ${m[1]}/${m[2]}) is not set`);
      continue;
    }
    const key = `${m[1]}/${m[2]}`.toLowerCase();
    (out[key] ??= []).push(
      ...value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  }
  return out;
}

/** `KUGETSU_DATABASE_URL` when set (PostgreSQL), else the SQLite file `<stateDir>/kugetsu.db`. */
export function databaseSetting(url: DatabaseUrl | undefined, stateDir: string): DatabaseSetting {
  return url ? { kind: 'postgres', ...url } : { kind: 'sqlite', file: path.join(stateDir, 'kugetsu.db') };
}

/** The agent `KUGETSU_AGENT` names, with its kind's settings from the environment. */
function selectedAgent(kind: 'opencode' | 'command' | 'claude' | 'codex', argv: string[] | undefined, kinds: AgentKindDefaults): AgentConfig {
  switch (kind) {
    case 'command':
      return { kind, argv: argv! };
    case 'claude':
      return { kind, ...kinds.claude };
    case 'codex':
      return { kind, ...kinds.codex };
    default:
      return { kind: 'opencode', ...kinds.opencode };
  }
}
