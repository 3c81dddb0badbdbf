import { describe, expect, it } from 'vitest';
import { twoInstances } from './support/two-services.js';

const WARNING = /signs deliveries for several repositories/;

describe('the shared-secret warning with two instances', { timeout: 60_000 }, () => {
  it("names each instance's repositories that share its secret, host-qualified, and never counts the other instance's acme/app", async () => {
    let hosts = { a: '', b: '' };
    const world = await twoInstances(
      {},
      { role: 'ingress' },
      {
        beforeStart: ({ a, b }) => {
          hosts = { a: a.host, b: b.host };
          // A: two repositories on A's secret. B: one repository on B's secret, named like A's first.
          return { KUGETSU_REPOS: `${a.host}/acme/app, ${a.host}/acme/lib, ${b.host}/acme/app` };
        },
      },
    );
    const warnings = world.logs.lines.filter((l) => l.level === 40 && WARNING.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ instance: world.a.name, count: 2, repositories: [`${hosts.a}/acme/app`, `${hosts.a}/acme/lib`] });
    expect(warnings[0]!.msg).toMatch(/^KUGETSU_WEBHOOK_SECRET signs/);
  });

  it('warns about the second instance with its own name when two of its repositories share its secret', async () => {
    let hostB = '';
    const world = await twoInstances(
      {},
      { role: 'ingress' },
      {
        beforeStart: ({ a, b }) => {
          hostB = b.host;
          return { KUGETSU_REPOS: `${a.host}/acme/app, ${b.host}/acme/app, ${b.host}/acme/lib` };
        },
      },
    );
    const warnings = world.logs.lines.filter((l) => l.level === 40 && WARNING.test(l.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ instance: world.b.name, count: 2, repositories: [`${hostB}/acme/app`, `${hostB}/acme/lib`] });
    expect(warnings[0]!.msg).toMatch(new RegExp(`^The secret of instance ${world.b.name} signs`));
  });
});
