import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../src/agents/agent-registry.js';
import { createAgent } from '../../src/agents/create-agent.js';
import { NO_SANDBOX } from '../../src/agents/turn-sandbox.js';
import { loadConfig } from '../../src/config/load-config.js';

const minimal = { GITEA_URL: 'https://g.example', GITEA_TOKEN: 't', KUGETSU_WEBHOOK_SECRET: 's' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...minimal, ...env }, '/srv');
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
  return [];
}

describe('KUGETSU_OPENCODE_MODE', () => {
  it('is run unless set to serve', () => {
    expect(loadConfig(minimal, '/srv').opencodeMode).toBe('run');
    expect(loadConfig({ ...minimal, KUGETSU_OPENCODE_MODE: 'serve' }, '/srv').opencodeMode).toBe('serve');
  });

  it('refuses another value, and serve mode in a sandbox without network, with what to change', () => {
    expect(problemsOf({ KUGETSU_OPENCODE_MODE: 'warm' })).toEqual([
      expect.stringMatching(/^KUGETSU_OPENCODE_MODE must be "run" \(one opencode process per turn, the default\) or "serve"/),
    ]);
    expect(problemsOf({ KUGETSU_OPENCODE_MODE: 'serve', KUGETSU_AGENT_SANDBOX_NETWORK: 'none' })).toEqual([
      'KUGETSU_OPENCODE_MODE=serve needs KUGETSU_AGENT_SANDBOX_NETWORK=open: kugetsu reaches the opencode server on the host loopback, which a sandbox without network does not share',
    ]);
    expect(problemsOf({ KUGETSU_OPENCODE_MODE: 'serve', KUGETSU_AGENT_SANDBOX_NETWORK: 'none', KUGETSU_AGENT_SANDBOX: 'off' })).toEqual([]);
  });

  it('makes the registry build the serve adapter, which refuses run-only extra arguments at once', () => {
    const context = { opencodeServer: { dir: '/srv/state/opencode-serve', sandbox: NO_SANDBOX } };
    const registry = new AgentRegistry(undefined, { opencodeMode: 'serve', context });
    const adapter = registry.adapterFor({ kind: 'opencode', bin: 'opencode', timeoutMs: 1000, envAllowlist: [] });
    expect(adapter.name).toBe('opencode');
    expect(typeof adapter.close).toBe('function');
    expect(new AgentRegistry().adapterFor({ kind: 'opencode', bin: 'opencode' }).close).toBeUndefined();
    expect(() => createAgent({ kind: 'opencode', mode: 'serve', extraArgs: ['--print-logs'] }, context)).toThrow(
      'opencode extra argument "--print-logs" is not supported with KUGETSU_OPENCODE_MODE=serve (only --agent=<name>); remove it or use KUGETSU_OPENCODE_MODE=run',
    );
    expect(() => createAgent({ kind: 'opencode', mode: 'serve' })).toThrow('opencode serve mode needs a server directory and sandbox (AgentContext.opencodeServer)');
  });
});
