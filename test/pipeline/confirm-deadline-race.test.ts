/**
 * A delivery whose confirmation with Gitea outlasts the answer deadline is kept as deferred — but
 * when the confirmation admits the job in the moment between the deadline and the keeping, the
 * keeping finds the event handled. The answer must then be what the confirmation did (`accepted`,
 * with its job), not `ignored: this event was already handled` (Gitea would show a 200 for a
 * request that is running). Seen under load in test/faults/multi-worker.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { defaultRepoSettings } from '../../src/config/repo-config-defaults.js';
import type { Delivery } from '../../src/domain/delivery.js';
import type { Authorizer } from '../../src/pipeline/authorizer.js';
import type { EventConfirmer } from '../../src/pipeline/confirm-event.js';
import type { ControlCommands } from '../../src/pipeline/control-commands.js';
import { Dispatcher } from '../../src/pipeline/dispatcher.js';
import { issueCommentPayload } from '../../src/sandbox/delivery-templates.js';
import type { JobStore } from '../../src/store/job-store.js';
import { statusCommentItem } from '../../src/domain/outbox.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { memoryLogger } from '../support/test-logger.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('a confirmation that ends between the answer deadline and the keeping of the delivery', () => {
  it('answers accepted with the job the confirmation admitted, and keeps no deferred copy', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kugetsu-race-'));
    const real = openSqliteStore({ file: path.join(dir, 'jobs.db') });
    // The keeping of the delivery runs only once the confirmation's admission is done: the race,
    // made certain instead of left to the scheduler.
    let admitted!: () => void;
    const admission = new Promise<void>((resolve) => {
      admitted = resolve;
    });
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'admit') return (...args: Parameters<JobStore['admit']>) => target.admit(...args).finally(() => admitted());
        if (prop === 'defer') return async (...args: Parameters<JobStore['defer']>) => admission.then(() => target.defer(...args));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as JobStore;
    const env = { GITEA_URL: 'https://gitea.example.com', GITEA_TOKEN: 'token-0123456789', KUGETSU_WEBHOOK_SECRET: 'secret-0123456789' };
    const settings = defaultRepoSettings(loadConfig(env, dir), env);
    // Gitea confirms the comment, but only after the 50 ms deadline.
    const confirmer = {
      confirm: async (claimed: Parameters<EventConfirmer['confirm']>[0]) => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { kind: 'confirmed' as const, event: claimed };
      },
    } as unknown as EventConfirmer;
    const dispatcher = new Dispatcher({
      store,
      logger: memoryLogger().logger,
      settingsFor: () => settings,
      botUserId: () => 999,
      admitItems: (job) => [statusCommentItem(job)],
      authorizer: { check: async () => ({ allowed: true }) } as unknown as Authorizer,
      maxQueuedPerIssue: 5,
      refusalReply: false,
      wakeOutbox: () => {},
      control: {} as ControlCommands,
      confirmer,
      confirmNow: { budgetMs: 50 },
    });
    const payload = issueCommentPayload({
      repo: { owner: 'acme', name: 'app', cloneUrl: 'https://gitea.example.com/acme/app.git', htmlUrl: 'https://gitea.example.com/acme/app', defaultBranch: 'main' },
      issue: { number: 7, title: 'Add a greeting', body: 'Please add hello.txt' },
      comment: { id: 70, body: '/kugetsu please add hello.txt' },
      sender: { id: 3, login: 'alice' },
    });
    const delivery: Delivery = {
      id: 'd-race',
      eventType: 'issue_comment',
      event: 'issue_comment',
      targetType: 'repository',
      payload,
      size: 1000,
      bodySha256: 'a'.repeat(64),
      receivedAt: new Date(),
    };

    const result = await dispatcher.handle(delivery);

    const jobs = await real.recent(5);
    expect(jobs).toHaveLength(1);
    expect(result).toMatchObject({ status: 'accepted', jobId: jobs[0]!.id });
    expect(await real.deferredCount()).toBe(0);
    real.close();
  });
});
