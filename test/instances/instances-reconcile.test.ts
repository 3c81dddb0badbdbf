import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { issueKey } from '../../src/domain/issue-key.js';
import { tempDir } from '../cli/support/cli-kit.js';
import { writeInstancesFile } from './support/forges.js';
import { labelledIssue, twoInstances, until } from './support/two-services.js';

describe('KUGETSU_REPOS with two instances', { timeout: 120_000 }, () => {
  it("an issue labelled on B while kugetsu was down is found by the reconciler on B, with B's token; an unqualified entry is the first instance's", async () => {
    // B's issue is labelled before the service starts (no delivery ever comes for it).
    let hostB = '';
    const world = await twoInstances(
      {},
      { role: 'ingress' },
      {
        beforeStart: (sides) => {
          hostB = sides.b.host;
          labelledIssue(sides.b);
          return { KUGETSU_REPOS: `acme/app, ${sides.b.host}/acme/app` };
        },
      },
    );
    const { a, b, service } = world;
    await until('the reconciler to admit B’s issue', async () => (await service.store.listByIssue(issueKey('acme', 'app', 1, hostB))).length === 1);
    const [job] = await service.store.listByIssue(issueKey('acme', 'app', 1, hostB));
    expect(job?.repo.instance).toBe(b.name);
    expect(job?.repo.host).toBe(b.host);
    expect(job?.trigger).toBe('label');
    // Nothing on A: its acme/app has no labelled issue.
    expect(await service.store.listByIssue(issueKey('acme', 'app', 1, a.host))).toEqual([]);
    // B's repository and issues were read on B with B's token; A was asked about its own only, with its own.
    const onB = b.calls.filter((c) => c.path.startsWith('/api/v1/repos/acme/app'));
    expect(onB.map((c) => c.path)).toEqual(expect.arrayContaining(['/api/v1/repos/acme/app', expect.stringMatching(/^\/api\/v1\/repos\/acme\/app\/issues\?/)]));
    expect(new Set(b.calls.map((c) => c.token))).toEqual(new Set([`token-of-${b.name}`]));
    expect(new Set(a.calls.map((c) => c.token))).toEqual(new Set([`token-of-${a.name}`]));
    expect(a.calls.map((c) => c.path)).toContain('/api/v1/repos/acme/app');
  });

  it('a host-qualified entry must name a configured instance', () => {
    const dir = tempDir();
    const file = writeInstancesFile(dir, [
      { name: 'one', url: 'http://127.0.0.1:1', tokenEnv: 'T1' },
      { name: 'two', url: 'http://127.0.0.1:2', tokenEnv: 'T2' },
    ]);
    const env = { KUGETSU_INSTANCES_FILE: file, T1: 'a', T2: 'b', KUGETSU_ALLOW_UNSIGNED: 'true', KUGETSU_STATE_DIR: `${dir}/state` };
    expect(loadConfig({ ...env, KUGETSU_REPOS: '127.0.0.1:2/acme/app,acme/web' }, dir).repos).toEqual([
      { owner: 'acme', name: 'app', host: '127.0.0.1:2' },
      { owner: 'acme', name: 'web' },
    ]);
    expect(() => loadConfig({ ...env, KUGETSU_REPOS: 'codeberg.org/acme/app' }, dir)).toThrow(
      /KUGETSU_REPOS: "codeberg\.org\/acme\/app" names a host that is no configured instance's \(configured: 127\.0\.0\.1:1, 127\.0\.0\.1:2\)/,
    );
    expect(() => loadConfig({ ...env, KUGETSU_REPOS: 'a/b/c/d' }, dir)).toThrow(/"a\/b\/c\/d" is not owner\/repo/);
  });
});
