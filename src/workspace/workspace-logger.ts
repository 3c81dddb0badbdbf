/** One line of the workspace's log: what git did or decided, without secrets. */
export interface WorkspaceLogEntry {
  /** `debug` for every git command, `info` for decisions (cloned, reused…), `warn` for oddities. */
  level: 'debug' | 'info' | 'warn';
  /** Human-readable message, e.g. `"cloned repository"`. */
  msg: string;
  /** `owner/name` when the entry concerns one repository. */
  repo?: string;
  /** The git arguments (already masked) for `debug` command entries. */
  args?: readonly string[];
  /** Wall-clock duration of a git command in milliseconds. */
  durationMs?: number;
  /** Anything else worth a log field (paths, shas, branch names). */
  [field: string]: unknown;
}

/** Receives {@link WorkspaceLogEntry}s; must not throw. */
export type WorkspaceLogger = (entry: WorkspaceLogEntry) => void;
