import { issueRepoConfigText, type IssueRepoConfig } from './issue-repo-config.js';
import type { IssueRepoGit } from './issue-repo-git.js';

/** Name of the file kugetsu keeps in an issue repository's `.git` to recognise it as its own. */
export const ISSUE_REPO_MARKER = 'kugetsu-issue-repo';

/** One command's part of a script's output: its exit status and its standard output (trimmed). */
export interface ScriptSection {
  status: number;
  text: string;
}

/** What {@link runIssueRepoScript} gives back. */
export interface IssueRepoScriptResult {
  /** Section name → its command's status and output, in the order the script printed them. */
  sections: Map<string, ScriptSection>;
  /** The script's whole standard error (the sections' commands printed nothing there when they succeeded). */
  stderr: string;
}

// Shell functions every script starts with. `reset_repo OBJECTS CONFIG` puts back kugetsu's parts
// of the repository in the current directory before any of kugetsu's git commands reads it:
// `.git` must be a real directory (an agent could have replaced it with a symlink or a file), its
// config is replaced, `commondir`, `config.worktree` and the alternates go, the alternates then
// name the shared objects, the marker is written. `section NAME MAXOK CMD…` runs CMD, exits the
// script with CMD's status (its message already on stderr) when that is above MAXOK, and prints
// `@@kugetsu NAME STATUS` then CMD's output; CMD's status is left in $s and its output in $o.
const FUNCTIONS = `set -eu
reset_repo() {
  g=.git
  if [ -L "$g" ] || [ ! -d "$g" ]; then echo "kugetsu: $PWD/.git is not a directory" >&2; exit 3; fi
  rm -rf "$g/config" "$g/commondir" "$g/config.worktree" "$g/objects/info/alternates"
  printf '%s' "$2" > "$g/config"
  [ -d "$g/objects/info" ] || mkdir -p "$g/objects/info"
  printf '%s\\n' "$1" > "$g/objects/info/alternates"
  : > "$g/${ISSUE_REPO_MARKER}"
}
section() {
  n=$1 ok=$2
  shift 2
  if o=$("$@"); then s=0; else s=$?; fi
  [ "$s" -le "$ok" ] || exit "$s"
  printf '@@kugetsu %s %s\\n%s\\n' "$n" "$s" "$o"
}
`;

const MARKER = /^@@kugetsu (\S+) (\d+)$/;
const NAME = /^[a-z][a-z_]*$/;

/**
 * Runs `body` in an issue repository as one isolated process (`git.sh`: the sandbox, empty
 * environment) after the shell functions `reset_repo` and `section` (see the comment above
 * `FUNCTIONS`). The body sees its arguments as shell variables `objects` (the shared objects
 * directory), `config` (the repository's whole `.git/config`, {@link issueRepoConfigText}) and
 * one per entry of `vars` (names `[a-z_]+`), and `"$@"` = {@link issueGitConfigArgs}, so that each
 * of its git commands is `git "$@" …` with exactly the settings `git.run` uses. It must call
 * `reset_repo "$objects" "$config"` before its first git command that reads the repository.
 * `input` is the script's standard input (a promise's text is written when it resolves, while the
 * script already runs; it must never reject). Resolves with the sections the body printed; rejects
 * with the runner's masked `GitCommandError` (args `['(sh)', label]`, the failing command's
 * stderr) when the script exits non-zero. Throws `TypeError` for a bad variable name.
 */
export async function runIssueRepoScript(
  git: IssueRepoGit,
  options: { label: string; objects: string; config: IssueRepoConfig; vars?: Record<string, string>; body: string; input?: string | Promise<string> },
): Promise<IssueRepoScriptResult> {
  const names = ['objects', 'config', ...Object.keys(options.vars ?? {})];
  for (const name of names) if (!NAME.test(name)) throw new TypeError(`bad script variable name ${JSON.stringify(name)}`);
  const values = [options.objects, issueRepoConfigText(options.config), ...Object.values(options.vars ?? {})];
  const setup = `${names.map((name, i) => `${name}=\${${i + 1}}`).join('\n')}\nshift ${names.length}\n`;
  const { stdout, stderr } = await git.sh(`${FUNCTIONS}${setup}${options.body}`, values, {
    label: options.label,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { sections: parseSections(stdout), stderr };
}

/** `@@kugetsu NAME STATUS` lines, each followed by that command's output → map. */
function parseSections(stdout: string): Map<string, ScriptSection> {
  const sections = new Map<string, ScriptSection>();
  let current: { name: string; status: number; lines: string[] } | undefined;
  const close = () => {
    if (current) sections.set(current.name, { status: current.status, text: current.lines.join('\n').trim() });
  };
  for (const line of stdout.split('\n')) {
    const m = MARKER.exec(line);
    if (m) {
      close();
      current = { name: m[1]!, status: Number(m[2]), lines: [] };
    } else if (current) current.lines.push(line);
  }
  close();
  return sections;
}

/** The section `name` of a script's result; throws `Error` when the script did not print it (kugetsu's bug). */
export function sectionOf(result: IssueRepoScriptResult, name: string): ScriptSection {
  const section = result.sections.get(name);
  if (!section) throw new Error(`the issue repository script printed no ${name} section`);
  return section;
}
