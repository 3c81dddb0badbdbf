import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAgentSandbox, type AgentSandbox } from '../../src/agents/agent-sandbox.js';
import { createCommandAgent } from '../../src/agents/command-agent.js';
import { explainBwrapFailure } from '../../src/agents/sandbox-probe.js';
import { DEFAULT_SANDBOX_SETTINGS, type AgentSandboxSettings } from '../../src/agents/sandbox-settings.js';
import { readSessionFile, writeSessionFile } from '../../src/agents/session-file.js';
import type { AgentOutcome } from '../../src/agents/types.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { hostProcessesWith, tempDir } from './support.js';

/**
 * The agent sandbox with the real bwrap (bubblewrap 0.8 on these machines): a shell script as the
 * `command` agent probes what it can see, write and reach, and the test checks the answers and,
 * from outside, the host's files and processes.
 */
describe('agent sandbox (real bwrap)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: string;
  let worktree: string;
  let agentDir: string;
  let promptFile: string;
  let sessionFile: string;
  const SECRET = `state-secret-${randomUUID()}`;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('sandbox'));
    state = path.join(dir, 'state');
    worktree = path.join(state, 'worktrees', 'acme', 'app', 'issue-1');
    agentDir = path.join(state, 'agents', 'acme', 'app', 'issue-1');
    promptFile = path.join(state, 'prompts', 'acme', 'app', 'issue-1', 'job-1.md');
    sessionFile = path.join(state, 'sessions', 'acme', 'app', 'issue-1.session');
    // What a state dir holds besides this issue's files.
    const files: Record<string, string> = {
      'admin-token': SECRET,
      'kugetsu.db': `SQLite format 3\0${SECRET}`,
      'secrets/acme/app.secret': SECRET,
      'worktrees/acme/app/issue-2/notes.txt': SECRET,
      'prompts/acme/app/issue-2/job-2.md': SECRET,
      'sessions/acme/app/issue-2.session': SECRET,
      'repos/acme/app.git/config': SECRET,
      'prompts/acme/app/issue-1/job-1.md': 'the prompt of job 1\n',
      'sessions/acme/app/issue-1.session': '',
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(state, rel)), { recursive: true });
      writeFileSync(path.join(state, rel), content);
    }
    mkdirSync(worktree, { recursive: true });
  });
  afterEach(() => cleanup());

  const settings = (over: Partial<AgentSandboxSettings> = {}): AgentSandboxSettings => ({ ...DEFAULT_SANDBOX_SETTINGS, ...over });

  /** Runs `script` with /bin/sh as the command agent in the sandbox; output lines `name=value` become a record. */
  async function runScript(sandbox: AgentSandbox, script: string, over: { timeoutMs?: number; env?: Record<string, string> } = {}) {
    const agent = createCommandAgent({ argv: ['/bin/sh', '-c', script], killGraceMs: 500 });
    const outcome: AgentOutcome = await agent.run({
      issueKey: issueKey('acme', 'app', 1),
      worktree,
      branch: 'kugetsu/issue-1',
      promptFile,
      message: '',
      sessionId: undefined,
      sessionFile,
      timeoutMs: over.timeoutMs ?? 30_000,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, ...over.env },
      logFile: path.join(dir, 'logs', 'job.log'),
      sandbox: sandbox.forTurn({ worktree, agentDir, promptFile, sessionFile }),
    });
    const log = existsSync(path.join(dir, 'logs', 'job.log')) ? readFileSync(path.join(dir, 'logs', 'job.log'), 'utf8') : '';
    const facts = Object.fromEntries(
      log
        .split('\n')
        .filter((l) => /^[a-z-]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { outcome, log, facts };
  }

  const PROBES = `
probe() { name=$1; shift; if "$@" >/dev/null 2>&1; then echo "$name=yes"; else echo "$name=no"; fi; }
STATE="\${PWD%/worktrees/*}"
probe see-admin-token test -e "$STATE/admin-token"
probe see-db test -e "$STATE/kugetsu.db"
probe see-secrets test -e "$STATE/secrets"
probe see-other-worktree test -e "$STATE/worktrees/acme/app/issue-2"
probe see-other-prompt test -e "$STATE/prompts/acme/app/issue-2/job-2.md"
probe see-other-session test -e "$STATE/sessions/acme/app/issue-2.session"
probe see-clone-config test -e "$STATE/repos/acme/app.git/config"
probe read-own-prompt grep -q 'the prompt of job 1' "$KUGETSU_PROMPT_FILE"
probe write-own-prompt sh -c 'echo tampered >> "$KUGETSU_PROMPT_FILE"'
probe write-worktree sh -c 'echo x > "$PWD/written.txt"'
probe write-home sh -c 'echo x > "$HOME/written.txt"'
probe write-tmpdir sh -c 'echo x > "$TMPDIR/written.txt"'
probe write-state sh -c 'echo x > "$STATE/pwned"'
probe write-usr sh -c 'echo x > /usr/pwned'
probe write-etc sh -c 'echo x > /etc/pwned'
probe write-tmp sh -c 'echo x > /tmp/kugetsu-sandbox-probe-\${TOKEN}'
probe write-session sh -c 'echo ses_from_sandbox > "$KUGETSU_SESSION_FILE"'
probe new-user-namespace unshare -U true
probe mount-tmpfs mount -t tmpfs none /tmp
echo "procs=$(ls /proc | grep -c '^[0-9]')"
echo "ppid-environ=$(tr '\\0' ' ' < /proc/$PPID/environ 2>/dev/null | head -c 300)"
echo "init-cmdline=$(tr '\\0' ' ' < /proc/1/cmdline)"
echo "home=$HOME"
echo "tmpdir=$TMPDIR"
echo "xdg-data=$XDG_DATA_HOME"
echo "shadow-bytes=$(cat /etc/shadow 2>/dev/null | wc -c)"
echo "env-keys=$(env | cut -d= -f1 | sort | tr '\\n' ' ')"
echo "caps=$(grep CapEff /proc/self/status | tr -d '\\t')"
`;

  it('shows the turn its worktree, agent dir, prompt and session file, the system read-only, and nothing else of the state dir', async () => {
    const token = randomUUID();
    const { outcome, facts } = await runScript(createAgentSandbox(settings(), { stateDir: state }), PROBES, { env: { TOKEN: token } });

    expect(outcome).toMatchObject({ exitCode: 0, timedOut: false });
    expect(outcome.startError).toBeUndefined();
    // Nothing of the state dir but this issue's own paths.
    for (const fact of ['see-admin-token', 'see-db', 'see-secrets', 'see-other-worktree', 'see-other-prompt', 'see-other-session', 'see-clone-config']) {
      expect.soft(facts[fact], fact).toBe('no');
    }
    expect(facts['read-own-prompt']).toBe('yes');
    // Writable: the worktree, the agent dir (HOME, TMPDIR), the session file; /tmp is the sandbox's own.
    expect(facts).toMatchObject({ 'write-worktree': 'yes', 'write-home': 'yes', 'write-tmpdir': 'yes', 'write-session': 'yes', 'write-tmp': 'yes' });
    expect(readFileSync(path.join(worktree, 'written.txt'), 'utf8')).toBe('x\n');
    expect(readFileSync(path.join(agentDir, 'home', 'written.txt'), 'utf8')).toBe('x\n');
    expect(await readSessionFile(sessionFile)).toBe('ses_from_sandbox');
    expect(outcome.sessionId).toBe('ses_from_sandbox');
    // Refused, or invisible to the host.
    expect(facts).toMatchObject({ 'write-own-prompt': 'no', 'write-state': 'no', 'write-usr': 'no', 'write-etc': 'no', 'new-user-namespace': 'no', 'mount-tmpfs': 'no' });
    expect(readFileSync(promptFile, 'utf8')).toBe('the prompt of job 1\n');
    for (const p of [path.join(state, 'pwned'), '/usr/pwned', '/etc/pwned', `/tmp/kugetsu-sandbox-probe-${token}`]) expect(existsSync(p), p).toBe(false);
    // Its own PID namespace: bwrap's init is pid 1, and only a handful of processes exist.
    expect(Number(facts.procs)).toBeLessThanOrEqual(6);
    expect(facts['init-cmdline']).toMatch(/^(\S*\/)?bwrap --unshare-all /);
    // The parent it can see is bwrap with the agent's own environment, not the test runner (kugetsu's stand-in).
    expect(facts['ppid-environ']).toContain('KUGETSU_ISSUE_KEY=acme/app#1');
    // HOME and TMPDIR are the issue's agent dir; the agent's environment is the allowlist it was given.
    expect(facts.home).toBe(path.join(agentDir, 'home'));
    expect(facts.tmpdir).toBe(path.join(agentDir, 'tmp'));
    expect(facts['xdg-data']).toBe(path.join(agentDir, 'home', '.local', 'share'));
    expect(facts['shadow-bytes']).toBe('0');
    expect(facts['caps']).toBe('CapEff:0000000000000000');
    expect(facts['env-keys']!.split(' ')).not.toContain('KUGETSU_STATE_DIR');
  });

  it('shows KUGETSU_AGENT_SANDBOX_RO_PATHS read-only and hides KUGETSU_AGENT_SANDBOX_HIDE paths', async () => {
    const shown = path.join(dir, 'tools');
    mkdirSync(shown);
    writeFileSync(path.join(shown, 'visible.txt'), 'visible\n');
    writeFileSync(path.join(shown, 'private.key'), SECRET);
    const sandbox = createAgentSandbox(settings({ roPaths: [shown], hide: [path.join(shown, 'private.key')] }), { stateDir: state });
    const script = `echo "visible=$(cat ${shown}/visible.txt)"; echo "key-bytes=$(cat ${shown}/private.key | wc -c)"; if echo x > ${shown}/new.txt 2>/dev/null; then echo write=yes; else echo write=no; fi`;

    const { facts, log } = await runScript(sandbox, script);

    expect(facts).toEqual({ visible: 'visible', 'key-bytes': '0', write: 'no' });
    expect(log).not.toContain(SECRET);
    expect(existsSync(path.join(shown, 'new.txt'))).toBe(false);
  });

  it('with network "none" the agent cannot reach a server on the host\'s loopback; with "open" it can', async () => {
    const server: Server = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as { port: number }).port;
    // bash's /dev/tcp opens a TCP connection.
    const script = `if out=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}; head -1 <&3' 2>/dev/null); then echo "reached=$out"; else echo reached=no; fi`;
    try {
      const closed = await runScript(createAgentSandbox(settings({ network: 'none' }), { stateDir: state }), script);
      const open = await runScript(createAgentSandbox(settings({ network: 'open' }), { stateDir: state }), script);
      expect(closed.facts.reached).toBe('no');
      expect(open.facts.reached).toBe('hello from the host');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('the timeout kills the whole sandbox, also a grandchild that left the process group (setsid) and ignores SIGTERM', async () => {
    const token = `kugetsu-escapee-${randomUUID()}`;
    // The grandchild's $0 is the token, so the host can find it in /proc/<pid>/cmdline.
    const script = `setsid sh -c 'trap "" TERM; while :; do sleep 1; done' ${token} & trap "" TERM; echo started=yes; while :; do sleep 1; done`;
    const { outcome, facts } = await runScript(createAgentSandbox(settings(), { stateDir: state }), script, { timeoutMs: 1500 });

    expect(facts.started).toBe('yes');
    expect(outcome.timedOut).toBe(true);
    expect(hostProcessesWith(token)).toEqual([]);
  });

  it('refuses to start an agent when bubblewrap is missing, saying what to install', async () => {
    const sandbox = createAgentSandbox(settings({ bwrap: '/nonexistent/bwrap' }), { stateDir: state });
    const probe = await sandbox.probe();
    const { outcome } = await runScript(sandbox, 'echo ran=yes > "$PWD/ran.txt"');

    expect(probe).toMatchObject({ ok: false, problem: expect.stringContaining('is not installed') });
    expect(outcome.startError).toMatch(/bubblewrap .* is not installed; install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap\), or set KUGETSU_AGENT_SANDBOX=off/);
    expect(existsSync(path.join(worktree, 'ran.txt'))).toBe(false);
  });

  it('refuses to show a path that contains the state dir, or lies inside it', async () => {
    const sandbox = createAgentSandbox(settings(), { stateDir: state });
    const inside = path.join(state, 'worktrees', 'acme', 'app', 'issue-2', 'notes.txt');
    const agent = (argv: string[]) =>
      createCommandAgent({ argv }).run({
        issueKey: issueKey('acme', 'app', 1),
        worktree,
        branch: 'b',
        promptFile,
        message: '',
        sessionId: undefined,
        sessionFile,
        timeoutMs: 10_000,
        env: { PATH: '/usr/bin:/bin', XDG_CONFIG_HOME: dir },
        logFile: path.join(dir, 'logs', 'x.log'),
        sandbox: sandbox.forTurn({ worktree, agentDir, promptFile, sessionFile }),
      });

    const named = await agent(['/bin/cat', inside]);
    const config = await agent(['/bin/true']);

    expect(named.startError).toContain(`the sandbox will not show ${inside} (a file named in the agent command): it is inside kugetsu's state dir`);
    expect(config.startError).toContain(`the sandbox would show ${dir} (a path named by the agent environment), which contains kugetsu's state dir`);
  });

  it('says what to change for the failures bwrap reports in containers and on locked-down kernels', () => {
    expect(explainBwrapFailure('bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.')).toMatch(
      /user namespaces are not available: .*user\.max_user_namespaces.*kernel\.unprivileged_userns_clone.*apparmor_restrict_unprivileged_userns.*--security-opt seccomp=unconfined/,
    );
    expect(explainBwrapFailure("bwrap: Can't mount proc on /newroot/proc: Operation not permitted")).toMatch(/--security-opt systempaths=unconfined/);
    expect(explainBwrapFailure('bwrap: Failed to make / slave: Permission denied')).toMatch(/apparmor=unconfined/);
  });
});

describe('session file', () => {
  it('is read and written without following a symlink an agent planted there', async () => {
    const { dir, cleanup } = await tempDir('session');
    try {
      const target = path.join(dir, 'admin-token');
      writeFileSync(target, 'secret-admin-token');
      const link = path.join(dir, 'issue-1.session');
      symlinkSync(target, link);

      expect(await readSessionFile(link)).toBeUndefined();
      await expect(writeSessionFile(link, '')).rejects.toMatchObject({ code: 'ELOOP' });
      expect(readFileSync(target, 'utf8')).toBe('secret-admin-token');

      const plain = path.join(dir, 'plain.session');
      await writeSessionFile(plain, '  ses_abc-1  \n');
      expect(await readSessionFile(plain)).toBe('ses_abc-1');
      await writeSessionFile(plain, 'not a session id; rm -rf /');
      expect(await readSessionFile(plain)).toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
