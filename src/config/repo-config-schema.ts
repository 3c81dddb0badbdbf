import { z } from 'zod';
import { CLAUDE_PERMISSION_MODES } from '../agents/claude-agent.js';
import { CODEX_SANDBOX_MODES } from '../agents/codex-home.js';

/** What a zod error callback receives that these messages use: the value that was found. */
type Found = { input?: unknown };

/** A short, quoted rendering of the value found, for "(got …)" in messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** A zod error callback: `<key> must be <what> (got …)`, or `<key> has no value …`; `key` is quoted by the caller. */
function expected(key: string, what: string) {
  return (iss: Found) =>
    iss.input === null || iss.input === undefined
      ? `${key} has no value; give ${what}, or remove the key to keep the default`
      : `${key} must be ${what} (got ${describeValue(iss.input)})`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An allowlist entry: an exact variable name, `PREFIX*` or `*SUFFIX` (as `pickAgentEnv` understands). */
const ENV_PATTERN = /^(\*[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*\*?)$/;

const wholeSeconds = (key: string) =>
  z
    .number({ error: expected(key, 'a whole number of seconds, e.g. 1800') })
    .int({ error: expected(key, 'a whole number of seconds, e.g. 1800') })
    .positive({ error: `${key} must be greater than 0` });

const stringList = (key: string, what: string, item: z.ZodString) => z.array(item, { error: expected(key, what) });

const nonEmpty = (key: string, what: string) =>
  z
    .string({ error: expected(key, what) })
    .trim()
    .min(1, { error: `${key} must not be empty; give ${what}` });

/** The `prompt:` block: the repository's instructions, inline or in a file (exactly one; checked after parsing). */
export const promptFileSchema = z.strictObject(
  {
    instructions: z.string({ error: expected('"prompt.instructions"', 'the instructions as text, e.g. a | block') }).optional(),
    instructions_file: nonEmpty('"prompt.instructions_file"', 'a file path relative to this YAML file, e.g. acme-instructions.md').optional(),
  },
  { error: expected('"prompt"', 'a block with instructions: <text> or instructions_file: <path>') },
);

/** The `agent:` block. Cross-field rules (kind-specific keys) are checked after parsing. */
export const agentFileSchema = z.strictObject(
  {
    kind: z.enum(['opencode', 'command', 'claude', 'codex'], { error: expected('"agent.kind"', '"opencode", "command", "claude" or "codex"') }).optional(),
    bin: nonEmpty('"agent.bin"', 'the agent binary, a name on PATH or a path').optional(),
    model: nonEmpty('"agent.model"', 'a model as provider/model, e.g. anthropic/claude-sonnet-4').optional(),
    extra_args: stringList(
      '"agent.extra_args"',
      'a list of arguments, e.g. [--agent, build]',
      z.string({ error: expected('each "agent.extra_args" entry', 'a string') }),
    ).optional(),
    argv: z
      .array(nonEmpty('each "agent.argv" entry', 'a non-empty string'), { error: expected('"agent.argv"', 'a list such as [my-agent, --prompt-file, "{promptFile}"]') })
      .min(1, { error: '"agent.argv" must not be empty; give the command and its arguments, e.g. [my-agent, "{promptFile}"]' })
      .optional(),
    env: stringList(
      'agent.env',
      'variable names',
      z
        .string({ error: expected('each "agent.env" entry', 'a variable name or a PREFIX* / *SUFFIX pattern') })
        .regex(ENV_PATTERN, { error: (iss: Found) => `"agent.env" entry ${describeValue(iss.input)} is not a variable name or a PREFIX* / *SUFFIX pattern` }),
    ).optional(),
    timeout_s: wholeSeconds('"agent.timeout_s"').optional(),
    permission_mode: z.enum(CLAUDE_PERMISSION_MODES, { error: expected('"agent.permission_mode"', CLAUDE_PERMISSION_MODES.join(', ')) }).optional(),
    sandbox_mode: z.enum(CODEX_SANDBOX_MODES, { error: expected('"agent.sandbox_mode"', CODEX_SANDBOX_MODES.join(', ')) }).optional(),
  },
  { error: expected('"agent"', 'a block of agent settings ("kind: opencode", "claude", "codex" or "command", argv, env, timeout_s …)') },
);

const usd = (key: string) =>
  z.number({ error: expected(key, 'an amount of US dollars, e.g. 2.5') }).positive({ error: `${key} must be greater than 0 (US dollars); remove the key for no limit` });

/**
 * The `budget:` block, in US dollars: `max_turn_cost_usd` (a running turn whose reported cost
 * passes it is stopped) and `max_daily_cost_usd` (once the repository's turns since 00:00 UTC cost
 * this much, its jobs wait until the next 00:00 UTC). The turn's time limit is `agent.timeout_s`.
 */
export const budgetFileSchema = z.strictObject(
  {
    max_turn_cost_usd: usd('"budget.max_turn_cost_usd"').optional(),
    max_daily_cost_usd: usd('"budget.max_daily_cost_usd"').optional(),
  },
  { error: expected('"budget"', 'a block with max_turn_cost_usd and/or max_daily_cost_usd (US dollars)') },
);

/**
 * The `notify:` block: receiver URLs, the job events they get, and the variable holding their HMAC
 * key. URL and event values are checked after parsing (`repo-config-checks.ts`), so every bad entry
 * gets its own line.
 */
export const notifyFileSchema = z.strictObject(
  {
    urls: z
      .array(z.string({ error: expected('each "notify.urls" entry', 'an http(s) URL') }), {
        error: expected('"notify.urls"', 'a list of http(s) URLs, e.g. [https://ntfy.example.org/kugetsu]'),
      })
      .optional(),
    events: z
      .array(z.string({ error: expected('each "notify.events" entry', 'a job event name') }), {
        error: expected('"notify.events"', 'a list of job events, e.g. [succeeded, failed]'),
      })
      .optional(),
    secret_env: z.string({ error: expected('"notify.secret_env"', 'the name of an environment variable holding the HMAC key') }).optional(),
  },
  { error: expected('"notify"', 'a block with urls, events and secret_env') },
);

/**
 * One file of `KUGETSU_WEBHOOKS_DIR`, as written (snake_case keys). Strict: an unknown key is an
 * error, so a typo cannot silently fall back to a default. Every key except `repository` is
 * optional; what a file leaves out comes from the owner's wildcard file, then the environment.
 */
export const repoFileSchema = z.strictObject({
  repository: z.string({ error: expected('"repository"', 'owner/repo, or owner/* for every repository of an owner') }),
  trigger_labels: stringList('"trigger_labels"', 'a list of labels, e.g. [ready]', nonEmpty('each "trigger_labels" entry', 'a label name')).optional(),
  command: z
    .string({ error: expected('"command"', 'a slash and one word, e.g. /kugetsu') })
    .regex(/^\/[A-Za-z][\w-]*$/, { error: (iss: Found) => `"command" must be a slash and one word, e.g. /kugetsu (got ${describeValue(iss.input)})` })
    .optional(),
  min_role: z.enum(['read', 'write', 'admin', 'owner'], { error: expected('"min_role"', 'read, write, admin or owner') }).optional(),
  agent: agentFileSchema.optional(),
  base_branch: nonEmpty('"base_branch"', 'a branch name, e.g. main').optional(),
  branch_template: nonEmpty('"branch_template"', 'a branch name containing {number}, e.g. kugetsu/issue-{number}').optional(),
  prompt: promptFileSchema.optional(),
  max_concurrent_jobs: z
    .number({ error: expected('"max_concurrent_jobs"', 'a whole number, e.g. 1') })
    .int({ error: expected('"max_concurrent_jobs"', 'a whole number, e.g. 1') })
    .positive({ error: '"max_concurrent_jobs" must be at least 1' })
    .optional(),
  auto_pr: z.boolean({ error: expected('"auto_pr"', 'true or false') }).optional(),
  pr_closes_issue: z.boolean({ error: expected('"pr_closes_issue"', 'true or false') }).optional(),
  state_labels: z.boolean({ error: expected('"state_labels"', 'true or false') }).optional(),
  secret_env: z.union([z.string(), z.array(z.string())], { error: expected('"secret_env"', 'the name of an environment variable, or a list of names') }).optional(),
  notify: notifyFileSchema.optional(),
  budget: budgetFileSchema.optional(),
});

/** A parsed file of `KUGETSU_WEBHOOKS_DIR` (snake_case, as written). */
export type RepoFile = z.infer<typeof repoFileSchema>;

/** Keys allowed at the top of a file, for "did you mean" hints. */
export const TOP_KEYS = Object.keys(repoFileSchema.shape);
/** Keys allowed in the `prompt:` block. */
export const PROMPT_KEYS = Object.keys(promptFileSchema.shape);
/** Keys allowed in the `agent:` block. */
export const AGENT_KEYS = Object.keys(agentFileSchema.shape);
/** Keys allowed in the `notify:` block. */
export const NOTIFY_KEYS = Object.keys(notifyFileSchema.shape);
/** Keys allowed in the `budget:` block. */
export const BUDGET_KEYS = Object.keys(budgetFileSchema.shape);
/** Agent kinds a repository file may name. */
export type AgentKind = 'opencode' | 'command' | 'claude' | 'codex';
/** Keys of the agent block that only some kinds accept, and which. */
export const KEY_KINDS: Record<string, AgentKind[]> = {
  bin: ['opencode', 'claude', 'codex'],
  model: ['opencode', 'claude', 'codex'],
  extra_args: ['opencode', 'claude', 'codex'],
  argv: ['command'],
  permission_mode: ['claude'],
  sandbox_mode: ['codex'],
};
export { ENV_NAME };
