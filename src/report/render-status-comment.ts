import { MARKER_PREFIX as STATUS_MARKER_PREFIX } from '../domain/marker.js';
import { isActive, type Job } from '../domain/job.js';
import { formatDuration } from './format-duration.js';
import { formatUsage } from './format-usage.js';
import type { sumUsage } from '../domain/turn-usage.js';

const ICON: Record<Job['state'], string> = { queued: '⏳', waiting: '⏸️', running: '🛠️', succeeded: '✅', failed: '❌', canceled: '⏹️' };

/** `⏳ **kugetsu** · queued` and so on. */
function headline(state: Job['state']): string {
  return `${ICON[state]} **kugetsu** · ${state}`;
}

const WAIT_TEXT: Record<NonNullable<Job['waiting']>['reason'], string> = {
  'rate-limit': 'for a rate limit',
  gitea: 'for Gitea to answer',
  budget: 'for budget',
};

const TRIGGER_TEXT: Record<Job['trigger'], string> = {
  label: 'by adding the trigger label',
  command: 'with a command',
  review: 'by requesting changes',
};

/** Extra facts for rendering that are not part of the job record. */
export interface RenderContext {
  /** Link to the repository's branch page, when known. */
  branchUrl?: string;
  /** Queue position while queued, e.g. "waiting for a free agent slot". */
  waitingFor?: string;
  /** A last line under every state, e.g. the warning that agents run without a sandbox. */
  footer?: string;
  /** Tokens and cost of all the issue's turns so far (`sumUsage` over its jobs), shown beside this turn's. */
  issueUsage?: ReturnType<typeof sumUsage>;
}

/** A fence longer than any backtick run in `text`, so agent output cannot break out of its block. */
function fenced(text: string, lang = 'text'): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function quote(text: string, max = 600): string {
  const t = text.length > max ? `${text.slice(0, max)}…` : text;
  return t
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
}

/** The hidden first line of every status comment: `<!-- kugetsu:status job=… issue=… -->`. */
export function statusMarker(job: Pick<Job, 'id' | 'issueKey'>): string {
  return `${STATUS_MARKER_PREFIX}status job=${job.id} issue=${job.issueKey} -->`;
}

/**
 * Renders the status comment of a job as Gitea markdown — a pure function of the job (and `now`
 * for elapsed time), so every state has a golden file in `test/golden/`. The output starts with
 * the hidden marker {@link statusMarker} so kugetsu can find its comment again. A finished job
 * superseded by a newer one (`job.supersededBy`) is rendered collapsed: the marker, one line
 * ("Superseded by job N — succeeded in 3m 12s") and the full comment inside `<details>`.
 */
export function renderStatusComment(job: Job, context: RenderContext = {}, now: Date = new Date()): string {
  const full = renderFull(job, context, now);
  if (job.supersededBy === undefined || isActive(job.state)) return full;
  const marker = statusMarker(job);
  const took = job.result ? ` in ${formatDuration(job.result.durationMs)}` : '';
  const summary = `${ICON[job.state]} Superseded by job ${job.supersededBy} — ${job.state}${took}`;
  return `${[marker, `<details><summary>${summary}</summary>`, full.slice(marker.length).trim(), '</details>'].join('\n\n')}\n`;
}

function renderFull(job: Job, context: RenderContext, now: Date): string {
  const r = job.result;
  const finished = job.state === 'succeeded' || job.state === 'failed' || job.state === 'canceled';
  const blocks: string[] = [statusMarker(job)];
  blocks.push(headline(job.state) + (r && finished ? ` in ${formatDuration(r.durationMs)}` : ''));
  blocks.push(`@${job.sender.login} asked ${TRIGGER_TEXT[job.trigger]} · job ${job.id} · \`${job.issueKey}\``);
  if (job.message) blocks.push(quote(job.message));
  if (job.note) blocks.push(`_${job.note}_`);

  if (job.state === 'waiting' && job.waiting) {
    blocks.push(
      `Waiting ${WAIT_TEXT[job.waiting.reason]}: ${job.waiting.detail}. It starts by itself at ${job.waiting.until.slice(0, 16).replace('T', ' ')} UTC (or later, when a slot is free).`,
    );
  } else if (job.state === 'queued' || job.state === 'waiting') {
    blocks.push(`Waiting ${context.waitingFor ?? 'for a free agent slot'}.`);
  } else if (job.state === 'running') {
    const since = job.startedAt ? formatDuration(now.getTime() - Date.parse(job.startedAt)) : '';
    blocks.push(`The agent is working${since ? ` (started ${since} ago)` : ''}. This comment is updated when it finishes.`);
  } else if (r?.error && r.stoppedBy === 'budget') {
    blocks.push(`**Stopped: budget.** ${r.error}`);
  } else if (r?.error) {
    blocks.push(`**${r.failedPhase ? `Failed while: ${r.failedPhase}.` : 'Failed.'}** ${r.error}`);
  }

  const branch = context.branchUrl ? `[\`${job.branch}\`](${context.branchUrl})` : `\`${job.branch}\``;
  const pushed = r ? (r.pushed ? ` · pushed, ${r.newCommits} new commit${r.newCommits === 1 ? '' : 's'}` : ' · nothing pushed') : '';
  const exit = r?.stoppedBy === 'budget' ? ' · stopped: budget' : r?.timedOut ? ' · timed out' : r && r.exitCode !== null ? ` · exit code ${r.exitCode}` : '';
  const rows: Array<[string, string]> = [
    ['Branch', branch + pushed],
    ['Agent', job.agent + exit],
  ];
  if (job.pullRequest) rows.push(['Pull request', `[#${job.pullRequest.number}](${job.pullRequest.url})`]);
  if (r?.sessionId) rows.push(['Session', `\`${r.sessionId}\``]);
  if (r?.usage) rows.push(['Tokens (this turn)', formatUsage(r.usage) + (r.usage.model ? ` · \`${r.usage.model}\`` : '')]);
  const total = context.issueUsage;
  if (total && finished)
    rows.push([`Tokens (issue, ${total.turns} turn${total.turns === 1 ? '' : 's'})`, formatUsage(total, { costPartial: !total.costComplete && total.costUsd !== undefined })]);
  blocks.push(['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n'));

  if (job.state === 'succeeded' && r?.summary) blocks.push('**Agent summary**', quote(r.summary, 2000));
  if ((job.state === 'failed' || job.state === 'canceled') && r?.outputTail) {
    blocks.push("<details><summary>Last lines of the agent's output</summary>", fenced(r.outputTail), '</details>');
  }
  if (context.footer) blocks.push(`<sub>${context.footer}</sub>`);
  return `${blocks.join('\n\n')}\n`;
}
