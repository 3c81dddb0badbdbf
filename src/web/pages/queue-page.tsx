import type { QueueLane } from '../dashboard-types.js';
import type { Viewer } from '../viewer.js';
import { IssueLink, JobLink, StateBadge, waitText } from './job-bits.js';
import { Layout } from './layout.js';
import { Elapsed, Time } from './time-text.js';

/**
 * The queue (`GET /queue`): one lane per issue that has work — the job that runs, then the jobs
 * that wait behind it in order, each with its place ("2nd of 4 waiting for an agent slot"). A live
 * region: refreshed when `/api/events` says something changed.
 */
export function QueuePage(props: { viewer: Viewer; lanes: QueueLane[]; now: number }) {
  const { lanes, now } = props;
  return (
    <Layout title="Queue" viewer={props.viewer} page="queue" live>
      <h1>Queue</h1>
      <section id="lanes" data-region="" aria-label="Issues with work">
        {lanes.length === 0 ? (
          <p class="empty">No issue has work queued or running.</p>
        ) : (
          <div class="lanes">
            {lanes.map((lane) => {
              const first = lane.running ?? lane.waiting[0];
              return (
                <article class="lane" data-issue={lane.issueKey} aria-labelledby={`lane-${laneId(lane.issueKey)}`}>
                  <h3 id={`lane-${laneId(lane.issueKey)}`}>{first ? <IssueLink job={first} /> : lane.issueKey}</h3>
                  <ol>
                    {lane.running ? (
                      <li data-job={lane.running.id}>
                        <JobLink id={lane.running.id} /> <StateBadge state="running" /> by {lane.running.sender}
                        {lane.running.startedAt ? (
                          <>
                            {' '}
                            for <Elapsed since={lane.running.startedAt} now={now} />
                          </>
                        ) : null}
                        {lane.running.workerId ? <span class="muted"> on {lane.running.workerId}</span> : null}
                      </li>
                    ) : null}
                    {lane.waiting.map((job) => (
                      <li data-job={job.id}>
                        <JobLink id={job.id} /> <StateBadge state={job.state} /> by {job.sender}, since <Time iso={job.createdAt} now={now} />
                        {job.position ? <span class="muted"> — {job.position.text}</span> : null}
                        {job.waiting ? (
                          <span class="muted">
                            {' '}
                            — waits for {waitText(job.waiting.reason)} until <Time iso={job.waiting.until} now={now} /> ({job.waiting.detail})
                          </span>
                        ) : null}
                      </li>
                    ))}
                  </ol>
                </article>
              );
            })}
          </div>
        )}
      </section>
    </Layout>
  );
}

/** An element id from an issue key (`acme/app#7` → `acme-app-7`). */
function laneId(issueKey: string): string {
  return issueKey.replace(/[^A-Za-z0-9_-]+/g, '-');
}
