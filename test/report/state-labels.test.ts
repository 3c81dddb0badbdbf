import { describe, expect, it } from 'vitest';
import type { GiteaClient } from '../../src/gitea/types.js';
import type { Job } from '../../src/domain/job.js';
import { DEFAULT_REPORT_SETTINGS, stateLabelItems } from '../../src/report/report-items.js';
import { useFakeGitea } from '../support/fake-gitea.js';
import { admitJob, clientFor, seedIssues, startWorker, tempStore } from './outbox-fixtures.js';
import { advance, labelId, stateLabelsOf } from './report-fixtures.js';

const gitea = useFakeGitea({ seed: (fake) => seedIssues(fake, 2) });
const COMMENTS_1 = '/repos/acme/app/issues/1/comments';
const LABELS = /^\/repos\/acme\/app\/labels(\?|$)/;
const ISSUE_1_LABELS = '/repos/acme/app/issues/1/labels';
const EDIT = /^\/repos\/acme\/app\/issues\/comments\/\d+$/;
const queuedLabel = (job: Job) => stateLabelItems(job, 'queued');

describe('state labels mirrored on the issue', () => {
  it('creates the four labels once, with colours and descriptions, and mirrors queued → running → done → queued → running → failed by id', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { outbox: queuedLabel });
    expect(await worker.drain(2000)).toBe(true);

    expect(stateLabelsOf(fake)).toEqual([
      'kugetsu/queued #c5c8ce kugetsu: a job for this issue is waiting for an agent',
      'kugetsu/running #1f75cb kugetsu: an agent is working on this issue',
      'kugetsu/done #2ea44f kugetsu: the last job for this issue succeeded',
      'kugetsu/failed #d73a4a kugetsu: the last job for this issue failed',
    ]);
    const [queued, running, done, failed] = ['queued', 'running', 'done', 'failed'].map((s) => labelId(fake, `kugetsu/${s}`)) as [number, number, number, number];
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/queued']);
    fake.expectCalls([
      { method: 'POST', path: COMMENTS_1, status: 201 },
      { method: 'GET', path: LABELS, status: 200 },
      {
        method: 'POST',
        path: '/repos/acme/app/labels',
        status: 201,
        body: { name: 'kugetsu/queued', color: 'c5c8ce', description: 'kugetsu: a job for this issue is waiting for an agent' },
      },
      {
        method: 'POST',
        path: '/repos/acme/app/labels',
        status: 201,
        body: { name: 'kugetsu/running', color: '1f75cb', description: 'kugetsu: an agent is working on this issue' },
      },
      {
        method: 'POST',
        path: '/repos/acme/app/labels',
        status: 201,
        body: { name: 'kugetsu/done', color: '2ea44f', description: 'kugetsu: the last job for this issue succeeded' },
      },
      {
        method: 'POST',
        path: '/repos/acme/app/labels',
        status: 201,
        body: { name: 'kugetsu/failed', color: 'd73a4a', description: 'kugetsu: the last job for this issue failed' },
      },
      { method: 'POST', path: ISSUE_1_LABELS, status: 200, body: { labels: [queued] } },
    ]);

    // The ids are cached: no more label look-ups; the old state's label is removed by id.
    await advance(store, job, 'running');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    fake.expectCalls([
      { method: 'PATCH', path: EDIT, status: 200 },
      { method: 'POST', path: ISSUE_1_LABELS, status: 200, body: { labels: [running] } },
      { method: 'DELETE', path: `${ISSUE_1_LABELS}/${queued}`, status: 204 },
    ]);

    await advance(store, job, 'succeeded');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/done']);
    fake.expectCalls([
      { method: 'PATCH', path: EDIT, status: 200 },
      { method: 'POST', path: ISSUE_1_LABELS, status: 200, body: { labels: [done] } },
      { method: 'DELETE', path: `${ISSUE_1_LABELS}/${running}`, status: 204 },
    ]);

    // A second job of the issue: queued again, then running, then failed.
    const second = await admitJob(store, 1, '1b', { outbox: queuedLabel });
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/queued']);
    await advance(store, second, 'running');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    await advance(store, second, 'failed');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/failed']);
    const calls = fake.takeCalls();
    expect(calls.filter((c) => c.method === 'POST' && c.path === ISSUE_1_LABELS).map((c) => c.body)).toEqual([{ labels: [queued] }, { labels: [running] }, { labels: [failed] }]);
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([`${ISSUE_1_LABELS}/${done}`, `${ISSUE_1_LABELS}/${queued}`, `${ISSUE_1_LABELS}/${running}`]);
    expect(calls.filter((c) => LABELS.test(c.path))).toEqual([]); // ids still cached
    expect(stateLabelsOf(fake)).toHaveLength(4);
  });

  it('state changes committed while the worker slept coalesce into one label write of the latest state', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const job = await admitJob(store, 1, '1', { outbox: queuedLabel });
    await advance(store, job, 'running');
    await advance(store, job, 'succeeded');
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    expect(await worker.drain(2000)).toBe(true);

    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/done']);
    const labelWrites = fake.takeCalls().filter((c) => c.path.startsWith(ISSUE_1_LABELS));
    expect(labelWrites.map((c) => [c.method, c.body])).toEqual([['POST', { labels: [labelId(fake, 'kugetsu/done')] }]]);
  });

  it('a state change committed while its label was being written is applied right after', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const job = await admitJob(store, 1, '1', { outbox: queuedLabel });
    const client = clientFor(fake);
    let raced = false;
    const racing: GiteaClient = {
      ...client,
      addIssueLabels: async (...args) => {
        if (!raced) {
          raced = true; // the job starts while "queued" is on its way: its item coalesces into this one
          await advance(store, job, 'running');
        }
        return client.addIssueLabels(...args);
      },
    };
    const { worker } = startWorker({ store, gitea: racing });
    expect(await worker.drain(2000)).toBe(true);

    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    const adds = fake.takeCalls().filter((c) => c.method === 'POST' && c.path === ISSUE_1_LABELS);
    expect(adds.map((c) => c.body)).toEqual([{ labels: [labelId(fake, 'kugetsu/queued')] }, { labels: [labelId(fake, 'kugetsu/running')] }]);
  });

  it('a cancel takes every state label off', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { outbox: queuedLabel });
    await advance(store, job, 'running');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    fake.takeCalls();

    await advance(store, job, 'canceled');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual([]);
    fake.expectCalls([
      { method: 'PATCH', path: EDIT, status: 200 },
      { method: 'GET', path: '/repos/acme/app/issues/1', status: 200 },
      { method: 'DELETE', path: `${ISSUE_1_LABELS}/${labelId(fake, 'kugetsu/running')}`, status: 204 },
    ]);
  });

  it('reuses labels someone created by hand, and looks again when Gitea ignores an id it no longer knows', async () => {
    const { fake } = gitea;
    fake.addLabel('acme/app', 'Kugetsu/Queued', { color: 'ffffff', description: 'made by hand' });
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const job = await admitJob(store, 1, '1', { outbox: queuedLabel });
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['Kugetsu/Queued']);
    expect(stateLabelsOf(fake)).toHaveLength(3); // running, done, failed created; the hand-made one kept
    fake.takeCalls();

    // Someone deletes kugetsu/running: adding its cached id is silently ignored by Gitea.
    const labels = fake.repo('acme/app').labels;
    const staleId = labelId(fake, 'kugetsu/running');
    labels.splice(
      labels.findIndex((l) => l.id === staleId),
      1,
    );
    await advance(store, job, 'running');
    expect(await worker.drain(2000)).toBe(true);
    const fresh = labelId(fake, 'kugetsu/running');
    expect(fresh).not.toBe(staleId);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    fake.expectCalls([
      { method: 'PATCH', path: EDIT, status: 200 },
      { method: 'POST', path: ISSUE_1_LABELS, status: 200, body: { labels: [staleId] } },
      { method: 'GET', path: LABELS, status: 200 },
      { method: 'POST', path: '/repos/acme/app/labels', status: 201 },
      { method: 'POST', path: ISSUE_1_LABELS, status: 200, body: { labels: [fresh] } },
      { method: 'DELETE', path: `${ISSUE_1_LABELS}/${labelId(fake, 'Kugetsu/Queued')}`, status: 204 },
    ]);
  });

  it('mirrors the state on the PR the status comment is on as well, and writes nothing when state labels are off', async () => {
    const { fake } = gitea;
    const store = tempStore();
    const { worker } = startWorker({ store, gitea: clientFor(fake) });
    const onPr = await admitJob(store, 1, '1', { extra: { replyTo: 2 }, outbox: queuedLabel });
    await advance(store, onPr, 'running');
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    expect(fake.issueLabelNames('acme/app', 2)).toEqual(['kugetsu/running']);
    fake.takeCalls();

    const off = { ...DEFAULT_REPORT_SETTINGS, stateLabels: false };
    expect(stateLabelItems(onPr, 'queued', off)).toEqual([]);
    await advance(store, onPr, 'succeeded', { settings: off });
    expect(await worker.drain(2000)).toBe(true);
    expect(fake.issueLabelNames('acme/app', 1)).toEqual(['kugetsu/running']);
    fake.expectCalls([{ method: 'PATCH', path: EDIT, status: 200 }]);
  });
});
