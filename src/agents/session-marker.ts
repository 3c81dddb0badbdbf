import { constants } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';

/** Name of the marker file at the top of an issue's agent dir. */
export const SESSION_MARKER_FILE = 'kugetsu-session.json';

/** Largest marker read, in bytes. */
const MAX_BYTES = 4096;

/**
 * Which stored session the agent dir holds: the agent, the session id, and the version — the
 * {@link sessionVersion} of the export this agent dir made (after a turn here) or imported. A
 * marker is a hint written by kugetsu, not a proof: the agent can write its agent dir, so the worst
 * a forged one does is make this next turn here continue its local copy instead of
 * importing (or import once more).
 */
export interface SessionMarker {
  agent: string;
  sessionId: string;
  version: string;
}

/** The version of an export: the hex SHA-256 of its bytes. */
export function sessionVersion(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The marker of `agentDir` (`<agentDir>/kugetsu-session.json`), or `undefined` when there is none
 * or it is not one: not a regular file (opened with `O_NOFOLLOW | O_NONBLOCK`, so a planted
 * symlink or FIFO is never followed or waited on), over 4 KiB, or not the JSON shape. Never throws.
 */
export async function readSessionMarker(agentDir: string): Promise<SessionMarker | undefined> {
  let handle;
  try {
    handle = await open(path.join(agentDir, SESSION_MARKER_FILE), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const s = await handle.stat();
    if (!s.isFile() || s.size > MAX_BYTES) return undefined;
    const m = JSON.parse(await handle.readFile('utf8')) as Partial<SessionMarker> | null;
    if (typeof m?.agent !== 'string' || typeof m.sessionId !== 'string' || typeof m.version !== 'string') return undefined;
    return { agent: m.agent, sessionId: m.sessionId, version: m.version };
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes the marker of `agentDir` (created when missing, 0700), mode 0600: whatever is at its path
 * first is removed (a symlink is removed, not followed), then the file is created exclusively with
 * `O_NOFOLLOW`. Throws the fs error.
 */
export async function writeSessionMarker(agentDir: string, marker: SessionMarker): Promise<void> {
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  const file = path.join(agentDir, SESSION_MARKER_FILE);
  await rm(file, { recursive: true, force: true });
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(marker)}\n`);
  } finally {
    await handle.close();
  }
}
