import { DEFAULT_JOB_OUTPUT_MAX_BYTES } from '../engine/job-output.js';
import path from 'node:path';
import { z } from 'zod';
import type { AgentSandboxSettings } from '../agents/sandbox-settings.js';
import { parseDatabaseUrl, type DatabaseUrl } from './database-url.js';
import { DEFAULT_PROMPT_LIMITS, type PromptLimits } from './prompt-limits.js';
import type { ReloadableRepoSettingsSource } from './repo-config-source.js';
import type { PriceTable } from './price-table.js';
import { agentKindsEnvSchema, type AgentKindDefaults } from './agent-kinds.js';
import type { ClaudePermissionMode } from '../agents/claude-agent.js';
import type { CodexProvider, CodexSandboxMode } from '../agents/codex-home.js';
import type { WebSettings } from './web-settings.js';
import type { InstanceSettings } from './instances-file.js';
import { DEFAULT_NOTIFY_EVENTS, type NotifyEvent } from '../domain/job-notification.js';
import { badNotifyEvent, badNotifyUrl, type NotifyConfig } from './notify-settings.js';

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .positive(`${name} must be greater than 0`);

const flag = z
  .enum(['0', '1', 'true', 'false', ''], { error: 'must be 1 or 0' })
  .optional()
  .transform((v) => v === '1' || v === 'true');

const agentArgv = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings, e.g. ["my-agent","--prompt","{promptFile}"]' });
      return z.NEVER;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((a) => typeof a === 'string')) {
      ctx.addIssue({ code: 'custom', message: 'must be a non-empty JSON array of strings, e.g. ["my-agent","{promptFile}"]' });
      return z.NEVER;
    }
    return parsed as string[];
  });

/** Comma-separated absolute paths (`KUGETSU_AGENT_SANDBOX_RO_PATHS`, `KUGETSU_AGENT_SANDBOX_HIDE`). */
function absolutePaths(name: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: string[] = [];
      for (const item of (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        if (!path.isAbsolute(item)) ctx.addIssue({ code: 'custom', message: `${name}: "${item}" is not an absolute path` });
        else out.push(path.normalize(item).replace(/(.)\/$/, '$1'));
      }
      return out;
    });
}

/** Comma-separated Gitea logins, compared case-insensitively and exactly (never as patterns). */
function logins(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);
}

const flagDefaultOn = z
  .enum(['0', '1', 'true', 'false'], { error: 'must be 1 or 0' })
  .optional()
  .transform((v) => v === undefined || v === '1' || v === 'true');

/** An optional amount of US dollars greater than 0; unset or empty = no limit. */
function usdLimit(name: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): number | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number(v.trim());
      if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an amount of US dollars greater than 0, e.g. 2.5 (unset: no limit)` });
        return z.NEVER;
      }
      return n;
    });
}

/** A start rate `N/[k]s|m|h|d` (e.g. `20/h`, `10/30m`: N starts per k units); `0` turns it off. */
export interface RateLimit {
  limit: number;
  /** Window length in ms. */
  windowMs: number;
}

function rate(name: string, fallback: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx): RateLimit | undefined => {
      const raw = (v ?? fallback).trim();
      if (raw === '0') return undefined;
      const m = /^(\d+)\s*\/\s*(\d*)\s*(s|m|h|d)$/.exec(raw);
      if (!m || Number(m[1]) === 0 || m[2] === '0') {
        ctx.addIssue({ code: 'custom', message: `${name} must look like 20/h or 10/30m (a count per s, m, h or d, optionally a number of them), or 0 to turn it off` });
        return z.NEVER;
      }
      const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[3] as 's' | 'm' | 'h' | 'd'];
      return { limit: Number(m[1]), windowMs: unit * (m[2] ? Number(m[2]) : 1) };
    });
}

/**
 * The environment kugetsu reads, as a zod schema (the single source of names and defaults).
 * Every variable is documented in README.md "Configuration".
 */
export const envSchema = z.object({
  GITEA_URL: z.url({ error: 'GITEA_URL must be the base URL of your Gitea, e.g. https://gitea.example.com' }).transform((u) => u.replace(/\/+$/, '')),
  GITEA_TOKEN: z.string({ error: 'GITEA_TOKEN is required: an access token of the bot account' }).min(1, 'GITEA_TOKEN is required: an access token of the bot account'),
  KUGETSU_WEBHOOK_SECRET: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
  KUGETSU_REPO_SECRETS: z.string().optional(),
  KUGETSU_WEBHOOK_AUTHORIZATION: z.string().optional(),
  // Gitea's payloads are tens of KB; a pasted log in a comment stays well under 1 MiB.
  KUGETSU_MAX_BODY_BYTES: positiveInt('KUGETSU_MAX_BODY_BYTES').default(1024 * 1024),
  // Gitea gives up on a delivery after 5 s (DELIVER_TIMEOUT): a request slower than this is garbage.
  KUGETSU_HEADERS_TIMEOUT_S: positiveInt('KUGETSU_HEADERS_TIMEOUT_S').default(5),
  KUGETSU_REQUEST_TIMEOUT_S: positiveInt('KUGETSU_REQUEST_TIMEOUT_S').default(10),
  KUGETSU_MAX_BODIES_IN_FLIGHT: positiveInt('KUGETSU_MAX_BODIES_IN_FLIGHT').default(256),
  KUGETSU_REFUSAL_REPLY_WINDOW_S: z.coerce.number({ error: 'KUGETSU_REFUSAL_REPLY_WINDOW_S must be a number of seconds' }).int().min(0).default(3600),
  KUGETSU_MIN_ROLE: z.enum(['read', 'write', 'admin', 'owner'], { error: 'KUGETSU_MIN_ROLE must be read, write, admin or owner' }).default('write'),
  KUGETSU_ALLOW_USERS: z.string().optional().transform(logins),
  KUGETSU_DENY_USERS: z.string().optional().transform(logins),
  KUGETSU_REFUSAL_REPLY: flagDefaultOn,
  KUGETSU_RATE_LIMIT_SENDER: rate('KUGETSU_RATE_LIMIT_SENDER', '20/h'),
  KUGETSU_RATE_LIMIT_REPO: rate('KUGETSU_RATE_LIMIT_REPO', '60/h'),
  KUGETSU_MAX_QUEUED_PER_ISSUE: positiveInt('KUGETSU_MAX_QUEUED_PER_ISSUE').default(5),
  KUGETSU_ALLOW_UNSIGNED: flag,
  PORT: z.coerce.number({ error: 'PORT must be a port number' }).int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  KUGETSU_STATE_DIR: z.string().min(1).default('./.kugetsu'),
  // Unset or empty: the embedded SQLite file. Problems never repeat the value (it may hold a password).
  KUGETSU_DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx): DatabaseUrl | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const parsed = parseDatabaseUrl(v);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    }),
  KUGETSU_MAX_AGENTS: positiveInt('KUGETSU_MAX_AGENTS').default(3),
  KUGETSU_GLOBAL_MAX_AGENTS: positiveInt('KUGETSU_GLOBAL_MAX_AGENTS').optional(),
  // The newest bytes of a job's output kept in the engine (for the dashboard and `kugetsu jobs logs`).
  KUGETSU_JOB_OUTPUT_MAX_BYTES: positiveInt('KUGETSU_JOB_OUTPUT_MAX_BYTES')
    .min(1024, 'KUGETSU_JOB_OUTPUT_MAX_BYTES must be at least 1024 (bytes)')
    .default(DEFAULT_JOB_OUTPUT_MAX_BYTES),
  // A worker's claim on a job; its heartbeat renews it every third of this. At least 3 s, so that
  // a heartbeat (every ≥ 1 s) has room for a busy moment before another worker takes the job.
  KUGETSU_LEASE_S: positiveInt('KUGETSU_LEASE_S').min(3, 'KUGETSU_LEASE_S must be at least 3 (seconds)').default(30),
  KUGETSU_AGENT: z.enum(['opencode', 'command', 'claude', 'codex'], { error: 'KUGETSU_AGENT must be "opencode", "command", "claude" or "codex"' }).default('opencode'),
  KUGETSU_AGENT_COMMAND: agentArgv,
  ...agentKindsEnvSchema.shape,
  KUGETSU_PRICES_FILE: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim())),
  KUGETSU_AGENT_TIMEOUT_S: positiveInt('KUGETSU_AGENT_TIMEOUT_S').default(3600),
  KUGETSU_MAX_TURN_COST_USD: usdLimit('KUGETSU_MAX_TURN_COST_USD'),
  KUGETSU_MAX_DAILY_COST_USD: usdLimit('KUGETSU_MAX_DAILY_COST_USD'),
  KUGETSU_AGENT_SANDBOX: z
    .enum(['bwrap', 'off'], { error: 'KUGETSU_AGENT_SANDBOX must be "bwrap" (the default: every agent turn runs in a bubblewrap sandbox) or "off"' })
    .default('bwrap'),
  KUGETSU_AGENT_SANDBOX_NETWORK: z
    .enum(['open', 'none'], { error: 'KUGETSU_AGENT_SANDBOX_NETWORK must be "open" (the default) or "none" (no network in the sandbox, the model included)' })
    .default('open'),
  KUGETSU_AGENT_SANDBOX_RO_PATHS: absolutePaths('KUGETSU_AGENT_SANDBOX_RO_PATHS'),
  KUGETSU_AGENT_SANDBOX_HIDE: absolutePaths('KUGETSU_AGENT_SANDBOX_HIDE'),
  KUGETSU_BWRAP: z.string().min(1).default('bwrap'),
  KUGETSU_TRIGGER_LABEL: z.string().trim().min(1).default('ready'),
  KUGETSU_COMMAND: z
    .string()
    .trim()
    .regex(/^\/[A-Za-z][\w-]*$/, 'KUGETSU_COMMAND must look like "/kugetsu": a slash and one word')
    .default('/kugetsu'),
  KUGETSU_AGENT_ENV: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  KUGETSU_MAX_ATTEMPTS: positiveInt('KUGETSU_MAX_ATTEMPTS').default(3),
  // Prompt caps (bytes of UTF-8; see src/config/prompt-limits.ts).
  KUGETSU_PROMPT_MAX_BYTES: positiveInt('KUGETSU_PROMPT_MAX_BYTES').min(16_384, 'KUGETSU_PROMPT_MAX_BYTES must be at least 16384').default(DEFAULT_PROMPT_LIMITS.maxBytes),
  KUGETSU_PROMPT_MAX_BODY_BYTES: positiveInt('KUGETSU_PROMPT_MAX_BODY_BYTES').default(DEFAULT_PROMPT_LIMITS.maxBodyBytes),
  KUGETSU_PROMPT_MAX_COMMENT_BYTES: positiveInt('KUGETSU_PROMPT_MAX_COMMENT_BYTES').default(DEFAULT_PROMPT_LIMITS.maxCommentBytes),
  KUGETSU_PROMPT_MAX_COMMENTS: z.coerce
    .number({ error: 'KUGETSU_PROMPT_MAX_COMMENTS must be a whole number' })
    .int('KUGETSU_PROMPT_MAX_COMMENTS must be a whole number')
    .min(0, 'KUGETSU_PROMPT_MAX_COMMENTS must be 0 or more')
    .max(1000, 'KUGETSU_PROMPT_MAX_COMMENTS must be at most 1000')
    .default(DEFAULT_PROMPT_LIMITS.maxComments),
  KUGETSU_RETENTION_DAYS: z.coerce.number({ error: 'KUGETSU_RETENTION_DAYS must be a number of days' }).positive('KUGETSU_RETENTION_DAYS must be greater than 0').default(7),
  KUGETSU_RECONCILE_INTERVAL_S: z.coerce.number({ error: 'KUGETSU_RECONCILE_INTERVAL_S must be a number of seconds' }).int().min(0).default(300),
  KUGETSU_PROGRESS_INTERVAL_S: z.coerce.number({ error: 'KUGETSU_PROGRESS_INTERVAL_S must be a number of seconds' }).int().min(0).default(60),
  KUGETSU_SHUTDOWN_GRACE_S: z.coerce.number({ error: 'KUGETSU_SHUTDOWN_GRACE_S must be a number of seconds' }).int().min(0).default(30),
  KUGETSU_REPOS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: Array<{ owner: string; name: string; host?: string }> = [];
      for (const item of (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const m = /^(?:([A-Za-z0-9.-]+(?::\d{1,5})?)\/)?([A-Za-z0-9_][A-Za-z0-9_.-]*)\/([A-Za-z0-9_][A-Za-z0-9_.-]*)$/.exec(item);
        if (!m) ctx.addIssue({ code: 'custom', message: `KUGETSU_REPOS: "${item}" is not owner/repo (or host/owner/repo, e.g. codeberg.org/acme/app)` });
        else out.push({ owner: m[2]!, name: m[3]!, ...(m[1] !== undefined ? { host: m[1].toLowerCase() } : {}) });
      }
      return out;
    }),
  KUGETSU_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KUGETSU_METRICS_TOKEN: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  KUGETSU_NOTIFY_URLS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: string[] = [];
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .forEach((item, i) => {
          const why = badNotifyUrl(item);
          // The value is not echoed: a receiver URL may hold a token.
          if (why) ctx.addIssue({ code: 'custom', message: `KUGETSU_NOTIFY_URLS: entry ${i + 1} ${why}` });
          else out.push(item);
        });
      return out;
    }),
  KUGETSU_NOTIFY_EVENTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const names = (v ?? '')
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
      if (names.length === 0) return [...DEFAULT_NOTIFY_EVENTS];
      for (const name of names) {
        const why = badNotifyEvent(name);
        if (why) ctx.addIssue({ code: 'custom', message: `KUGETSU_NOTIFY_EVENTS: "${name}" ${why}` });
      }
      return [...new Set(names)] as NotifyEvent[];
    }),
  KUGETSU_NOTIFY_SECRET: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
});

/**
 * Rules that join several variables, checked on the raw environment so that they are reported
 * together with every other problem (a zod refinement would only run once all fields are valid).
 */
export function crossFieldProblems(env: Record<string, string | undefined>, facts: { storedSecrets?: boolean; receivesDeliveries?: boolean } = {}): string[] {
  const problems: string[] = [];
  const unsigned = env.KUGETSU_ALLOW_UNSIGNED === '1' || env.KUGETSU_ALLOW_UNSIGNED === 'true';
  const perRepository = facts.storedSecrets === true || (env.KUGETSU_REPO_SECRETS ?? '').trim() !== '';
  if (facts.receivesDeliveries !== false && !(env.KUGETSU_WEBHOOK_SECRET ?? '').split(',').some((x) => x.trim() !== '') && !unsigned && !perRepository) {
    problems.push(
      'KUGETSU_WEBHOOK_SECRET is required unless repositories have secrets of their own: create one per repository with ' +
        '`kugetsu hooks install owner/repo --url …` or `kugetsu hooks secret owner/repo` (or name them in KUGETSU_REPO_SECRETS); ' +
        'set KUGETSU_ALLOW_UNSIGNED=1 only for local experiments',
    );
  }
  if (env.KUGETSU_AGENT === 'command' && !(env.KUGETSU_AGENT_COMMAND ?? '').trim()) {
    problems.push('KUGETSU_AGENT=command needs KUGETSU_AGENT_COMMAND, a JSON argv such as ["my-agent","{promptFile}"]');
  }
  return problems;
}

/**
 * Problems of the sandbox settings against the (absolute) state dir: the sandbox shows `/usr`,
 * `/etc` and `KUGETSU_AGENT_SANDBOX_RO_PATHS` read-only, so none of them may contain the state dir
 * or lie inside it.
 */
export function sandboxProblems(stateDir: string, roPaths: readonly string[], mode: 'bwrap' | 'off'): string[] {
  if (mode === 'off') return [];
  const within = (p: string, dir: string) => {
    const rel = path.relative(dir, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  const problems: string[] = [];
  for (const system of ['/usr', '/etc']) {
    if (within(stateDir, system))
      problems.push(`KUGETSU_STATE_DIR ${stateDir} is under ${system}, which the agent sandbox shows read-only; move the state dir (e.g. to /var/lib/kugetsu)`);
  }
  for (const p of roPaths) {
    if (within(stateDir, p))
      problems.push(`KUGETSU_AGENT_SANDBOX_RO_PATHS: ${p} contains the state dir ${stateDir}; agents would read kugetsu's token files — name narrower paths`);
    else if (within(p, stateDir)) problems.push(`KUGETSU_AGENT_SANDBOX_RO_PATHS: ${p} is inside the state dir ${stateDir}; keep agent files outside it`);
  }
  return problems;
}

/**
 * Where jobs, deliveries and the outbox live: the embedded SQLite file `<state>/kugetsu.db` (one
 * process), or the PostgreSQL database of `KUGETSU_DATABASE_URL` (shared by several processes).
 */
export type DatabaseSetting = { kind: 'sqlite'; file: string } | ({ kind: 'postgres' } & DatabaseUrl);

/** The agent to run: a built-in adapter (opencode, Claude Code, Codex) or any CLI given as an argv template. */
export type AgentConfig =
  | { kind: 'opencode'; bin: string; model?: string }
  | { kind: 'command'; argv: string[] }
  | { kind: 'claude'; bin: string; model?: string; permissionMode: ClaudePermissionMode }
  | { kind: 'codex'; bin: string; model?: string; sandboxMode: CodexSandboxMode; provider?: CodexProvider };

/** kugetsu's validated settings. Durations in ms, paths absolute. */
export interface Config {
  /**
   * The Gitea and Forgejo instances served, first one first (`KUGETSU_INSTANCES_FILE`; without it
   * the one instance `gitea` of GITEA_URL, GITEA_TOKEN and KUGETSU_WEBHOOK_SECRET). Absent in a
   * hand-built config: then that one instance (see `configuredInstances`).
   */
  instances?: InstanceSettings[];
  /** The first instance's URL. */
  giteaUrl: string;
  giteaToken: string;
  /** Valid HMAC keys of the Gitea webhooks (several during a rotation); empty only when {@link Config.allowUnsigned}. */
  webhookSecrets: string[];
  /** Secrets of single repositories or owners (`owner/repo` or `owner/*`), beside the global ones. */
  repoSecrets: Record<string, string[]>;
  /** When set, every delivery must carry exactly this `Authorization` header (the hook's authorization header). */
  webhookAuthorization: string | undefined;
  /** Largest accepted delivery body, in bytes. */
  maxBodyBytes: number;
  /**
   * The HTTP door: `headersMs` to receive a request's headers, `requestMs` to receive all of it
   * (Node's `headersTimeout`/`requestTimeout`), and at most `maxBodiesInFlight` bodies read at once.
   */
  door: { headersMs: number; requestMs: number; maxBodiesInFlight: number };
  /** At most one refusal reply per person per issue per this many ms (0: every refusal is answered). */
  refusalReplyWindowMs: number;
  /** Who may delegate: the least repository role, optional allow and deny lists of logins (lowercase). */
  access: { minRole: 'read' | 'write' | 'admin' | 'owner'; allowUsers: string[]; denyUsers: string[] };
  /** Reply on the issue when a request is refused (else refuse silently, with a log line). */
  refusalReply: boolean;
  /** Delegations allowed per sender and per repository in a sliding window; `undefined` = no limit. */
  rateLimits: { sender: RateLimit | undefined; repo: RateLimit | undefined };
  /** Queued jobs one issue may have at once. */
  maxQueuedPerIssue: number;
  allowUnsigned: boolean;
  host: string;
  port: number;
  /** Absolute path of the state dir (clones, worktrees, prompts, logs). */
  stateDir: string;
  /** The job store's database (`KUGETSU_DATABASE_URL`, else SQLite in the state dir). */
  database: DatabaseSetting;
  /** Agents one worker runs at once (`KUGETSU_MAX_AGENTS`). */
  maxAgents: number;
  /** Agents all workers together run at once (`KUGETSU_GLOBAL_MAX_AGENTS`); unset: no global cap. */
  globalMaxAgents: number | undefined;
  /**
   * The newest bytes of each job's output the engine keeps (`KUGETSU_JOB_OUTPUT_MAX_BYTES`, default
   * 4 MiB, at least 1024); older bytes are dropped and counted. Unset in hand-built configs: the default.
   */
  jobOutputMaxBytes?: number;
  /**
   * How long a worker's claim on a running job holds without a heartbeat, in ms (`KUGETSU_LEASE_S`
   * × 1000); the heartbeat renews it every third of that. Once it expired, another worker puts the
   * job back in the queue as its next attempt.
   */
  leaseMs: number;
  agent: AgentConfig;
  /** Each agent kind's defaults from the environment (what a repository file's `agent.kind` starts from). */
  agentKinds: AgentKindDefaults;
  /**
   * How the opencode adapter runs turns (`KUGETSU_OPENCODE_MODE`): `run` (default; absent means
   * `run`), one `opencode run` process per turn in the issue's own sandbox; `serve`, one warm
   * `opencode serve` per worker process that every issue's turns go through (README "Agents").
   */
  opencodeMode?: 'run' | 'serve';
  /** The operator's price table (`KUGETSU_PRICES_FILE`, USD per million tokens), loaded; unset: none. */
  prices: PriceTable | undefined;
  /** Hard limit of one agent turn, in ms. */
  agentTimeoutMs: number;
  /**
   * Spending limits every repository has unless its file's `budget:` says otherwise, in US dollars
   * (`KUGETSU_MAX_TURN_COST_USD`, `KUGETSU_MAX_DAILY_COST_USD`); `undefined` = no limit.
   */
  budget: { maxTurnCostUsd: number | undefined; maxDailyCostUsd: number | undefined };
  /** How agent turns are isolated (`KUGETSU_AGENT_SANDBOX*`, `KUGETSU_BWRAP`). */
  sandbox: AgentSandboxSettings;
  /** The agent's environment: an allowlist of host variables (see `pickAgentEnv`), never the token. */
  agentEnv: Record<string, string>;
  /** {@link agentEnv} plus the host variables a repository's `agent.env` adds (same exclusions). */
  agentEnvWith: (extraAllowlist: readonly string[]) => Record<string, string>;
  /** Per-repository settings from `KUGETSU_WEBHOOKS_DIR` over these defaults; reloaded on SIGHUP. */
  repoSettings: ReloadableRepoSettingsSource;
  triggerLabel: string;
  /** Runs allowed per job across restarts and shutdowns. */
  maxAttempts: number;
  /** Caps of an agent's prompt (bytes; the number of comments). */
  promptLimits: PromptLimits;
  /** Finished jobs and their logs are kept this long, in ms. */
  retentionMs: number;
  /** Interval of reconciliation passes in ms; 0 = only at start-up. */
  reconcileIntervalMs: number;
  /** How often status comments of running and waiting jobs are refreshed (elapsed time, queue place), in ms; 0 = never. */
  progressIntervalMs: number;
  /** On SIGTERM/SIGINT, how long running agents may finish, in ms. */
  shutdownGraceMs: number;
  /**
   * Repositories to reconcile besides those seen in deliveries (`KUGETSU_REPOS`): `owner/repo`, of
   * the first instance, or `host/owner/repo` (`host` lowercase, one of the instances' hosts).
   */
  repos: Array<{ owner: string; name: string; host?: string }>;
  /** Command word including the slash, e.g. `/kugetsu`. */
  command: string;
  logLevel: string;
  /** The dashboard: sign-in with Gitea and session cookies (README "Dashboard API"); absent = defaults (admin token only). */
  web?: WebSettings;
  /** `KUGETSU_METRICS_TOKEN`: `GET /metrics` then needs `Authorization: Bearer <it>`; unset: open. */
  metricsToken: string | undefined;
  /** Job notifications to every repository's receivers (`KUGETSU_NOTIFY_*`); see README "Notifications". */
  notify: NotifyConfig;
}
