import type { Config } from './config.js';
import { NO_NOTIFY } from './notify-settings.js';
import type { RepoSettings } from './repo-settings.js';
import { DEFAULT_INSTRUCTIONS } from './default-instructions.js';

/** The issue branch name when neither the environment nor a file sets one. */
export const DEFAULT_BRANCH_TEMPLATE = 'kugetsu/issue-{number}';

/** Where the per-repository files are: `KUGETSU_WEBHOOKS_DIR`, default `./webhooks` (relative to the working directory). */
export function webhooksDir(env: Record<string, string | undefined>): string {
  return env.KUGETSU_WEBHOOKS_DIR?.trim() || './webhooks';
}

/**
 * The settings of a repository without a file: the environment's global defaults from `config`,
 * plus `KUGETSU_AGENT_ENV` read from `env` as an allowlist (names and patterns, as `pickAgentEnv`
 * takes them). Auto-PR, `Closes #n` and state labels are on; no base branch (the repository's
 * default), no per-repository job cap, no per-repository secret, kugetsu's default instructions,
 * the budget of `KUGETSU_MAX_TURN_COST_USD` / `KUGETSU_MAX_DAILY_COST_USD` (none when unset).
 */
export function defaultRepoSettings(
  config: Pick<Config, 'triggerLabel' | 'command' | 'access' | 'agent' | 'agentTimeoutMs'> & Partial<Pick<Config, 'budget'>>,
  env: Record<string, string | undefined>,
): RepoSettings {
  const envAllowlist = (env.KUGETSU_AGENT_ENV ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const timeoutMs = config.agentTimeoutMs;
  return {
    triggerLabels: [config.triggerLabel],
    command: config.command,
    minRole: config.access.minRole,
    agent: { ...config.agent, timeoutMs, envAllowlist } as RepoSettings['agent'],
    baseBranch: undefined,
    branchTemplate: DEFAULT_BRANCH_TEMPLATE,
    prompt: { instructions: DEFAULT_INSTRUCTIONS, source: 'default' },
    maxConcurrentJobs: undefined,
    autoPr: true,
    prClosesIssue: true,
    stateLabels: true,
    secrets: [],
    notify: { ...NO_NOTIFY, urls: [], events: [...NO_NOTIFY.events] },
    budget: { maxTurnCostUsd: config.budget?.maxTurnCostUsd, maxDailyCostUsd: config.budget?.maxDailyCostUsd },
    source: 'defaults',
  };
}
