import type { Role } from '../triggers/access-policy.js';
import type { ClaudePermissionMode } from '../agents/claude-agent.js';
import type { CodexProvider, CodexSandboxMode } from '../agents/codex-home.js';
import type { RepoNotifySettings } from './notify-settings.js';

/**
 * How to run the agent for a repository. Durations in ms. `envAllowlist` holds the host variable
 * names and `PREFIX*` / `*SUFFIX` patterns added to `DEFAULT_AGENT_ENV` (`KUGETSU_AGENT_ENV`, then
 * each file's `agent.env`): pass it to `pickAgentEnv(env, envAllowlist)`.
 */
export type RepoAgentSettings =
  | { kind: 'opencode'; bin: string; model?: string; extraArgs?: string[]; timeoutMs: number; envAllowlist: string[] }
  | { kind: 'command'; argv: string[]; timeoutMs: number; envAllowlist: string[] }
  | { kind: 'claude'; bin: string; model?: string; extraArgs?: string[]; permissionMode: ClaudePermissionMode; timeoutMs: number; envAllowlist: string[] }
  | { kind: 'codex'; bin: string; model?: string; extraArgs?: string[]; sandboxMode: CodexSandboxMode; provider?: CodexProvider; timeoutMs: number; envAllowlist: string[] };

/**
 * The repository's instructions for the agent: a template with `{placeholders}` (see
 * `INSTRUCTION_PLACEHOLDERS`), rendered into every prompt in its own section.
 */
export interface RepoPromptSettings {
  /** The template as written (line ends LF), at most `MAX_INSTRUCTIONS_BYTES`; default `DEFAULT_INSTRUCTIONS`. */
  instructions: string;
  /** Where it came from: `"default"`, the YAML file (`prompt.instructions`) or the instructions file. */
  source: string;
}

/**
 * A repository's spending limits in US dollars (`budget:` in its file over `KUGETSU_MAX_TURN_COST_USD`
 * and `KUGETSU_MAX_DAILY_COST_USD`); `undefined` = no limit. The turn's time limit is
 * `agent.timeoutMs` (`agent.timeout_s`, `KUGETSU_AGENT_TIMEOUT_S`).
 */
export interface RepoBudget {
  /** A running turn whose reported cost (so far) passes this is stopped (its process group killed). */
  maxTurnCostUsd: number | undefined;
  /** Once the repository's turns finished since 00:00 UTC cost this much, its jobs wait until the next 00:00 UTC. */
  maxDailyCostUsd: number | undefined;
}

/**
 * Everything that may differ per repository: the environment's global defaults, overridden by the
 * repository's (or its owner's) file in `KUGETSU_WEBHOOKS_DIR` (default `./webhooks`). Resolved
 * by `RepoSettingsSource.settingsFor(owner, repo)`.
 */
export interface RepoSettings {
  /** Labels whose presence starts work (any of them); default `[KUGETSU_TRIGGER_LABEL]`. */
  triggerLabels: string[];
  /** Command word with its slash, e.g. `/kugetsu`. */
  command: string;
  /** Least role a person needs on the repository to delegate. */
  minRole: Exclude<Role, 'none'>;
  agent: RepoAgentSettings;
  /** Branch new issue branches start from; `undefined` = the repository's default branch. */
  baseBranch: string | undefined;
  /** Issue branch name; must contain `{number}`, e.g. `kugetsu/issue-{number}` (the default). */
  branchTemplate: string;
  /** The instructions in every prompt: `prompt.instructions` / `prompt.instructions_file`, else kugetsu's default. */
  prompt: RepoPromptSettings;
  /** Jobs of this repository running at once (within the global cap); `undefined` = only the global cap. */
  maxConcurrentJobs: number | undefined;
  /** Open a pull request when the branch has commits and none exists. */
  autoPr: boolean;
  /** Put `Closes #n` in the pull request body (Gitea closes the issue when it is merged). */
  prClosesIssue: boolean;
  /** Mirror the job state as `kugetsu/queued|running|done|failed` labels on the issue. */
  stateLabels: boolean;
  /**
   * Webhook secrets of this repository, read from the environment variables the file names
   * (`secret_env`; a comma in a value separates several); never written inline in a file. Accepted
   * beside the global `KUGETSU_WEBHOOK_SECRET` ones; empty when no file names any.
   */
  secrets: string[];
  /**
   * The repository's own job notification receivers (`notify:`), on top of `KUGETSU_NOTIFY_URLS`;
   * none by default. Its key (from `notify.secret_env`) is masked in logs like the secrets.
   */
  notify: RepoNotifySettings;
  /** Spending limits (USD) of the repository's turns; see {@link RepoBudget}. */
  budget: RepoBudget;
  /**
   * Where these settings came from, for `/kugetsu help` and `doctor`: `"defaults"`, or the files that
   * apply, most specific first, joined by `, ` (e.g. `webhooks/acme/app.yaml, webhooks/acme/_all.yaml`).
   */
  source: string;
}

/** Gives the settings of a repository; reloadable (SIGHUP) without a restart. */
export interface RepoSettingsSource {
  /** Resolved settings (frozen; names compared case-insensitively); a precomputed lookup that never throws. */
  settingsFor(owner: string, repo: string, host?: string): RepoSettings;
  /** Repositories that have their own file: `owner/repo`, `owner/*`, or `host/owner/…` (one instance's). */
  configured(): string[];
  /**
   * Every command word in force (`/kugetsu`, and each file's own `command`), sorted, no repeats:
   * what a comment must contain to act anywhere. The same array until the settings change.
   */
  commandWords(): readonly string[];
}
