import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { repoLabel, type RepoRef } from '../domain/repo-ref.js';
import { redactUrl } from './clone-url.js';
import { explainGitFailure } from './explain-git-failure.js';
import type { WorkspaceContext } from './workspace-context.js';

/** Refspec that gives a bare clone `refs/remotes/origin/*` (a `--mirror` clone would not). */
export const ORIGIN_FETCH_REFSPEC = '+refs/heads/*:refs/remotes/origin/*';

/**
 * Makes sure the bare shared clone at `clonePath` exists and is up to date:
 * - first use: `git clone --bare -c remote.origin.fetch=<{@link ORIGIN_FETCH_REFSPEC}> -- <url> <tmp>`
 *   (`refs/heads/*` and `refs/remotes/origin/*` both filled), then rename `<tmp>` to `clonePath`
 *   (so a crash never leaves a half-made clone at the real path);
 * - afterwards: realign `remote.origin.url` with `repo.cloneUrl` if it changed (read once per
 *   process and URL: `ctx.originUrls`), then `git fetch --prune origin` — with git's automatic
 *   maintenance after it (`git maintenance run --auto`: `gc --auto` when loose objects or packs
 *   piled up, git-maintenance(1)) unless `options.autoMaintenance` is false
 *   (`--no-auto-maintenance`: the caller leaves it to a later fetch).
 * Returns whether it cloned. Throws {@link WorkspaceError} phase `clone` or `fetch`.
 * The caller must hold the repository's lock and have validated `repo`.
 */
export async function ensureSharedClone(ctx: WorkspaceContext, repo: RepoRef, clonePath: string, options: { autoMaintenance?: boolean } = {}): Promise<'cloned' | 'fetched'> {
  const url = repo.cloneUrl;
  const shown = redactUrl(url);
  if (!(await isDirectory(clonePath))) {
    const parent = dirname(clonePath);
    await mkdir(parent, { recursive: true });
    const tmpName = `${basename(clonePath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmp = `${parent}/${tmpName}`;
    try {
      // One command: `-c` writes the refspec into the new clone's configuration before its initial
      // fetch, which then also fills refs/remotes/origin/* (git-clone(1) `--config`). Not --quiet:
      // git then prints "Cloning into…", and simple-git does not wait 50 ms after it.
      await ctx.git.run(['clone', '--bare', '-c', `remote.origin.fetch=${ORIGIN_FETCH_REFSPEC}`, '--', url, tmpName], { cwd: parent, remoteUrl: url });
      await rename(tmp, clonePath);
      ctx.originUrls.set(clonePath, url);
    } catch (error) {
      await rm(tmp, { recursive: true, force: true });
      throw explainGitFailure('clone', `could not clone ${shown}`, error);
    }
    ctx.logger({ level: 'info', msg: 'cloned repository', repo: repoLabel(repo), clonePath });
    return 'cloned';
  }
  try {
    if (ctx.originUrls.get(clonePath) !== url) {
      const current = await ctx.git.run(['config', '--get', 'remote.origin.url'], { cwd: clonePath, okExitCodes: [0, 1] });
      if (current.stdout.trim() !== url) {
        await ctx.git.run(['config', 'remote.origin.url', url], { cwd: clonePath });
        ctx.logger({ level: 'warn', msg: 'clone URL changed; updated origin', repo: repoLabel(repo), url: shown });
      }
      ctx.originUrls.set(clonePath, url);
    }
    // --verbose, not --quiet: git then always prints (a "From …" line), and simple-git does not add
    // its 50 ms wait for commands that print nothing. The output is not used.
    const maintenance = options.autoMaintenance === false ? ['--no-auto-maintenance'] : [];
    await ctx.git.run(['fetch', '--prune', '--verbose', ...maintenance, '--', 'origin'], { cwd: clonePath, remoteUrl: url });
  } catch (error) {
    throw explainGitFailure('fetch', `could not fetch ${shown} into ${clonePath}`, error);
  }
  return 'fetched';
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
