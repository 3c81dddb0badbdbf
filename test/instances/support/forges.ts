import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFakeGiteaServer, type FakeGiteaServer } from '../../../src/sandbox/fake-gitea-server.js';
import { onCleanup } from '../../cli/support/cli-kit.js';

/** A fake Gitea (or Forgejo) on 127.0.0.1 accepting `token` as `botLogin`, closed after the test. */
export async function startForge(
  token: string,
  botLogin: string,
  flavour: 'gitea' | 'forgejo',
  options: Omit<Parameters<typeof startFakeGiteaServer>[0] & object, 'token' | 'botLogin' | 'flavour'> = {},
): Promise<FakeGiteaServer> {
  const server = await startFakeGiteaServer({ ...options, token, botLogin, flavour });
  onCleanup(() => server.close());
  return server;
}

/** One instance of an instances file, as its YAML keys say it (the optional keys left out when absent). */
export interface InstanceEntry {
  name: string;
  url: string;
  kind?: 'gitea' | 'forgejo';
  tokenEnv: string;
  secretEnv?: string;
  /** `oauth_client_id_env` / `oauth_client_secret_env`: the variables naming the dashboard's OAuth2 application there. */
  oauthClientIdEnv?: string;
  oauthClientSecretEnv?: string;
}

/** Writes `<dir>/instances.yaml` listing `entries` in order; returns its path. */
export function writeInstancesFile(dir: string, entries: readonly InstanceEntry[]): string {
  const file = path.join(dir, 'instances.yaml');
  const lines = ['instances:'];
  for (const e of entries) {
    lines.push(`  - name: ${e.name}`, `    url: ${e.url}`);
    if (e.kind) lines.push(`    kind: ${e.kind}`);
    lines.push(`    token_env: ${e.tokenEnv}`);
    if (e.secretEnv) lines.push(`    secret_env: ${e.secretEnv}`);
    if (e.oauthClientIdEnv) lines.push(`    oauth_client_id_env: ${e.oauthClientIdEnv}`);
    if (e.oauthClientSecretEnv) lines.push(`    oauth_client_secret_env: ${e.oauthClientSecretEnv}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * The instances file and environment of the pair most instance tests use: `company` (the Gitea fake
 * `a`, first; token `token-of-a`, secret `secret-a`) and `codeberg` (the Forgejo fake `b`; token
 * `token-of-b`, secret `secret-b` unless `codebergSecret` is false), with the state dir `dir`.
 */
export function companyAndCodeberg(a: FakeGiteaServer, b: FakeGiteaServer, dir: string, options: { codebergSecret?: boolean } = {}): Record<string, string> {
  const codebergSecret = options.codebergSecret ?? true;
  const file = writeInstancesFile(dir, [
    { name: 'company', url: a.url, tokenEnv: 'COMPANY_TOKEN', secretEnv: 'COMPANY_SECRET' },
    { name: 'codeberg', url: b.url, kind: 'forgejo', tokenEnv: 'CODEBERG_TOKEN', ...(codebergSecret ? { secretEnv: 'CODEBERG_SECRET' } : {}) },
  ]);
  return {
    KUGETSU_INSTANCES_FILE: file,
    COMPANY_TOKEN: 'token-of-a',
    COMPANY_SECRET: 'secret-a',
    CODEBERG_TOKEN: 'token-of-b',
    ...(codebergSecret ? { CODEBERG_SECRET: 'secret-b' } : {}),
    KUGETSU_STATE_DIR: dir,
  };
}
