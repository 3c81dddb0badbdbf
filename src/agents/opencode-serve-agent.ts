import { OPENCODE_INSTRUCTION, type OpencodeAgentOptions } from './opencode-agent.js';
import { OpencodeServer, type OpencodeServerHandle } from './opencode-server.js';
import { runOpencodeServeTurn } from './opencode-serve-turn.js';
import { exportOpencodeSession, importOpencodeSession } from './opencode-session.js';
import { isWithin } from './system-layout.js';
import { NO_SANDBOX, type TurnSandbox } from './turn-sandbox.js';
import type { AgentAdapter, AgentOutcome, AgentTurn, SessionPlace } from './types.js';

/** Options of {@link createOpencodeServeAgent}: the cold adapter's, plus where the server runs. */
export interface OpencodeServeAgentOptions extends OpencodeAgentOptions {
  /**
   * The server's own directory (absolute): its working directory, `server.log`, and in the sandbox
   * its HOME (`<serverDir>/home`: opencode's data dir, where every session of the server lives) and
   * TMPDIR. Default in kugetsu: `<state>/opencode-serve`.
   */
  serverDir: string;
  /** The server's sandbox (`AgentSandbox.forServer` with `agentDir` = {@link serverDir}); default `NO_SANDBOX`. */
  serverSandbox?: TurnSandbox;
  /** When set, a turn whose worktree is not inside it fails to start (the server's sandbox shows only this tree). */
  worktreesRoot?: string;
  /** How long a server start may take, in ms. Default 120 000. */
  startTimeoutMs?: number;
}

/** The serve-mode adapter, with a look at its servers (for tests and the benchmark). */
export interface OpencodeServeAgent extends AgentAdapter {
  /** The running server generations (one per distinct turn environment), e.g. to compare pids. */
  runningServers(): OpencodeServerHandle[];
  /** Stops every server (SIGTERM to its process group, SIGKILL after the grace period). Never rejects. */
  close(): Promise<void>;
}

/** `--agent=<name>` / `--agent <name>` of `extraArgs`; any other argument is refused (serve mode has no `run` argv). */
function agentOf(extraArgs: readonly string[] | undefined): string | undefined {
  const args = [...(extraArgs ?? [])];
  let agent: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--agent=') && a.length > 8) agent = a.slice(8);
    else if (a === '--agent' && i + 1 < args.length) agent = args[++i];
    else
      throw new TypeError(
        `opencode extra argument ${JSON.stringify(a)} is not supported with KUGETSU_OPENCODE_MODE=serve (only --agent=<name>); remove it or use KUGETSU_OPENCODE_MODE=run`,
      );
  }
  return agent;
}

/**
 * The `opencode` adapter in serve mode (`KUGETSU_OPENCODE_MODE=serve`, opencode-ai 1.18.33): turns
 * go through one warm `opencode serve` per distinct agent environment (normally one per worker
 * process), started lazily on the first turn and kept running; a server that died is started
 * again by the next turn (see {@link OpencodeServer}, {@link runOpencodeServeTurn}). The turn's
 * own sandbox is not used: the server runs in `serverSandbox`, which shows every worktree under
 * `worktreesRoot` to every issue's turn (the trade of serve mode, README "Agents").
 *
 * Sessions live in the server's data dir and travel between workers as in run mode
 * (`opencode export` / `opencode import`), run with the server's environment and sandbox so that
 * they read and write the server's store. The same outcome data as the cold adapter.
 *
 * Throws a `TypeError` at once for extra arguments other than `--agent=<name>`.
 */
export function createOpencodeServeAgent(options: OpencodeServeAgentOptions): OpencodeServeAgent {
  const bin = options.bin ?? 'opencode';
  if (options.extraArgs !== undefined && (!Array.isArray(options.extraArgs) || options.extraArgs.some((a) => typeof a !== 'string'))) {
    throw new TypeError('opencode extraArgs must be an array of strings');
  }
  const agent = agentOf(options.extraArgs);
  const sandbox = options.serverSandbox ?? NO_SANDBOX;
  const servers = new Map<string, OpencodeServer>();
  const serverFor = (env: Record<string, string>): OpencodeServer => {
    const key = JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let server = servers.get(key);
    if (!server) {
      server = new OpencodeServer({
        bin,
        env,
        sandbox,
        dir: options.serverDir,
        ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
        ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      });
      servers.set(key, server);
    }
    return server;
  };
  /** The session place as the server sees it: its sandbox, its agent dir (its data dir, its import files). */
  const serverPlace = (place: SessionPlace): SessionPlace => ({ ...place, sandbox, agentDir: options.serverDir });

  return {
    name: 'opencode',
    exportSession: (place) => exportOpencodeSession(bin, serverPlace(place)),
    importSession: (place, data) => importOpencodeSession(bin, serverPlace(place), data),
    async run(turn: AgentTurn): Promise<AgentOutcome> {
      if (options.worktreesRoot !== undefined && !isWithin(turn.worktree, options.worktreesRoot)) {
        return {
          exitCode: null,
          signal: null,
          timedOut: false,
          canceled: false,
          durationMs: 0,
          sessionId: turn.sessionId,
          outputTail: '',
          startError: `the worktree ${turn.worktree} is outside ${options.worktreesRoot}, the only tree the opencode server's sandbox shows`,
        };
      }
      return runOpencodeServeTurn(turn, {
        server: serverFor(turn.env),
        title: options.title?.(turn) ?? `kugetsu ${turn.issueKey}`,
        instruction: OPENCODE_INSTRUCTION,
        killGraceMs: options.killGraceMs ?? 5000,
        ...(options.model ? { model: options.model } : {}),
        ...(agent ? { agent } : {}),
        ...(options.onLine ? { onLine: options.onLine } : {}),
      });
    },
    runningServers: () => [...servers.values()].flatMap((s) => (s.running ? [s.running] : [])),
    async close() {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}
