import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** What a stored session id may look like: 1–256 characters of letters, digits and `_ . : @ + = / -`, starting with a letter or digit. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@+=/-]{0,255}$/;

/** Largest session file read, in bytes. */
const MAX_BYTES = 4096;

/**
 * The session id an agent left in its session file (`KUGETSU_SESSION_FILE`): the trimmed content
 * when it matches {@link SESSION_ID_PATTERN}, else `undefined` (missing, empty, too long, not a
 * regular file, or a symlink — opened with `O_NOFOLLOW`, so an agent cannot make kugetsu read
 * another file through it and show that as a session id). Never throws.
 */
export async function readSessionFile(file: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const s = await handle.stat();
    if (!s.isFile() || s.size > MAX_BYTES) return undefined;
    const text = (await handle.readFile('utf8')).trim();
    return SESSION_ID_PATTERN.test(text) ? text : undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `content` (a session id or `""`) to the session file, mode 0600, without following a
 * symlink at its path (`O_NOFOLLOW`: a planted link makes this throw instead of truncating the
 * file it points to). Throws the fs error.
 */
export async function writeSessionFile(file: string, content: string): Promise<void> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
}
