import type { Overview } from '../dashboard-types.js';
import type { Viewer } from '../viewer.js';
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
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Issue</th>
                  <th>Asked by</th>
                  <th>Worker</th>
                  <th>Started</th>
                  <th class="num">Elapsed</th>
                </tr>
              </thead>
              <tbody>
                {o.running.map((job) => (
                  <tr data-job={job.id}>
                    <td data-label="Job">
                      <JobLink id={job.id} /> {job.cancelRequested ? <span class="muted">(stopping)</span> : null}
                    </td>
                    <td data-label="Issue">
                      <IssueLink job={job} />
                    </td>
                    <td data-label="Asked by">{job.sender}</td>
                    <td data-label="Worker" class="mono">
                      {job.workerId ?? '—'}
                    </td>
                    <td data-label="Started">{job.startedAt ? <Time iso={job.startedAt} now={now} /> : '—'}</td>
                    <td data-label="Elapsed" class="num">
                      {job.startedAt ? <Elapsed since={job.startedAt} now={now} /> : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section id="waiting" data-region="" aria-labelledby="waiting-h">
        <h2 id="waiting-h">Waiting</h2>
        {o.waiting.length === 0 ? (
          <p class="empty">Nothing waits.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th>Repository</th>
                  <th>Waiting for</th>
                  <th class="num">Jobs</th>
                </tr>
              </thead>
              <tbody>
                {o.waiting.map((w) => (
                  <tr>
                    <td data-label="Repository">
                      <a href={`/history?repo=${encodeURIComponent(w.repo)}&state=queued&state=waiting`}>{w.repo}</a>
                    </td>
                    <td data-label="Waiting for">{waitText(w.reason)}</td>
                    <td data-label="Jobs" class="num">
                      {w.count}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
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
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th class="num">Slots in use</th>
                  <th>Last seen</th>
                </tr>
              </thead>
              <tbody>
                {o.slots.workers.map((w) => (
                  <tr>
                    <td data-label="Worker" class="mono">
                      {w.workerId}
                    </td>
                    <td data-label="Slots in use" class="num">
                      {w.running} / {w.slots}
                    </td>
                    <td data-label="Last seen">{w.seenAt ? <Time iso={w.seenAt} now={now} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section id="failures" data-region="" aria-labelledby="failures-h">
        <h2 id="failures-h">Latest failures</h2>
        {o.failures.length === 0 ? (
          <p class="empty">No job failed.</p>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th>Job</th>
                  <th>Issue</th>
                  <th>State</th>
                  <th>Finished</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {o.failures.map((job) => (
                  <tr data-job={job.id}>
                    <td data-label="Job">
                      <JobLink id={job.id} />
                    </td>
                    <td data-label="Issue">
                      <IssueLink job={job} />
                    </td>
                    <td data-label="State">
                      <StateBadge state={job.state} />
                    </td>
                    <td data-label="Finished">{job.finishedAt ? <Time iso={job.finishedAt} now={now} /> : '—'}</td>
                    <td data-label="Why">
                      {job.failedPhase ? <span class="mono">{job.failedPhase}</span> : null} {job.error ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p>
          <a href="/history?state=failed">All failed jobs →</a>
        </p>
      </section>
    </Layout>
  );
}
