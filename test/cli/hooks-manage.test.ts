import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIngressApp } from '../../src/ingress/create-ingress-app.js';
import type { Delivery } from '../../src/domain/delivery.js';
import { readStoredSecrets, secretFile, storedSecretsFor, writeStoredSecret } from '../../src/admin/stored-secrets.js';
import { chooseSecrets } from '../../src/ingress/webhook-secrets.js';
import { runAction } from '../../src/cli/context.js';
import { hooksInstallCommand } from '../../src/cli/hooks-install-command.js';
import { hooksListCommand, hooksRemoveCommand } from '../../src/cli/hooks-list-command.js';
import { hooksTestCommand } from '../../src/cli/hooks-test-command.js';
import { memoryLogger } from '../support/test-logger.js';
import { closedPort, serveApp, tempDir, testContext } from './support/cli-kit.js';
import { startTestGitea, type TestGitea } from './support/gitea.js';

const URL_ = 'https://kugetsu.example.com/webhooks/gitea';
let gitea: TestGitea;
let stateDir: string;

beforeEach(async () => {
  gitea = await startTestGitea();
  stateDir = tempDir();
});
afterEach(() => gitea.close());

const ctx = (extra: Record<string, string> = {}) => testContext({ GITEA_URL: gitea.url, GITEA_TOKEN: gitea.fake.token, KUGETSU_STATE_DIR: stateDir, ...extra });

describe('kugetsu hooks list', () => {
  it("marks kugetsu's hook and what is wrong with it, as text and --json", async () => {
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    const hooks = gitea.fake.repo('acme/app').hooks;
    hooks.push({ ...hooks[0]!, id: 77, url: 'https://ci.example.com/hook', events: ['push'] });
    hooks[0]!.active = false;

    const text = ctx();
    expect(await hooksListCommand('acme/app', {}, text)).toBe(0);
    expect(text.output.stdout[0]).toMatch(new RegExp(`^✗ ${hooks[0]!.id}  ${URL_}  inactive  json  15 events  — inactive$`));
    expect(text.output.stdout[1]).toBe('· 77  https://ci.example.com/hook  active  json  1 events');
    expect(text.output.stdout.slice(2)).toEqual(['secret for acme/app: stored', "  → fix with: kugetsu hooks install acme/app --url <the hook's url>"]);

    const json = ctx();
    expect(await hooksListCommand('acme/app', { json: true }, json)).toBe(0);
    const listed = JSON.parse(json.output.stdout.join('\n'));
    expect(listed).toMatchObject({ target: 'acme/app', secretStored: true });
    expect(listed.hooks.map((h: { id: number; kugetsu: boolean; problems: string[] }) => [h.id, h.kugetsu, h.problems])).toEqual([
      [hooks[0]!.id, true, ['inactive']],
      [77, false, []],
    ]);
  });
});

describe('kugetsu hooks remove', () => {
  it('deletes the hook with that URL and forgets the stored secret once no kugetsu hook is left', async () => {
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    await hooksInstallCommand('acme/app', { url: 'https://other.example.com/webhooks/gitea' }, ctx());
    expect(gitea.fake.repo('acme/app').hooks).toHaveLength(2);

    const first = ctx();
    expect(await hooksRemoveCommand('acme/app', { url: URL_ }, first)).toBe(0);
    expect(first.output.stdout).toEqual([expect.stringMatching(/^✓ deleted hook \d+ \(https:\/\/kugetsu\.example\.com\/webhooks\/gitea\) from acme\/app$/)]);
    expect(existsSync(secretFile(stateDir, 'acme/app')!)).toBe(true);

    const second = ctx();
    expect(await hooksRemoveCommand('acme/app', { url: 'https://other.example.com/webhooks/gitea', json: true }, second)).toBe(0);
    expect(JSON.parse(second.output.stdout.join('\n'))).toMatchObject({ target: 'acme/app', secretRemoved: true });
    expect(gitea.fake.repo('acme/app').hooks).toEqual([]);
    expect(readStoredSecrets(stateDir)).toEqual({});
  });

  it('exits 1 and says how to look when no hook has the URL', async () => {
    const c = ctx();
    expect(await runAction(c, 'hooks remove', () => hooksRemoveCommand('acme/app', { url: URL_ }, c))).toBe(1);
    expect(c.output.stderr[0]).toBe(`kugetsu: acme/app has no hook posting to ${URL_}\n  → see its hooks with: kugetsu hooks list acme/app`);
  });
});

/** The real ingress, with the secret choice the service wires in (`chooseSecrets` over the stored secrets), recording deliveries. */
async function ingress(options: { globalSecrets?: string[]; draining?: boolean; stateDir?: string } = {}) {
  const seen: Delivery[] = [];
  const app = createIngressApp({
    secrets: options.globalSecrets ?? ['global-secret'],
    secretsFor: (fullName) =>
      chooseSecrets(
        {
          global: options.globalSecrets ?? ['global-secret'],
          repository: () => [],
          organization: () => [],
          storedRepository: (name) => storedSecretsFor(options.stateDir ?? stateDir, name),
          storedOrganization: (owner) => storedSecretsFor(options.stateDir ?? stateDir, `${owner}/*`),
        },
        fullName,
      ),
    allowUnsigned: false,
    onDelivery: (d) => {
      seen.push(d);
      return { status: 'ignored', reason: `event type "${d.eventType}" is not one kugetsu acts on` };
    },
    draining: () => options.draining ?? false,
    logger: memoryLogger().logger,
  });
  return { url: await serveApp(app), seen };
}

describe('kugetsu hooks test', () => {
  it('sends a ping signed with the stored secret through the real ingress; a secret stored while it runs is accepted at once', async () => {
    const server = await ingress();
    await hooksInstallCommand('acme/app', { url: URL_ }, ctx());
    const c = ctx();
    expect(await hooksTestCommand('acme/app', { url: server.url }, c)).toBe(0);
    expect(c.output.stdout).toEqual(['✓ kugetsu accepted the signed ping for acme/app (200: ignored: event type "ping" is not one kugetsu acts on); secret from the state dir']);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({ eventType: 'ping', event: 'ping', payload: { repository: { name: 'app', owner: { login: 'acme' } } } });
  });

  it('uses an organisation secret for its repositories, and KUGETSU_WEBHOOK_SECRET when none is stored', async () => {
    const server = await ingress();
    writeStoredSecret(stateDir, 'acme/*', 'org-secret');
    const org = ctx();
    const code = await hooksTestCommand('acme/app', { url: server.url }, org);
    expect(org.output.stderr).toEqual([]);
    expect(code).toBe(0);
    const viaEnv = ctx({ KUGETSU_WEBHOOK_SECRET: 'global-secret' });
    expect(await hooksTestCommand('other/repo', { url: server.url, json: true }, viaEnv)).toBe(0);
    expect(JSON.parse(viaEnv.output.stdout.join('\n'))).toMatchObject({ status: 200, secretSource: 'KUGETSU_WEBHOOK_SECRET', body: { status: 'ignored' } });
  });

  it('reports 401 with what to check (exit 1), 503 as try later (exit 2), and no server as exit 2', async () => {
    const server = await ingress({ stateDir: tempDir() }); // a server with another state dir
    writeStoredSecret(stateDir, 'acme/app', 'not-the-servers');
    const refused = ctx();
    expect(await hooksTestCommand('acme/app', { url: server.url }, refused)).toBe(1);
    expect(refused.output.stderr[0]).toMatch(/^✗ kugetsu refused the ping \(401: signature does not match[\s\S]*→ the server does not know this secret/);

    const draining = await ingress({ draining: true });
    expect(await hooksTestCommand('acme/app', { url: draining.url }, ctx())).toBe(2);

    const nobody = ctx();
    const port = await closedPort();
    expect(await runAction(nobody, 'hooks test', () => hooksTestCommand('acme/app', { url: `http://127.0.0.1:${port}` }, nobody))).toBe(2);
    expect(nobody.output.stderr[0]).toContain(`cannot reach kugetsu at http://127.0.0.1:${port}/webhooks/gitea: ECONNREFUSED\n  → start it (kugetsu serve)`);
  });
});
