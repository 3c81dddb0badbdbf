import type { Overview } from '../dashboard-types.js';
import type { Viewer } from '../viewer.js';
import { DataTable } from './data-table.js';
import { IssueLink, JobLink, StateBadge, waitText } from './job-bits.js';
import { Layout } from './layout.js';
import { Elapsed, Time } from './time-text.js';

/**
 * The overview (`GET /` with a session or the admin token): agent slots per worker and in all,
 * jobs by state, waiting jobs per repository and why, running jobs with their elapsed time, the
 * latest failures first, and the outbox's health. Each section is a live region (`data-region`)
 * the client script refreshes when `/api/events` says something changed.
 */
export function OverviewPage(props: { viewer: Viewer; overview: Overview; now: number }) {
  const { overview: o, now } = props;
  return (
    <Layout title="Overview" viewer={props.viewer} page="overview" live>
      <h1>Overview</h1>
      <section id="summary" data-region="" aria-labelledby="summary-h">
        <h2 id="summary-h" class="visually-hidden">
          Summary
        </h2>
        <div class="cards">
          <div class="card" data-testid="slots-total">
            <span class="n">
              {o.slots.running} / {o.slots.total}
            </span>
            <span class="label">agent slots in use</span>
          </div>
          <div class="card" data-testid="count-running">
            <span class="n">{o.counts.running}</span>
            <span class="label">running</span>
          </div>
          <div class="card" data-testid="count-waiting">
            <span class="n">{o.counts.queued + o.counts.waiting}</span>
            <span class="label">waiting</span>
          </div>
          <div class="card" data-testid="count-failed">
            <span class="n">{o.counts.failed}</span>
            <span class="label">failed</span>
          </div>
          <div class="card" data-testid="outbox-health">
            <span class="n">{o.outbox.pending + o.outbox.retrying}</span>
            <span class="label">
              Gitea writes pending ({o.outbox.retrying} retrying, {o.outbox.failed} failed)
            </span>
          </div>
        </div>
        <p class="muted">
          As of <Time iso={o.at} now={now} />.
        </p>
      </section>

      <section id="running" data-region="" aria-labelledby="running-h">
        <h2 id="running-h">Running</h2>
        {o.running.length === 0 ? (
          <p class="empty">No agent is running.</p>
        ) : (
          <DataTable
            rows={o.running}
            jobId={(job) => job.id}
            columns={[
              {
                label: 'Job',
                cell: (job) => (
                  <>
                    <JobLink id={job.id} /> {job.cancelRequested ? <span class="muted">(stopping)</span> : null}
                  </>
                ),
              },
              { label: 'Issue', cell: (job) => <IssueLink job={job} /> },
              { label: 'Asked by', cell: (job) => job.sender },
              { label: 'Worker', mono: true, cell: (job) => job.workerId ?? '—' },
              { label: 'Started', cell: (job) => (job.startedAt ? <Time iso={job.startedAt} now={now} /> : '—') },
              { label: 'Elapsed', num: true, cell: (job) => (job.startedAt ? <Elapsed since={job.startedAt} now={now} /> : '—') },
            ]}
          />
        )}
      </section>

      <section id="waiting" data-region="" aria-labelledby="waiting-h">
        <h2 id="waiting-h">Waiting</h2>
        {o.waiting.length === 0 ? (
          <p class="empty">Nothing waits.</p>
        ) : (
          <DataTable
            rows={o.waiting}
            columns={[
              { label: 'Repository', cell: (w) => <a href={`/history?repo=${encodeURIComponent(w.repo)}&state=queued&state=waiting`}>{w.repo}</a> },
              { label: 'Waiting for', cell: (w) => waitText(w.reason) },
              { label: 'Jobs', num: true, cell: (w) => w.count },
            ]}
          />
        )}
        <p>
          <a href="/queue">The queue, issue by issue →</a>
        </p>
      </section>

      <section id="slots" data-region="" aria-labelledby="slots-h">
        <h2 id="slots-h">Workers</h2>
        {o.slots.workers.length === 0 ? (
          <p class="empty">No worker has reported yet.</p>
        ) : (
          <DataTable
            rows={o.slots.workers}
            columns={[
              { label: 'Worker', mono: true, cell: (w) => w.workerId },
              { label: 'Slots in use', num: true, cell: (w) => `${w.running} / ${w.slots}` },
              { label: 'Last seen', cell: (w) => (w.seenAt ? <Time iso={w.seenAt} now={now} /> : '—') },
            ]}
          />
        )}
      </section>

      <section id="failures" data-region="" aria-labelledby="failures-h">
        <h2 id="failures-h">Latest failures</h2>
        {o.failures.length === 0 ? (
          <p class="empty">No job failed.</p>
        ) : (
          <DataTable
            rows={o.failures}
            jobId={(job) => job.id}
            columns={[
              { label: 'Job', cell: (job) => <JobLink id={job.id} /> },
              { label: 'Issue', cell: (job) => <IssueLink job={job} /> },
              { label: 'State', cell: (job) => <StateBadge state={job.state} /> },
              { label: 'Finished', cell: (job) => (job.finishedAt ? <Time iso={job.finishedAt} now={now} /> : '—') },
              {
                label: 'Why',
                cell: (job) => (
                  <>
                    {job.failedPhase ? <span class="mono">{job.failedPhase}</span> : null} {job.error ?? ''}
                  </>
                ),
              },
            ]}
          />
        )}
        <p>
          <a href="/history?state=failed">All failed jobs →</a>
        </p>
      </section>
    </Layout>
  );
}
