import type { RepoSettings } from '../config/repo-settings.js';
import type { DelegationRequest } from '../triggers/intent.js';
import { formatBudgetUsd } from '../domain/daily-budget.js';

/**
 * The part of `/kugetsu help` that describes a repository's settings in force: who may use the
 * commands, what triggers work, the agent, its time limit, the branch, the caps, the PR switch, the
 * budgets (when set) and where the agent's instructions come from.
 * `maxAgents` is one worker's cap; `hasAllowList` when `KUGETSU_ALLOW_USERS` is set.
 */
export function settingsText(request: Pick<DelegationRequest, 'repo'>, st: RepoSettings, options: { maxAgents: number; hasAllowList: boolean }): string {
  const { owner, name, defaultBranch } = request.repo;
  const labels = st.triggerLabels.map((l) => `\`${l}\``).join(' or ');
  return [
    `Who may use them: people with **${st.minRole}** permission or more on ${owner}/${name}${options.hasAllowList ? ' who are on the allow list' : ''}.`,
    st.triggerLabels.length > 0
      ? `Adding the label ${labels} starts work on an issue; requesting changes on a pull request kugetsu opened continues it.`
      : 'Requesting changes on a pull request kugetsu opened continues its issue.',
    `Settings (${st.source}): agent \`${st.agent.kind}\`${st.agent.kind !== 'command' && st.agent.model ? ` (model \`${st.agent.model}\`)` : ''}, turns stop after ${Math.round(st.agent.timeoutMs / 60_000)} min, ` +
      `branch \`${st.branchTemplate.replace('{number}', '<n>')}\` from \`${st.baseBranch ?? defaultBranch}\`, ` +
      `at most ${st.maxConcurrentJobs ?? options.maxAgents} agents at once on this repository (${options.maxAgents} in all), pull requests opened automatically: ${st.autoPr ? 'yes' : 'no'}.`,
    ...budgetLine(st),
    st.prompt.source === 'default'
      ? "Instructions for the agent: kugetsu's default dev-agent workflow (a repository sets its own with `prompt:` in its settings file)."
      : `Instructions for the agent: from \`${st.prompt.source}\`.`,
  ].join('\n');
}

/** The repository's budgets in words (US dollars), or nothing when it has none. */
function budgetLine(st: RepoSettings): string[] {
  const { maxTurnCostUsd: turn, maxDailyCostUsd: day } = st.budget;
  const parts: string[] = [];
  if (turn !== undefined) parts.push(`a turn is stopped once it costs more than ${formatBudgetUsd(turn)}`);
  if (day !== undefined) parts.push(`once ${formatBudgetUsd(day)} is spent in a day, jobs wait for 00:00 UTC`);
  return parts.length > 0 ? [`Budgets: ${parts.join('; ')}.`] : [];
}
