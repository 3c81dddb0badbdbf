import type { AgentAdapter } from './types.js';
import { createCommandAgent } from './command-agent.js';
import { createOpencodeAgent } from './opencode-agent.js';

/**
 * Which agent CLI runs the turns. `opencode` (the default in configuration): the opencode binary
 * (`bin`, default `opencode` on the turn's PATH), optional `--model provider/model` and extra
 * arguments. `command`: any CLI as an argv array with `{promptFile}`, `{worktree}`, `{issueKey}`,
 * `{branch}`, `{sessionId}` placeholders (see {@link createCommandAgent}).
 */
export type AgentConfig =
  | { kind: 'opencode'; bin?: string; model?: string; extraArgs?: string[]; killGraceMs?: number }
  | { kind: 'command'; argv: string[]; killGraceMs?: number };

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
    default:
      throw new TypeError(`unknown agent kind ${JSON.stringify((config as { kind?: unknown }).kind)}; expected "opencode" or "command"`);
  }
}
