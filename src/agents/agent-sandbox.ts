import { lstat, mkdir, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import { execa } from 'execa';
import { bwrapArgs } from './bwrap-args.js';
import { resolveProgram } from './resolve-program.js';
import { agentDirLayout, sandboxEnv } from './sandbox-env.js';
import { probeSandbox, type SandboxProbe } from './sandbox-probe.js';
import type { AgentSandboxSettings } from './sandbox-settings.js';
import { detectSystemLayout, isWithin, type SystemLayout } from './system-layout.js';
import { NO_SANDBOX, type PreparedCommand, type TurnSandbox } from './turn-sandbox.js';

/** The host paths of one agent turn; each is shown at the same path inside the sandbox. */
export interface TurnView {
  /** The worktree (read-write; the agent's working directory). */
  worktree: string;
  /** The agent dir (read-write): `home/` (HOME, XDG data, e.g. opencode's sessions) and `tmp/` (TMPDIR, emptied before each turn). */
  agentDir: string;
  /** The shared clone's object directory the issue repository borrows from (read-only), if any. */
  gitObjects?: string;
  /** This job's prompt file (read-only). */
  promptFile: string;
  /** This job's message file, `KUGETSU_MESSAGE_FILE` (read-only), when there is one. */
  messageFile?: string;
  /** The session file (read-write, this one file). */
  sessionFile: string;
}

/**
 * The host paths of a long-lived agent server that serves the turns of many issues (warm opencode,
 * `opencode serve`): each is shown at the same path inside the sandbox. One server cannot be
 * isolated per issue: every issue it serves sees what {@link ServerView.rw} shows.
 */
export interface ServerView {
  /** Shown read-write, e.g. the root of every issue worktree `<state>/worktrees` (later worktrees appear in it). */
  rw: string[];
  /** Shown read-only besides the system, e.g. the shared clones `<state>/repos` the worktrees borrow objects from. */
  ro: string[];
  /** The server's own agent dir (read-write): `home/` (HOME, XDG data: the server's sessions) and `tmp/`. */
  agentDir: string;
}

/** One short command run isolated (kugetsu's own git steps in an issue repository). */
export interface SandboxRunOptions {
  /** Program (looked up on `env.PATH`) and its arguments; never a shell. */
  argv: readonly string[];
  cwd: string;
  /** Shown read-write / read-only at the same path (with the sandbox off they are not enforced). */
  rw: readonly string[];
  ro: readonly string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
  /**
   * Written to stdin, then closed. Default: no stdin. A promise's text is written when it resolves
   * (the process starts at once and may read stdin before; it must never reject).
   */
  input?: string | Promise<string>;
  /** Killed (with the whole sandbox) after this many ms. */
  timeoutMs: number;
}

/** Output of {@link AgentSandbox.run}; a non-zero `exitCode` is not an error. */
export interface SandboxRunResult {
  stdout: string;
  stderr: string;
  /** Exit status; -1 when the process was killed or could not start. */
  exitCode: number;
}

/** kugetsu's agent sandbox (see {@link createAgentSandbox}). */
export interface AgentSandbox {
  readonly settings: AgentSandboxSettings;
  /**
   * Probes bubblewrap (once; again on later calls while it keeps failing, at most every 10 s).
   * `off` mode resolves `{ ok: true, version: 'off' }` without looking.
   */
  probe(): Promise<SandboxProbe>;
  /** The sandbox of one turn; its `prepare` fails with the probe's problem while bubblewrap cannot work. */
  forTurn(view: TurnView): TurnSandbox;
  /**
   * The sandbox of an agent server shared by many issues ({@link ServerView}); like a turn's, with
   * the network always shared (kugetsu talks to the server on the host's loopback): its `prepare`
   * fails with what to change when the settings say `network: none`.
   */
  forServer(view: ServerView): TurnSandbox;
  /** Runs one short command isolated (bwrap, no network) or, with the sandbox off, directly. Never rejects. */
  run(options: SandboxRunOptions): Promise<SandboxRunResult>;
}

/** Options of {@link createAgentSandbox}. */
export interface AgentSandboxOptions {
  /** kugetsu's state dir: no sandbox ever shows it, except the paths a {@link TurnView} names. */
  stateDir: string;
}

/**
 * Creates kugetsu's sandbox for agent turns (bubblewrap, see `bwrapArgs`): each turn sees its
 * issue's worktree and agent dir read-write, its prompt file, the shared git objects, the agent
 * binary (its `node_modules` tree for an npm CLI), files named by absolute path in its argv,
 * the paths in `settings.roPaths` and in {@link READ_ONLY_PATH_VARIABLES} read-only, and the system
 * read-only without its secrets — never the rest of the state dir, other issues, kugetsu's
 * environment or processes. A read-only path that contains the state dir, or lies inside it
 * without being one of the turn's own paths, makes the turn fail to start with what to change.
 */
export function createAgentSandbox(settings: AgentSandboxSettings, options: AgentSandboxOptions): AgentSandbox {
  const stateDir = path.resolve(options.stateDir);
  // bwrap itself is looked up on the system PATH once, not on each agent's PATH.
  let bwrapPath: Promise<string> | undefined;
  const getBwrap = () => (bwrapPath ??= resolveProgram(settings.bwrap, SYSTEM_PATH, process.cwd()).then((r) => ('realPath' in r ? r.realPath : settings.bwrap)));
  let layout: Promise<SystemLayout> | undefined;
  let last: { at: number; result: Promise<SandboxProbe>; failed: boolean } | undefined;
  const getLayout = () => (layout ??= detectSystemLayout({ extraHidden: settings.hide, extraShown: settings.roPaths }));

  const probe = (): Promise<SandboxProbe> => {
    if (settings.mode === 'off') return Promise.resolve({ ok: true, version: 'off', features: { disableUserns: false } });
    const now = Date.now();
    if (!last || (now - last.at > 10_000 && last.failed)) {
      const result = Promise.all([getBwrap(), getLayout()]).then(([bwrap, l]) => probeSandbox(bwrap, l));
      const entry: { at: number; result: Promise<SandboxProbe>; failed: boolean } = { at: now, result, failed: false };
      void result.then((r) => (entry.failed = !r.ok));
      last = entry;
    }
    return last.result;
  };

  const isSystem = (p: string, l: SystemLayout) => l.roDirs.some((d) => isWithin(p, d));

  /** Existing, de-duplicated read-only paths that do not reveal the state dir; or the offending path. */
  const readOnlyPaths = async (
    wanted: Array<{ path: string; why: string; own?: boolean }>,
    rw: readonly string[],
    l: SystemLayout,
  ): Promise<string[] | { startError: { message: string } }> => {
    const out: string[] = [];
    for (const w of wanted) {
      const p = path.resolve(w.path);
      if (rw.some((d) => isWithin(p, d))) continue; // shown read-write anyway
      if (isWithin(stateDir, p)) {
        return {
          startError: {
            message: `the sandbox would show ${p} (${w.why}), which contains kugetsu's state dir ${stateDir}; move the state dir (KUGETSU_STATE_DIR) or the agent's files apart`,
          },
        };
      }
      if (isWithin(p, stateDir) && !w.own) {
        return { startError: { message: `the sandbox will not show ${p} (${w.why}): it is inside kugetsu's state dir ${stateDir}; keep agent files outside it` } };
      }
      if (isSystem(p, l) || out.includes(p)) continue;
      if (
        !(await stat(p).then(
          () => true,
          () => false,
        ))
      )
        continue;
      out.push(p);
    }
    return out;
  };

  /** Paths of one sandboxed process: read-write, read-only (with why, and whether the state dir's own), its agent dir, files of argv it must not show. */
  interface Shown {
    rw: string[];
    ro: Array<{ path: string; why: string; own?: boolean }>;
    agentDir: string;
    /** Files named in argv that are shown anyway (the prompt and message files). */
    ownFiles: string[];
    network: 'open' | 'none';
    /** Keep `<agentDir>/tmp` as it is (a server's: other processes of it may be running); else it is emptied. */
    keepTmp?: boolean;
  }

  const prepareIn = async (shown: Shown, command: string, args: readonly string[], env: Readonly<Record<string, string>>, cwd: string): Promise<PreparedCommand> => {
    const probed = await probe();
    if (!probed.ok) return { startError: { message: `${probed.problem}; ${probed.fix}` } };
    const l = await getLayout();
    const program = await resolveProgram(command, env.PATH ?? '', cwd);
    if ('code' in program) return { startError: { code: program.code } };
    const inner = sandboxEnv(env, shown.agentDir);
    const argFiles: string[] = [];
    for (const a of args) {
      if (
        path.isAbsolute(a) &&
        (await stat(a).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        argFiles.push(a);
    }
    const ro = await readOnlyPaths(
      [
        { path: program.showPath, why: `the agent program ${command}` },
        ...argFiles.filter((f) => !shown.ownFiles.includes(f)).map((f) => ({ path: f, why: 'a file named in the agent command' })),
        ...inner.roPaths.map((p) => ({ path: p, why: 'a path named by the agent environment' })),
        ...settings.roPaths.map((p) => ({ path: p, why: 'KUGETSU_AGENT_SANDBOX_RO_PATHS' })),
        ...shown.ro,
      ],
      shown.rw,
      l,
    );
    if (!Array.isArray(ro)) return ro;
    try {
      await prepareAgentDir(shown.agentDir, shown.keepTmp === true);
    } catch (err) {
      return { startError: { message: `the agent dir ${shown.agentDir} could not be prepared (${(err as Error).message}); remove it (/kugetsu reset) and retry` } };
    }
    const bargs = bwrapArgs({ rw: shown.rw, ro, cwd, network: shown.network }, l, probed.features);
    return { command: await getBwrap(), args: [...bargs, program.realPath, ...args], env: inner.env };
  };

  const forTurn = (view: TurnView): TurnSandbox => {
    if (settings.mode === 'off') return NO_SANDBOX;
    const shown: Shown = {
      rw: [view.worktree, view.agentDir, view.sessionFile],
      ro: [
        ...(view.gitObjects ? [{ path: view.gitObjects, why: 'the shared git objects', own: true }] : []),
        { path: view.promptFile, why: 'the prompt file', own: true },
        ...(view.messageFile ? [{ path: view.messageFile, why: 'the message file', own: true }] : []),
      ],
      agentDir: view.agentDir,
      ownFiles: [view.promptFile, ...(view.messageFile ? [view.messageFile] : [])],
      network: settings.network,
    };
    return { mode: 'bwrap', prepare: (command, args, env, cwd) => prepareIn(shown, command, args, env, cwd) };
  };

  const forServer = (view: ServerView): TurnSandbox => {
    if (settings.mode === 'off') return NO_SANDBOX;
    const shown: Shown = {
      rw: [...view.rw, view.agentDir],
      ro: view.ro.map((p) => ({ path: p, why: 'a path the agent server shows read-only', own: true })),
      agentDir: view.agentDir,
      ownFiles: [],
      network: 'open',
      keepTmp: true,
    };
    return {
      mode: 'bwrap',
      async prepare(command, args, env, cwd) {
        if (settings.network === 'none') {
          return {
            startError: {
              message:
                'an agent server cannot run with KUGETSU_AGENT_SANDBOX_NETWORK=none (kugetsu reaches it on the host loopback, which a sandbox without network does not share); set it to open or use KUGETSU_OPENCODE_MODE=run',
            },
          };
        }
        // The trees it shows read-write must exist before bwrap binds them (later contents appear in them).
        for (const p of view.rw) await mkdir(p, { recursive: true }).catch(() => undefined);
        return prepareIn(shown, command, args, env, cwd);
      },
    };
  };

  const run = async (o: SandboxRunOptions): Promise<SandboxRunResult> => {
    let command = o.argv[0]!;
    let args = o.argv.slice(1);
    if (settings.mode !== 'off') {
      const probed = await probe();
      if (!probed.ok) return { stdout: '', stderr: `${probed.problem}; ${probed.fix}`, exitCode: -1 };
      const l = await getLayout();
      args = [...bwrapArgs({ rw: [...o.rw], ro: [...o.ro], cwd: o.cwd, network: 'none' }, l, probed.features), command, ...args];
      command = await getBwrap();
    }
    const r = await execa(command, args, {
      cwd: o.cwd,
      env: o.env,
      extendEnv: false,
      reject: false,
      timeout: o.timeoutMs,
      ...(o.input === undefined ? { stdin: 'ignore' as const } : { input: typeof o.input === 'string' ? o.input : Readable.from(textWhenReady(o.input)) }),
      stripFinalNewline: false,
    });
    const exitCode = typeof r.exitCode === 'number' && !r.timedOut && !r.isTerminated ? r.exitCode : -1;
    const stderr = String(r.stderr ?? '') || (exitCode === -1 ? String(r.message ?? '') : '');
    return { stdout: String(r.stdout ?? ''), stderr, exitCode };
  };

  return { settings, probe, forTurn, forServer, run };
}

/** Where bwrap is looked for when `KUGETSU_BWRAP` is a bare name. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * `<agentDir>/home` created, `<agentDir>/tmp` emptied (a symlink planted there is removed, not
 * followed) — or, with `keepTmp`, only created when it is not a directory.
 */
async function prepareAgentDir(agentDir: string, keepTmp = false): Promise<void> {
  await mkdir(agentDir, { recursive: true });
  const own = await lstat(agentDir);
  if (!own.isDirectory()) throw new Error('not a directory');
  const { home, tmp } = agentDirLayout(agentDir);
  if (
    !keepTmp ||
    !(await lstat(tmp).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { mode: 0o700 });
  }
  if (
    !(await lstat(home).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    await rm(home, { recursive: true, force: true });
    await mkdir(home, { mode: 0o700 });
  }
}

/** The text of `input` once it resolves, as one chunk (nothing for an empty text or a rejection). */
async function* textWhenReady(input: Promise<string>): AsyncGenerator<string> {
  const text = await input.catch(() => '');
  if (text !== '') yield text;
}
