/**
 * A git process that exited with a status the caller did not expect (or could not be run).
 * `message` and `stderr` are already masked. Internal to the workspace: callers turn it into a
 * {@link WorkspaceError} with a phase and an explanation.
 */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    /** The git arguments, masked. */
    readonly args: readonly string[],
    /** Exit status; `-1` when git could not be started or was killed. */
    readonly exitCode: number,
    /** git's standard error (or the spawn failure), masked and trimmed. */
    readonly stderr: string,
  ) {
    super(`git ${args[0] ?? ''} exited with ${exitCode}${stderr ? `: ${stderr}` : ''}`);
  }
}
