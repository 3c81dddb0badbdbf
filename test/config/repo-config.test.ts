import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSTRUCTIONS } from '../../src/config/default-instructions.js';
import { loadConfig } from '../../src/config/load-config.js';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { defaultRepoSettings, webhooksDir } from '../../src/config/repo-config-defaults.js';
import { AGENT_KEYS, TOP_KEYS } from '../../src/config/repo-config-schema.js';
import type { RepoSettings } from '../../src/config/repo-settings.js';
import { DEFAULTS, removeTrees, shown, webhooksTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

const load = (dir: string, env: Record<string, string | undefined> = {}) => loadRepoSettings({ dir, env, defaults: DEFAULTS });

describe('defaults', () => {
  it('come from the environment settings, with the built-in defaults for the rest', () => {
    const env = {
      GITEA_URL: 'https://g.example',
      GITEA_TOKEN: 't',
      KUGETSU_WEBHOOK_SECRET: 's',
      KUGETSU_MIN_ROLE: 'admin',
      KUGETSU_AGENT_TIMEOUT_S: '60',
      KUGETSU_AGENT_ENV: 'GOPATH, NPM_*',
    };
    expect(defaultRepoSettings(loadConfig(env, '/srv'), env)).toEqual({
      triggerLabels: ['ready'],
      command: '/kugetsu',
      minRole: 'admin',
      agent: { kind: 'opencode', bin: 'opencode', timeoutMs: 60_000, envAllowlist: ['GOPATH', 'NPM_*'] },
      baseBranch: undefined,
      branchTemplate: 'kugetsu/issue-{number}',
      prompt: { instructions: DEFAULT_INSTRUCTIONS, source: 'default' },
      maxConcurrentJobs: undefined,
      autoPr: true,
      prClosesIssue: true,
      stateLabels: true,
      secrets: [],
      notify: { urls: [], events: ['queued', 'started', 'succeeded', 'failed', 'canceled'], secret: undefined },
      budget: { maxTurnCostUsd: undefined, maxDailyCostUsd: undefined },
      source: 'defaults',
    } satisfies RepoSettings);
  });

  it.each([
    [{}, './webhooks'],
    [{ KUGETSU_WEBHOOKS_DIR: '/etc/kugetsu/webhooks' }, '/etc/kugetsu/webhooks'],
    [{ KUGETSU_WEBHOOKS_DIR: ' ' }, './webhooks'],
  ])('the directory for %j is %s', (env, dir) => {
    expect(webhooksDir(env)).toBe(dir);
  });

  it.each([
    ['a missing directory', (dir: string) => path.join(dir, 'nope')],
    ['a directory with only the README, examples and hidden files', (dir: string) => dir],
  ])('%s gives every repository the defaults, without errors', (_name, pick) => {
    const dir = webhooksTree({
      'README.md': '# notes\n',
      'repository.example.yaml': 'repository: acme/app\nmin_role: owner\n',
      'acme/app.example.yml': 'repository: acme/app\nmin_role: owner\n',
      '.hidden.yaml': 'repository: acme/app\nmin_role: owner\n',
      '.git/acme.yaml': 'repository: acme/app\nmin_role: owner\n',
      'notes.txt': 'min_role: owner\n',
    });
    const { source, errors } = load(pick(dir));
    expect(errors).toEqual([]);
    expect(source.configured()).toEqual([]);
    expect(source.settingsFor('acme', 'app')).toEqual(DEFAULTS);
  });
});

describe('budget: repository file over owner wildcard over the environment, key by key', () => {
  it('takes each budget key from the most specific place that sets it', () => {
    const dir = webhooksTree({
      'acme/_all.yaml': 'repository: acme/*\nbudget:\n  max_daily_cost_usd: 20\n',
      'acme/app.yaml': 'repository: acme/app\nbudget:\n  max_turn_cost_usd: 0.5\n',
    });
    const defaults: RepoSettings = { ...DEFAULTS, budget: { maxTurnCostUsd: 3, maxDailyCostUsd: 100 } };
    const { source, errors } = loadRepoSettings({ dir, env: {}, defaults });
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').budget).toEqual({ maxTurnCostUsd: 0.5, maxDailyCostUsd: 20 });
    expect(source.settingsFor('acme', 'lib').budget).toEqual({ maxTurnCostUsd: 3, maxDailyCostUsd: 20 });
    expect(source.settingsFor('other', 'lib').budget).toEqual({ maxTurnCostUsd: 3, maxDailyCostUsd: 100 });
    expect(DEFAULTS.budget).toEqual({ maxTurnCostUsd: undefined, maxDailyCostUsd: undefined });
  });
});

describe('precedence: repository file over owner wildcard over environment, key by key', () => {
  const dir = webhooksTree({
    'acme/_all.yaml': [
      'repository: acme/*',
      'min_role: admin',
      'trigger_labels: [agent]',
      'base_branch: develop',
      'agent:',
      '  model: acme/model',
      '  kind: opencode',
      '  timeout_s: 600',
      '  env: [ACME_*]',
      '',
    ].join('\n'),
    'acme/app.yaml': ['repository: acme/app', 'auto_pr: false', 'agent:', '  timeout_s: 1800', '  env: [CARGO_HOME]', ''].join('\n'),
    'acme/tool.yml': ['repository: acme/tool', 'agent:', '  kind: command', '  argv: [my-agent, "{promptFile}"]', ''].join('\n'),
    'other--lib.yaml': ['repository: other/lib', 'branch_template: bots/{number}', 'max_concurrent_jobs: 1', 'state_labels: false', ''].join('\n'),
  });
  const { source, errors } = load(dir);

  it('loads the files without errors', () => {
    expect(errors).toEqual([]);
    expect(source.configured()).toEqual(['acme/*', 'acme/app', 'acme/tool', 'other/lib']);
  });

  const cases: Array<[string, string, string, Partial<RepoSettings>]> = [
    [
      'exact file over the wildcard over the environment',
      'acme',
      'app',
      {
        minRole: 'admin',
        triggerLabels: ['agent'],
        baseBranch: 'develop',
        autoPr: false,
        prClosesIssue: true,
        agent: { kind: 'opencode', bin: 'opencode', model: 'acme/model', timeoutMs: 1_800_000, envAllowlist: ['GOPATH', 'ACME_*', 'CARGO_HOME'] },
        source: 'webhooks/acme/app.yaml, webhooks/acme/_all.yaml',
      },
    ],
    [
      'the wildcard alone for another repository of the owner',
      'acme',
      'web',
      {
        minRole: 'admin',
        autoPr: true,
        agent: { kind: 'opencode', bin: 'opencode', model: 'acme/model', timeoutMs: 600_000, envAllowlist: ['GOPATH', 'ACME_*'] },
        source: 'webhooks/acme/_all.yaml',
      },
    ],
    [
      "a kind change drops the other kind's keys and keeps timeout and env",
      'acme',
      'tool',
      { minRole: 'admin', agent: { kind: 'command', argv: ['my-agent', '{promptFile}'], timeoutMs: 600_000, envAllowlist: ['GOPATH', 'ACME_*'] } },
    ],
    [
      'an exact file without a wildcard over the environment',
      'other',
      'lib',
      { minRole: 'write', branchTemplate: 'bots/{number}', maxConcurrentJobs: 1, stateLabels: false, agent: DEFAULTS.agent, source: 'webhooks/other--lib.yaml' },
    ],
    ['the environment for a repository without any file', 'nobody', 'x', DEFAULTS],
    ['names are compared case-insensitively', 'ACME', 'App', { autoPr: false, minRole: 'admin' }],
  ];

  it.each(cases)('%s (%s/%s)', (_name, owner, repo, expected) => {
    const got = source.settingsFor(owner, repo);
    expect({ ...got, source: got.source.split(dir).join('webhooks') }).toMatchObject(expected);
  });

  it('answers from a precomputed map: the same frozen object every time', () => {
    const a = source.settingsFor('acme', 'app');
    expect(source.settingsFor('Acme', 'APP')).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.agent) && Object.isFrozen(a.triggerLabels)).toBe(true);
  });

  it.each([
    [undefined, undefined],
    [null, 'x'],
    [42, {}],
    ['', ''],
  ])('never throws, whatever it is given (%j, %j)', (owner, repo) => {
    expect(source.settingsFor(owner as unknown as string, repo as unknown as string)).toEqual(DEFAULTS);
  });
});

describe('agent and secrets', () => {
  it.each([
    [
      "opencode keeps the environment's bin and model when only the timeout changes",
      'agent:\n  timeout_s: 5\n',
      { kind: 'opencode', bin: 'opencode', model: 'env/model', timeoutMs: 5000, envAllowlist: ['GOPATH'] },
    ],
    [
      'opencode with its own bin, model and extra arguments',
      'agent:\n  kind: opencode\n  bin: /opt/opencode\n  model: p/m\n  extra_args: [--agent, build]\n',
      { kind: 'opencode', bin: '/opt/opencode', model: 'p/m', extraArgs: ['--agent', 'build'], timeoutMs: 3_600_000, envAllowlist: ['GOPATH'] },
    ],
    [
      'a command with its env patterns',
      'agent:\n  kind: command\n  argv: [a, "{worktree}"]\n  env: ["*_HOME", GOPATH]\n',
      { kind: 'command', argv: ['a', '{worktree}'], timeoutMs: 3_600_000, envAllowlist: ['GOPATH', '*_HOME'] },
    ],
  ])('%s', (_name, yaml, agent) => {
    const dir = webhooksTree({ 'app.yaml': `repository: acme/app\n${yaml}` });
    const { source, errors } = load(dir);
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').agent).toEqual(agent);
  });

  it('trigger_labels: [] leaves only commands to start work', () => {
    const dir = webhooksTree({ 'app.yaml': 'repository: acme/app\ntrigger_labels: []\n' });
    const { source, errors } = load(dir);
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').triggerLabels).toEqual([]);
  });

  it.each([
    ['one variable', 'secret_env: ACME_SECRET', ['s1']],
    ['a list of variables', 'secret_env: [ACME_SECRET, ACME_NEXT]', ['s1', 'n1', 'n2']],
  ])('secret_env reads the secrets from %s', (_name, line, secrets) => {
    const dir = webhooksTree({ 'app.yaml': `repository: acme/app\n${line}\n` });
    const { source, errors } = load(dir, { ACME_SECRET: 's1', ACME_NEXT: 'n1, n2' });
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').secrets).toEqual(secrets);
    expect(source.settingsFor('acme', 'other').secrets).toEqual([]);
  });
});

describe('the documented example and README', () => {
  const webhooks = path.resolve(import.meta.dirname, '../../webhooks');
  const example = fs.readFileSync(path.join(webhooks, 'repository.example.yaml'), 'utf8');
  const readme = fs.readFileSync(path.join(webhooks, 'README.md'), 'utf8');

  it('the example is not loaded from webhooks/ itself', () => {
    const { source, errors } = load(webhooks);
    expect(errors).toEqual([]);
    expect(source.configured()).toEqual([]);
  });

  it('the example is valid once copied to a .yaml name, and sets every key', () => {
    const dir = webhooksTree({ 'acme/app.yaml': example });
    const { source, errors } = load(dir, { ACME_APP_WEBHOOK_SECRET: 'x', ACME_APP_NOTIFY_SECRET: 'n' });
    expect(shown(dir, errors)).toEqual([]);
    expect(source.settingsFor('acme', 'app')).toMatchObject({
      triggerLabels: ['ready', 'agent'],
      agent: { kind: 'opencode', model: 'anthropic/claude-sonnet-4-5', extraArgs: ['--agent', 'build'], timeoutMs: 1_800_000 },
      baseBranch: 'main',
      maxConcurrentJobs: 1,
      secrets: ['x'],
      notify: { urls: ['https://ntfy.example.org/kugetsu-acme-app'], events: ['succeeded', 'failed'], secret: 'n' },
      budget: { maxTurnCostUsd: 2.5, maxDailyCostUsd: 20 },
    });
    for (const key of [...TOP_KEYS, ...AGENT_KEYS]) expect(example).toMatch(new RegExp(`^\\s*#?\\s*${key}:`, 'm'));
  });

  it.each([...TOP_KEYS.filter((k) => k !== 'agent'), ...AGENT_KEYS.map((k) => `agent.${k}`)])('the README documents %s', (key) => {
    expect(readme).toContain(`| \`${key}\` |`);
  });
});

describe('command words', () => {
  it('are every command in force — the default and each file’s own — sorted, once each, the same array until a reload', () => {
    const dir = webhooksTree({
      'acme/*.yaml': 'repository: acme/*\ncommand: /bot\n',
      'acme/app.yaml': 'repository: acme/app\nmin_role: owner\n',
      'other/lib.yaml': 'repository: other/lib\ncommand: /Agent-Do\n',
      'gitea.example.com/other/lib.yaml': 'repository: gitea.example.com/other/lib\ncommand: /bot\n',
    });
    const { source, errors } = load(dir);
    expect(errors).toEqual([]);
    expect(source.commandWords()).toEqual(['/Agent-Do', '/bot', DEFAULTS.command].sort());
    expect(source.commandWords()).toBe(source.commandWords());
    const { source: bare } = load(path.join(dir, 'nope'));
    expect(bare.commandWords()).toEqual([DEFAULTS.command]);
  });
});
