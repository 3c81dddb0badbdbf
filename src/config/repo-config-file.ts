import { LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { ZodType, core } from 'zod';
import { checkRepoFile, type FileIssue } from './repo-config-checks.js';
import { promptKeyMessage, readPromptBlock, type RepoPromptSettings } from './repo-config-prompt.js';
import { repoConfigError, type RepoConfigError } from './repo-config-error.js';
import { locate, suggestKey, type LinePos } from './repo-config-locate.js';
import { AGENT_KEYS, BUDGET_KEYS, NOTIFY_KEYS, TOP_KEYS, repoFileSchema, type RepoFile } from './repo-config-schema.js';

/** A file of `KUGETSU_WEBHOOKS_DIR` that passed every check. */
export interface ParsedRepoFile {
  /** The file as displayed in messages and in `RepoSettings.source`. */
  file: string;
  /** `owner/repo` or `owner/*`, as written. */
  repository: string;
  /** Where the `repository` value is, for "configured twice" messages. */
  at: LinePos;
  data: RepoFile;
  /** The instructions the `prompt:` block gives (read from its file when it names one); `undefined` without a block. */
  prompt?: RepoPromptSettings;
  /** The webhook secrets read from the variables `secret_env` names. */
  secrets: string[];
  /** The notification HMAC key read from the variable `notify.secret_env` names. */
  notifySecret?: string | undefined;
}

const INLINE_SECRET = /^(webhook[_-]?)?(secrets?|token)$/i;

/** The message for a key the schema does not know, with the likeliest intended key. */
function unknownKeyMessage(parent: ReadonlyArray<string | number>, key: string): string {
  if (parent.length === 1 && parent[0] === 'prompt') return promptKeyMessage(key);
  if (INLINE_SECRET.test(key)) {
    return `"${key}": secrets are never written in a file; put the secret in an environment variable and name that variable with secret_env, e.g. secret_env: ACME_WEBHOOK_SECRET`;
  }
  if (parent.length === 1 && parent[0] === 'notify') {
    const guess = suggestKey(key, NOTIFY_KEYS);
    return guess ? `unknown key "${key}" in the notify: block; did you mean "${guess}"?` : `unknown key "${key}" in the notify: block; the keys here are ${NOTIFY_KEYS.join(', ')}`;
  }
  if (parent.length === 1 && parent[0] === 'budget') {
    const guess = suggestKey(key, BUDGET_KEYS);
    return guess
      ? `unknown key "${key}" in the budget: block; did you mean "${guess}"?`
      : `unknown key "${key}" in the budget: block; the keys here are ${BUDGET_KEYS.join(', ')} (US dollars; the turn's time limit is agent.timeout_s)`;
  }
  const inAgent = parent.length === 1 && parent[0] === 'agent';
  if (!inAgent && AGENT_KEYS.includes(key) && !TOP_KEYS.includes(key)) return `unknown key "${key}" at the top level; it belongs in the agent: block`;
  if (inAgent && TOP_KEYS.includes(key) && !AGENT_KEYS.includes(key)) return `unknown key "${key}" in the agent: block; it belongs at the top level`;
  const known = inAgent ? AGENT_KEYS : TOP_KEYS;
  const guess = suggestKey(key, known);
  return guess ? `unknown key "${key}"; did you mean "${guess}"?` : `unknown key "${key}"; the keys here are ${known.join(', ')}`;
}

/** zod's issues as {@link FileIssue}s: one per unknown key, the schema's own message otherwise. */
function fromZod(issues: readonly core.$ZodIssue[]): FileIssue[] {
  return issues.flatMap((issue): FileIssue[] => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(path, key), atKey: true }));
    }
    return [{ path, message: issue.message }];
  });
}

/** The keys of `data` whose values pass the schema on their own, parsed. */
function validKeys(data: Record<string, unknown>): Partial<RepoFile> {
  const shape = repoFileSchema.shape as Record<string, ZodType>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const parsed = shape[key]?.safeParse(value);
    if (parsed?.success) out[key] = parsed.data;
  }
  return out as Partial<RepoFile>;
}

function sortByPosition(errors: RepoConfigError[]): RepoConfigError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** A YAML syntax error with the yaml package's own position and its message without the code frame. */
function syntaxError(file: string, err: YAMLError, lines: LineCounter): RepoConfigError {
  const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
  const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');
  const hint =
    err.code === 'MULTIPLE_DOCS'
      ? 'a file holds the settings of one repository (or owner); put each "---" document in its own file'
      : `YAML syntax error: ${first}; check the indentation and quoting around here`;
  return repoConfigError(file, pos.line, pos.col, hint);
}

/** Where the first alias without its anchor is (the usual reason `toJS` throws), else the start. */
function badAlias(doc: Document): number {
  let at = 0;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      at = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return at;
}

/** The document as plain data; an alias to a missing anchor (or an alias bomb) is a problem, not a throw. */
function toData(doc: Document): { data?: unknown; error?: { offset: number; message: string } } {
  try {
    return { data: doc.toJS({ maxAliasCount: 100 }) };
  } catch (err) {
    return { error: { offset: badAlias(doc), message: `the YAML cannot be read: ${(err as Error).message}; check the anchors (&name) and aliases (*name)` } };
  }
}

/**
 * Parses and checks one file's text. `file` is how the file is named in messages; `env` holds the
 * variables `secret_env` names. Returns the file's settings, or every problem found with its line.
 */
export function parseRepoFile(file: string, text: string, env: Record<string, string | undefined>): { parsed?: ParsedRepoFile; errors: RepoConfigError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { errors: doc.errors.map((e) => syntaxError(file, e, lines)) };
  const { data, error } = toData(doc);
  if (error) {
    const p = lines.linePos(error.offset);
    return { errors: [repoConfigError(file, p.line, p.col, error.message)] };
  }
  if (data === null || data === undefined) {
    return { errors: [repoConfigError(file, 1, 1, 'the file is empty; start it with "repository: owner/repo" (or owner/*) and the settings to change')] };
  }
  const at = (path: ReadonlyArray<string | number>, atKey?: boolean) => locate(doc, lines, path, atKey);
  if (typeof data !== 'object' || Array.isArray(data)) {
    const p = at([]);
    return { errors: [repoConfigError(file, p.line, p.col, 'the file must be a mapping of settings ("key: value" lines), starting with "repository: owner/repo"')] };
  }
  const toError = (i: FileIssue) => {
    const p = at(i.path, i.atKey);
    return repoConfigError(file, p.line, p.col, i.message);
  };
  const result = repoFileSchema.safeParse(data);
  if (!result.success) {
    let issues = fromZod(result.error.issues);
    if (!('repository' in data)) {
      issues = issues.filter((i) => !(i.path.length === 1 && i.path[0] === 'repository'));
      issues.unshift({ path: [], message: 'missing "repository: owner/repo" (or owner/* for every repository of an owner): it says which repository these settings are for' });
    }
    // The keys that are valid on their own still get the checks below, so one pass shows every problem.
    const valid = validKeys(data as Record<string, unknown>);
    issues.push(...checkRepoFile(valid, env).issues);
    return { errors: [...sortByPosition(issues.map(toError)), ...readPromptBlock(valid.prompt, { file, at }).errors] };
  }
  // The prompt block's problems come after the others: those about an instructions file name that file.
  const { prompt, errors: promptErrors } = readPromptBlock(result.data.prompt, { file, at });
  if (promptErrors.length > 0) return { errors: [...sortByPosition(checkRepoFile(result.data, env).issues.map(toError)), ...promptErrors] };
  const { issues, secrets, notifySecret } = checkRepoFile(result.data, env);
  if (issues.length > 0) return { errors: sortByPosition(issues.map(toError)) };
  return { parsed: { file, repository: result.data.repository, at: at(['repository']), data: result.data, secrets, notifySecret, prompt }, errors: [] };
}
