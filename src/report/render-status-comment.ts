import { STATUS_MARKER_PREFIX } from '../triggers/route-event.js';
import type { Job } from '../store/job.js';
import { formatDuration } from './format-duration.js';

const HEADLINE: Record<Job['state'], string> = {
  queued: '⏳ **kugetsu** · queued',
  running: '🛠️ **kugetsu** · running',
  succeeded: '✅ **kugetsu** · succeeded',
  failed: '❌ **kugetsu** · failed',
  canceled: '⏹️ **kugetsu** · canceled',
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
 * the hidden marker {@link statusMarker} so kugetsu can find its comment again.
 */
export function renderStatusComment(job: Job, context: RenderContext = {}, now: Date = new Date()): string {
  const lines: string[] = [statusMarker(job), ''];
  const r = job.result;
  let headline = HEADLINE[job.state];
  if (r && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'canceled')) headline += ` in ${formatDuration(r.durationMs)}`;
  lines.push(headline, '');
  lines.push(`@${job.sender.login} asked ${TRIGGER_TEXT[job.trigger]} · job ${job.id} · \`${job.issueKey}\``);
  if (job.message) lines.push('', quote(job.message));
  lines.push('');

  if (job.state === 'queued') {
    lines.push(`Waiting ${context.waitingFor ?? 'for a free agent slot'}.`);
  } else if (job.state === 'running') {
    const since = job.startedAt ? formatDuration(now.getTime() - Date.parse(job.startedAt)) : '';
    lines.push(`The agent is working${since ? ` (started ${since} ago)` : ''}. This comment is updated when it finishes.`);
  } else if (r?.error) {
    lines.push(`**${r.failedPhase ? `Failed while: ${r.failedPhase}.` : 'Failed.'}** ${r.error}`);
  }

  const branch = context.branchUrl ? `[\`${job.branch}\`](${context.branchUrl})` : `\`${job.branch}\``;
  const rows: Array<[string, string]> = [
    ['Branch', branch + (r ? (r.pushed ? ` · pushed, ${r.newCommits} new commit${r.newCommits === 1 ? '' : 's'}` : ' · nothing pushed') : '')],
    ['Agent', job.agent + (r && !r.timedOut && r.exitCode !== null ? ` · exit code ${r.exitCode}` : r?.timedOut ? ' · timed out' : '')],
  ];
  if (r?.sessionId) rows.push(['Session', `\`${r.sessionId}\``]);
  lines.push('', '| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`));

  if (job.state === 'succeeded' && r?.summary) lines.push('', '**Agent summary**', '', quote(r.summary, 2000));
  if ((job.state === 'failed' || job.state === 'canceled') && r?.outputTail) {
    lines.push('', "<details><summary>Last lines of the agent's output</summary>", '', fenced(r.outputTail), '', '</details>');
  }
  return lines.join('\n') + '\n';
}
