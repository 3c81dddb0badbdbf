import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { closedPort, tempDir, testContext } from './support/cli-kit.js';
import { fillStateDir } from './support/job-db.js';

const argv = (...args: string[]) => ['node', 'kugetsu', ...args];

describe('runCli', () => {
  it.each([
    ['hooks'],
    ['hooks', 'install'],
    ['hooks', 'list'],
    ['hooks', 'remove'],
    ['hooks', 'test'],
    ['jobs'],
    ['jobs', 'list'],
    ['jobs', 'show'],
    ['jobs', 'logs'],
    ['jobs', 'cancel'],
    ['doctor'],
    ['replay'],
  ])('kugetsu %s … --help describes the command with examples and exits 0', async (...command) => {
    const ctx = testContext({});
    expect(await runCli(argv(...command, '--help'), ctx)).toBe(0);
    const help = ctx.output.stdout.join('\n');
    expect(help).toMatch(new RegExp(`^Usage: kugetsu ${command.join(' ')} `));
    expect(help).toContain('Example');
  });

  it("returns the action's exit code: 0 for a read, 1 for a usage error, 2 when kugetsu is not there", async () => {
    const stateDir = tempDir();
    await fillStateDir(stateDir);
    const list = testContext({ KUGETSU_STATE_DIR: stateDir });
    expect(await runCli(argv('jobs', '--json'), list)).toBe(0);
    expect(JSON.parse(list.output.stdout.join('\n')).jobs).toHaveLength(4);

    const usage = testContext({});
    expect(await runCli(argv('jobs', 'list', '--limit', 'many'), usage)).toBe(1);
    expect(usage.output.stderr.join('\n')).toContain("option '--limit <n>' argument 'many' is invalid. must be a positive whole number");

    const test = testContext({ KUGETSU_STATE_DIR: stateDir, KUGETSU_WEBHOOK_SECRET: 's', PORT: String(await closedPort()) });
    expect(await runCli(argv('hooks', 'test', 'acme/app'), test)).toBe(2);
    expect(test.output.stderr[0]).toMatch(/^kugetsu: cannot reach kugetsu at http:\/\/127\.0\.0\.1:\d+\/webhooks\/gitea: ECONNREFUSED/);
  });

  it('explains a missing GITEA_URL / GITEA_TOKEN instead of a stack trace', async () => {
    const ctx = testContext({ KUGETSU_STATE_DIR: tempDir() });
    expect(await runCli(argv('hooks', 'list', 'acme/app'), ctx)).toBe(1);
    expect(ctx.output.stderr).toEqual([
      'kugetsu: GITEA_URL must be the base URL of your Gitea, e.g. https://gitea.example.com\n  → set GITEA_URL in the environment (see README "Configuration")',
    ]);
  });
});
