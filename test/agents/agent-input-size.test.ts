import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandAgent } from '../../src/agents/command-agent.js';
import { MAX_ARG_STRLEN } from '../../src/agents/exec-input-problem.js';
import { MESSAGE_ENV_MAX_BYTES } from '../../src/agents/message-env.js';
import { FAKE_AGENT, makeTurn, tempDir } from './support.js';

describe('agent input over the size of an environment string (Linux MAX_ARG_STRLEN)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('input-size'));
    await mkdir(path.join(dir, 'wt'));
    await writeFile(path.join(dir, 'prompt.md'), 'do the thing\n');
  });
  afterEach(() => cleanup());

  const agent = (...args: string[]) => createCommandAgent({ argv: [process.execPath, FAKE_AGENT, ...args], killGraceMs: 500 });
  /** The value the fake agent printed for `env:NAME`, read back from the turn's log. */
  const printed = async (logFile: string, name: string) => {
    const line = (await readFile(logFile, 'utf8')).split('\n').find((l) => l.startsWith(`${name}=`));
    return line?.slice(name.length + 1);
  };

  it('a 200 KB message runs: KUGETSU_MESSAGE is cut with a note, KUGETSU_MESSAGE_FILE names the whole message', async () => {
    const message = `start ${'é'.repeat(100_000)} end`; // 200 KB of UTF-8, over MAX_ARG_STRLEN
    expect(Buffer.byteLength(message)).toBeGreaterThan(MAX_ARG_STRLEN);
    const messageFile = path.join(dir, 'message.txt');
    await writeFile(messageFile, message);
    const turn = makeTurn(dir, { message, messageFile });
    const outcome = await agent('env:KUGETSU_MESSAGE', 'env:KUGETSU_MESSAGE_FILE').run(turn);
    expect(outcome.startError).toBeUndefined();
    expect(outcome.inputError).toBeUndefined();
    expect(outcome.exitCode).toBe(0);
    const value = (await printed(turn.logFile, 'KUGETSU_MESSAGE'))!;
    // One line of the log holds the value up to its note (the note starts after a blank line).
    const log = await readFile(turn.logFile, 'utf8');
    const whole = log.slice(log.indexOf('KUGETSU_MESSAGE=') + 'KUGETSU_MESSAGE='.length, log.indexOf('\nKUGETSU_MESSAGE_FILE='));
    expect(value.startsWith('start éé')).toBe(true);
    expect(Buffer.byteLength(whole)).toBeLessThanOrEqual(MESSAGE_ENV_MAX_BYTES);
    expect(whole.endsWith(`\n\n[kugetsu: the message is cut here; ${Buffer.byteLength(message)} bytes in all, the whole message is in $KUGETSU_MESSAGE_FILE]`)).toBe(true);
    expect(await printed(turn.logFile, 'KUGETSU_MESSAGE_FILE')).toBe(messageFile);
  });

  it('a short message passes whole, and KUGETSU_MESSAGE_FILE is empty without a file', async () => {
    const turn = makeTurn(dir, { message: 'fix it' });
    const outcome = await agent('env:KUGETSU_MESSAGE', 'env:KUGETSU_MESSAGE_FILE').run(turn);
    expect(outcome.outputTail.split('\n')).toEqual(['KUGETSU_MESSAGE=fix it', 'KUGETSU_MESSAGE_FILE=']);
  });

  it('an input still over the limit (a 200 KB session id) is reported as an input problem, and nothing is started', async () => {
    const marker = path.join(dir, 'started');
    const turn = makeTurn(dir, { sessionId: 's'.repeat(200_000) });
    const outcome = await agent(`write:${marker}:yes`).run(turn);
    expect(outcome.inputError).toMatch(
      /^The agent's input is too large to pass: the environment variable KUGETSU_SESSION_ID is 200000 bytes, over the operating system's limit of 131072 bytes/,
    );
    expect(outcome.inputError).toContain('not a broken agent command');
    expect(outcome.startError).toBeUndefined();
    await expect(readFile(marker, 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
