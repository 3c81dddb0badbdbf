import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RepoRef } from '../domain/repo-ref.js';
import { createWorkspace } from '../workspace/create-workspace.js';
import { addCommit, generateRepo, git, GIT_ENV } from './generate-repo.js';
import { median, msSince } from './stats.js';

const run = promisify(execFile);

/** kugetsu's `prepare` vs the raw git commands for one case (medians, ms). */
export interface WorktreeCase {
  name: string;
  reps: number;
  kugetsuMs: number;
  rawMs: number;
  /** What the raw side ran. */
  raw: string;
}

/** Measurement 3. */
export interface WorktreeResult {
  files: number;
  commits: number;
  generateMs: number;
  cases: WorktreeCase[];
}

const rawGit = (cwd: string, args: string[]) => run('git', args, { cwd, env: GIT_ENV, maxBuffer: 64 * 2 ** 20 });

/**
 * Measurement 3, worktree preparation on a generated repository (`files` files, `commits` commits,
 * made with `git fast-import` in `tmp`): kugetsu's `Workspace.prepare` (src/workspace) for
 * (1) a first delegation — shared bare clone + worktree, (2) a later delegation on a new issue —
 * fetch + new worktree, (3) a follow-up on the same issue — fetch + reuse; each against the same
 * git commands run alone (`clone --bare`, `config`, `fetch --prune`, `worktree add`). Before each
 * later case one commit is added to the origin so every fetch has something to get. Medians;
 * kugetsu and raw take turns going first, in every case, so neither always gets the warmer page
 * cache (the first of the two fetches reads the origin's new objects from disk).
 */
export async function measureWorktree(options: {
  tmp: string;
  files: number;
  commits: number;
  firstReps: number;
  laterReps: number;
  log: (line: string) => void;
}): Promise<WorktreeResult> {
  const { tmp, files } = options;
  const origin = path.join(tmp, 'origin.git');
  const t = process.hrtime.bigint();
  await generateRepo(origin, files, options.commits);
  const generateMs = msSince(t);
  options.log(`worktree: generated ${files} files × ${options.commits} commits in ${(generateMs / 1000).toFixed(1)} s`);
  const repo: RepoRef = { owner: 'bench', name: 'big', fullName: 'bench/big', cloneUrl: origin, defaultBranch: 'main', htmlUrl: 'http://127.0.0.1/bench/big' };

  const kFirst: number[] = [];
  const rFirst: number[] = [];
  let stateDir = '';
  let rawDir = '';
  for (let r = 0; r < options.firstReps; r++) {
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    if (rawDir) rmSync(rawDir, { recursive: true, force: true });
    stateDir = path.join(tmp, `state-${r}`);
    rawDir = path.join(tmp, `raw-${r}`);
    const kugetsu = async () => {
      const ws = createWorkspace({ stateDir });
      const s = process.hrtime.bigint();
      await ws.prepare(repo, 1, 'kugetsu/issue-1');
      kFirst.push(msSince(s));
    };
    const raw = async () => {
      git(tmp, ['init', '--quiet', rawDir]); // a parent dir for the clone, like the state dir
      const s = process.hrtime.bigint();
      await rawGit(rawDir, ['clone', '--bare', '--quiet', '--', origin, 'app.git']);
      const clone = path.join(rawDir, 'app.git');
      await rawGit(clone, ['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
      await rawGit(clone, ['fetch', '--prune', '--quiet', '--', 'origin']);
      await rawGit(clone, ['worktree', 'add', '--quiet', '--no-track', '-b', 'b1', '--', path.join(rawDir, 'wt-1'), 'origin/main']);
      rFirst.push(msSince(s));
    };
    if (r % 2 === 0) await kugetsu(), await raw();
    else await raw(), await kugetsu();
  }

  const ws = createWorkspace({ stateDir });
  const clone = path.join(rawDir, 'app.git');
  const kLater: number[] = [];
  const rLater: number[] = [];
  const kFollow: number[] = [];
  const rFollow: number[] = [];
  /** Runs `work` and adds its time (ms) to `into`. */
  const timed = async (into: number[], work: () => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    await work();
    into.push(msSince(start));
  };
  /** Both sides of one case, in the order of rep `i` (kugetsu first on even reps). */
  const both = async (i: number, kugetsu: () => Promise<unknown>, raw: () => Promise<unknown>) => {
    if (i % 2 === 0) await kugetsu(), await raw();
    else await raw(), await kugetsu();
  };
  for (let i = 0; i < options.laterReps; i++) {
    await addCommit(origin, files, i);
    await both(
      i,
      () => timed(kLater, () => ws.prepare(repo, 100 + i, `kugetsu/issue-${100 + i}`)),
      () =>
        timed(rLater, async () => {
          await rawGit(clone, ['fetch', '--prune', '--quiet', '--', 'origin']);
          await rawGit(clone, ['worktree', 'add', '--quiet', '--no-track', '-b', `b${100 + i}`, '--', path.join(rawDir, `wt-${100 + i}`), 'origin/main']);
        }),
    );
    await addCommit(origin, files, 1000 + i);
    await both(
      i + 1,
      () => timed(kFollow, () => ws.prepare(repo, 1, 'kugetsu/issue-1')),
      () => timed(rFollow, () => rawGit(clone, ['fetch', '--prune', '--quiet', '--', 'origin'])),
    );
  }
  rmSync(tmp, { recursive: true, force: true });
  const cases: WorktreeCase[] = [
    { name: 'first delegation: clone + worktree', reps: kFirst.length, kugetsuMs: median(kFirst), rawMs: median(rFirst), raw: 'clone --bare, config, fetch --prune, worktree add' },
    { name: 'later delegation, new issue: fetch + worktree', reps: kLater.length, kugetsuMs: median(kLater), rawMs: median(rLater), raw: 'fetch --prune, worktree add' },
    { name: 'follow-up, same issue: fetch + reuse', reps: kFollow.length, kugetsuMs: median(kFollow), rawMs: median(rFollow), raw: 'fetch --prune' },
  ];
  for (const c of cases) options.log(`worktree: ${c.name}: kugetsu ${c.kugetsuMs.toFixed(0)} ms, raw ${c.rawMs.toFixed(0)} ms`);
  return { files, commits: options.commits, generateMs, cases };
}
