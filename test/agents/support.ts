import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueKey } from '../../src/domain/issue-key.js';
import type { AgentTurn } from '../../src/agents/types.js';
import { NO_SANDBOX } from '../../src/agents/turn-sandbox.js';

/** Absolute path of the fake agent CLI. */
export const FAKE_AGENT = fileURLToPath(new URL('../support/fake-agent.mjs', import.meta.url));
/** The repository's opencode binary (devDependency opencode-ai). */
export const OPENCODE_BIN = fileURLToPath(new URL('../../node_modules/.bin/opencode', import.meta.url));

/** A fresh temp dir; remove it with the returned function. */
export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `kugetsu-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * True when the process is gone: no such pid, or a zombie (dead but not reaped: on these machines
 * pid 1 does not reap orphans, so a killed grandchild stays a zombie).
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * True once the process is gone ({@link isGone}) within `ms` (polled every 20 ms). A SIGKILL is
 * delivered when the kernel next runs the process: on two busy cores a killed grandchild can still
 * be exiting for a few ms after the runner has sent the signal and settled.
 */
export async function goneWithin(pid: number, ms = 2000): Promise<boolean> {
  for (const end = Date.now() + ms; !isGone(pid); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() >= end) return false;
  }
  return true;
}

/**
 * Host pids of live processes whose command line contains `token` (read from `/proc/<pid>/cmdline`;
 * zombies count as gone). Finds a sandboxed process from outside, where its own pid means nothing.
 */
export function hostProcessesWith(token: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(token) && !isGone(Number(name))) pids.push(Number(name));
  }
  return pids;
}

/** Reads a pid written by the fake agent's `grandchild:` action. */
export async function readPid(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8')).trim());
}

/** A turn in `dir` (worktree `dir/wt` must exist) with sensible defaults. */
export function makeTurn(dir: string, over: Partial<AgentTurn> = {}): AgentTurn {
  return {
    issueKey: issueKey('acme', 'app', 7),
    worktree: path.join(dir, 'wt'),
    branch: 'kugetsu/issue-7',
    promptFile: path.join(dir, 'prompt.md'),
    message: '',
    sessionId: undefined,
    sessionFile: path.join(dir, 'session-id'),
    timeoutMs: 20_000,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logFile: path.join(dir, 'logs', 'turn-1.log'),
    sandbox: NO_SANDBOX,
    ...over,
  };
}
