import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { agentHome, FILE_SAFE_SESSION_ID, MAX_SESSION_FILE_BYTES } from './session-home.js';
import type { SessionPlace, SessionTransfer } from './types.js';

/**
 * Claude Code's folder for the sessions of a working directory: `$HOME/.claude/projects/<cwd with
 * every character but letters and digits as ->` (Claude Code 2.1.332: `/tmp/a/wt` →
 * `-tmp-a-wt`; `docs/agents-offline.md`).
 */
export function claudeProjectDir(home: string, cwd: string): string {
  return path.join(home, '.claude', 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'));
}

/** True when `data` is a Claude Code session JSONL of `sessionId` (some line names it). */
function isSessionOf(data: Buffer, sessionId: string): boolean {
  const text = data.toString('utf8');
  return text.includes(`"sessionId":"${sessionId}"`) || text.includes(`"session_id":"${sessionId}"`);
}

/**
 * The session's JSONL file, read on the host from the agent home: first in the worktree's
 * project folder, else in any project folder (`--resume` finds a session from any cwd). Resolves
 * `{ok: false}` when the id is not file-safe, the file is missing, too big or not of this session.
 */
export async function exportClaudeSession(place: SessionPlace): Promise<SessionTransfer> {
  if (!FILE_SAFE_SESSION_ID.test(place.sessionId)) return { ok: false, problem: `not a Claude Code session id: ${JSON.stringify(place.sessionId.slice(0, 80))}` };
  const home = agentHome(place);
  if (!home) return { ok: false, problem: 'the agent has no HOME, so its sessions cannot be found' };
  const name = `${place.sessionId}.jsonl`;
  const projects = path.join(home, '.claude', 'projects');
  const dirs = [claudeProjectDir(home, place.worktree), ...(await readdir(projects).catch(() => [] as string[])).map((d) => path.join(projects, d))];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    const s = await stat(file).catch(() => undefined);
    if (!s?.isFile()) continue;
    if (s.size > MAX_SESSION_FILE_BYTES) return { ok: false, problem: `the session file ${file} is over ${MAX_SESSION_FILE_BYTES} bytes` };
    const data = await readFile(file);
    if (!isSessionOf(data, place.sessionId)) return { ok: false, problem: `${file} does not hold session ${place.sessionId}` };
    return { ok: true, data };
  }
  return { ok: false, problem: `Claude Code's file of session ${place.sessionId} was not found under ${projects}` };
}

/**
 * Writes an export of {@link exportClaudeSession} as `<project dir of the worktree>/<id>.jsonl` in the
 * issue's agent home (owner-only), where `claude --resume <id>` finds it. `data` must name the session.
 */
export async function importClaudeSession(place: SessionPlace, data: Buffer): Promise<SessionTransfer> {
  if (!FILE_SAFE_SESSION_ID.test(place.sessionId)) return { ok: false, problem: `not a Claude Code session id: ${JSON.stringify(place.sessionId.slice(0, 80))}` };
  if (!isSessionOf(data, place.sessionId)) return { ok: false, problem: `the stored export is not Claude Code's session ${place.sessionId}` };
  const home = agentHome(place);
  if (!home) return { ok: false, problem: 'the agent has no HOME to import the session into' };
  try {
    const dir = claudeProjectDir(home, place.worktree);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, `${place.sessionId}.jsonl`), data, { mode: 0o600 });
    return { ok: true, data };
  } catch (err) {
    return { ok: false, problem: `the session file could not be written (${(err as Error).message})` };
  }
}
