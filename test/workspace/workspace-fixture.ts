/** Shared setup of the workspace tests: a temp root with a bare origin and a state dir. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoRef } from '../../src/domain/repo-ref.js';
import { createWorkspace, type GitWorkspace } from '../../src/workspace/create-workspace.js';
import type { WorkspaceLogEntry, WorkspaceOptions } from '../../src/workspace/workspace-options.js';
import { createBareOrigin, makeTempDir, removeDir, type OriginOptions } from '../support/git-fixtures.js';

/** A RepoRef for `owner/name` cloned from `cloneUrl`, default branch `main`. */
export function repoRef(cloneUrl: string, owner = 'acme', name = 'widgets'): RepoRef {
  return {
    owner,
    name,
    fullName: `${owner}/${name}`,
    cloneUrl,
    defaultBranch: 'main',
    htmlUrl: `https://gitea.example.test/${owner}/${name}`,
  };
}

/** Everything a workspace test needs; call `cleanup()` in afterEach. */
export interface WorkspaceFixture {
  root: string;
  origin: string;
  stateDir: string;
  repo: RepoRef;
  logs: WorkspaceLogEntry[];
  workspace: GitWorkspace;
  /** A second workspace over the same state dir with other options (e.g. a token). */
  makeWorkspace(options?: Partial<WorkspaceOptions>): GitWorkspace;
  cleanup(): void;
}

/** Creates the temp root, `origin.git` (see createBareOrigin) and a workspace on `<root>/state`. */
export function setupWorkspace(origin: OriginOptions = {}): WorkspaceFixture {
  const root = makeTempDir('kugetsu-ws-');
  const originPath = createBareOrigin(root, origin);
  const stateDir = join(root, 'state');
  mkdirSync(stateDir);
  const logs: WorkspaceLogEntry[] = [];
  const makeWorkspace = (options: Partial<WorkspaceOptions> = {}) => createWorkspace({ stateDir, logger: (entry) => logs.push(entry), ...options });
  return {
    root,
    origin: originPath,
    stateDir,
    repo: repoRef(originPath),
    logs,
    workspace: makeWorkspace(),
    makeWorkspace,
    cleanup: () => removeDir(root),
  };
}
