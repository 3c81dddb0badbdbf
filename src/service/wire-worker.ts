import { JobRunner } from '../pipeline/job-runner.js';
import type { JobMachine } from '../pipeline/job-machine.js';
import { Worker } from '../worker/worker.js';
import { hasIssueWorktree } from '../workspace/has-issue-worktree.js';
import type { ServiceCore } from './service-core.js';

/**
 * The worker of a kugetsu process (none for the `ingress` role) and the job runner behind it: each
 * turn runs for its repository's instance with the repository's agent, timeout, environment, base
 * branch and budgets; the worker honours the per-repository, per-sender and budget limits and
 * prefers a job whose worktree is already on this machine. Sets `core.workerRef`.
 */
export function wireWorker(core: ServiceCore, machine: JobMachine): Worker | undefined {
  const { config, settingsFor } = core;
  if (core.role === 'ingress') return undefined;
  const runner = new JobRunner({
    machine,
    authorizer: core.authorizer,
    store: core.store,
    gitea: core.gitea,
    workspace: core.workspace,
    logger: core.logger,
    redact: core.redact,
    sandbox: core.sandbox,
    botUserId: core.botUserId,
    waitBackoff: core.deferredBackoff,
    minRole: (repo) => settingsFor(repo.owner, repo.name).minRole,
    stateDir: config.stateDir,
    instructionsFor: (repo) => settingsFor(repo.owner, repo.name).prompt.instructions,
    agentFor: (job) => {
      const st = settingsFor(job.repo.owner, job.repo.name);
      return {
        adapter: core.agents.adapterFor(st.agent),
        timeoutMs: st.agent.timeoutMs,
        env: st.agent.envAllowlist.length > 0 ? { ...config.agentEnv, ...config.agentEnvWith(st.agent.envAllowlist) } : config.agentEnv,
        baseBranch: st.baseBranch,
        maxTurnCostUsd: st.budget.maxTurnCostUsd,
      };
    },
    promptLimits: config.promptLimits,
    ...(config.prices ? { costOf: (usage) => config.prices!.costOf(usage) } : {}),
  });
  const worker = new Worker({
    store: core.store,
    machine,
    logger: core.logger,
    runTurn: (job, workerId, signal) => core.inRepoInstance(job.repo, () => runner.run(job, workerId, signal)),
    slots: config.maxAgents,
    leaseMs: config.leaseMs,
    ...(config.globalMaxAgents !== undefined ? { globalMax: config.globalMaxAgents } : {}),
    limits: (job) => {
      const st = settingsFor(job.repo.owner, job.repo.name);
      return {
        ...(st.maxConcurrentJobs !== undefined ? { repoMax: st.maxConcurrentJobs } : {}),
        ...(config.rateLimits.sender ? { senderRate: config.rateLimits.sender } : {}),
        ...(config.rateLimits.repo ? { repoRate: config.rateLimits.repo } : {}),
        ...(st.budget.maxDailyCostUsd !== undefined ? { dailyBudgetUsd: st.budget.maxDailyCostUsd } : {}),
      };
    },
    // A follow-up runs fastest where its worktree (and, usually, its agent session) already is.
    prefer: (job) => hasIssueWorktree(config.stateDir, job.repo, job.issueNumber),
    ...core.overrides.workerTiming,
  });
  core.workerRef.current = worker;
  return worker;
}
