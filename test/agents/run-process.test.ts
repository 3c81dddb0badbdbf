import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runProcess, type RunProcessOptions } from '../../src/agents/run-process.js';
import { NO_SANDBOX } from '../../src/agents/turn-sandbox.js';
import { FAKE_AGENT, goneWithin, readPid, tempDir } from './support.js';

describe('runProcess', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('run'));
    await mkdir(path.join(dir, 'wt'));
  });
  afterEach(() => cleanup());

  const opts = (args: string[], over: Partial<RunProcessOptions> = {}): RunProcessOptions => ({
    command: process.execPath,
    args: [FAKE_AGENT, ...args],
    cwd: path.join(dir, 'wt'),
    env: { PATH: process.env.PATH ?? '' },
    logFile: path.join(dir, 'logs', 'turn.log'),
    timeoutMs: 15_000,
    killGraceMs: 500,
    sandbox: NO_SANDBOX,
    ...over,
  });

  it('writes combined stdout and stderr to the log file, appending', async () => {
    await runProcess(opts(['print:first run']));
    const outcome = await runProcess(opts(['print:to stdout', 'stderr:to stderr', 'exit:3']));
    expect(outcome).toMatchObject({ exitCode: 3, signal: null, timedOut: false, canceled: false });
    expect(outcome.startError).toBeUndefined();
    const log = await readFile(path.join(dir, 'logs', 'turn.log'), 'utf8');
    expect(log).toContain('first run\n');
    expect(log).toContain('to stdout\n');
    expect(log).toContain('to stderr\n');
    expect(outcome.outputTail.split('\n').sort()).toEqual(['to stderr', 'to stdout']);
  });

  it('hands what it writes to the log file to onOutput, masked, with characters split across writes kept whole', async () => {
    // The program writes "é✨" byte by byte (separate writes), then a line carrying a secret.
    const script = `const b = Buffer.from('é✨\\n'); let i = 0; const next = () => { if (i < b.length) { process.stdout.write(b.subarray(i, ++i)); setTimeout(next, 5); } else { process.stdout.write('token hunter2 end\\n'); } }; next();`;
    for (const redact of [undefined, (t: string) => t.replaceAll('hunter2', '***')]) {
      const seen: string[] = [];
      const log = path.join(dir, 'logs', `${redact ? 'masked' : 'plain'}.log`);
      const outcome = await runProcess(opts([], { args: ['-e', script], logFile: log, ...(redact ? { redact } : {}), onOutput: (t) => seen.push(t) }));
      expect(outcome.exitCode).toBe(0);
      expect(seen.join('')).toBe(await readFile(log, 'utf8'));
      expect(seen.join('')).toBe(`é✨\ntoken ${redact ? '***' : 'hunter2'} end\n`);
      for (const piece of seen) expect(piece).not.toContain('\ufffd');
    }
  });

  it('passes only the given env, and streams lines to onLine', async () => {
    process.env.KUGETSU_TEST_LEAK = 'leaked';
    const lines: string[] = [];
    try {
      const outcome = await runProcess(opts(['env:KUGETSU_TEST_LEAK', 'env:ONLY_THIS'], { env: { PATH: process.env.PATH ?? '', ONLY_THIS: 'yes' }, onLine: (l) => lines.push(l) }));
      expect(outcome.exitCode).toBe(0);
    } finally {
      delete process.env.KUGETSU_TEST_LEAK;
    }
    expect(lines).toEqual(['KUGETSU_TEST_LEAK=', 'ONLY_THIS=yes']);
  });

  it('keeps only a bounded tail of the output', async () => {
    const outcome = await runProcess(opts(['lines:5000']));
    const tail = outcome.outputTail.split('\n');
    expect(tail).toHaveLength(40);
    expect(tail.at(-1)).toBe('line 4999');
    expect(tail[0]).toBe('line 4960');
    const long = await runProcess(opts([`print:${'x'.repeat(10_000)}y`]));
    expect(long.outputTail).toBe(`${'x'.repeat(4095)}y`);
    const bytes = await runProcess(opts(['lines:5', `print:${'x'.repeat(4080)}`, 'print:end']));
    expect(bytes.outputTail).toBe(`line 4\n${'x'.repeat(4080)}\nend`);
  });

  it('kills the whole group on timeout, even when the agent ignores SIGTERM and a grandchild holds the pipes', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const started = Date.now();
    const outcome = await runProcess(opts([`grandchild:${pidFile}`, 'ignore-term', 'print:waiting', 'sleep:60000'], { timeoutMs: 500 }));
    const took = Date.now() - started;
    expect(outcome).toMatchObject({ timedOut: true, canceled: false, exitCode: null, signal: 'SIGKILL' });
    expect(outcome.outputTail).toContain('ignoring SIGTERM');
    expect(took).toBeGreaterThanOrEqual(1000); // 500 ms timeout + 500 ms grace before SIGKILL
    expect(took).toBeLessThan(5000);
    const grandchild = await readPid(pidFile);
    expect(await goneWithin(grandchild)).toBe(true);
    expect(await goneWithin(outcome.pid!)).toBe(true);
  });

  it('settles after a normal exit when a grandchild keeps the pipes open, and kills it', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const outcome = await runProcess(opts([`grandchild:${pidFile}`, 'print:bye', 'exit:0']));
    expect(outcome).toMatchObject({ exitCode: 0, timedOut: false, canceled: false });
    expect(outcome.outputTail).toBe('bye');
    expect(outcome.durationMs).toBeGreaterThanOrEqual(500); // SIGTERM ignored: SIGKILL after the grace period
    expect(outcome.durationMs).toBeLessThan(5000);
    expect(await goneWithin(await readPid(pidFile))).toBe(true);
  });

  it('cancels on abort', async () => {
    const controller = new AbortController();
    const pending = runProcess(opts(['print:started', 'sleep:60000'], { signal: controller.signal, onLine: () => controller.abort() }));
    const outcome = await pending;
    expect(outcome).toMatchObject({ canceled: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    expect(outcome.durationMs).toBeLessThan(5000);
    const already = await runProcess(opts(['print:never'], { signal: AbortSignal.abort() }));
    expect(already).toMatchObject({ canceled: true, exitCode: null, outputTail: '' });
    expect(already.pid).toBeUndefined();
  });

  it('reports a missing binary as a startError, not a throw', async () => {
    const outcome = await runProcess(opts([], { command: 'kugetsu-no-such-agent' }));
    expect(outcome.startError).toBe("agent binary 'kugetsu-no-such-agent' not found on PATH; install it or set KUGETSU_AGENT_COMMAND");
    expect(outcome).toMatchObject({ exitCode: null, timedOut: false, canceled: false });
  });

  it('reports a file that is not executable, and a missing working directory', async () => {
    const script = path.join(dir, 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    const notExec = await runProcess(opts([], { command: script }));
    expect(notExec.startError).toMatch(/is not executable \(EACCES\)/);
    const noCwd = await runProcess(opts(['print:x'], { cwd: path.join(dir, 'missing') }));
    expect(noCwd.startError).toMatch(/working directory .*missing does not exist/);
  });
});
