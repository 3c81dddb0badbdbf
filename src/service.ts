import type { Config } from './config/config.js';
import { Maintenance } from './pipeline/maintenance.js';
import type { CancelOutcome } from './pipeline/job-machine.js';
import type { Job } from './domain/job.js';
import { buildServiceCore } from './service/service-core.js';
import { serviceLifecycle } from './service/service-lifecycle.js';
import type { Service, ServiceOverrides } from './service/service-types.js';
import { wireAdmission } from './service/wire-admission.js';
import { mountDashboard } from './service/wire-dashboard.js';
import { wireDoor } from './service/wire-door.js';
import { wireMachine } from './service/wire-machine.js';
import { wireOutbox } from './service/wire-outbox.js';
import { wireWorker } from './service/wire-worker.js';

export type { Service, ServiceOverrides } from './service/service-types.js';

/**
 * The composition root: builds every stage from the config and wires them together — ingress →
 * dispatcher (confirm, authorize, admit) → engine (the store) → worker (claim, run the turn through
 * the job runner: workspace, agent) → job state machine → outbox. Behaviour lives in the modules;
 * this and the `wire…` functions of `src/service/` only wire. A `worker` role serves no dashboard
 * and refuses deliveries; an `ingress` role runs no agent.
 */
export function createService(config: Config, overrides: ServiceOverrides = {}): Service {
  const core = buildServiceCore(config, overrides);
  const { store, logger, instances } = core;
  const machine = wireMachine(core);
  const outbox = wireOutbox(core);
  const worker = wireWorker(core, machine);
  // A turn running in this process stops at once; elsewhere at its worker's next heartbeat.
  const cancel = async (job: Job): Promise<CancelOutcome> => {
    const outcome = await machine.cancel(job);
    if (outcome === 'requested') worker?.cancelLocal(job.id);
    return outcome;
  };
  const admission = wireAdmission(core, { cancel, admitItems: (job) => machine.items('admit', job), wakeOutbox: () => outbox.wake() });
  const maintenance = new Maintenance({
    store,
    gitea: core.gitea,
    workspace: core.workspace,
    logger,
    stateDir: config.stateDir,
    retentionMs: config.retentionMs,
    instanceOf: (key) => {
      const instance = instances.ofIssueKey(key);
      return { run: (fn) => instances.run(instance, fn), owns: (repo) => instances.of(repo) === instance };
    },
  });
  const door = wireDoor(core, { dispatcher: admission.dispatcher, worker, cancel, draining: () => lifecycle.draining() });
  if (core.role !== 'worker') mountDashboard(door.app, core, { cancel, control: admission.control, adminToken: door.adminToken });
  const lifecycle = serviceLifecycle(core, { admission, door, machine, maintenance, outbox, worker });
  return {
    app: door.app,
    dispatcher: admission.dispatcher,
    worker,
    machine,
    store,
    reconciler: admission.reconciler,
    maintenance,
    logger,
    start: lifecycle.start,
    reloadSettings: lifecycle.reloadSettings,
    idle: lifecycle.idle,
    stop: lifecycle.stop,
  };
}
