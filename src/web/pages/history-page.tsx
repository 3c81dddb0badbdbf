import { JOB_STATES } from '../../domain/job-state.js';
import type { JobList } from '../dashboard-types.js';
import type { Viewer } from '../viewer.js';
import { DataTable } from './data-table.js';
import { IssueLink, JobLink, StateBadge } from './job-bits.js';
import { Layout } from './layout.js';
import { durationText, Time } from './time-text.js';

/** The history page's query as the form shows it back (raw strings, as typed). */
export interface HistoryForm {
  repo?: string;
  issue?: string;
  states: string[];
  sender?: string;
  since?: string;
  until?: string;
  q?: string;
  before?: string;
}

/**
 * History (`GET /history`): every job the viewer may see, newest first, with filters by repository,
 * issue, state, person and time, a free-text search, paging (`before`), and links back to Gitea. A
 * bad filter shows its reason above the form (`error`) instead of results. The first page is live.
 */
export function HistoryPage(props: { viewer: Viewer; form: HistoryForm; list: JobList | undefined; error?: string; now: number }) {
  const { form, list, now } = props;
  const live = !form.before && !props.error;
  return (
    <Layout title="History" viewer={props.viewer} page="history" live={live}>
      <h1>History</h1>
      <form class="filters" method="get" action="/history" role="search" aria-label="Filter jobs">
        <label>
          Repository
          <input name="repo" value={form.repo ?? ''} placeholder="owner/name or host/owner/name" autocomplete="off" />
        </label>
        <label>
          Issue
          <input name="issue" value={form.issue ?? ''} inputmode="numeric" placeholder="7" autocomplete="off" />
        </label>
        <label>
          State
          <select name="state">
            <option value="">any</option>
            {JOB_STATES.map((s) => (
              <option value={s} selected={form.states.length === 1 && form.states[0] === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Person
          <input name="sender" value={form.sender ?? ''} placeholder="login" autocomplete="off" />
        </label>
        <label>
          From
          <input name="since" type="date" value={dateOnly(form.since)} />
        </label>
        <label>
          Before
          <input name="until" type="date" value={dateOnly(form.until)} />
        </label>
        <label>
          Search
          <input name="q" type="search" value={form.q ?? ''} placeholder="words in message, error, branch" />
        </label>
        <div>
          <button type="submit" class="primary">
            Show
          </button>{' '}
          <a href="/history">Clear</a>
        </div>
      </form>

      {props.error ? (
        <p class="notice error" role="alert">
          {props.error}
        </p>
      ) : null}

      <section id="history-results" data-region="" aria-label="Jobs">
        {list === undefined ? null : list.jobs.length === 0 ? (
          <p class="empty">No job matches.</p>
        ) : (
          <DataTable
            rows={list.jobs}
            jobId={(job) => job.id}
            columns={[
              { label: 'Job', cell: (job) => <JobLink id={job.id} /> },
              { label: 'Issue', cell: (job) => <IssueLink job={job} /> },
              { label: 'State', cell: (job) => <StateBadge state={job.state} /> },
              { label: 'Asked by', cell: (job) => job.sender },
              { label: 'Created', cell: (job) => <Time iso={job.createdAt} now={now} /> },
              { label: 'Duration', num: true, cell: (job) => (job.elapsedMs !== undefined ? durationText(job.elapsedMs) : '—') },
              { label: 'Message', cell: (job) => job.messagePreview || <span class="muted">(label)</span> },
              {
                label: 'Gitea',
                cell: (job) => (
                  <>
                    {job.pullRequest ? <a href={job.pullRequest.url}>PR #{job.pullRequest.number}</a> : null}
                    {job.pullRequest && job.links.statusComment ? ' · ' : null}
                    {job.links.statusComment ? <a href={job.links.statusComment}>comment</a> : null}
                  </>
                ),
              },
            ]}
          />
        )}
      </section>
      <nav class="pager" aria-label="Pages">
        {form.before ? <a href={pageHref(form, undefined)}>← Newest</a> : null}
        {list?.next ? (
          <a href={pageHref(form, list.next)} rel="next">
            Older →
          </a>
        ) : null}
      </nav>
    </Layout>
  );
}

/** `YYYY-MM-DD` of an ISO date or date-time (what `<input type=date>` takes), else `""`. */
function dateOnly(value: string | undefined): string {
  return value && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : '';
}

/** The history URL with the same filters and another `before`. */
function pageHref(form: HistoryForm, before: string | undefined): string {
  const params = new URLSearchParams();
  for (const key of ['repo', 'issue', 'sender', 'since', 'until', 'q'] as const) {
    const value = form[key];
    if (value) params.set(key, value);
  }
  for (const s of form.states) params.append('state', s);
  if (before) params.set('before', before);
  const query = params.toString();
  return query ? `/history?${query}` : '/history';
}
