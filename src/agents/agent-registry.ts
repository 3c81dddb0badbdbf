import { createAgent, type AgentConfig } from './create-agent.js';
import type { AgentAdapter } from './types.js';

/** The fields of `config` that make an adapter (a timeout or an env allowlist does not). */
function adapterShape(config: AgentConfig & Record<string, unknown>): AgentConfig {
  const common = {
    ...(config.kind !== 'command' && config.bin ? { bin: config.bin } : {}),
    ...(config.kind !== 'command' && config.model ? { model: config.model } : {}),
    ...(config.kind !== 'command' && config.extraArgs ? { extraArgs: config.extraArgs } : {}),
  };
  switch (config.kind) {
    case 'command':
      return { kind: 'command', argv: config.argv };
    case 'claude':
      return { kind: 'claude', ...common, ...(config.permissionMode ? { permissionMode: config.permissionMode } : {}) };
    case 'codex':
      return { kind: 'codex', ...common, ...(config.sandboxMode ? { sandboxMode: config.sandboxMode } : {}), ...(config.provider ? { provider: config.provider } : {}) };
    default:
      return { kind: 'opencode', ...common };
  }
}

/**
 * One adapter per distinct agent configuration: repositories may name their own agent in
 * `webhooks/`, and adapters are cheap but need not be rebuilt for every job. `fixed`, when given,
 * is used for every configuration (tests inject one agent this way).
 */
export class AgentRegistry {
  private readonly adapters = new Map<string, AgentAdapter>();

  constructor(private readonly fixed?: AgentAdapter) {}

  /** The adapter for `config` (extra fields such as a timeout or an env allowlist are ignored). */
  adapterFor(config: AgentConfig & Record<string, unknown>): AgentAdapter {
    if (this.fixed) return this.fixed;
    const shape = adapterShape(config);
    const key = JSON.stringify(shape);
    let adapter = this.adapters.get(key);
    if (!adapter) {
      adapter = createAgent(shape);
      this.adapters.set(key, adapter);
    }
    return adapter;
  }
}
