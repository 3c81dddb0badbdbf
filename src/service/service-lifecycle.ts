import { reportSandbox } from '../agents/report-sandbox.js';
import type { Maintenance } from '../pipeline/maintenance.js';
import type { JobMachine } from '../pipeline/job-machine.js';
import type { OutboxWorker } from '../report/outbox-worker.js';
import type { Worker } from '../worker/worker.js';
import { learnIdentity } from './learn-identity.js';
import type { ServiceCore } from './service-core.js';
import type { Service } from './service-types.js';
import type { Admission } from './wire-admission.js';
import type { Door } from './wire-door.js';
import { warnSharedSecret } from './warn-shared-secret.js';

/** The built stages whose order of start and stop {@link serviceLifecycle} owns. */
export interface LifecycleParts {
  admission: Admission;
  door: Door;
  machine: JobMachine;
  maintenance: Maintenance;
  outbox: OutboxWorker;
  worker: Worker | undefined;
}

/**
 * Start, reload, idle and stop of a composed kugetsu (see {@link Service} for each). `draining`
 * turns true at `stop()`: the door answers 503 from then on. Periodic tasks (reconciliation,
 * maintenance hourly, progress refreshes) are `unref()`'d timers, cleared at `stop()`; a failing
 * one logs a warning and runs again at its next tick.
 */
export function serviceLifecycle(core: ServiceCore, parts: LifecycleParts): Pick<Service, 'start' | 'reloadSettings' | 'idle' | 'stop'> & { draining: () => boolean } {
  const { config, role, logger, store, instances } = core;
  const { admission, outbox, worker } = parts;
  let draining = false;
  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, task: () => Promise<unknown>) => {
    if (ms <= 0) return;
    const t = setInterval(() => void task().catch((err: unknown) => logger.warn({ err }, 'periodic task failed')), ms);
    t.unref();
    timers.push(t);
  };
  const unsubscribe = store.subscribe((event) => {
    if (event.kind === 'outbox') outbox.wake();
  });
  return {
    draining: () => draining,
    async start() {
      if (config.allowUnsigned) logger.warn('KUGETSU_ALLOW_UNSIGNED=1: deliveries without a signature are accepted. Use this for local experiments only.');
      if (worker) await reportSandbox(core.sandbox, logger);
      // Keys a one-instance kugetsu stored (owner/repo#n) are the first instance's.
      if (instances.several && store.qualifyIssueKeys) {
        const changed = await store.qualifyIssueKeys(instances.first.host);
        if (changed > 0) logger.info({ rows: changed, host: instances.first.host }, "issue keys qualified with the first instance's host (several instances are configured)");
      }
      const identityDeps = { logger, several: instances.several, stopped: () => draining, keep: (t: NodeJS.Timeout) => void timers.push(t) };
      await Promise.all(instances.all.map((instance) => learnIdentity(instance, identityDeps)));
      if (role !== 'worker') {
        warnSharedSecret([...(await store.knownRepos()), ...admission.reconcileRepos], { instances, secretsOf: parts.door.secretsOf, logger });
      }
      await worker?.start();
      outbox.start();
      if (role !== 'worker') {
        admission.deferred.start();
        void admission.reconciler.reconcile().catch((err: unknown) => logger.warn({ err }, 'reconciliation failed'));
        void parts.maintenance.run();
        every(config.reconcileIntervalMs, () => admission.reconciler.reconcile());
        every(60 * 60 * 1000, () => parts.maintenance.run());
      }
      // Throttled progress: running jobs show their elapsed time (each worker its own), the first
      // queued ones their place (the ingress).
      every(config.progressIntervalMs, async () => {
        const open = role === 'worker' ? [] : (await store.unfinished()).filter((j) => j.state === 'queued').slice(0, 10);
        await parts.machine.progress([...(worker?.runningJobs() ?? []), ...open]);
      });
    },
    reloadSettings() {
      const result = config.repoSettings.reload();
      if (result.ok) {
        core.rebuildRedactor();
        logger.info({ repositories: config.repoSettings.configured() }, 'per-repository settings reloaded');
      }
      return { ok: result.ok, errors: result.errors.map((e) => e.text) };
    },
    async idle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await store.counts();
        const settled = counts.queued === 0 && counts.running === 0 && (await store.deferredCount()) === 0;
        if (settled && (await outbox.drain(Math.max(1, deadline - Date.now())))) {
          const again = await store.counts();
          if (again.queued === 0 && again.running === 0) return;
        }
        if (Date.now() >= deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(graceMs = config.shutdownGraceMs) {
      if (draining) return;
      draining = true;
      for (const t of timers) clearTimeout(t);
      unsubscribe();
      await admission.deferred.stop();
      // Agents get their grace, then SIGTERM and SIGKILL; each stopped job is interrupted and continues after the next start.
      await worker?.stop(graceMs);
      // Warm agent servers (KUGETSU_OPENCODE_MODE=serve) go with their process groups.
      await core.agents.close();
      await outbox.drain(5_000).catch(() => undefined);
      // Awaited: a write or notification in flight records its outcome (and frees its claim) before the store closes.
      await outbox.stop();
      await store.close().catch((err: unknown) => logger.error({ err }, 'closing the store failed'));
    },
  };
}
