import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgent } from '../../src/agents/create-agent.js';
import { createCommandAgent } from '../../src/agents/command-agent.js';
import { FAKE_AGENT, makeTurn, tempDir } from './support.js';

describe('command agent', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('cmd'));
    await mkdir(path.join(dir, 'wt'));
    await writeFile(path.join(dir, 'prompt.md'), 'do the thing\n');
  });
  afterEach(() => cleanup());

  const agent = (...args: string[]) => createAgent({ kind: 'command', argv: [process.execPath, FAKE_AGENT, ...args], killGraceMs: 500 });

  it('substitutes placeholders inside argv elements and passes the KUGETSU_* env', async () => {
    const message = 'fix "it" $(touch pwned) ; {worktree} `id`';
    const turn = makeTurn(dir, { message, sessionId: 'ses_prev', env: { PATH: process.env.PATH ?? '', CALLER_VAR: 'kept' } });
    const a = agent(
      'argv',
      '--prompt={promptFile}',
      'in {worktree} for {issueKey} on {branch}',
      's={sessionId}',
      '{unknown}',
      'env:KUGETSU_ISSUE_KEY',
      'env:KUGETSU_PROMPT_FILE',
      'env:KUGETSU_WORKTREE',
      'env:KUGETSU_BRANCH',
      'env:KUGETSU_MESSAGE',
      'env:KUGETSU_SESSION_ID',
      'env:KUGETSU_SESSION_FILE',
      'env:CALLER_VAR',
    );
    expect(a.name).toBe('command');
    const outcome = await a.run(turn);
    expect(outcome.exitCode).toBe(0);
    const [argvLine, ...envLines] = outcome.outputTail.split('\n');
    expect(JSON.parse(argvLine!)).toEqual([
      'argv',
      `--prompt=${turn.promptFile}`,
      `in ${turn.worktree} for acme/app#7 on kugetsu/issue-7`,
      's=ses_prev',
      '{unknown}',
      'env:KUGETSU_ISSUE_KEY',
      'env:KUGETSU_PROMPT_FILE',
      'env:KUGETSU_WORKTREE',
      'env:KUGETSU_BRANCH',
      'env:KUGETSU_MESSAGE',
      'env:KUGETSU_SESSION_ID',
      'env:KUGETSU_SESSION_FILE',
      'env:CALLER_VAR',
    ]);
    expect(envLines).toEqual([
      'KUGETSU_ISSUE_KEY=acme/app#7',
      `KUGETSU_PROMPT_FILE=${turn.promptFile}`,
      `KUGETSU_WORKTREE=${turn.worktree}`,
      'KUGETSU_BRANCH=kugetsu/issue-7',
      `KUGETSU_MESSAGE=${message}`,
      'KUGETSU_SESSION_ID=ses_prev',
      `KUGETSU_SESSION_FILE=${turn.sessionFile}`,
      'CALLER_VAR=kept',
    ]);
    expect(await readFile(turn.logFile, 'utf8')).toContain('KUGETSU_BRANCH=kugetsu/issue-7\n');
  });

  it('round-trips the session id through the session file', async () => {
    const first = await agent('env:KUGETSU_SESSION_ID', 'session:  sess-42 \n').run(makeTurn(dir));
    expect(first.outputTail).toBe('KUGETSU_SESSION_ID=');
    expect(first.sessionId).toBe('sess-42');

    // The file is cleared before each turn: an agent that writes nothing keeps the incoming id.
    const second = await agent('env:KUGETSU_SESSION_ID', 's={sessionId}', 'argv').run(makeTurn(dir, { sessionId: first.sessionId }));
    expect(second.outputTail.split('\n')[0]).toBe('KUGETSU_SESSION_ID=sess-42');
    expect(second.sessionId).toBe('sess-42');

    const fresh = await agent('print:no session').run(makeTurn(dir));
    expect(fresh.sessionId).toBeUndefined();
  });

  it('reports a non-zero exit with the output tail, and leaves written files in the worktree', async () => {
    const outcome = await agent('write:notes.txt:half done', 'stderr:could not finish', 'exit:2').run(makeTurn(dir));
    expect(outcome).toMatchObject({ exitCode: 2, signal: null, timedOut: false, canceled: false, outputTail: 'could not finish' });
    expect(await readFile(path.join(dir, 'wt', 'notes.txt'), 'utf8')).toBe('half done');
  });

  it('times out and cancels through the turn', async () => {
    const slow = await agent('ignore-term', 'sleep:60000').run(makeTurn(dir, { timeoutMs: 300 }));
    expect(slow).toMatchObject({ timedOut: true, canceled: false, exitCode: null, signal: 'SIGKILL' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const canceled = await agent('sleep:60000').run(makeTurn(dir, { signal: controller.signal }));
    expect(canceled).toMatchObject({ timedOut: false, canceled: true, signal: 'SIGTERM' });
  });

  it('gives a startError when the program is missing', async () => {
    const outcome = await createAgent({ kind: 'command', argv: ['kugetsu-missing-agent', '{promptFile}'] }).run(makeTurn(dir));
    expect(outcome.startError).toBe("agent binary 'kugetsu-missing-agent' not found on PATH; install it or set KUGETSU_AGENT_COMMAND");
    expect(outcome.exitCode).toBeNull();
  });

  it.each([
    ['an empty argv', []],
    ['a non-string element', ['agent', 3]],
    ['an empty program', ['']],
    ['a string instead of an array', 'agent {promptFile}'],
  ])('rejects %s at construction', (_name, argv) => {
    expect(() => createCommandAgent({ argv: argv as string[] })).toThrow(/invalid agent command \(expected a non-empty array of strings/);
  });

  it('rejects an unknown agent kind', () => {
    expect(() => createAgent({ kind: 'gemini' } as never)).toThrow('unknown agent kind "gemini"; expected "opencode", "command", "claude" or "codex"');
  });
});
