import fs from 'node:fs';
import path from 'node:path';
import { INSTRUCTION_PLACEHOLDERS, MAX_INSTRUCTIONS_BYTES, unknownPlaceholders } from './instructions-template.js';
import { repoConfigError, type RepoConfigError } from './repo-config-error.js';
import { suggestKey, type LinePos } from './repo-config-locate.js';
import { PROMPT_KEYS, type RepoFile } from './repo-config-schema.js';
import type { RepoPromptSettings } from './repo-settings.js';

export type { RepoPromptSettings } from './repo-settings.js';

const PLACEHOLDER_LIST = Object.keys(INSTRUCTION_PLACEHOLDERS)
  .map((p) => `{${p}}`)
  .join(', ');
const size = (n: number) => `${n} bytes`;
const LIMIT = `${MAX_INSTRUCTIONS_BYTES} bytes (${MAX_INSTRUCTIONS_BYTES / 1024} KiB)`;

/** The message for a key of the `prompt:` block that the schema does not know, with the likeliest intended key. */
export function promptKeyMessage(key: string): string {
  const guess = suggestKey(key, PROMPT_KEYS);
  return guess ? `unknown key "${key}" in the prompt: block; did you mean "${guess}"?` : `unknown key "${key}" in the prompt: block; the keys here are ${PROMPT_KEYS.join(' or ')}`;
}

/** What {@link readPromptBlock} needs to name places: the YAML file as displayed and where a key's value is in it. */
export interface PromptBlockPlace {
  /** The YAML file as displayed in messages; `instructions_file` is relative to its directory. */
  file: string;
  /** The 1-based position of the value (or, with `atKey`, the key) at `path` in the YAML file. */
  at: (path: ReadonlyArray<string | number>, atKey?: boolean) => LinePos;
}

/** The problems of an instructions text: size, emptiness, unknown placeholders (with `where` giving their position). */
function textProblems(text: string, what: string, where: (line: number, col: number) => { file: string; line: number; col: number; suffix: string }): RepoConfigError[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  const start = where(1, 1);
  if (text.trim() === '')
    return [repoConfigError(start.file, start.line, start.col, `${what} is empty; write the instructions for the agent, or remove the prompt block to keep kugetsu's default`)];
  if (bytes > MAX_INSTRUCTIONS_BYTES) {
    return [
      repoConfigError(
        start.file,
        start.line,
        start.col,
        `${what} is ${size(bytes)}; instructions may be at most ${LIMIT} (they go into every prompt): keep them short and point to the repository's own docs`,
      ),
    ];
  }
  return unknownPlaceholders(text).map((u) => {
    const p = where(u.line, u.col);
    return repoConfigError(
      p.file,
      p.line,
      p.col,
      `unknown placeholder {${u.name}} in ${what}${p.suffix}; the placeholders are ${PLACEHOLDER_LIST} (write {{${u.name}}} for a literal {${u.name}})`,
    );
  });
}

/** Reads the instructions file `rel` (relative to the YAML file's directory), or says why it cannot be used. */
function readInstructionsFile(rel: string, place: PromptBlockPlace): { text?: string; shownAs: string; errors: RepoConfigError[] } {
  const shownAs = path.join(path.dirname(place.file), rel);
  const at = place.at(['prompt', 'instructions_file']);
  const fail = (message: string) => ({ shownAs, errors: [repoConfigError(place.file, at.line, at.col, message)] });
  const stat = fs.statSync(shownAs, { throwIfNoEntry: false });
  if (!stat) return fail(`"prompt.instructions_file": ${shownAs} does not exist; the path is relative to this YAML file's directory`);
  if (!stat.isFile()) return fail(`"prompt.instructions_file": ${shownAs} is not a file; name a text file, e.g. instructions.md`);
  if (stat.size > MAX_INSTRUCTIONS_BYTES)
    return fail(`"prompt.instructions_file": ${shownAs} is ${size(stat.size)}; instructions may be at most ${LIMIT} (they go into every prompt)`);
  let raw: Buffer;
  try {
    raw = fs.readFileSync(shownAs);
  } catch (err) {
    return fail(`"prompt.instructions_file": cannot read ${shownAs}: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail(`"prompt.instructions_file": ${shownAs} is not UTF-8 text`);
  }
  if (text.includes('\u0000')) return fail(`"prompt.instructions_file": ${shownAs} holds NUL bytes; it must be a text file`);
  return { text: text.replace(/\r\n?/g, '\n'), shownAs, errors: [] };
}

/**
 * Checks a file's `prompt:` block and reads its instructions: exactly one of `instructions` (the
 * text, in the YAML) and `instructions_file` (a UTF-8 text file, path relative to the YAML file's
 * directory — read now, at every load and reload), at most {@link MAX_INSTRUCTIONS_BYTES}, not
 * empty, and every `{placeholder}` one of `INSTRUCTION_PLACEHOLDERS`. Problems are
 * `<file>:<line>:<col>: …` — in the YAML file, or in the instructions file for an unknown
 * placeholder there. Returns the settings (`undefined` without a block) or the problems. Never throws.
 */
export function readPromptBlock(block: RepoFile['prompt'], place: PromptBlockPlace): { prompt?: RepoPromptSettings; errors: RepoConfigError[] } {
  if (block === undefined) return { errors: [] };
  const hasText = block.instructions !== undefined;
  const hasFile = block.instructions_file !== undefined;
  if (hasText === hasFile) {
    const p = hasText ? place.at(['prompt', 'instructions_file'], true) : place.at(['prompt'], true);
    const message = hasText
      ? '"prompt" takes one of instructions (the text) and instructions_file (a file), not both; remove one'
      : '"prompt" needs instructions: <the text> or instructions_file: <a file next to this YAML file>';
    return { errors: [repoConfigError(place.file, p.line, p.col, message)] };
  }
  if (hasText) {
    const text = block.instructions!.replace(/\r\n?/g, '\n');
    const at = place.at(['prompt', 'instructions']);
    const errors = textProblems(text, '"prompt.instructions"', (line, col) => ({
      file: place.file,
      line: at.line,
      col: at.col,
      suffix: ` (line ${line}, column ${col} of the text)`,
    }));
    return errors.length > 0 ? { errors } : { prompt: { instructions: text, source: place.file }, errors };
  }
  const read = readInstructionsFile(block.instructions_file!, place);
  if (read.text === undefined) return { errors: read.errors };
  const errors = textProblems(read.text, `the instructions file ${read.shownAs}`, (line, col) => ({ file: read.shownAs, line, col, suffix: '' }));
  return errors.length > 0 ? { errors } : { prompt: { instructions: read.text, source: read.shownAs }, errors };
}
