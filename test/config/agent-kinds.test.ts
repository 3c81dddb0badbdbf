import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { DEFAULTS, removeTrees, shown, webhooksTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

const minimal = { GITEA_URL: 'https://g.example', GITEA_TOKEN: 't', KUGETSU_WEBHOOK_SECRET: 's' };

describe('KUGETSU_AGENT=claude and codex', () => {
  it('claude: binary, model and permission mode from KUGETSU_CLAUDE_*, acceptEdits by default', () => {
    expect(loadConfig({ ...minimal, KUGETSU_AGENT: 'claude' }, '/srv').agent).toEqual({ kind: 'claude', bin: 'claude', permissionMode: 'acceptEdits' });
    expect(
      loadConfig(
        { ...minimal, KUGETSU_AGENT: 'claude', KUGETSU_CLAUDE_BIN: '/opt/claude', KUGETSU_CLAUDE_MODEL: 'sonnet', KUGETSU_CLAUDE_PERMISSION_MODE: 'bypassPermissions' },
        '/srv',
      ).agent,
    ).toEqual({
      kind: 'claude',
      bin: '/opt/claude',
      model: 'sonnet',
      permissionMode: 'bypassPermissions',
    });
  });

  it('codex: binary, model, sandbox (auto by default) and a Responses provider from KUGETSU_CODEX_*', () => {
    expect(loadConfig({ ...minimal, KUGETSU_AGENT: 'codex' }, '/srv').agent).toEqual({ kind: 'codex', bin: 'codex', sandboxMode: 'auto' });
    expect(
      loadConfig(
        {
          ...minimal,
          KUGETSU_AGENT: 'codex',
          KUGETSU_CODEX_MODEL: 'gpt-5.5',
          KUGETSU_CODEX_SANDBOX: 'workspace-write',
          KUGETSU_CODEX_BASE_URL: 'http://127.0.0.1:9/v1',
          KUGETSU_CODEX_API_KEY_ENV: 'MY_KEY',
          KUGETSU_CODEX_MAX_RETRIES: '0',
        },
        '/srv',
      ).agent,
    ).toEqual({ kind: 'codex', bin: 'codex', model: 'gpt-5.5', sandboxMode: 'workspace-write', provider: { baseUrl: 'http://127.0.0.1:9/v1', envKey: 'MY_KEY', maxRetries: 0 } });
  });

  it('lists every bad agent setting with what is allowed', () => {
    let problems: string[] = [];
    try {
      loadConfig({ ...minimal, KUGETSU_AGENT: 'aider', KUGETSU_CLAUDE_PERMISSION_MODE: 'yolo', KUGETSU_CODEX_SANDBOX: 'none', KUGETSU_CODEX_BASE_URL: 'not a url' }, '/srv');
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        'KUGETSU_AGENT must be "opencode", "command", "claude" or "codex"',
        expect.stringMatching(/^KUGETSU_CLAUDE_PERMISSION_MODE must be one of acceptEdits, bypassPermissions/),
        expect.stringMatching(/^KUGETSU_CODEX_SANDBOX must be one of auto, read-only, workspace-write, danger-full-access/),
        expect.stringMatching(/^KUGETSU_CODEX_BASE_URL must be the base URL of a Responses API/),
      ]),
    );
  });
});

describe('webhooks/*.yaml with kind: claude or codex', () => {
  const env = { KUGETSU_CLAUDE_BIN: '/opt/claude', KUGETSU_CLAUDE_MODEL: 'opus', KUGETSU_CODEX_SANDBOX: 'read-only' };

  it("a kind switch starts from that kind's environment defaults; its own keys apply", () => {
    const dir = webhooksTree({
      'acme/_all.yaml': 'repository: acme/*\nagent:\n  kind: claude\n  permission_mode: bypassPermissions\n',
      'acme/app.yaml': 'repository: acme/app\nagent:\n  kind: claude\n  model: sonnet\n',
      'acme/tool.yaml': 'repository: acme/tool\nagent:\n  kind: codex\n  sandbox_mode: danger-full-access\n  extra_args: [--skip-git-repo-check]\n',
      'acme/ro.yaml': 'repository: acme/ro\nagent:\n  kind: codex\n',
    });
    const { source, errors } = loadRepoSettings({ dir, env, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual([]);
    const base = { timeoutMs: DEFAULTS.agent.timeoutMs, envAllowlist: DEFAULTS.agent.envAllowlist };
    expect(source.settingsFor('acme', 'other').agent).toEqual({ kind: 'claude', bin: '/opt/claude', model: 'opus', permissionMode: 'bypassPermissions', ...base });
    // Same kind as the owner's file: the owner's permission mode stays, the model is replaced.
    expect(source.settingsFor('acme', 'app').agent).toEqual({ kind: 'claude', bin: '/opt/claude', model: 'sonnet', permissionMode: 'bypassPermissions', ...base });
    expect(source.settingsFor('acme', 'tool').agent).toEqual({ kind: 'codex', bin: 'codex', sandboxMode: 'danger-full-access', extraArgs: ['--skip-git-repo-check'], ...base });
    expect(source.settingsFor('acme', 'ro').agent).toEqual({ kind: 'codex', bin: 'codex', sandboxMode: 'read-only', ...base });
  });

  it('refuses a key of another kind and an unknown mode, with file, line and column', () => {
    const dir = webhooksTree({
      'acme/app.yaml': 'repository: acme/app\nagent:\n  kind: codex\n  permission_mode: acceptEdits\n',
      'acme/web.yaml': 'repository: acme/web\nagent:\n  kind: claude\n  permission_mode: yolo\n',
    });
    const { errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual([
      'webhooks/acme/app.yaml:4:3: "agent.permission_mode" belongs to kind: claude, but this agent block says kind: codex; remove it',
      expect.stringMatching(/^webhooks\/acme\/web\.yaml:4:20: "agent\.permission_mode" must be acceptEdits, bypassPermissions, default, plan, dontAsk, auto \(got "yolo"\)$/),
    ]);
  });
});

describe('KUGETSU_PRICES_FILE', () => {
  it('loads the table and prices tokens by model (else "*"), cache prices defaulting to the input price', () => {
    const dir = webhooksTree({ 'prices.yaml': 'models:\n  gpt-5.5: {input: 1.25, output: 10, cache_read: 0.125}\n  "*": {input: 2, output: 8}\n' });
    const { prices } = loadConfig({ ...minimal, KUGETSU_PRICES_FILE: 'prices.yaml' }, dir);
    const tokens = { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 2_000_000, cacheWriteTokens: 10 };
    expect(prices!.costOf({ ...tokens, model: 'gpt-5.5' })).toBeCloseTo(1.25 + 1 + 0.25 + 1.25e-5, 10);
    expect(prices!.costOf({ ...tokens, model: 'other' })).toBeCloseTo(2 + 0.8 + 4 + 2e-5, 10);
    expect(prices!.costOf(tokens)).toBeCloseTo(2 + 0.8 + 4 + 2e-5, 10);
  });

  it('a model without a price and no "*" has no cost', () => {
    const dir = webhooksTree({ 'prices.yaml': 'models:\n  gpt-5.5: {input: 1, output: 1}\n' });
    expect(
      loadConfig({ ...minimal, KUGETSU_PRICES_FILE: path.join(dir, 'prices.yaml') }, '/srv').prices!.costOf({
        inputTokens: 1,
        outputTokens: 1,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        model: 'x',
      }),
    ).toBeUndefined();
  });

  it.each([
    [
      'a missing price',
      'models:\n  gpt-5.5:\n    input: 1\n',
      /^KUGETSU_PRICES_FILE: .*prices\.yaml:3:5: models\.gpt-5\.5\.output: "output" must be a number of US dollars per million tokens/,
    ],
    ['a negative price', 'models:\n  gpt-5.5: {input: -1, output: 1}\n', /prices\.yaml:2:20: models\.gpt-5\.5\.input: "input" must not be negative$/],
    [
      'an unknown key',
      'models:\n  gpt-5.5: {input: 1, output: 1, cached: 1}\n',
      /prices\.yaml:2:12: models\.gpt-5\.5: unknown key "cached"; a model's prices are input, output, cache_read, cache_write$/,
    ],
    ['not YAML', 'models: [\n', /prices\.yaml:\d+:\d+: /],
    ['no models', 'gpt-5.5: {input: 1, output: 1}\n', /prices\.yaml:1:1: .*models/],
  ])('%s stops the start with file:line:col', (_name, text, message) => {
    const dir = webhooksTree({ 'prices.yaml': text });
    let problems: string[] = [];
    try {
      loadConfig({ ...minimal, KUGETSU_PRICES_FILE: 'prices.yaml' }, dir);
    } catch (err) {
      problems = (err as { problems: string[] }).problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('an unreadable file names itself and the variable', () => {
    expect(() => loadConfig({ ...minimal, KUGETSU_PRICES_FILE: '/nonexistent/prices.yaml' }, '/srv')).toThrow(
      /\/nonexistent\/prices\.yaml: cannot be read \(ENOENT\); fix KUGETSU_PRICES_FILE/,
    );
  });
});
