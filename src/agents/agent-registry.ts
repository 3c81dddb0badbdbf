import { createAgent, type AgentConfig } from './create-agent.js';
import type { AgentAdapter } from './types.js';

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
    const shape: AgentConfig =
      config.kind === 'command'
        ? { kind: 'command', argv: config.argv }
        : { kind: 'opencode', ...(config.bin ? { bin: config.bin } : {}), ...(config.model ? { model: config.model } : {}), ...(config.extraArgs ? { extraArgs: config.extraArgs } : {}) };
    const key = JSON.stringify(shape);
    let adapter = this.adapters.get(key);
    if (!adapter) {
      adapter = createAgent(shape);
      this.adapters.set(key, adapter);
    }
    return adapter;
  }
}
