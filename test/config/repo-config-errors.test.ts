import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { DEFAULTS, removeTrees, shown, webhooksTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

/** One file `acme/app.yaml` starting with `repository: acme/app`, then `rest`. */
const app = (rest: string) => ({ 'acme/app.yaml': `repository: acme/app\n${rest}` });

const cases: Array<[string, Record<string, string>, string[]]> = [
  [
    'YAML syntax error (unclosed list), at the yaml package position',
    app('trigger_labels: [ready,\nmin_role: write\n'),
    [
      'webhooks/acme/app.yaml:3:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]; check the indentation and quoting around here',
    ],
  ],
  [
    'YAML syntax error (bad indentation)',
    app('agent:\n  kind: opencode\n timeout_s: 5\n'),
    ['webhooks/acme/app.yaml:4:1: YAML syntax error: All mapping items must start at the same column; check the indentation and quoting around here'],
  ],
  [
    'an alias to a missing anchor',
    app('trigger_labels: *labels\n'),
    ['webhooks/acme/app.yaml:2:17: the YAML cannot be read: Unresolved alias (the anchor must be set before the alias): labels; check the anchors (&name) and aliases (*name)'],
  ],
  [
    'a key written twice',
    app('min_role: write\nmin_role: admin\n'),
    ['webhooks/acme/app.yaml:3:1: YAML syntax error: Map keys must be unique; check the indentation and quoting around here'],
  ],
  [
    'two YAML documents in one file',
    app('---\nrepository: acme/other\n'),
    ['webhooks/acme/app.yaml:2:1: a file holds the settings of one repository (or owner); put each "---" document in its own file'],
  ],
  [
    'an empty file',
    { 'acme/app.yaml': '# nothing yet\n' },
    ['webhooks/acme/app.yaml:1:1: the file is empty; start it with "repository: owner/repo" (or owner/*) and the settings to change'],
  ],
  [
    'a list instead of a mapping',
    { 'acme/app.yaml': '- repository: acme/app\n' },
    ['webhooks/acme/app.yaml:1:1: the file must be a mapping of settings ("key: value" lines), starting with "repository: owner/repo"'],
  ],
  [
    'no repository key',
    { 'acme/app.yaml': '# settings\nmin_role: admin\n' },
    ['webhooks/acme/app.yaml:2:1: missing "repository: owner/repo" (or owner/* for every repository of an owner): it says which repository these settings are for'],
  ],
  [
    'a repository that is not owner/repo',
    { 'acme/app.yaml': 'repository: acme\n' },
    [
      'webhooks/acme/app.yaml:1:13: "repository" must be owner/repo, or owner/* for every repository of an owner, optionally after an instance host (git.example.com/acme/*) (got "acme")',
    ],
  ],
  [
    'a budget that is not an amount of US dollars, or not above 0',
    app('budget:\n  max_turn_cost_usd: "2 dollars"\n  max_daily_cost_usd: 0\n'),
    [
      'webhooks/acme/app.yaml:3:22: "budget.max_turn_cost_usd" must be an amount of US dollars, e.g. 2.5 (got "2 dollars")',
      'webhooks/acme/app.yaml:4:23: "budget.max_daily_cost_usd" must be greater than 0 (US dollars); remove the key for no limit',
    ],
  ],
  [
    'a budget key one letter off, and the turn time limit asked for in the budget block',
    app('budget:\n  max_turn_cost: 1\n  max_turn_s: 600\n'),
    [
      'webhooks/acme/app.yaml:3:3: unknown key "max_turn_cost" in the budget: block; did you mean "max_turn_cost_usd"?',
      'webhooks/acme/app.yaml:4:3: unknown key "max_turn_s" in the budget: block; the keys here are max_turn_cost_usd, max_daily_cost_usd (US dollars; the turn\'s time limit is agent.timeout_s)',
    ],
  ],
  ['budget as a single number', app('budget: 5\n'), ['webhooks/acme/app.yaml:2:9: "budget" must be a block with max_turn_cost_usd and/or max_daily_cost_usd (US dollars) (got 5)']],
  ['unknown key, one letter off', app('trigger_label: [ready]\n'), ['webhooks/acme/app.yaml:2:1: unknown key "trigger_label"; did you mean "trigger_labels"?']],
  ['unknown key in camelCase', app('autoPr: false\n'), ['webhooks/acme/app.yaml:2:1: unknown key "autoPr"; did you mean "auto_pr"?']],
  [
    'unknown key like nothing known',
    app('colour: blue\n'),
    [
      'webhooks/acme/app.yaml:2:1: unknown key "colour"; the keys here are repository, trigger_labels, command, min_role, agent, base_branch, branch_template, prompt, max_concurrent_jobs, auto_pr, pr_closes_issue, state_labels, secret_env, notify, budget',
    ],
  ],
  ['an agent key at the top level', app('timeout_s: 600\n'), ['webhooks/acme/app.yaml:2:1: unknown key "timeout_s" at the top level; it belongs in the agent: block']],
  ['unknown key in the agent block', app('agent:\n  kind: opencode\n  modle: x/y\n'), ['webhooks/acme/app.yaml:4:3: unknown key "modle"; did you mean "model"?']],
  [
    'a top-level key in the agent block',
    app('agent:\n  min_role: admin\n'),
    ['webhooks/acme/app.yaml:3:3: unknown key "min_role" in the agent: block; it belongs at the top level'],
  ],
  ['wrong type: a label instead of a list', app('trigger_labels: ready\n'), ['webhooks/acme/app.yaml:2:17: "trigger_labels" must be a list of labels, e.g. [ready] (got "ready")']],
  ['wrong type: a quoted number', app('max_concurrent_jobs: "2"\n'), ['webhooks/acme/app.yaml:2:22: "max_concurrent_jobs" must be a whole number, e.g. 1 (got "2")']],
  ['wrong type: yes for a boolean', app('auto_pr: yes\n'), ['webhooks/acme/app.yaml:2:10: "auto_pr" must be true or false (got "yes")']],
  [
    'wrong type: a fraction of a second',
    app('agent:\n  timeout_s: 1.5\n'),
    ['webhooks/acme/app.yaml:3:14: "agent.timeout_s" must be a whole number of seconds, e.g. 1800 (got 1.5)'],
  ],
  [
    'wrong type: agent as a word',
    app('agent: opencode\n'),
    ['webhooks/acme/app.yaml:2:8: "agent" must be a block of agent settings ("kind: opencode", "claude", "codex" or "command", argv, env, timeout_s …) (got "opencode")'],
  ],
  ['wrong type: a list entry', app('trigger_labels:\n  - ready\n  - 7\n'), ['webhooks/acme/app.yaml:4:5: each "trigger_labels" entry must be a label name (got 7)']],
  ['bad enum: min_role', app('min_role: maintainer\n'), ['webhooks/acme/app.yaml:2:11: "min_role" must be read, write, admin or owner (got "maintainer")']],
  ['bad enum: agent.kind', app('agent:\n  kind: docker\n'), ['webhooks/acme/app.yaml:3:9: "agent.kind" must be "opencode", "command", "claude" or "codex" (got "docker")']],
  [
    'a key without a value',
    app('base_branch:\n'),
    ['webhooks/acme/app.yaml:2:1: "base_branch" has no value; give a branch name, e.g. main, or remove the key to keep the default'],
  ],
  ['command without its slash', app('command: kugetsu\n'), ['webhooks/acme/app.yaml:2:10: "command" must be a slash and one word, e.g. /kugetsu (got "kugetsu")']],
  ['zero concurrent jobs', app('max_concurrent_jobs: 0\n'), ['webhooks/acme/app.yaml:2:22: "max_concurrent_jobs" must be at least 1']],
  [
    'branch_template without {number}',
    app('branch_template: agent/work\n'),
    ['webhooks/acme/app.yaml:2:18: "branch_template" must contain {number} so each issue gets its own branch, e.g. agent/work/issue-{number}'],
  ],
  [
    'branch_template with a space',
    app('branch_template: "agent work/{number}"\n'),
    [
      'webhooks/acme/app.yaml:2:18: "branch_template" "agent work/{number}" does not make a safe branch name: use only letters, digits, ".", "_", "-" and "/" (e.g. kugetsu/issue-{number})',
    ],
  ],
  [
    'branch_template starting with a dash',
    app('branch_template: -x-{number}\n'),
    [
      'webhooks/acme/app.yaml:2:18: "branch_template" "-x-{number}" does not make a safe branch name: it must not start with "-", "/" or "." nor end with "/" or "." (e.g. kugetsu/issue-{number})',
    ],
  ],
  [
    'branch_template with another placeholder',
    app('branch_template: kugetsu/{repo}-{number}\n'),
    ['webhooks/acme/app.yaml:2:18: "branch_template" has {repo}; only {number} (the issue number) is replaced, e.g. kugetsu/issue-{number}'],
  ],
  [
    'base_branch climbing out',
    app('base_branch: ../main\n'),
    ['webhooks/acme/app.yaml:2:14: "base_branch" "../main" is not a safe branch name: it must not start with "-", "/" or "." nor end with "/" or "."'],
  ],
  ['argv without kind', app('agent:\n  argv: [my-agent]\n'), ['webhooks/acme/app.yaml:3:3: "agent.argv" needs "kind: command" in the same agent block']],
  [
    'an opencode key with kind: command',
    app('agent:\n  kind: command\n  argv: [my-agent]\n  bin: /opt/opencode\n'),
    [
      'webhooks/acme/app.yaml:5:3: "agent.bin" belongs to kind: opencode, claude or codex, but this agent block says kind: command; remove it (with kind: command, put the program and its arguments in argv)',
    ],
  ],
  [
    'kind: command without argv',
    app('agent:\n  kind: command\n'),
    ['webhooks/acme/app.yaml:3:9: "kind: command" needs "argv", the command as a list, e.g. argv: [my-agent, --prompt-file, "{promptFile}"]'],
  ],
  [
    'an empty argv',
    app('agent:\n  kind: command\n  argv: []\n'),
    ['webhooks/acme/app.yaml:4:9: "agent.argv" must not be empty; give the command and its arguments, e.g. [my-agent, "{promptFile}"]'],
  ],
  [
    'GITEA_TOKEN in the agent env',
    app('agent:\n  env: [GOPATH, GITEA_TOKEN]\n'),
    ['webhooks/acme/app.yaml:3:17: "agent.env" entry "GITEA_TOKEN" never reaches an agent (kugetsu\'s own credentials and settings are withheld); remove it'],
  ],
  ['a bad agent env pattern', app('agent:\n  env: ["A*B"]\n'), ['webhooks/acme/app.yaml:3:9: "agent.env" entry "A*B" is not a variable name or a PREFIX* / *SUFFIX pattern']],
  [
    'secret_env naming an unset variable',
    app('secret_env: ACME_SECRET_UNSET\n'),
    [
      'webhooks/acme/app.yaml:2:13: "secret_env": the environment variable ACME_SECRET_UNSET is not set; export it (the webhook secret) before starting kugetsu, or remove it from the file',
    ],
  ],
  [
    'secret_env list with one unset variable',
    app('secret_env:\n  - ACME_SECRET\n  - ACME_SECRET_NEXT\n'),
    [
      'webhooks/acme/app.yaml:4:5: "secret_env": the environment variable ACME_SECRET_NEXT is not set; export it (the webhook secret) before starting kugetsu, or remove it from the file',
    ],
  ],
  [
    'secret_env holding a secret instead of a name',
    app('secret_env: "s3cr3t value"\n'),
    ['webhooks/acme/app.yaml:2:13: "secret_env" must name an environment variable such as ACME_WEBHOOK_SECRET (got "s3cr3t value"); the secret itself never goes in the file'],
  ],
  [
    'an inline secret',
    app('secret: s3cr3t\n'),
    [
      'webhooks/acme/app.yaml:2:1: "secret": secrets are never written in a file; put the secret in an environment variable and name that variable with secret_env, e.g. secret_env: ACME_WEBHOOK_SECRET',
    ],
  ],
  [
    'an inline webhook_secret',
    app('webhook_secret: s3cr3t\n'),
    [
      'webhooks/acme/app.yaml:2:1: "webhook_secret": secrets are never written in a file; put the secret in an environment variable and name that variable with secret_env, e.g. secret_env: ACME_WEBHOOK_SECRET',
    ],
  ],
  [
    'two files for one repository (names compared case-insensitively)',
    { 'acme/app.yaml': 'repository: acme/app\n', 'acme--app.yaml': '# flat name\nrepository: ACME/App\n' },
    ['webhooks/acme/app.yaml:1:13: acme/app is already configured in webhooks/acme--app.yaml:2:13; keep one file per repository (merge the two)'],
  ],
  [
    'two wildcard files for one owner',
    { 'acme/_all.yaml': 'repository: acme/*\n', 'acme.yaml': 'repository: acme/*\nmin_role: admin\n' },
    ['webhooks/acme/_all.yaml:1:13: acme/* is already configured in webhooks/acme.yaml:1:13; keep one file per repository (merge the two)'],
  ],
  [
    'every problem of every file at once, in line order',
    { 'a.yaml': 'repository: acme/a\nauto_pr: 1\nmin_role: root\n', 'b.yaml': 'repository: acme/b\nstate_label: false\n' },
    [
      'webhooks/a.yaml:2:10: "auto_pr" must be true or false (got 1)',
      'webhooks/a.yaml:3:11: "min_role" must be read, write, admin or owner (got "root")',
      'webhooks/b.yaml:2:1: unknown key "state_label"; did you mean "state_labels"?',
    ],
  ],
];

describe('loadRepoSettings: each kind of problem gives file, line, column and what to do', () => {
  it.each(cases)('%s', (_name, files, expected) => {
    const dir = webhooksTree(files);
    const { errors } = loadRepoSettings({ dir, env: { ACME_SECRET: 'abc' }, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual(expected);
    for (const e of errors) expect(e.text).toBe(`${e.file}:${e.line}:${e.col}: ${e.message}`);
  });

  it('a file with a problem is left out of the settings it returns, the others still apply', () => {
    const dir = webhooksTree({ 'a.yaml': 'repository: acme/a\nmin_role: admin\n', 'b.yaml': 'repository: acme/b\nmin_role: boss\n' });
    const { source, errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(errors).toHaveLength(1);
    expect(source.configured()).toEqual(['acme/a']);
    expect(source.settingsFor('acme', 'a').minRole).toBe('admin');
    expect(source.settingsFor('acme', 'b').minRole).toBe('write');
  });

  it('a directory setting that names a file is an error, not "no settings"', () => {
    const dir = webhooksTree({ 'not-a-dir': 'x' });
    const file = path.join(dir, 'not-a-dir');
    expect(fs.statSync(file).isFile()).toBe(true);
    const { errors } = loadRepoSettings({ dir: file, env: {}, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual(['webhooks/not-a-dir:1:1: KUGETSU_WEBHOOKS_DIR must be a directory of per-repository YAML files, but this is a file']);
  });
});
