import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCaptured } from './run-captured.js';
import { SESSION_ID_PATTERN } from './session-file.js';
import type { SessionPlace, SessionTransfer } from './types.js';

/** Largest session export kept, in bytes (a long session with big tool outputs is a few MB). */
export const MAX_OPENCODE_EXPORT_BYTES = 64 * 1024 * 1024;

/**
 * The session an opencode export describes: its `info.id` when `data` is a JSON object with one
 * (opencode 1.18.33 `export` prints `{info: {id, slug, projectID, directory, …}, messages: […]}`),
 * else `undefined`.
 */
export function exportedSessionId(data: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(data.toString('utf8')) as { info?: { id?: unknown } } | null;
    const id = parsed?.info?.id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `opencode export --pure <sessionID>` in the issue's worktree and sandbox (facts checked with
 * opencode-ai 1.18.33, node_modules/opencode-ai: the session as JSON on stdout, "Exporting
 * session: …" on stderr, exit 0; an unknown id exits 1 with `Session not found`; **without an id
 * it waits for an interactive choice**, so the id is always given, checked against
 * `SESSION_ID_PATTERN` so that it can never be read as an option; `--pure` loads no plugins, so
 * nothing a worktree's `.opencode/` carries runs). The output must be JSON naming that session.
 */
export async function exportOpencodeSession(bin: string, place: SessionPlace): Promise<SessionTransfer> {
  if (!SESSION_ID_PATTERN.test(place.sessionId)) return { ok: false, problem: `not a session id: ${JSON.stringify(place.sessionId.slice(0, 80))}` };
  const r = await runCaptured({
    command: bin,
    args: ['export', '--pure', place.sessionId],
    cwd: place.worktree,
    env: place.env,
    sandbox: place.sandbox,
    timeoutMs: place.timeoutMs,
    maxBytes: MAX_OPENCODE_EXPORT_BYTES,
  });
  if (r.problem) return { ok: false, problem: r.problem };
  const id = exportedSessionId(r.stdout);
  if (id !== place.sessionId) {
    return { ok: false, problem: `opencode export printed ${id === undefined ? 'no session JSON' : `session ${id}`} instead of ${place.sessionId}` };
  }
  return { ok: true, data: r.stdout };
}

/**
 * `opencode import --pure <file>` in the issue's worktree and sandbox (opencode-ai 1.18.33:
 * "Imported session: <id>" on stdout, exit 0; a file that is not a session export exits 1; importing
 * a later export over an earlier copy of the session brings the later turns in). It must run in the
 * worktree: opencode files the session under the project of its working directory, and a session
 * imported under another project is not continued by `run --session` there. `data` must be JSON
 * naming `place.sessionId`; it is written to a fresh directory inside the agent dir (shown
 * read-write in the sandbox, owner-only), removed afterwards.
 */
export async function importOpencodeSession(bin: string, place: SessionPlace, data: Buffer): Promise<SessionTransfer> {
  const id = exportedSessionId(data);
  if (id !== place.sessionId) {
    return { ok: false, problem: `the stored export ${id === undefined ? 'is not an opencode session export' : `is of session ${id}`}, not of ${place.sessionId}` };
  }
  let dir: string | undefined;
  try {
    await mkdir(place.agentDir, { recursive: true, mode: 0o700 });
    dir = await mkdtemp(path.join(place.agentDir, 'import-'));
    const file = path.join(dir, 'session.json');
    await writeFile(file, data, { mode: 0o600, flag: 'wx' });
    const r = await runCaptured({
      command: bin,
      args: ['import', '--pure', file],
      cwd: place.worktree,
      env: place.env,
      sandbox: place.sandbox,
      timeoutMs: place.timeoutMs,
      maxBytes: 1024 * 1024,
    });
    return r.problem ? { ok: false, problem: r.problem } : { ok: true, data };
  } catch (err) {
    return { ok: false, problem: `the export could not be written for opencode import (${(err as Error).message})` };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
