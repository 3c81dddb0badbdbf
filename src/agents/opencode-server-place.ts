import path from 'node:path';
import type { AgentSandbox } from './agent-sandbox.js';
import type { AgentContext } from './create-agent.js';

/**
 * Where warm opencode's server runs in a state dir (`KUGETSU_OPENCODE_MODE=serve`): its own
 * directory `<state>/opencode-serve` (HOME and opencode's data dir in the sandbox, `server.log`),
 * and a sandbox (`AgentSandbox.forServer`) showing read-write every issue worktree
 * (`<state>/worktrees`, the workspace's layout) and read-only the shared clones the worktrees borrow
 * their objects from (`<state>/repos`). The rest of the state dir (database, prompts, other issues'
 * agent dirs, logs) stays hidden. With the sandbox off the server runs as kugetsu's user.
 */
export function opencodeServerPlace(sandbox: AgentSandbox, stateDir: string): NonNullable<AgentContext['opencodeServer']> {
  const dir = path.join(stateDir, 'opencode-serve');
  const worktreesRoot = path.join(stateDir, 'worktrees');
  return {
    dir,
    worktreesRoot,
    sandbox: sandbox.forServer({ rw: [worktreesRoot], ro: [path.join(stateDir, 'repos')], agentDir: dir }),
  };
}
