import type { SandboxMode } from './sandbox-settings.js';

/** A command ready to spawn, or why it cannot start (`code` as spawn(2) would give: `ENOENT`, `EACCES`). */
export type PreparedCommand = { command: string; args: string[]; env: Record<string, string> } | { startError: { code?: string; message?: string } };

/**
 * The sandbox of one agent turn, as the process runner sees it: it turns the agent's command into
 * the command that runs it isolated. Every adapter passes its turn's sandbox to `runProcess`.
 */
export interface TurnSandbox {
  readonly mode: SandboxMode;
  /**
   * `command args` with environment `env` in `cwd` → what to spawn instead (e.g. `bwrap … --
   * /real/path/of/command args`, with the environment rewritten for the sandbox), or a start error
   * (program not found, sandbox unavailable) with what to do. Never rejects.
   */
  prepare(command: string, args: readonly string[], env: Readonly<Record<string, string>>, cwd: string): Promise<PreparedCommand>;
}

/**
 * No isolation: the command runs as it is, as kugetsu's user (`KUGETSU_AGENT_SANDBOX=off`, and the
 * process runner's own tests).
 */
export const NO_SANDBOX: TurnSandbox = {
  mode: 'off',
  async prepare(command, args, env) {
    return { command, args: [...args], env: { ...env } };
  },
};
