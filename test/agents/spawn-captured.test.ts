import { describe, expect, it } from 'vitest';
import { spawnCaptured } from '../../src/agents/spawn-captured.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
const base = { cwd: process.cwd(), env, timeoutMs: 10_000 };

describe('spawnCaptured', () => {
  it('keeps stdout and stderr whole and reports the exit status', async () => {
    const r = await spawnCaptured('/bin/sh', ['-c', 'printf "out\\n"; printf "err" >&2; exit 3'], base);
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err', exitCode: 3 });
  });

  it('writes a promised input once it resolves, while the process already runs', async () => {
    let give: (text: string) => void = () => undefined;
    const input = new Promise<string>((resolve) => (give = resolve));
    const running = spawnCaptured('/bin/sh', ['-c', 'echo started; read -r line; echo "got $line"'], { ...base, input });
    setTimeout(() => give('go\n'), 50);
    expect(await running).toMatchObject({ stdout: 'started\ngot go\n', exitCode: 0 });
  });

  it('closes stdin empty when the promised input rejects, and survives a process that never reads its input', async () => {
    const rejected = await spawnCaptured('/bin/sh', ['-c', 'if read -r line; then echo "got $line"; else echo eof; fi'], { ...base, input: Promise.reject(new Error('no')) });
    expect(rejected).toMatchObject({ stdout: 'eof\n', exitCode: 0 });
    const early = await spawnCaptured('/bin/sh', ['-c', 'exit 4'], { ...base, input: 'x'.repeat(1 << 20) });
    expect(early.exitCode).toBe(4);
  });

  it('gives stdin /dev/null without input', async () => {
    expect(await spawnCaptured('/bin/sh', ['-c', 'cat; echo end'], base)).toMatchObject({ stdout: 'end\n', exitCode: 0 });
  });

  it('kills a process that runs longer than timeoutMs and says so', async () => {
    const r = await spawnCaptured('/bin/sh', ['-c', 'sleep 30'], { ...base, timeoutMs: 200 });
    expect(r.exitCode).toBe(-1);
    expect(r.stderr).toContain('timed out after 200 ms');
  });

  it('reports a program that cannot be run, without throwing', async () => {
    const r = await spawnCaptured('/nonexistent/kugetsu-no-such-program', [], base);
    expect(r.exitCode).toBe(-1);
    expect(r.stderr).toContain('could not be run');
  });
});
