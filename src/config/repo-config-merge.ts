import type { ParsedRepoFile } from './repo-config-file.js';
import type { RepoFile } from './repo-config-schema.js';
import type { RepoAgentSettings, RepoSettings } from './repo-settings.js';
import type { AgentKindDefaults } from './agent-kinds.js';

/**
 * The agent of `base` with a file's `agent:` block applied key by key. Changing `kind` drops the
 * other kind's keys: the new kind starts from its environment defaults (`kinds`); `env` entries add
 * to the ones before.
 */
function mergeAgent(base: RepoAgentSettings, a: RepoFile['agent'], kinds: AgentKindDefaults | undefined): RepoAgentSettings {
  if (!a) return base;
  const timeoutMs = a.timeout_s !== undefined ? a.timeout_s * 1000 : base.timeoutMs;
  const envAllowlist = [...new Set([...base.envAllowlist, ...(a.env ?? [])])];
  const kind = a.kind ?? base.kind;
  if (kind === 'command') {
    // checkRepoFile guarantees argv when this block says kind: command; otherwise base is a command.
    const argv = a.argv ?? (base.kind === 'command' ? base.argv : []);
    return { kind, argv, timeoutMs, envAllowlist };
  }
  const prev = base.kind === kind ? base : undefined;
  const start = kinds?.[kind];
  const model = a.model ?? (prev ? prev.model : start?.model);
  const extraArgs = a.extra_args ?? prev?.extraArgs;
  const common = {
    bin: a.bin ?? prev?.bin ?? start?.bin ?? kind,
    ...(model !== undefined ? { model } : {}),
    ...(extraArgs !== undefined ? { extraArgs } : {}),
    timeoutMs,
    envAllowlist,
  };
  if (kind === 'claude') {
    const before = base.kind === 'claude' ? base.permissionMode : kinds?.claude.permissionMode;
    return { kind, ...common, permissionMode: a.permission_mode ?? before ?? 'acceptEdits' };
  }
  if (kind === 'codex') {
    const before = base.kind === 'codex' ? base : kinds?.codex;
    return { kind, ...common, sandboxMode: a.sandbox_mode ?? before?.sandboxMode ?? 'auto', ...(before?.provider ? { provider: before.provider } : {}) };
  }
  return { kind, ...common };
}

/**
 * `base` with every key the file sets replaced (field by field; inside `notify:` key by key);
 * `source` names the file first.
 */
export function applyRepoFile(base: RepoSettings, file: ParsedRepoFile, kinds?: AgentKindDefaults): RepoSettings {
  const f = file.data;
  return {
    triggerLabels: f.trigger_labels ?? base.triggerLabels,
    command: f.command ?? base.command,
    minRole: f.min_role ?? base.minRole,
    agent: mergeAgent(base.agent, f.agent, kinds),
    baseBranch: f.base_branch ?? base.baseBranch,
    branchTemplate: f.branch_template ?? base.branchTemplate,
    prompt: file.prompt ?? base.prompt,
    maxConcurrentJobs: f.max_concurrent_jobs ?? base.maxConcurrentJobs,
    autoPr: f.auto_pr ?? base.autoPr,
    prClosesIssue: f.pr_closes_issue ?? base.prClosesIssue,
    stateLabels: f.state_labels ?? base.stateLabels,
    secrets: f.secret_env !== undefined ? file.secrets : base.secrets,
    notify: f.notify
      ? {
          urls: f.notify.urls ?? base.notify.urls,
          events: (f.notify.events as RepoSettings['notify']['events'] | undefined) ?? base.notify.events,
          secret: f.notify.secret_env !== undefined ? file.notifySecret : base.notify.secret,
        }
      : base.notify,
    budget: f.budget
      ? {
          maxTurnCostUsd: f.budget.max_turn_cost_usd ?? base.budget.maxTurnCostUsd,
          maxDailyCostUsd: f.budget.max_daily_cost_usd ?? base.budget.maxDailyCostUsd,
        }
      : base.budget,
    source: base.source === 'defaults' ? file.file : `${file.file}, ${base.source}`,
  };
}

/** Freezes settings and everything in them, so one caller cannot change another's view. */
export function freezeSettings(s: RepoSettings): RepoSettings {
  for (const v of [s.triggerLabels, s.secrets, s.agent.envAllowlist, s.agent, s.notify.urls, s.notify.events, s.notify, s.budget]) Object.freeze(v);
  if (s.agent.kind === 'command') Object.freeze(s.agent.argv);
  else if (s.agent.extraArgs) Object.freeze(s.agent.extraArgs);
  Object.freeze(s.prompt);
  if (s.agent.kind === 'codex' && s.agent.provider) Object.freeze(s.agent.provider);
  return Object.freeze(s);
}
