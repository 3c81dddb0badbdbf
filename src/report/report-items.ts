import { instancePrefix } from '../domain/repo-ref.js';
import type { RepoSettings } from '../config/repo-settings.js';
import type { Job, JobResult, JobState } from '../domain/job.js';
import { statusCommentItem, type NewOutboxItem, type OutboxOp } from '../domain/outbox.js';
import { MARKER_PREFIX as STATUS_MARKER_PREFIX } from '../domain/marker.js';

/** The per-repository switches of what kugetsu writes to Gitea besides the status comment. */
export type ReportSettings = Pick<RepoSettings, 'autoPr' | 'prClosesIssue' | 'stateLabels' | 'baseBranch'>;

/** Everything on, pull requests against the repository's default branch. */
export const DEFAULT_REPORT_SETTINGS: ReportSettings = { autoPr: true, prClosesIssue: true, stateLabels: true, baseBranch: undefined };

/** The commit status context kugetsu writes (one status per context is shown by Gitea). */
export const COMMIT_STATUS_CONTEXT = 'kugetsu';

type JobFacts = Pick<Job, 'id' | 'issueKey' | 'repo' | 'issueNumber' | 'replyTo'>;

/**
 * The outbox items that mirror `state` as a state label on the work issue and, when the status
 * comment is on another issue or PR (`replyTo`), there too — none when `settings.stateLabels` is
 * off. Keyed per issue (`state-label:owner/repo#n`): while one is pending another is not added, and
 * the worker applies the issue's state as it is when the item is sent. Use at every state change
 * (the dispatcher's acknowledgements with `queued`, the job runner for the others).
 */
export function stateLabelItems(job: JobFacts, state: JobState, settings: Pick<ReportSettings, 'stateLabels'> = DEFAULT_REPORT_SETTINGS): NewOutboxItem[] {
  if (!settings.stateLabels) return [];
  const { owner, name } = job.repo;
  const numbers = job.replyTo === job.issueNumber ? [job.issueNumber] : [job.issueNumber, job.replyTo];
  return numbers.map((number) => ({
    key: `state-label:${instancePrefix(job.repo)}${owner}/${name}#${number}`,
    group: job.issueKey,
    op: { kind: 'state_label', owner, repo: name, number, issueKey: job.issueKey, state },
  }));
}

/** Items for a job that starts running: its status comment and state label. */
export function runningItems(job: JobFacts, settings: ReportSettings = DEFAULT_REPORT_SETTINGS): NewOutboxItem[] {
  return [statusCommentItem(job), ...stateLabelItems(job, 'running', settings)];
}

/**
 * The `pending` commit status for a turn that starts on `startSha`; the worker writes it only
 * while an open pull request has the job's branch as head.
 */
export function turnStartedItems(job: JobFacts & Pick<Job, 'branch' | 'attempt'>, startSha: string): NewOutboxItem[] {
  return [commitStatusItem(job, startSha, 'pending', `kugetsu is working (job ${job.id})`, 'start')];
}

/**
 * Items for a job that finished as `state` with `result`: the pull request (a successful turn
 * that pushed, with `autoPr` on) before the status comment so the comment can show it, the final
 * commit status on the branch head (`result.headSha`, else the head the turn started from), and
 * the state label.
 */
export function finishedItems(job: Job, state: JobState, result: JobResult | undefined, settings: ReportSettings = DEFAULT_REPORT_SETTINGS): NewOutboxItem[] {
  const items: NewOutboxItem[] = [];
  if (state === 'succeeded' && result?.pushed && settings.autoPr) items.push(pullRequestItem(job, result, settings));
  items.push(statusCommentItem(job));
  const sha = result?.headSha ?? job.startSha;
  if (sha !== undefined) {
    const [status, description] =
      state === 'succeeded'
        ? (['success', `kugetsu finished (job ${job.id})`] as const)
        : state === 'canceled'
          ? (['error', `kugetsu was stopped (job ${job.id})`] as const)
          : (['failure', `kugetsu failed (job ${job.id})`] as const);
    items.push(commitStatusItem(job, sha, status, description, 'end'));
  }
  items.push(...stateLabelItems(job, state, settings));
  return items;
}

/**
 * The `ensure_pull_request` item for the job's branch: title `kugetsu: <issue title>`, body
 * `Closes #n` (unless off), who asked, the agent's summary and a hidden marker; base = the
 * configured base branch, else the repository's default branch.
 */
export function pullRequestItem(job: Job, result: Pick<JobResult, 'summary'>, settings: Pick<ReportSettings, 'prClosesIssue' | 'baseBranch'>): NewOutboxItem {
  const { owner, name } = job.repo;
  const n = job.issueNumber;
  const body: string[] = [];
  if (settings.prClosesIssue) body.push(`Closes #${n}`);
  body.push(`kugetsu worked on #${n} at the request of @${job.sender.login} (job ${job.id}); follow-up turns push to this branch.`);
  if (result.summary) {
    const summary = result.summary.length > 2000 ? `${result.summary.slice(0, 2000)}…` : result.summary;
    body.push(
      '**Agent summary**',
      summary
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
    );
  }
  // A hidden marker (last, so the body does not read as a status comment) names the issue and job.
  body.push(`${STATUS_MARKER_PREFIX}pr issue=${job.issueKey} job=${job.id} -->`);
  return {
    key: `pull-request:${job.id}`,
    group: job.issueKey,
    op: {
      kind: 'ensure_pull_request',
      owner,
      repo: name,
      issueNumber: n,
      head: job.branch,
      base: settings.baseBranch ?? job.repo.defaultBranch,
      title: `kugetsu: ${job.issueSnapshot?.title.trim() || `issue #${n}`}`,
      body: `${body.join('\n\n')}\n`,
      jobId: job.id,
      mentions: [job.sender.login],
    },
  };
}

function commitStatusItem(
  job: JobFacts & Pick<Job, 'branch' | 'attempt'>,
  sha: string,
  state: Extract<OutboxOp, { kind: 'commit_status' }>['state'],
  description: string,
  phase: 'start' | 'end',
): NewOutboxItem {
  const { owner, name } = job.repo;
  return {
    key: `commit-status:${job.id}:${job.attempt}:${phase}`,
    group: job.issueKey,
    op: { kind: 'commit_status', owner, repo: name, sha, state, description, context: COMMIT_STATUS_CONTEXT, jobId: job.id, prHead: job.branch },
  };
}
