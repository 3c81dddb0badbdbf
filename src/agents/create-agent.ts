import type { AgentAdapter } from './types.js';
import { createCommandAgent } from './command-agent.js';
import { createOpencodeAgent } from './opencode-agent.js';
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
  | { kind: 'opencode'; bin?: string; model?: string; extraArgs?: string[]; killGraceMs?: number }
  | { kind: 'command'; argv: string[]; killGraceMs?: number }
  | { kind: 'claude'; bin?: string; model?: string; extraArgs?: string[]; permissionMode?: ClaudePermissionMode; killGraceMs?: number }
  | { kind: 'codex'; bin?: string; model?: string; extraArgs?: string[]; sandboxMode?: CodexSandboxMode; provider?: CodexProvider; killGraceMs?: number };

/**
 * Builds the adapter for a configuration. Throws a `TypeError` for an invalid one (e.g. an empty
 * `argv`, an unknown `kind`), so that a bad configuration fails at start, not at the first turn.
 */
export function createAgent(config: AgentConfig): AgentAdapter {
  switch (config.kind) {
    case 'opencode':
      return createOpencodeAgent(config);
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
