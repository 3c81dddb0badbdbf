import type { IssueKey } from '../domain/issue-key.js';
import { GiteaError, type GiteaClient, type GiteaLabel } from '../gitea/types.js';
import type { JobStore } from '../store/job-store.js';
import type { OutboxOp } from '../domain/outbox.js';
import type { StateLabelCache } from './state-label-cache.js';
import { issueLabelKey, STATE_LABELS, type StateLabelKey } from './state-labels.js';

type StateLabelOp = Extract<OutboxOp, { kind: 'state_label' }>;

/** What {@link sendStateLabel} needs. */
export interface StateLabelDeps {
  store: Pick<JobStore, 'listByIssue'>;
  gitea: Pick<GiteaClient, 'addIssueLabels' | 'removeIssueLabel' | 'getIssue'>;
  labels: StateLabelCache;
}

/**
 * Puts the label of the work issue's *current* state (read from the store now, see
 * {@link issueLabelKey}) on issue or PR `op.number` and takes the other state labels off.
 * Gitea facts (contract §5, v1.25.4): labels are added with `POST …/issues/{n}/labels` by id (ids
 * and names may not be mixed, and unknown ids are silently ignored — so the answer, the issue's
 * labels afterwards, is checked for ours and the repository's labels are looked up again once when
 * it is missing); they are removed with `DELETE …/issues/{n}/labels/{id}`, by id only, where 404 or
 * 422 ("label does not exist") mean it is already off. With no label to add (after a cancel) the
 * issue's labels are read with `GET …/issues/{n}`. Resolves with the label applied, so the caller
 * can tell whether the issue's state moved on meanwhile.
 */
export async function sendStateLabel(op: StateLabelOp, deps: StateLabelDeps): Promise<StateLabelKey | undefined> {
  const want = issueLabelKey(await deps.store.listByIssue(op.issueKey as IssueKey), op.state);
  const present = want === undefined ? (await deps.gitea.getIssue(op.owner, op.repo, op.number)).labels : await addStateLabel(op, want, deps);
  const stale = STATE_LABELS.filter((s) => s.key !== want).map((s) => s.name.toLowerCase());
  for (const label of present) {
    if (!stale.includes(label.name.toLowerCase())) continue;
    try {
      await deps.gitea.removeIssueLabel(op.owner, op.repo, op.number, label.id);
    } catch (err) {
      if (!(err instanceof GiteaError && (err.status === 404 || err.status === 422))) throw err;
    }
  }
  return want;
}

/** Adds the label by id; returns the issue's labels afterwards. */
async function addStateLabel(op: StateLabelOp, want: StateLabelKey, deps: StateLabelDeps): Promise<GiteaLabel[]> {
  for (let attempt = 1; ; attempt++) {
    const id = (await deps.labels.ids(op.owner, op.repo)).get(want)!;
    const after = await deps.gitea.addIssueLabels(op.owner, op.repo, op.number, [id]);
    if (after.some((l) => l.id === id)) return after;
    // Gitea ignored an id it does not know: the label was deleted since it was cached.
    deps.labels.forget(op.owner, op.repo);
    if (attempt === 2) throw new Error(`Gitea did not add label id ${id} to ${op.owner}/${op.repo}#${op.number}`);
  }
}
