import { describe, expect, it } from 'vitest';
import { createGiteaClient } from '../../src/gitea/create-gitea-client.js';
import { createFakeGitea } from '../../src/sandbox/fake-gitea.js';
import { callFake, useFakeGitea } from '../support/fake-gitea.js';

const R = 'acme/widgets';

/**
 * The fake's `flavour: 'forgejo'` answers where Forgejo differs from Gitea for kugetsu
 * (docs/forgejo-contract.md), and kugetsu's client reads those answers.
 */
describe('the Forgejo flavour of the fake, and kugetsu reading it', () => {
  const forgejo = useFakeGitea({
    flavour: 'forgejo',
    seed: (fake) => {
      fake.addRepo({ owner: 'acme', name: 'widgets' });
    },
  });
  const client = () => createGiteaClient({ baseUrl: forgejo.baseUrl, token: forgejo.fake.token });

  it("a hook of type forgejo comes back in Forgejo's shape (top-level url, content_type, metadata; config without http_method), and the client reads it", async () => {
    const created = await client().createHook('acme', 'widgets', { type: 'forgejo', url: 'https://k.example.com/webhooks/codeberg', secret: 's', events: ['issues'] });
    expect(created).toMatchObject({ type: 'forgejo', url: 'https://k.example.com/webhooks/codeberg', contentType: 'json', active: true });
    forgejo.fake.takeCalls();

    const raw = await callFake(forgejo.fake, 'GET', '/repos/acme/widgets/hooks');
    const [hook] = raw.json as Record<string, unknown>[];
    expect(hook).toMatchObject({
      type: 'forgejo',
      url: 'https://k.example.com/webhooks/codeberg',
      content_type: 'json',
      metadata: null,
      config: { url: 'https://k.example.com/webhooks/codeberg', content_type: 'json' },
    });
    expect(hook!['config']).not.toHaveProperty('http_method');
    expect(forgejo.fake.takeCalls().map((c) => `${c.method} ${c.path}`)).toEqual(['GET /repos/acme/widgets/hooks']);
  });

  it('reads a hook whose deprecated config is gone from its top-level url and content_type', async () => {
    const id = (await client().createHook('acme', 'widgets', { type: 'forgejo', url: 'https://k.example.com/webhooks/codeberg', secret: 's', events: ['issues'] })).id;
    forgejo.fake.takeCalls();
    // A Forgejo that drops `config` (its struct marks it deprecated): answered through a client
    // whose fetch strips it from the list.
    const stripping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const hooks = (await response.json()) as Record<string, unknown>[];
      return Response.json(
        hooks.map(({ config: _config, ...rest }) => rest),
        { status: response.status, headers: response.headers },
      );
    };
    const hooks = await createGiteaClient({ baseUrl: forgejo.baseUrl, token: forgejo.fake.token, fetch: stripping }).listHooks('acme', 'widgets');
    expect(hooks).toEqual([expect.objectContaining({ id, url: 'https://k.example.com/webhooks/codeberg', contentType: 'json' })]);
    forgejo.fake.expectCalls(['GET /repos/acme/widgets/hooks?page=1&limit=50']);
  });

  it('GET /version gives a Forgejo version with its Gitea compatibility (Makefile FORGEJO_VERSION_API); a gitea hook type is accepted too', async () => {
    const fake = createFakeGitea({ flavour: 'forgejo' });
    fake.addRepo({ owner: 'acme', name: 'widgets' });
    const version = await callFake(fake, 'GET', '/version');
    expect((version.json as { version: string }).version).toMatch(/^\d+\.\d+\.\d+\+gitea-1\.22\.0$/);
    const gitea = await callFake(fake, 'POST', `/repos/${R}/hooks`, { type: 'gitea', config: { url: 'https://k.example.com/webhooks/gitea', content_type: 'json' }, active: true });
    expect(gitea.status).toBe(201);
  });
});
