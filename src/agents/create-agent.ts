import type { AgentAdapter } from './types.js';
import { createCommandAgent } from './command-agent.js';
import { createOpencodeAgent } from './opencode-agent.js';
import { createOpencodeServeAgent } from './opencode-serve-agent.js';
import type { TurnSandbox } from './turn-sandbox.js';
import { createClaudeAgent, type ClaudePermissionMode } from './claude-agent.js';
import { createCodexAgent } from './codex-agent.js';
import type { CodexProvider, CodexSandboxMode } from './codex-home.js';

/**
 * Which agent CLI runs the turns. `opencode` (the default in configuration): the opencode binary
 * (`bin`, default `opencode` on the turn's PATH), optional `--model provider/model` and extra
 * arguments. `command`: any CLI as an argv array with `{promptFile}`, `{worktree}`, `{issueKey}`,
 * `{branch}`, `{sessionId}` placeholders (see {@link createCommandAgent}). `claude`: Claude Code
 * headless (see {@link createClaudeAgent}). `codex`: `codex exec` (see {@link createCodexAgent}).
 */
export type AgentConfig =
  | { kind: 'opencode'; bin?: string; model?: string; extraArgs?: string[]; killGraceMs?: number; mode?: 'run' | 'serve' }
  | { kind: 'command'; argv: string[]; killGraceMs?: number }
  | { kind: 'claude'; bin?: string; model?: string; extraArgs?: string[]; permissionMode?: ClaudePermissionMode; killGraceMs?: number }
  | { kind: 'codex'; bin?: string; model?: string; extraArgs?: string[]; sandboxMode?: CodexSandboxMode; provider?: CodexProvider; killGraceMs?: number };

/**
 * What an adapter may need from the deployment besides its configuration: where warm opencode's
 * server runs (`KUGETSU_OPENCODE_MODE=serve`): its directory (absolute, e.g. `<state>/opencode-serve`),
 * its sandbox (`AgentSandbox.forServer`) and the tree of worktrees that sandbox shows.
 */
export interface AgentContext {
  opencodeServer?: { dir: string; sandbox: TurnSandbox; worktreesRoot?: string };
}

/**
 * Builds the adapter for a configuration. Throws a `TypeError` for an invalid one (e.g. an empty
 * `argv`, an unknown `kind`, opencode's serve mode without `context.opencodeServer`), so that a bad
 * configuration fails at start, not at the first turn.
 */
export function createAgent(config: AgentConfig, context: AgentContext = {}): AgentAdapter {
  switch (config.kind) {
    case 'opencode': {
      if (config.mode !== 'serve') return createOpencodeAgent(config);
      const server = context.opencodeServer;
      if (!server) throw new TypeError('opencode serve mode needs a server directory and sandbox (AgentContext.opencodeServer)');
      return createOpencodeServeAgent({
        ...config,
        serverDir: server.dir,
        serverSandbox: server.sandbox,
        ...(server.worktreesRoot !== undefined ? { worktreesRoot: server.worktreesRoot } : {}),
      });
    }
    case 'command':
      return createCommandAgent(config);
    case 'claude':
      return createClaudeAgent(config);
    case 'codex':
      return createCodexAgent(config);
    default:
      throw new TypeError(`unknown agent kind ${JSON.stringify((config as { kind?: unknown }).kind)}; expected "opencode", "command", "claude" or "codex"`);
  }
}
