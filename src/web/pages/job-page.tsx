import type { JobDetail, LogChunk } from '../dashboard-types.js';
import type { Viewer } from '../viewer.js';
import { IssueLink, StateBadge, triggerText } from './job-bits.js';
import { DataTable } from './data-table.js';
import { Layout } from './layout.js';
import { durationText, Elapsed, Time } from './time-text.js';

/**
 * The job page (`GET /jobs/{id}`): facts (state, who asked and how, branch, pull request, session,
 * outcome, exit code, tokens and cost), the state history with times, the message and prompt, the
 * agent's output (a live tail while it runs, all of it afterwards), and every Gitea write the job
 * caused with whether it was delivered. Cancel and Retry are shown only when `detail.may` allows
 * them (the API checks again); they POST with the session's CSRF token.
 */
export function JobPage(props: { viewer: Viewer; detail: JobDetail; log: LogChunk | undefined; now: number }) {
  const { detail: d, now } = props;
  const job = d.job;
  const active = job.state === 'queued' || job.state === 'waiting' || job.state === 'running';
  const csrf = props.viewer.kind === 'person' ? props.viewer.csrfToken : undefined;
  const id = encodeURIComponent(job.id);
  const o = d.outcome;
  return (
    <Layout title={`Job ${job.id}`} viewer={props.viewer} page="job" live jobId={job.id}>
      <h1>
        Job {job.id} · <IssueLink job={job} />
      </h1>

      <section id="job-actions" data-region="" aria-label="Actions">
        <div class="actions">
          {active && d.may.cancel ? (
            <form method="post" action={`/api/jobs/${id}/cancel`} data-action="cancel">
              {csrf ? <input type="hidden" name="_csrf" value={csrf} /> : null}
              <button type="submit" class="danger" id="cancel-button" disabled={job.cancelRequested === true}>
                {job.cancelRequested ? 'Stopping…' : 'Cancel job'}
              </button>
            </form>
          ) : null}
          {(job.state === 'failed' || job.state === 'canceled') && d.may.retry ? (
            <form method="post" action={`/api/jobs/${id}/retry`} data-action="retry">
              {csrf ? <input type="hidden" name="_csrf" value={csrf} /> : null}
              <button type="submit" class="primary" id="retry-button">
                Retry
              </button>
            </form>
          ) : null}
          {!d.may.cancel && !d.may.retry && d.may.reason ? <p class="muted">{d.may.reason}</p> : null}
        </div>
      </section>
      <p id="action-result" class="notice" role="status" aria-live="polite" hidden></p>

      <section id="job-facts" data-region="" aria-labelledby="facts-h">
        <h2 id="facts-h">Summary</h2>
        <dl class="facts">
          <dt>State</dt>
          <dd data-testid="job-state">
            <StateBadge state={job.state} />
            {job.cancelRequested && active ? <span class="muted"> (stop requested)</span> : null}
            {d.position ? <span class="muted"> — {d.position.text}</span> : null}
            {job.waiting ? (
              <span class="muted">
                {' '}
                — {job.waiting.detail}, until <Time iso={job.waiting.until} now={now} />
              </span>
            ) : null}
          </dd>
          <dt>Asked by</dt>
          <dd>
            {d.request.sender} with {triggerText(d.request.trigger)}
            {d.request.onPullRequest ? ` on pull request #${d.request.onPullRequest.number}` : ''}
            {job.links.statusComment ? (
              <>
                {' '}
                (<a href={job.links.statusComment}>status comment</a>)
              </>
            ) : null}
          </dd>
          <dt>Agent</dt>
          <dd>
            {job.agent}, attempt {job.attempt}
            {job.workerId ? ` on ${job.workerId}` : ''}
          </dd>
          <dt>Branch</dt>
          <dd class="mono">{job.links.branch ? <a href={job.links.branch}>{job.branch}</a> : job.branch}</dd>
          <dt>Pull request</dt>
          <dd>{job.pullRequest ? <a href={job.pullRequest.url}>#{job.pullRequest.number}</a> : <span class="muted">none yet</span>}</dd>
          <dt>Created</dt>
          <dd>
            <Time iso={job.createdAt} now={now} />
          </dd>
          {job.startedAt ? (
            <>
              <dt>Started</dt>
              <dd>
                <Time iso={job.startedAt} now={now} />
                {job.state === 'running' ? (
                  <>
                    {' '}
                    — running for <Elapsed since={job.startedAt} now={now} />
                  </>
                ) : null}
              </dd>
            </>
          ) : null}
          {job.finishedAt ? (
            <>
              <dt>Finished</dt>
              <dd>
                <Time iso={job.finishedAt} now={now} />
              </dd>
            </>
          ) : null}
          {o ? (
            <>
              <dt>Outcome</dt>
              <dd data-testid="job-outcome">
                {o.canceled ? 'canceled' : o.timedOut ? 'timed out' : job.state}
                {o.failedPhase ? ` in ${o.failedPhase}` : ''} after {durationText(o.durationMs)}; {o.newCommits} new commit{o.newCommits === 1 ? '' : 's'}
                {o.pushed ? ', pushed' : ''}
                {o.headSha ? (
                  <>
                    {' '}
                    (head <code>{o.headSha.slice(0, 12)}</code>)
                  </>
                ) : null}
              </dd>
              <dt>Exit code</dt>
              <dd class="mono" data-testid="exit-code">
                {o.exitCode === null ? 'none (stopped by a signal or never started)' : String(o.exitCode)}
              </dd>
              {o.error ? (
                <>
                  <dt>Error</dt>
                  <dd>{o.error}</dd>
                </>
              ) : null}
              {o.summary ? (
                <>
                  <dt>Agent's summary</dt>
                  <dd>{o.summary}</dd>
                </>
              ) : null}
              {o.tokens || o.costUsd !== undefined ? (
                <>
                  <dt>Tokens and cost</dt>
                  <dd>
                    {o.tokens
                      ? `${o.tokens.input ?? '?'} in, ${o.tokens.output ?? '?'} out${o.tokens.cacheRead ? `, ${o.tokens.cacheRead} cache read` : ''}${o.tokens.cacheWrite ? `, ${o.tokens.cacheWrite} cache write` : ''}${o.model ? ` (${o.model})` : ''}`
                      : ''}
                    {o.costUsd !== undefined ? `${o.tokens ? '; ' : ''}${o.costUsd.toFixed(4)} USD` : ''}
                  </dd>
                </>
              ) : null}
            </>
          ) : null}
          <dt>Session</dt>
          <dd class="mono">{d.sessionId ?? <span class="muted">none yet</span>}</dd>
          {d.note ? (
            <>
              <dt>Note</dt>
              <dd>{d.note}</dd>
            </>
          ) : null}
        </dl>
      </section>

      <section id="job-history" data-region="" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <DataTable
          rows={d.history}
          columns={[
            { label: 'When', cell: (h) => <Time iso={h.at} now={now} /> },
            { label: 'State', cell: (h) => <StateBadge state={h.state} /> },
            { label: 'Detail', cell: (h) => h.detail ?? '' },
          ]}
        />
      </section>

      <section aria-labelledby="message-h">
        <h2 id="message-h">Request</h2>
        {d.request.message ? <pre data-testid="job-message">{d.request.message}</pre> : <p class="muted">No message (asked with the label): the issue is the task.</p>}
        {d.prompt ? (
          <details>
            <summary>The prompt the agent got</summary>
            <pre data-testid="job-prompt">{d.prompt}</pre>
          </details>
        ) : null}
      </section>

      <section aria-labelledby="log-h">
        <h2 id="log-h">Agent output</h2>
        {props.log?.dropped ? <p class="muted">The first {props.log.dropped} bytes of the output are no longer kept; the newest part follows.</p> : null}
        <pre
          id="job-log"
          class="log"
          role="region"
          tabindex={0}
          aria-label="Agent output"
          aria-live={active ? 'polite' : undefined}
          data-job-id={job.id}
          data-after={String(props.log?.next ?? 0)}
          data-follow={props.log?.complete === false || (props.log === undefined && active) ? '' : undefined}
        >
          {props.log && props.log.text !== '' ? props.log.text : <span class="empty">{active ? 'No output yet.' : 'No output was recorded.'}</span>}
        </pre>
      </section>

      <section id="job-outbox" data-region="" aria-labelledby="outbox-h">
        <h2 id="outbox-h">Gitea writes</h2>
        {d.outbox.length === 0 ? (
          <p class="empty">This job has not caused a Gitea write yet.</p>
        ) : (
          <DataTable
            rows={d.outbox}
            columns={[
              { label: 'Write', mono: true, cell: (w) => w.kind },
              {
                label: 'Delivered',
                cell: (w) => (
                  <>
                    {w.state === 'done' ? 'yes' : w.state === 'failed' ? 'no — given up' : 'not yet'}
                    {w.state === 'done' && w.doneAt ? (
                      <>
                        {' '}
                        <Time iso={w.doneAt} now={now} />
                      </>
                    ) : null}
                    {w.state === 'pending' && w.nextAttemptAt ? (
                      <>
                        {' '}
                        (next try <Time iso={w.nextAttemptAt} now={now} />)
                      </>
                    ) : null}
                  </>
                ),
              },
              { label: 'Failed tries', num: true, cell: (w) => w.attempts },
              { label: 'Queued', cell: (w) => <Time iso={w.createdAt} now={now} /> },
              { label: 'Last error', cell: (w) => w.lastError ?? '' },
            ]}
          />
        )}
      </section>
    </Layout>
  );
}
