import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSecrets } from '../../src/config/config-secrets.js';
import { loadConfig } from '../../src/config/load-config.js';
import { removeTrees, webhooksTree } from './fixtures/repo-config-kit.js';

afterAll(removeTrees);

describe('configSecrets', () => {
  it("lists every instance's token and secret and the per-repository secrets and receivers, host-qualified files included", () => {
    const dir = webhooksTree({
      'acme.yaml': 'repository: acme/*\nsecret_env: ACME_SECRET\nnotify:\n  urls: [https://hooks.example/acme-token-123]\n  secret_env: ACME_NOTIFY\n',
      'b-app.yaml': 'repository: b.example.org/acme/app\nsecret_env: B_APP_SECRET\n',
    });
    const instances = path.join(webhooksTree({}), 'instances.yaml');
    fs.writeFileSync(
      instances,
      'instances:\n  - {name: a, url: "https://a.example.org", kind: gitea, token_env: A_TOKEN, secret_env: A_SECRET}\n' +
        '  - {name: b, url: "https://b.example.org", kind: forgejo, token_env: B_TOKEN, secret_env: B_SECRET, oauth_client_id_env: B_OAUTH_ID, oauth_client_secret_env: B_OAUTH_SECRET}\n',
    );
    const env = {
      KUGETSU_INSTANCES_FILE: instances,
      KUGETSU_WEBHOOKS_DIR: dir,
      A_TOKEN: 'token-of-instance-a',
      A_SECRET: 'secret-of-instance-a',
      B_TOKEN: 'token-of-instance-b',
      B_SECRET: 'secret-of-instance-b',
      ACME_SECRET: 'acme-webhook-secret',
      ACME_NOTIFY: 'acme-notify-key',
      B_APP_SECRET: 'only-on-b-secret',
      KUGETSU_METRICS_TOKEN: 'metrics-token-xyz',
      B_OAUTH_ID: 'oauth-client-id-of-b',
      B_OAUTH_SECRET: 'oauth-client-secret-of-b',
      KUGETSU_PUBLIC_URL: 'https://kugetsu.example.org',
    };
    const secrets = configSecrets(loadConfig(env, dir));
    for (const value of [
      'token-of-instance-a',
      'secret-of-instance-a',
      'token-of-instance-b',
      'secret-of-instance-b',
      'acme-webhook-secret',
      'acme-notify-key',
      'https://hooks.example/acme-token-123',
      'only-on-b-secret',
      'metrics-token-xyz',
      'oauth-client-secret-of-b',
    ]) {
      expect(secrets).toContain(value);
    }
  });
});
