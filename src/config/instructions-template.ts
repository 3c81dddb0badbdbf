import { truncateUtf8 } from '../domain/truncate-utf8.js';
import { sanitizeUntrusted } from '../domain/untrusted-text.js';

/**
 * The placeholders of a repository's instructions (`prompt.instructions` in `webhooks/*.yaml`),
 * each with what it becomes. Values are inserted as data: cleaned like all untrusted text
 * (`sanitizeUntrusted`), never expanded again.
 */
export const INSTRUCTION_PLACEHOLDERS = {
  issue_key: 'the issue key, owner/repo#n, e.g. acme/app#7',
  branch: 'the branch the agent works on, e.g. kugetsu/issue-7',
  sender: 'the login of the person who asked (who added the label or wrote the command), without @',
  message: "the delegator's message, cleaned and masked (empty for a label trigger; cut at 2 KiB — the whole one is in the prompt's request section)",
  pr_url: "the web address of the pull request the request was made on, else of the branch's pull request kugetsu opened or found on an earlier turn; empty before there is one",
  repository: 'owner/repo',
  issue_url: 'the web address of the issue (or of the pull request the request was made on)',
} as const;

/** A placeholder name, e.g. `issue_key`. */
export type InstructionPlaceholder = keyof typeof INSTRUCTION_PLACEHOLDERS;

/** The value of every placeholder for one turn (raw: {@link renderInstructions} cleans them). */
export type InstructionValues = Record<InstructionPlaceholder, string>;

/** Largest instructions text, in bytes of UTF-8 (inline or file, before placeholders are replaced). */
export const MAX_INSTRUCTIONS_BYTES = 16 * 1024;

/** Bytes of UTF-8 the `{message}` placeholder inserts at most (the request section has the whole message). */
export const INSTRUCTIONS_MESSAGE_MAX_BYTES = 2 * 1024;

/**
 * `{name}` with a word of letters, digits and `_` (starting with a letter or `_`) is a placeholder;
 * `{{name}}` writes a literal `{name}` (so a shell `${HOME}` is written `${{HOME}}`); every other
 * brace is text as written (`{}`, `{ a: 1 }`, `{"k": 1}`).
 */
const TOKEN = /\{\{([A-Za-z_]\w*)\}\}|\{([A-Za-z_]\w*)\}/g;

/** A placeholder in a template that kugetsu does not know, with where it is (1-based, in the template text). */
export interface UnknownPlaceholder {
  name: string;
  line: number;
  col: number;
}

const isPlaceholder = (name: string): name is InstructionPlaceholder => Object.hasOwn(INSTRUCTION_PLACEHOLDERS, name);

/** The placeholders of `template` that are not in {@link INSTRUCTION_PLACEHOLDERS}, in order, with their positions. */
export function unknownPlaceholders(template: string): UnknownPlaceholder[] {
  const out: UnknownPlaceholder[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const name = m[2];
    if (name === undefined || isPlaceholder(name)) continue;
    const before = template.slice(0, m.index);
    const line = before.split('\n').length;
    out.push({ name, line, col: m.index - before.lastIndexOf('\n') });
  }
  return out;
}

/**
 * `template` with each `{placeholder}` replaced by its value in one pass (a value containing
 * `{branch}` stays as it is) and each `{{name}}` by `{name}`. Every value goes through
 * `sanitizeUntrusted` (hidden HTML comments, escape sequences, control and invisible characters
 * removed); `message` is cut to {@link INSTRUCTIONS_MESSAGE_MAX_BYTES} with `…`. An unknown
 * placeholder (see {@link unknownPlaceholders}, refused when the file is loaded) is left as written.
 * Pure.
 */
export function renderInstructions(template: string, values: InstructionValues): string {
  const clean = (name: InstructionPlaceholder): string => {
    const value = sanitizeUntrusted(values[name]);
    if (name !== 'message') return value;
    const cut = truncateUtf8(value, INSTRUCTIONS_MESSAGE_MAX_BYTES - 3);
    return cut.cut ? `${cut.text}…` : value;
  };
  return template.replace(TOKEN, (whole, literal: string | undefined, name: string | undefined) => {
    if (literal !== undefined) return `{${literal}}`;
    return name !== undefined && isPlaceholder(name) ? clean(name) : whole;
  });
}
