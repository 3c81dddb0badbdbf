import { badNotifyEvent, badNotifyUrl } from './notify-settings.js';
import { ENV_NAME, KEY_KINDS, describeValue, type RepoFile } from './repo-config-schema.js';

/** A problem found in a file's data, before it is given a line: the path of the key or value it is about. */
export interface FileIssue {
  path: Array<string | number>;
  message: string;
  /** Point at the key itself rather than its value (unknown or misplaced keys). */
  atKey?: boolean;
}

const NAME = '[A-Za-z0-9_][A-Za-z0-9_.-]*';
// An optional instance host first (`git.example.com/acme/*`): the settings then apply on that instance only.
const REPOSITORY = new RegExp(`^(?:[A-Za-z0-9.-]+(?::\\d+)?/)?(${NAME})/(${NAME}|\\*)$`);

/** Why `name` is not a branch name kugetsu will pass to git, or `undefined` when it is fine. */
export function unsafeBranchName(name: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]+$/.test(name)) return 'use only letters, digits, ".", "_", "-" and "/"';
  if (/^[-/.]/.test(name) || /[/.]$/.test(name)) return 'it must not start with "-", "/" or "." nor end with "/" or "."';
  if (name.includes('..') || name.includes('//') || name.includes('/.')) return 'it must not contain "..", "//" or a part starting with "."';
  if (name.endsWith('.lock')) return 'it must not end with ".lock"';
  return undefined;
}

function checkBranches(file: Partial<RepoFile>, out: FileIssue[]): void {
  if (file.base_branch !== undefined) {
    const why = unsafeBranchName(file.base_branch);
    if (why) out.push({ path: ['base_branch'], message: `"base_branch" ${describeValue(file.base_branch)} is not a safe branch name: ${why}` });
  }
  const t = file.branch_template;
  if (t === undefined) return;
  const unknown = [...t.matchAll(/\{([^}]*)\}/g)].map((m) => m[0]).filter((p) => p !== '{number}');
  if (unknown.length > 0) {
    out.push({ path: ['branch_template'], message: `"branch_template" has ${unknown.join(', ')}; only {number} (the issue number) is replaced, e.g. kugetsu/issue-{number}` });
  } else if (!t.includes('{number}')) {
    out.push({ path: ['branch_template'], message: `"branch_template" must contain {number} so each issue gets its own branch, e.g. ${t.replace(/\/+$/, '')}/issue-{number}` });
  } else {
    const why = unsafeBranchName(t.replaceAll('{number}', '1'));
    if (why) out.push({ path: ['branch_template'], message: `"branch_template" ${describeValue(t)} does not make a safe branch name: ${why} (e.g. kugetsu/issue-{number})` });
  }
}

function checkAgent(file: Partial<RepoFile>, out: FileIssue[]): void {
  const agent = file.agent;
  if (!agent) return;
  for (const [key, kinds] of Object.entries(KEY_KINDS)) {
    if (!(key in agent) || (agent.kind !== undefined && kinds.includes(agent.kind))) continue;
    const named = kinds.length === 1 ? `kind: ${kinds[0]}` : `kind: ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
    const message =
      agent.kind === undefined
        ? `"agent.${key}" needs "${named}" in the same agent block`
        : `"agent.${key}" belongs to ${named}, but this agent block says kind: ${agent.kind}; remove it${agent.kind === 'command' && kinds.includes('opencode') ? ' (with kind: command, put the program and its arguments in argv)' : ''}`;
    out.push({ path: ['agent', key], message, atKey: true });
  }
  if (agent.kind === 'command' && agent.argv === undefined) {
    out.push({ path: ['agent', 'kind'], message: '"kind: command" needs "argv", the command as a list, e.g. argv: [my-agent, --prompt-file, "{promptFile}"]' });
  }
  (agent.env ?? []).forEach((entry, i) => {
    if (entry === 'GITEA_TOKEN' || entry.startsWith('KUGETSU_')) {
      out.push({ path: ['agent', 'env', i], message: `"agent.env" entry "${entry}" never reaches an agent (kugetsu's own credentials and settings are withheld); remove it` });
    }
  });
}

/** Reads the variables `secret_env` names; each must be a variable name that is set and not empty. */
function checkSecrets(file: Partial<RepoFile>, env: Record<string, string | undefined>, out: FileIssue[]): string[] {
  if (file.secret_env === undefined) return [];
  const names = typeof file.secret_env === 'string' ? [file.secret_env] : file.secret_env;
  const path = (i: number): Array<string | number> => (typeof file.secret_env === 'string' ? ['secret_env'] : ['secret_env', i]);
  if (names.length === 0) out.push({ path: ['secret_env'], message: '"secret_env" is an empty list; name at least one environment variable, or remove the key' });
  const secrets: string[] = [];
  names.forEach((name, i) => {
    if (!ENV_NAME.test(name)) {
      out.push({
        path: path(i),
        message: `"secret_env" must name an environment variable such as ACME_WEBHOOK_SECRET (got ${describeValue(name)}); the secret itself never goes in the file`,
      });
      return;
    }
    const value = env[name];
    if (!value || value.trim() === '') {
      out.push({
        path: path(i),
        message: `"secret_env": the environment variable ${name} is not set; export it (the webhook secret) before starting kugetsu, or remove it from the file`,
      });
      return;
    }
    secrets.push(
      ...value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  });
  return secrets;
}

/** Checks the `notify:` block: every URL and event, and the key's variable (read from `env`). Returns the key. */
function checkNotify(file: Partial<RepoFile>, env: Record<string, string | undefined>, out: FileIssue[]): string | undefined {
  const notify = file.notify;
  if (!notify) return undefined;
  (notify.urls ?? []).forEach((url, i) => {
    const why = badNotifyUrl(url);
    // The value is not quoted: a receiver URL may hold a token.
    if (why) out.push({ path: ['notify', 'urls', i], message: `"notify.urls" entry ${i + 1} ${why}` });
  });
  (notify.events ?? []).forEach((event, i) => {
    const why = badNotifyEvent(event);
    if (why) out.push({ path: ['notify', 'events', i], message: `"notify.events" entry ${describeValue(event)} ${why}` });
  });
  if (notify.events !== undefined && notify.events.length === 0) {
    out.push({
      path: ['notify', 'events'],
      message: '"notify.events" is an empty list; name the events to send (e.g. [succeeded, failed]), or remove the key for the default ones',
    });
  }
  const name = notify.secret_env;
  if (name === undefined) return undefined;
  if (!ENV_NAME.test(name)) {
    out.push({
      path: ['notify', 'secret_env'],
      message: `"notify.secret_env" must name an environment variable such as ACME_NOTIFY_SECRET (got ${describeValue(name)}); the key itself never goes in the file`,
    });
    return undefined;
  }
  const value = env[name]?.trim();
  if (!value) {
    out.push({
      path: ['notify', 'secret_env'],
      message: `"notify.secret_env": the environment variable ${name} is not set; export it (the notification HMAC key) before starting kugetsu, or remove the key`,
    });
    return undefined;
  }
  return value;
}

/**
 * The checks zod's shapes cannot express: the repository name, branch names, which agent keys go
 * with which kind, the secret variables (read from `env`), and the `notify:` URLs, events and key. Takes a partial file so that the
 * valid keys of a file with other problems are checked too. Returns the problems and the secrets read.
 */
export function checkRepoFile(file: Partial<RepoFile>, env: Record<string, string | undefined>): { issues: FileIssue[]; secrets: string[]; notifySecret: string | undefined } {
  const issues: FileIssue[] = [];
  if (file.repository !== undefined && !REPOSITORY.test(file.repository)) {
    issues.push({
      path: ['repository'],
      message: `"repository" must be owner/repo, or owner/* for every repository of an owner, optionally after an instance host (git.example.com/acme/*) (got ${describeValue(file.repository)})`,
    });
  }
  checkBranches(file, issues);
  checkAgent(file, issues);
  const secrets = checkSecrets(file, env, issues);
  const notifySecret = checkNotify(file, env, issues);
  return { issues, secrets, notifySecret };
}
