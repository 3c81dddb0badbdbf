import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Side } from './support/two-services.js';
import { twoInstances } from './support/two-services.js';

/** Adds an issue to `side`'s acme/app labelled `label` by alice (write there); its number. */
function issueLabelled(side: Side, label: string): number {
  side.fake.setPermission('acme/app', 'alice', 'write');
  const issue = side.fake.addIssue('acme/app', { title: `labelled ${label}`, body: 'please', author: 'alice' });
  side.fake.labelIssue('acme/app', issue.number, label, 'alice');
  return issue.number;
}

describe('per-repository settings naming an instance, end to end', { timeout: 120_000 }, () => {
  it('a file with repository: <B host>/acme/* applies to deliveries of B only; A keeps the global settings', async () => {
    const world = await twoInstances(
      {},
      { role: 'ingress' },
      {
        beforeStart: ({ a, b, dir }) => {
          for (const side of [a, b]) side.fake.addLabel('acme/app', 'agent');
          const webhooks = path.join(dir, 'webhooks');
          mkdirSync(webhooks);
          // On B, acme's repositories are triggered by "agent" instead of the global "ready".
          writeFileSync(path.join(webhooks, 'codeberg-acme.yaml'), `repository: ${b.host}/acme/*\ntrigger_labels: [agent]\n`);
          return { KUGETSU_WEBHOOKS_DIR: webhooks };
        },
      },
    );
    const { a, b } = world;
    const outcome = async (side: Side, label: string) => {
      const r = await world.label(side, issueLabelled(side, label));
      return r.json.job !== undefined ? { status: r.status, issue: r.json.issue } : { status: r.status, reason: r.json.reason };
    };
    // A: the global trigger label "ready" works, "agent" is no trigger there.
    const noTrigger = { status: 200, reason: expect.stringContaining('does not carry the trigger label') };
    expect(await outcome(a, 'ready')).toEqual({ status: 202, issue: `${a.host}/acme/app#1` });
    expect(await outcome(a, 'agent')).toEqual(noTrigger);
    // B: the file's "agent" works, "ready" is no trigger there.
    expect(await outcome(b, 'ready')).toEqual(noTrigger);
    expect(await outcome(b, 'agent')).toEqual({ status: 202, issue: `${b.host}/acme/app#2` });
    expect((await world.service.store.recent(10)).map((j) => j.issueKey).sort()).toEqual([`${a.host}/acme/app#1`, `${b.host}/acme/app#2`].sort());
  });
});
