import { currentInstance } from '../gitea/instance-scope.js';
import type { GiteaClient } from '../gitea/types.js';
import { STATE_LABELS, type StateLabelKey } from './state-labels.js';

/**
 * The ids of the state labels of each repository, created there on first use: one
 * `GET /repos/{o}/{r}/labels` (every page), then `POST /repos/{o}/{r}/labels` for each missing one
 * (name, colour, description; Gitea v1.25.4 swagger `issueCreateLabel`). Names match
 * case-insensitively, so labels someone created by hand are reused. Kept per process; concurrent
 * callers for one repository share one look-up (no label is created twice); a failed look-up is
 * forgotten so the next call starts again (a create whose answer was lost is found by the list).
 */
export class StateLabelCache {
  private readonly byRepo = new Map<string, Promise<ReadonlyMap<StateLabelKey, number>>>();

  constructor(private readonly gitea: Pick<GiteaClient, 'listRepoLabels' | 'createLabel'>) {}

  /** The label ids of `owner/repo`, creating the missing labels. Rejects with the client's `GiteaError`. */
  ids(owner: string, repo: string): Promise<ReadonlyMap<StateLabelKey, number>> {
    const key = cacheKey(owner, repo);
    const cached = this.byRepo.get(key);
    if (cached) return cached;
    const loading = this.load(owner, repo);
    this.byRepo.set(key, loading);
    loading.catch(() => {
      if (this.byRepo.get(key) === loading) this.byRepo.delete(key);
    });
    return loading;
  }

  /** Forgets `owner/repo` (a cached id turned out to be gone: the labels were deleted). */
  forget(owner: string, repo: string): void {
    this.byRepo.delete(cacheKey(owner, repo));
  }

  private async load(owner: string, repo: string): Promise<ReadonlyMap<StateLabelKey, number>> {
    const existing = await this.gitea.listRepoLabels(owner, repo);
    const ids = new Map<StateLabelKey, number>();
    for (const spec of STATE_LABELS) {
      const found = existing.find((l) => l.name.toLowerCase() === spec.name.toLowerCase());
      const label = found ?? (await this.gitea.createLabel(owner, repo, { name: spec.name, color: spec.color, description: spec.description }));
      ids.set(spec.key, label.id);
    }
    return ids;
  }
}

/** Label ids are an instance's own: the same owner/repo on two instances has two sets. */
function cacheKey(owner: string, repo: string): string {
  return `${currentInstance() ?? ''}\n${owner}/${repo}`.toLowerCase();
}
