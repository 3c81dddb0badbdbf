import type { JobRow, JobState } from '../dashboard-types.js';

/** A job's state as a coloured badge (the colour is never the only cue: the word is shown). */
export function StateBadge(props: { state: JobState }) {
  return <span class={`state state-${props.state}`}>{props.state}</span>;
}

/** A link to the job page, `#12`. */
export function JobLink(props: { id: string }) {
  return <a href={`/jobs/${encodeURIComponent(props.id)}`}>{`#${props.id}`}</a>;
}

/** The job's issue key, linked to the issue (or pull request) on Gitea when its URL is known. */
export function IssueLink(props: { job: Pick<JobRow, 'issueKey' | 'links'> }) {
  return props.job.links.issue ? <a href={props.job.links.issue}>{props.job.issueKey}</a> : <span>{props.job.issueKey}</span>;
}

/** `label`, `command`, `review`: how the request came, in words. */
export function triggerText(trigger: string): string {
  switch (trigger) {
    case 'label':
      return 'the trigger label';
    case 'command':
      return 'a /kugetsu command';
    case 'review':
      return 'a pull request review';
    default:
      return trigger;
  }
}

/** Why a job waits, in words (queue places and `waiting` reasons). */
export function waitText(reason: string): string {
  switch (reason) {
    case 'waiting-for-slot':
      return 'an agent slot';
    case 'waiting-for-issue':
      return 'its issue (an older job runs or waits)';
    case 'rate-limit':
      return 'a rate limit';
    case 'budget':
      return 'a budget';
    case 'gitea':
      return 'Gitea (not answering)';
    case 'waiting':
      return 'a later time';
    default:
      return reason;
  }
}
