import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pickAgentEnv } from '../../src/config/agent-env.js';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

const minimal = { GITEA_URL: 'https://gitea.example.com/', GITEA_TOKEN: 'tok-123456', KUGETSU_WEBHOOK_SECRET: 's3cret' };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(minimal, '/srv');
    expect(c).toMatchObject({
      giteaUrl: 'https://gitea.example.com',
      port: 8080,
      stateDir: '/srv/.kugetsu',
      maxAgents: 3,
      agent: { kind: 'opencode', bin: 'opencode' },
      agentTimeoutMs: 3_600_000,
      triggerLabel: 'ready',
      command: '/kugetsu',
      allowUnsigned: false,
    });
  });

  it('reads every setting', () => {
    const c = loadConfig(
      {
        ...minimal,
        PORT: '9000',
        KUGETSU_STATE_DIR: '/var/lib/kugetsu',
        KUGETSU_MAX_AGENTS: '5',
        KUGETSU_AGENT: 'command',
        KUGETSU_AGENT_COMMAND: '["my-agent","--prompt","{promptFile}"]',
        KUGETSU_AGENT_TIMEOUT_S: '90',
        KUGETSU_TRIGGER_LABEL: 'agent',
        KUGETSU_COMMAND: '/bot',
      },
      '/srv',
    );
    expect(c).toMatchObject({
      port: 9000,
      stateDir: '/var/lib/kugetsu',
      maxAgents: 5,
      agent: { kind: 'command', argv: ['my-agent', '--prompt', '{promptFile}'] },
      agentTimeoutMs: 90_000,
      triggerLabel: 'agent',
      command: '/bot',
    });
  });

  it('prompt caps: documented defaults (256 KiB prompt, 64 KiB body, 16 KiB comments, 50 comments), settable, checked', () => {
    expect(loadConfig(minimal, '/srv').promptLimits).toEqual({ maxBytes: 262_144, maxBodyBytes: 65_536, maxCommentBytes: 16_384, maxComments: 50 });
    const set = loadConfig(
      { ...minimal, KUGETSU_PROMPT_MAX_BYTES: '100000', KUGETSU_PROMPT_MAX_BODY_BYTES: '2000', KUGETSU_PROMPT_MAX_COMMENT_BYTES: '300', KUGETSU_PROMPT_MAX_COMMENTS: '0' },
      '/srv',
    );
    expect(set.promptLimits).toEqual({ maxBytes: 100_000, maxBodyBytes: 2000, maxCommentBytes: 300, maxComments: 0 });
    expect(() => loadConfig({ ...minimal, KUGETSU_PROMPT_MAX_BYTES: '1000', KUGETSU_PROMPT_MAX_COMMENTS: '5000' }, '/srv')).toThrow(
      /KUGETSU_PROMPT_MAX_BYTES must be at least 16384[\s\S]*KUGETSU_PROMPT_MAX_COMMENTS must be at most 1000/,
    );
  });

  it('lease of a worker claim: 30 s by default, settable in whole seconds, at least 3', () => {
    expect(loadConfig(minimal, '/srv').leaseMs).toBe(30_000);
    expect(loadConfig({ ...minimal, KUGETSU_LEASE_S: '5' }, '/srv').leaseMs).toBe(5_000);
    expect(() => loadConfig({ ...minimal, KUGETSU_LEASE_S: '2' }, '/srv')).toThrow(/KUGETSU_LEASE_S must be at least 3/);
    expect(() => loadConfig({ ...minimal, KUGETSU_LEASE_S: '1.5' }, '/srv')).toThrow(/KUGETSU_LEASE_S must be a whole number/);
  });

  it('rate limits: N per s, m, h or d, optionally N per a number of them; 0 turns one off; anything else is refused with the format', () => {
    const rates = (sender: string, repo: string) => loadConfig({ ...minimal, KUGETSU_RATE_LIMIT_SENDER: sender, KUGETSU_RATE_LIMIT_REPO: repo }, '/srv').rateLimits;
    expect(loadConfig(minimal, '/srv').rateLimits).toEqual({ sender: { limit: 20, windowMs: 3_600_000 }, repo: { limit: 60, windowMs: 3_600_000 } });
    expect(rates('20/20s', '10 / 30m')).toEqual({ sender: { limit: 20, windowMs: 20_000 }, repo: { limit: 10, windowMs: 1_800_000 } });
    expect(rates('0', '5/d')).toEqual({ sender: undefined, repo: { limit: 5, windowMs: 86_400_000 } });
    for (const bad of ['20', '0/h', '20/0s', '20/w', '-1/h', '20/1.5h']) {
      expect(() => rates(bad, '0'), bad).toThrow(/KUGETSU_RATE_LIMIT_SENDER must look like 20\/h or 10\/30m/);
    }
  });

  it('budgets: KUGETSU_MAX_TURN_COST_USD and KUGETSU_MAX_DAILY_COST_USD in US dollars, unset or empty = no limit, the defaults of every repository', () => {
    expect(loadConfig(minimal, '/srv').budget).toEqual({ maxTurnCostUsd: undefined, maxDailyCostUsd: undefined });
    const config = loadConfig({ ...minimal, KUGETSU_MAX_TURN_COST_USD: '0.75', KUGETSU_MAX_DAILY_COST_USD: ' 20 ' }, '/srv');
    expect(config.budget).toEqual({ maxTurnCostUsd: 0.75, maxDailyCostUsd: 20 });
    expect(config.repoSettings.settingsFor('acme', 'app').budget).toEqual({ maxTurnCostUsd: 0.75, maxDailyCostUsd: 20 });
    expect(loadConfig({ ...minimal, KUGETSU_MAX_DAILY_COST_USD: '' }, '/srv').budget.maxDailyCostUsd).toBeUndefined();
    for (const bad of ['0', '-1', 'five', '$5', '1e3', 'Infinity']) {
      expect(() => loadConfig({ ...minimal, KUGETSU_MAX_TURN_COST_USD: bad }, '/srv'), bad).toThrow(
        /KUGETSU_MAX_TURN_COST_USD must be an amount of US dollars greater than 0, e\.g\. 2\.5/,
      );
    }
    expect(() => loadConfig({ ...minimal, KUGETSU_MAX_DAILY_COST_USD: '-3' }, '/srv')).toThrow(/KUGETSU_MAX_DAILY_COST_USD must be an amount of US dollars/);
  });

  it('lists every problem at once, each saying what to do', () => {
    let error: unknown;
    try {
      loadConfig({ GITEA_URL: 'not a url', KUGETSU_MAX_AGENTS: 'many', KUGETSU_AGENT: 'command', KUGETSU_AGENT_COMMAND: '{"a":1}', PORT: '70000' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('GITEA_URL must be the base URL of your Gitea');
    expect(problems).toContain('GITEA_TOKEN is required');
    expect(problems).toContain('KUGETSU_MAX_AGENTS must be a whole number');
    expect(problems).toContain('KUGETSU_AGENT_COMMAND: must be a non-empty JSON array of strings');
    expect(problems).toContain('PORT');
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(5);
  });

  it('requires a webhook secret unless unsigned deliveries are explicitly allowed', () => {
    expect(() => loadConfig({ GITEA_URL: 'http://g', GITEA_TOKEN: 't' })).toThrow(/KUGETSU_WEBHOOK_SECRET is required/);
    expect(loadConfig({ GITEA_URL: 'http://g', GITEA_TOKEN: 't', KUGETSU_ALLOW_UNSIGNED: '1' }).allowUnsigned).toBe(true);
  });

  it('a worker, which never answers a delivery, needs no webhook secret', () => {
    const c = loadConfig({ GITEA_URL: 'http://g', GITEA_TOKEN: 't' }, '/srv', { receivesDeliveries: false });
    expect(c.webhookSecrets).toEqual([]);
    expect(c.allowUnsigned).toBe(false);
  });

  it('KUGETSU_AGENT=command needs a command', () => {
    expect(() => loadConfig({ ...minimal, KUGETSU_AGENT: 'command' })).toThrow(/KUGETSU_AGENT=command needs KUGETSU_AGENT_COMMAND/);
  });
});

describe('pickAgentEnv', () => {
  it('passes the allowlist and never the token or kugetsu settings', () => {
    const env = pickAgentEnv(
      { PATH: '/bin', HOME: '/h', LC_ALL: 'C', OPENAI_API_KEY: 'k', GITEA_TOKEN: 'secret', KUGETSU_WEBHOOK_SECRET: 'x', AWS_SECRET: 'no', MY_VAR: 'yes', KUGETSU_X: 'no' },
      ['MY_VAR', 'KUGETSU_*'],
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', OPENAI_API_KEY: 'k', MY_VAR: 'yes' });
  });

  it('never passes a secret of kugetsu under another name, even when the allowlist matches it', () => {
    const host = {
      PATH: '/bin',
      GITEA_TOKEN: 'gitea-token-0123456789',
      KUGETSU_WEBHOOK_SECRET: 'old-webhook-secret,new-webhook-secret',
      KUGETSU_REPO_SECRETS: 'acme/app=ACME_API_KEY',
      ACME_API_KEY: 'acme-repo-webhook-secret',
      COPY_OF_TOKEN: 'gitea-token-0123456789',
      URL_WITH_TOKEN: 'https://x:gitea-token-0123456789@git.example.com',
      ROTATED: 'new-webhook-secret',
      INSTANCE_TOKEN: 'second-instance-token',
      ALSO_INSTANCE: 'second-instance-token',
      OPENAI_API_KEY: 'the-model-key',
      SHORT: 'yes',
    };
    const env = pickAgentEnv(host, ['COPY_OF_TOKEN', 'URL_WITH_TOKEN', 'ROTATED', 'ALSO_INSTANCE', 'SHORT'], ['INSTANCE_TOKEN']);
    expect(env).toEqual({ PATH: '/bin', OPENAI_API_KEY: 'the-model-key', SHORT: 'yes' });
  });

  it("keeps every instance's token and secret out of the agent's environment (an instances file)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-instances-env-'));
    try {
      const file = path.join(dir, 'instances.yaml');
      writeFileSync(
        file,
        'instances:\n  - name: company\n    url: https://git.example.com/\n    token_env: A_TOKEN\n    secret_env: A_SECRET\n  - name: codeberg\n    url: https://codeberg.org\n    kind: forgejo\n    token_env: CODEBERG_API_KEY\n    secret_env: B_SECRET\n',
      );
      const c = loadConfig(
        {
          KUGETSU_INSTANCES_FILE: file,
          A_TOKEN: 'company-token-123',
          A_SECRET: 'company-secret-1',
          CODEBERG_API_KEY: 'codeberg-token-456',
          B_SECRET: 'codeberg-secret-2',
          COPY_API_KEY: 'codeberg-secret-2',
          OPENAI_API_KEY: 'model-key-789',
          PATH: '/bin',
        },
        dir,
      );
      expect(c.agentEnv).toEqual({ OPENAI_API_KEY: 'model-key-789', PATH: '/bin' });
      expect(c.agentEnvWith(['B_SECRET'])).toEqual({ OPENAI_API_KEY: 'model-key-789', PATH: '/bin' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
