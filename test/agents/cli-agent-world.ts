import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentSandbox, type AgentSandbox } from '../../src/agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../../src/agents/sandbox-settings.js';
import type { AgentTurn, SessionPlace } from '../../src/agents/types.js';
import { issueKey } from '../../src/domain/issue-key.js';

/** The repository's Claude Code CLI as `npm` links it (`node_modules/.bin/claude`). */
export const CLAUDE_BIN = fileURLToPath(new URL('../../node_modules/.bin/claude', import.meta.url));
/** The repository's Codex CLI launcher (`node_modules/.bin/codex`, a Node script; the adapter runs the native binary). */
export const CODEX_BIN = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

/** One issue's paths in a state dir laid out as kugetsu lays it out (worktree, agent dir, prompt, session file). */
export interface IssuePlace {
  worktree: string;
  agentDir: string;
  promptFile: string;
  sessionFile: string;
  logDir: string;
}

/** Creates issue `n`'s paths under `state` with a git worktree (one commit on `main`). */
export function issuePlace(state: string, n: number): IssuePlace {
  const p: IssuePlace = {
    worktree: path.join(state, 'worktrees', 'acme', 'app', `issue-${n}`),
    agentDir: path.join(state, 'agents', 'acme', 'app', `issue-${n}`),
    promptFile: path.join(state, 'prompts', 'acme', 'app', `issue-${n}`, 'job.md'),
    sessionFile: path.join(state, 'sessions', 'acme', 'app', `issue-${n}.session`),
    logDir: path.join(state, 'logs', `issue-${n}`),
  };
  mkdirSync(p.worktree, { recursive: true });
  mkdirSync(path.dirname(p.promptFile), { recursive: true });
  mkdirSync(path.dirname(p.sessionFile), { recursive: true });
  writeFileSync(p.sessionFile, '');
  execFileSync('git', ['init', '-q', '-b', 'main', p.worktree]);
  execFileSync('git', ['-C', p.worktree, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'init']);
  return p;
}

/** The real bubblewrap sandbox with kugetsu's defaults. */
export function realSandbox(state: string): AgentSandbox {
  return createAgentSandbox({ ...DEFAULT_SANDBOX_SETTINGS }, { stateDir: state });
}

/** A turn of issue `p` in the real sandbox; `n` numbers its log file. */
export function sandboxedTurn(sandbox: AgentSandbox, p: IssuePlace, env: Record<string, string>, n: number, over: Partial<AgentTurn> = {}): AgentTurn {
  return {
    issueKey: issueKey('acme', 'app', 1),
    worktree: p.worktree,
    branch: 'kugetsu/issue-1',
    promptFile: p.promptFile,
    message: '',
    sessionId: undefined,
    sessionFile: p.sessionFile,
    timeoutMs: 60_000,
    env,
    logFile: path.join(p.logDir, `turn-${n}.log`),
    sandbox: sandbox.forTurn({ worktree: p.worktree, agentDir: p.agentDir, promptFile: p.promptFile, sessionFile: p.sessionFile }),
    agentDir: p.agentDir,
    ...over,
  } as AgentTurn;
}

/** The session place of issue `p` (as the job runner builds it). */
export function sessionPlace(sandbox: AgentSandbox, p: IssuePlace, env: Record<string, string>, sessionId: string): SessionPlace {
  return {
    issueKey: issueKey('acme', 'app', 1),
    sessionId,
    worktree: p.worktree,
    agentDir: p.agentDir,
    sessionFile: p.sessionFile,
    env,
    sandbox: sandbox.forTurn({ worktree: p.worktree, agentDir: p.agentDir, promptFile: p.promptFile, sessionFile: p.sessionFile }),
    timeoutMs: 30_000,
  };
}
