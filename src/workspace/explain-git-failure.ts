import { GitCommandError } from './git-command-error.js';
import { WorkspaceError, type WorkspacePhase } from './types.js';

const AUTH = /could not read (username|password)|authentication failed|terminal prompts disabled|\b40[13]\b|invalid credentials|access denied|permission denied/i;
const NOT_FOUND = /not found|does not exist|does not appear to be a git repository|\b404\b|no such file or directory/i;
const UNREACHABLE = /could not resolve host|failed to connect|couldn't connect|connection (refused|timed out|reset)|network is unreachable|ssl|certificate|tls/i;
const REJECTED = /\[rejected\]|non-fast-forward|fetch first|updates were rejected/i;
const REMOTE_REJECTED = /\[remote rejected\]|protected branch|pre-receive hook declined/i;

/**
 * Turns a failed git command into a {@link WorkspaceError} whose message says what failed, the
 * likely reason and what to do, followed by git's own (already masked) output, e.g.
 * `could not clone https://gitea.example/o/r.git: repository not found or token lacks read
 * access; check the clone URL and GITEA_TOKEN (git: remote: Not found.)`.
 * `what` is the first part (`"could not clone <url>"`); anything that is not a
 * {@link GitCommandError} is wrapped with its message.
 */
export function explainGitFailure(phase: WorkspacePhase, what: string, error: unknown): WorkspaceError {
  // git clone's "Cloning into '<dir>'..." and git push --verbose's "Pushing to <url>" (printed
  // because kugetsu does not pass --quiet: simple-git waits 50 ms after a silent command) say
  // nothing about the failure, and a directory's or URL's name must not look like a hint.
  const output = (error instanceof GitCommandError ? error.stderr : error instanceof Error ? error.message : String(error)).replace(/^(Cloning into|Pushing to) .*$/gm, '');
  const hint = hintFor(phase, error, output);
  const tail = lastLines(output);
  return new WorkspaceError(phase, `${what}: ${hint}${tail ? ` (git: ${tail})` : ''}`, { cause: error });
}

function hintFor(phase: WorkspacePhase, error: unknown, output: string): string {
  if (error instanceof GitCommandError && error.exitCode === -1 && /timeout/i.test(output)) {
    return 'git stopped answering and was killed; check the network and the server, then retry';
  }
  const remote = phase === 'clone' || phase === 'fetch' || phase === 'push';
  if (phase === 'push' && REMOTE_REJECTED.test(output)) {
    return 'the server refused the push (protected branch or a server hook); the commits are kept in the worktree';
  }
  if (phase === 'push' && REJECTED.test(output)) {
    return (
      'the remote branch moved since this turn began (someone else pushed to it); the commits are kept in the ' +
      'worktree — merge or rebase onto the remote branch, or delete the remote branch, then retry'
    );
  }
  if (remote && UNREACHABLE.test(output)) {
    return 'could not reach the git server; check the Gitea URL, the network and TLS settings';
  }
  if (remote && AUTH.test(output)) {
    return phase === 'push'
      ? 'authentication failed or the token lacks write access to the repository; check GITEA_TOKEN'
      : 'authentication failed: the token is missing, wrong, or lacks read access; check GITEA_TOKEN';
  }
  if (remote && NOT_FOUND.test(output)) {
    return phase === 'push'
      ? 'repository not found or token lacks write access; check the clone URL and GITEA_TOKEN'
      : 'repository not found or token lacks read access; check the clone URL and GITEA_TOKEN';
  }
  switch (phase) {
    case 'commit':
      return 'git could not commit the changes left in the worktree; inspect the worktree';
    case 'worktree':
      return 'git could not set up the worktree; inspect or remove it and retry';
    default:
      return 'git failed; see its message';
  }
}

/** The last few non-empty, non-`hint:` lines of git's output, on one line, at most 500 characters. */
function lastLines(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('hint:'));
  const text = lines.slice(-4).join(' | ');
  return text.length > 500 ? `…${text.slice(-500)}` : text;
}
