import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeStoredSecret } from '../../src/admin/stored-secrets.js';
import type { DoctorCheck } from '../../src/cli/doctor-check.js';
import { doctorCommand } from '../../src/cli/doctor-command.js';
import { hooksInstallCommand } from '../../src/cli/hooks-install-command.js';
import { closedPort, tempDir, testContext } from './support/cli-kit.js';
import { startTestGitea, type TestGitea } from './support/gitea.js';

const HOOK_URL = 'https://kugetsu.example.com/webhooks/gitea';
let gitea: TestGitea;
let env: Record<string, string>;

beforeEach(async () => {
  gitea = await startTestGitea();
  env = {
    GITEA_URL: gitea.url,
    GITEA_TOKEN: gitea.fake.token,
    KUGETSU_WEBHOOK_SECRET: 'global-secret',
    KUGETSU_STATE_DIR: tempDir(),
    KUGETSU_REPOS: 'acme/app',
    KUGETSU_AGENT: 'command',
    KUGETSU_AGENT_COMMAND: JSON.stringify(['node', '{promptFile}']),
    PORT: String(await closedPort()),
  };
});
afterEach(() => gitea.close());

async function doctor(overrides: Record<string, string> = {}, options: { url?: string } = {}) {
  const text = testContext({ ...env, ...overrides });
  const code = await doctorCommand(options, text);
  const json = testContext({ ...env, ...overrides });
  expect(await doctorCommand({ ...options, json: true }, json)).toBe(code);
  const report = JSON.parse(json.output.stdout.join('\n')) as { ok: boolean; checks: DoctorCheck[] };
  const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
  return { code, lines: text.output.stdout, report, byName };
}

describe('kugetsu doctor', () => {
  it('against a healthy fake: every check passes (the local server is only a warning) and it exits 0', async () => {
    await hooksInstallCommand('acme/app', { url: HOOK_URL }, testContext(env));
    const { code, lines, report, byName } = await doctor({}, { url: HOOK_URL });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'configuration',
      'gitea',
      'token',
      'token scopes',
      'hook acme/app',
      'dashboard sign-in',
      'git',
      'agent',
      'sandbox',
      'ripgrep',
      'state dir',
      'database',
      'server',
    ]);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(byName['gitea']!.detail).toBe(`Gitea 1.25.4 at ${gitea.url}`);
    expect(byName['dashboard sign-in']!.detail).toMatch(/^off: /);
    expect(byName['token']!.detail).toMatch(/^GITEA_TOKEN belongs to @kugetsu-bot \(id \d+\)$/);
    expect(byName['hook acme/app']!.detail).toMatch(new RegExp(`^hook \\d+ → ${HOOK_URL} \\(active, json, 15 events\\)$`));
    expect(byName['agent']!.detail).toMatch(/^command: \/.*\/node$/);
    expect(byName['server']).toMatchObject({ status: 'warn', fix: expect.stringContaining('kugetsu serve') });
    expect(lines[0]).toBe('✓ configuration: every setting is valid');
    expect(lines.at(-1)).toBe('All checks passed.');
  });

  it('with a bad token: ✗ token with what to fix, and exit 1', async () => {
    const { code, lines, byName } = await doctor({ GITEA_TOKEN: 'not-a-token' });
    expect(code).toBe(1);
    expect(byName['token']).toMatchObject({ status: 'fail', detail: expect.stringContaining('Gitea rejects GITEA_TOKEN (401') });
    expect(lines.join('\n')).toContain('✗ token: Gitea rejects GITEA_TOKEN (401');
    expect(lines.join('\n')).toContain(
      '\n    → create a new access token for the bot account (Settings → Applications) with write:issue, write:repository and read:user, and set GITEA_TOKEN',
    );
    expect(lines.at(-1)).toBe('1 check failed.');
  });

  it('with Gitea unreachable, a missing setting, a missing agent: each ✗ says what to do', async () => {
    const port = await closedPort();
    const { code, byName } = await doctor({ GITEA_URL: `http://127.0.0.1:${port}`, KUGETSU_WEBHOOK_SECRET: '', KUGETSU_AGENT_COMMAND: '["no-such-agent-kugetsu"]' });
    expect(code).toBe(1);
    expect(byName['gitea']).toMatchObject({ status: 'fail', detail: `cannot reach http://127.0.0.1:${port}: ECONNREFUSED`, fix: expect.stringContaining('check GITEA_URL') });
    expect(byName['configuration']).toMatchObject({ status: 'fail', detail: expect.stringContaining('KUGETSU_WEBHOOK_SECRET is required') });
    expect(byName['agent']).toMatchObject({ status: 'fail', detail: 'no-such-agent-kugetsu is not on PATH', fix: 'install no-such-agent-kugetsu or fix KUGETSU_AGENT_COMMAND' });
    expect(byName['token']).toBeUndefined();
  });

  it('finds a missing hook, a wrong one, and a hook whose secret kugetsu does not know', async () => {
    const missing = await doctor();
    expect(missing.code).toBe(1);
    expect(missing.byName['hook acme/app']).toMatchObject({
      status: 'fail',
      detail: 'no hook posts to a /webhooks/gitea URL',
      fix: 'kugetsu hooks install acme/app --url <public url>/webhooks/gitea',
    });

    await hooksInstallCommand('acme/app', { url: HOOK_URL }, testContext(env));
    gitea.fake.repo('acme/app').hooks[0]!.events = ['push'];
    const wrong = await doctor();
    expect(wrong.byName['hook acme/app']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('events missing: issues, issue_assign'),
      fix: expect.stringContaining('(repairs it)'),
    });

    gitea.fake.repo('acme/app').hooks[0]!.events = [
      'issues',
      'issue_assign',
      'issue_label',
      'issue_milestone',
      'issue_comment',
      'pull_request',
      'pull_request_assign',
      'pull_request_label',
      'pull_request_milestone',
      'pull_request_comment',
      'pull_request_review_approved',
      'pull_request_review_rejected',
      'pull_request_review_comment',
      'pull_request_sync',
      'pull_request_review_request',
    ];
    rmSync(`${env['KUGETSU_STATE_DIR']}/secrets`, { recursive: true });
    const noSecret = await doctor({ KUGETSU_WEBHOOK_SECRET: '', KUGETSU_ALLOW_UNSIGNED: '1' });
    expect(noSecret.byName['hook acme/app']).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('kugetsu knows no secret for it'),
      fix: expect.stringContaining('--rotate-secret'),
    });
  });

  it('checks organisations with a stored secret, and counts a repository covered by its organisation hook', async () => {
    await hooksInstallCommand('acme', { url: HOOK_URL }, testContext(env));
    writeStoredSecret(env['KUGETSU_STATE_DIR']!, 'acme/*', 'org-secret');
    const { code, byName } = await doctor();
    expect(code).toBe(0);
    expect(byName['hook acme/*']).toMatchObject({ status: 'ok' });
    expect(byName['hook acme/app']).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^covered by organisation hook \d+/) });
  });
});
