/**
 * One problem in `KUGETSU_WEBHOOKS_DIR`, located at the key or value it is about. `text` is the
 * whole line to print: `<file>:<line>:<col>: <message>`, where the message says what to change.
 */
export interface RepoConfigError {
  /** The file as displayed: the directory as configured joined with the file's relative path. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
  /** `<file>:<line>:<col>: <message>`. */
  text: string;
}

/** Builds a {@link RepoConfigError} and its printable `text`. */
export function repoConfigError(file: string, line: number, col: number, message: string): RepoConfigError {
  return { file, line, col, message, text: `${file}:${line}:${col}: ${message}` };
}
