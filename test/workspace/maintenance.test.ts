import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, pushUpstreamCommit } from '../support/git-fixtures.js';
import { setupWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

let fx: WorkspaceFixture;
beforeEach(() => {
  fx = setupWorkspace();
});
afterEach(() => fx.cleanup());

/** The shared clone's number of packs (git-count-objects(1)). */
function packs(clone: string): number {
  return Number(/^packs: (\d+)$/m.exec(git(clone, ['count-objects', '-v']))?.[1]);
}

describe("the shared clone's automatic maintenance", () => {
  it("is left out of a follow-up's fetch and done by the fetch before the next new worktree", async () => {
    await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    const clone = join(fx.stateDir, 'repos', 'acme', 'widgets.git');
    // Every fetch keeps its pack; more than one pack is enough for `gc --auto` to repack, in the foreground.
    git(clone, ['config', 'fetch.unpackLimit', '1']);
    git(clone, ['config', 'gc.autoPackLimit', '1']);
    git(clone, ['config', 'gc.autoDetach', 'false']);
    git(clone, ['repack', '-a', '-d', '-q']);
    expect(packs(clone)).toBe(1);

    const upstream = pushUpstreamCommit(fx.origin, { 'later.txt': 'later\n' });
    const followUp = await fx.workspace.prepare(fx.repo, 1, 'kugetsu/issue-1');
    expect(git(followUp.path, ['rev-parse', 'refs/remotes/origin/main'])).toBe(upstream);
    expect(packs(clone)).toBe(2);

    const newer = pushUpstreamCommit(fx.origin, { 'newer.txt': 'newer\n' });
    const fresh = await fx.workspace.prepare(fx.repo, 2, 'kugetsu/issue-2');
    expect(fresh).toMatchObject({ created: true, startSha: newer });
    expect(packs(clone)).toBe(1);
    expect(git(clone, ['fsck', '--no-progress'])).toBe('');
  });
});
