import { truncateUtf8 } from '../domain/truncate-utf8.js';
import { sanitizeUntrusted } from '../domain/untrusted-text.js';

/**
 * Largest `KUGETSU_MESSAGE` value, in bytes of UTF-8: a quarter of Linux's limit for one argument
 * or environment string, `MAX_ARG_STRLEN` = 32 pages = 131072 bytes including `NAME=` and the NUL
 * (include/uapi/linux/binfmts.h), so the rest of the environment keeps its room too.
 */
export const MESSAGE_ENV_MAX_BYTES = 32 * 1024;

/**
 * The message variables of a command agent: `KUGETSU_MESSAGE`, the message cleaned by
 * `sanitizeUntrusted` (again: the caller hands it cleaned and masked, and cleaning twice changes
 * nothing — this keeps the channel clean whoever calls it, and a NUL never reaches `execve`) — cut to
 * {@link MESSAGE_ENV_MAX_BYTES} with a note saying so when longer (a whole one of 128 KiB or more
 * would make `execve` fail with E2BIG) — and `KUGETSU_MESSAGE_FILE`, the file with the whole
 * message (`""` when there is none). Pure.
 */
export function messageEnv(untrusted: string, messageFile: string | undefined): { KUGETSU_MESSAGE: string; KUGETSU_MESSAGE_FILE: string } {
  const message = sanitizeUntrusted(untrusted);
  const file = messageFile ?? '';
  const note = `\n\n[kugetsu: the message is cut here; ${Buffer.byteLength(message, 'utf8')} bytes in all${file ? ', the whole message is in $KUGETSU_MESSAGE_FILE' : ''}]`;
  const cut = truncateUtf8(message, MESSAGE_ENV_MAX_BYTES);
  const value = cut.cut ? `${truncateUtf8(message, MESSAGE_ENV_MAX_BYTES - Buffer.byteLength(note, 'utf8')).text}${note}` : message;
  return { KUGETSU_MESSAGE: value, KUGETSU_MESSAGE_FILE: file };
}
