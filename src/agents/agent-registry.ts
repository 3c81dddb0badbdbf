import { createAgent, type AgentConfig, type AgentContext } from './create-agent.js';
import type { AgentAdapter } from './types.js';

/** The fields of `config` that make an adapter (a timeout or an env allowlist does not). */
function adapterShape(config: AgentConfig & Record<string, unknown>, opencodeMode: 'run' | 'serve'): AgentConfig {
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
      return { kind: 'opencode', ...common, ...(opencodeMode === 'serve' ? { mode: 'serve' as const } : {}) };
  }
}

/** Deployment-wide settings of {@link AgentRegistry}. */
export interface AgentRegistryOptions {
  /** How opencode runs turns (`KUGETSU_OPENCODE_MODE`); default `run`. */
  opencodeMode?: 'run' | 'serve';
  /** What adapters need from the deployment (warm opencode's server place), see {@link AgentContext}. */
  context?: AgentContext;
}

/**
 * One adapter per distinct agent configuration: repositories may name their own agent in
 * `webhooks/`, and adapters are cheap but need not be rebuilt for every job (warm opencode's
 * adapter keeps its server between turns). `fixed`, when given, is used for every configuration
 * (tests inject one agent this way).
 */
export class AgentRegistry {
  private readonly adapters = new Map<string, AgentAdapter>();

  constructor(
    private readonly fixed?: AgentAdapter,
    private readonly options: AgentRegistryOptions = {},
  ) {}

  /** The adapter for `config` (extra fields such as a timeout or an env allowlist are ignored). */
  adapterFor(config: AgentConfig & Record<string, unknown>): AgentAdapter {
    if (this.fixed) return this.fixed;
    const shape = adapterShape(config, this.options.opencodeMode ?? 'run');
    const key = JSON.stringify(shape);
    let adapter = this.adapters.get(key);
    if (!adapter) {
      adapter = createAgent(shape, this.options.context);
      this.adapters.set(key, adapter);
    }
    return adapter;
  }

  /** Closes every adapter this registry built (warm servers are stopped). Never rejects. */
  async close(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((a) => a.close?.().catch(() => undefined)));
  }
}
