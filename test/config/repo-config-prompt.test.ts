/**
 * Issue 14, "The prompt": a repository's instructions in `webhooks/*.yaml` — `prompt.instructions`
 * or `prompt.instructions_file` (relative to the YAML file), exactly one, read and checked at load
 * and on reload with `file:line:col` errors; kugetsu's default otherwise. Real files in temp dirs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_INSTRUCTIONS } from '../../src/config/default-instructions.js';
import { INSTRUCTION_PLACEHOLDERS, MAX_INSTRUCTIONS_BYTES, unknownPlaceholders } from '../../src/config/instructions-template.js';
import { loadRepoSettings } from '../../src/config/repo-config.js';
import { createRepoSettingsSource } from '../../src/config/repo-config-source.js';
import { DEFAULTS, removeTrees, shown, webhooksTree, writeTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

const load = (files: Record<string, string>) => {
  const dir = webhooksTree(files);
  const { source, errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
  return { dir, source, errors: shown(dir, errors) };
};
const PLACEHOLDERS = Object.keys(INSTRUCTION_PLACEHOLDERS)
  .map((p) => `{${p}}`)
  .join(', ');

describe('prompt instructions in webhooks/*.yaml', () => {
  it('without a prompt block a repository gets the default instructions, which use only known placeholders', () => {
    const { source, errors } = load({ 'acme/app.yaml': 'repository: acme/app\nmin_role: admin\n' });
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').prompt).toEqual({ instructions: DEFAULT_INSTRUCTIONS, source: 'default' });
    expect(source.settingsFor('other', 'repo').prompt.instructions).toBe(DEFAULT_INSTRUCTIONS);
    expect(unknownPlaceholders(DEFAULT_INSTRUCTIONS)).toEqual([]);
    for (const topic of ['README', 'CONTRIBUTING', 'Explore', 'unclear', 'focused', 'tests', 'commit message', 'secrets']) expect(DEFAULT_INSTRUCTIONS).toContain(topic);
  });

  it('inline text (a | block, CR LF made LF) applies to its repository; the owner file to the others', () => {
    const { source, errors, dir } = load({
      'acme/app.yaml': 'repository: acme/app\r\nprompt:\r\n  instructions: |\r\n    Work on {issue_key}.\r\n    Run make check.\r\n',
      'acme/_all.yaml': 'repository: acme/*\nprompt:\n  instructions: "Owner-wide rules for {repository}, {{literal}} braces {} kept"\n',
    });
    expect(errors).toEqual([]);
    expect(source.settingsFor('acme', 'app').prompt).toEqual({ instructions: 'Work on {issue_key}.\nRun make check.\n', source: `${dir}/acme/app.yaml` });
    expect(source.settingsFor('acme', 'lib').prompt).toEqual({ instructions: 'Owner-wide rules for {repository}, {{literal}} braces {} kept', source: `${dir}/acme/_all.yaml` });
    expect(source.settingsFor('zed', 'app').prompt.source).toBe('default');
  });

  it('a file relative to the YAML file is read, and read again on reload', () => {
    const dir = webhooksTree({
      'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: prompts/app.md\n',
      'acme/prompts/app.md': '# Rules\n\nBranch {branch}, asked by @{sender}.\n',
    });
    const settings = createRepoSettingsSource({ dir, env: {}, defaults: DEFAULTS });
    expect(settings.initialErrors).toEqual([]);
    expect(settings.settingsFor('acme', 'app').prompt).toEqual({ instructions: '# Rules\n\nBranch {branch}, asked by @{sender}.\n', source: `${dir}/acme/prompts/app.md` });

    writeTree(dir, { 'acme/prompts/app.md': 'New rules for {issue_key}.\n' });
    expect(settings.reload()).toEqual({ ok: true, errors: [] });
    expect(settings.settingsFor('acme', 'app').prompt.instructions).toBe('New rules for {issue_key}.\n');

    // A broken file on reload: refused with the place, the previous instructions stay.
    writeTree(dir, { 'acme/prompts/app.md': 'Fine line.\nThen {ticket} here.\n' });
    const reload = settings.reload();
    expect(reload.ok).toBe(false);
    expect(shown(dir, reload.errors)).toEqual([
      `webhooks/acme/prompts/app.md:2:6: unknown placeholder {ticket} in the instructions file webhooks/acme/prompts/app.md; the placeholders are ${PLACEHOLDERS} (write {{ticket}} for a literal {ticket})`,
    ]);
    expect(settings.settingsFor('acme', 'app').prompt.instructions).toBe('New rules for {issue_key}.\n');
  });

  it.each([
    [
      'an unknown placeholder in the inline text',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions: |\n    Work on {issue_key}\n    in {repo_name}.\n' },
      [
        `webhooks/acme/app.yaml:3:17: unknown placeholder {repo_name} in "prompt.instructions" (line 2, column 4 of the text); the placeholders are ${PLACEHOLDERS} (write {{repo_name}} for a literal {repo_name})`,
      ],
    ],
    [
      'both instructions and instructions_file',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions: hi\n  instructions_file: a.md\n', 'acme/a.md': 'x' },
      ['webhooks/acme/app.yaml:4:3: "prompt" takes one of instructions (the text) and instructions_file (a file), not both; remove one'],
    ],
    [
      'an empty prompt block',
      { 'acme/app.yaml': 'repository: acme/app\nprompt: {}\n' },
      ['webhooks/acme/app.yaml:2:1: "prompt" needs instructions: <the text> or instructions_file: <a file next to this YAML file>'],
    ],
    [
      'a misspelt key in the prompt block',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instruction: hi\n' },
      ['webhooks/acme/app.yaml:3:3: unknown key "instruction" in the prompt: block; did you mean "instructions"?'],
    ],
    [
      'instructions that are not text',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions: [a, b]\n' },
      ['webhooks/acme/app.yaml:3:17: "prompt.instructions" must be the instructions as text, e.g. a | block (got a list)'],
    ],
    [
      'blank inline text',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions: "  "\n' },
      [`webhooks/acme/app.yaml:3:17: "prompt.instructions" is empty; write the instructions for the agent, or remove the prompt block to keep kugetsu's default`],
    ],
    [
      'a missing file',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: nope.md\n' },
      ['webhooks/acme/app.yaml:3:22: "prompt.instructions_file": webhooks/acme/nope.md does not exist; the path is relative to this YAML file\'s directory'],
    ],
    [
      'a directory',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: prompts\n', 'acme/prompts/x.md': 'x' },
      ['webhooks/acme/app.yaml:3:22: "prompt.instructions_file": webhooks/acme/prompts is not a file; name a text file, e.g. instructions.md'],
    ],
    [
      'a file over the size limit',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: big.md\n', 'acme/big.md': 'x'.repeat(MAX_INSTRUCTIONS_BYTES + 1) },
      [
        `webhooks/acme/app.yaml:3:22: "prompt.instructions_file": webhooks/acme/big.md is ${MAX_INSTRUCTIONS_BYTES + 1} bytes; instructions may be at most 16384 bytes (16 KiB) (they go into every prompt)`,
      ],
    ],
    [
      'inline text over the size limit',
      { 'acme/app.yaml': `repository: acme/app\nprompt:\n  instructions: ${'y'.repeat(MAX_INSTRUCTIONS_BYTES + 2048)}\n` },
      [
        `webhooks/acme/app.yaml:3:17: "prompt.instructions" is ${MAX_INSTRUCTIONS_BYTES + 2048} bytes; instructions may be at most 16384 bytes (16 KiB) (they go into every prompt): keep them short and point to the repository's own docs`,
      ],
    ],
    [
      'a file that is not UTF-8',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: latin1.md\n', 'acme/latin1.md': Buffer.from('caf\u00e9 {issue_key}', 'latin1') },
      ['webhooks/acme/app.yaml:3:22: "prompt.instructions_file": webhooks/acme/latin1.md is not UTF-8 text'],
    ],
    [
      'an empty file',
      { 'acme/app.yaml': 'repository: acme/app\nprompt:\n  instructions_file: empty.md\n', 'acme/empty.md': '\n\n' },
      [
        `webhooks/acme/empty.md:1:1: the instructions file webhooks/acme/empty.md is empty; write the instructions for the agent, or remove the prompt block to keep kugetsu's default`,
      ],
    ],
  ])('%s is an error with its place', (_name, files, expected) => {
    const dir = webhooksTree({});
    for (const [rel, content] of Object.entries(files as Record<string, string | Buffer>)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    const { errors } = loadRepoSettings({ dir, env: {}, defaults: DEFAULTS });
    expect(shown(dir, errors)).toEqual(expected);
  });

  it('problems in other keys and in the prompt block are all reported in one pass', () => {
    const { errors } = load({ 'acme/app.yaml': 'repository: acme/app\nmin_role: root\nprompt:\n  instructions: "{bogus}"\n' });
    expect(errors).toEqual([
      'webhooks/acme/app.yaml:2:11: "min_role" must be read, write, admin or owner (got "root")',
      `webhooks/acme/app.yaml:4:17: unknown placeholder {bogus} in "prompt.instructions" (line 1, column 1 of the text); the placeholders are ${PLACEHOLDERS} (write {{bogus}} for a literal {bogus})`,
    ]);
  });

  it("the READMEs show the default text as it is, every placeholder, and that AGENTS.md / CLAUDE.md stay the repository's", () => {
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const webhooksReadme = fs.readFileSync(new URL('../../webhooks/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`text\n${DEFAULT_INSTRUCTIONS}\n\`\`\``);
    for (const p of Object.keys(INSTRUCTION_PLACEHOLDERS)) {
      expect(readme).toContain(`\`{${p}}\``);
      expect(webhooksReadme).toContain(`| \`{${p}}\` |`);
    }
    for (const text of [readme, webhooksReadme]) {
      const paragraph = text.slice(text.indexOf('`AGENTS.md`, `CLAUDE.md`'));
      expect(paragraph.slice(0, 300).replace(/\s+/g, ' ')).toContain('kugetsu neither writes nor reads them');
    }
  });
});
