import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { openPostgresStore } from '../engine-postgres/open-postgres-store.js';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import type { JobState } from '../domain/job.js';
import type { JobStore } from '../store/job-store.js';
import { benchAgentArgv, readAgentRuns, type AgentRun } from './agent-run-log.js';
import { BENCH_SETTINGS } from './bench-settings.js';
import { startChild, type ChildHandle } from './child.js';
import { commandDeliveries, deliveryHeaders, type CommandSet } from './deliveries.js';
import { startKugetsu, type KugetsuProcess } from './kugetsu-process.js';
import type { GiteaInfo } from './target-gitea.js';

/** Options of {@link startFleet}. */
export interface FleetOptions {
  /** A folder of its own (origin, state dirs, logs, the agents' run log). */
  tmp: string;
  /** The fresh PostgreSQL database every process shares (`KUGETSU_DATABASE_URL`). */
  databaseUrl: string;
  /** Open issues in the fake Gitea; delegation `n` goes to issue `1 + n`, so up to this many on distinct issues. */
  issues: number;
  /** `KUGETSU_LEASE_S` of every process (default: kugetsu's own, 30 s). */
  leaseS?: number;
  /** Workers started together with the ingress (more with {@link Fleet.startWorker}). */
  workers?: Record<string, WorkerSpec>;
}

/** What a worker of the fleet runs. */
export interface WorkerSpec {
  /** `KUGETSU_MAX_AGENTS`. */
  slots: number;
  /** How long each agent turn sleeps, in ms. */
  agentMs: number;
}

/**
 * A scaled-out installation on this machine: the fake Gitea (its own process, repository
 * `bench/app` cloned from a local origin), one `kugetsu serve --no-worker` ingress and any number
 * of `kugetsu worker` processes, each with a state dir of its own (as on separate machines), all
 * on one PostgreSQL database. Agents run unsandboxed (`KUGETSU_AGENT_SANDBOX=off`) so that they
 * can write the shared run log.
 */
export interface Fleet {
  ingress: KugetsuProcess;
  /** The workers started so far, by name. */
  workers: Map<string, KugetsuProcess>;
  /** The agents' run log (see `benchAgentArgv`). */
  runLog: string;
  /** Starts worker `name` and waits until its `/healthz` answers. */
  startWorker(name: string, spec: WorkerSpec): Promise<KugetsuProcess>;
  /**
   * Sends `count` new `/kugetsu` comments, numbers `from`…`from + count - 1` (each on its own
   * issue), through the ingress, 8 at a time. Throws when one is refused (not 2xx, or ignored for
   * another reason than being handled already).
   */
  delegate(from: number, count: number): Promise<void>;
  /** The run log, parsed. */
  runs(): AgentRun[];
  /** The shared database, read from this process. */
  store: JobStore;
  /**
   * Resolves with the job counts once `total` jobs exist and all of them are finished (succeeded,
   * failed or canceled); throws after `timeoutMs` (ms) with the counts and the logs' tails.
   */
  waitFinished(total: number, timeoutMs: number): Promise<Record<JobState, number>>;
  /** Terminates every process still running (SIGTERM, SIGKILL after 20 s), stops the fake Gitea, closes {@link store}. */
  close(): Promise<void>;
}

/**
 * Starts the fake Gitea, the ingress and `options.workers` of a {@link Fleet}, the processes at
 * once (each migrates the new database under PostgreSQL's advisory lock, so one does it).
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { tmp } = options;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const commands: CommandSet = { issues: options.issues, idBase: 30_000_000, message: 'make the tests pass' };
  const gitea: ChildHandle<GiteaInfo> = await startChild<GiteaInfo>('target-gitea', { origin, issues: options.issues, commands: [commands] });
  const secret = randomBytes(16).toString('hex');
  const runLog = path.join(tmp, 'agent-runs.log');
  const stateDir = (name: string) => {
    const dir = path.join(tmp, `state-${name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const common: Record<string, string> = {
    HOME: tmp,
    LANG: 'C',
    GITEA_URL: gitea.info.url,
    GITEA_TOKEN: gitea.info.token,
    KUGETSU_DATABASE_URL: options.databaseUrl,
    KUGETSU_AGENT: 'command',
    KUGETSU_AGENT_SANDBOX: 'off',
    KUGETSU_AGENT_ENV: 'BENCH_WORKER',
    KUGETSU_RECONCILE_INTERVAL_S: '0',
    KUGETSU_LOG_LEVEL: 'info',
    ...BENCH_SETTINGS,
    ...(options.leaseS !== undefined ? { KUGETSU_LEASE_S: String(options.leaseS) } : {}),
  };
  // A CPU profile of every kugetsu process, written when it exits (see bench/README.md).
  const nodeArgs = process.env.KUGETSU_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.KUGETSU_BENCH_PROFILE}`] : [];
  const processes: KugetsuProcess[] = [];
  const workers = new Map<string, KugetsuProcess>();
  const startWorker = async (name: string, spec: WorkerSpec) => {
    const p = await startKugetsu({
      name,
      nodeArgs,
      args: ['worker'],
      env: {
        ...common,
        BENCH_WORKER: name,
        KUGETSU_STATE_DIR: stateDir(name),
        KUGETSU_MAX_AGENTS: String(spec.slots),
        KUGETSU_AGENT_COMMAND: JSON.stringify(benchAgentArgv(runLog, spec.agentMs)),
      },
      logFile: path.join(tmp, `${name}.log`),
    });
    processes.push(p);
    workers.set(name, p);
    return p;
  };
  const startIngress = async () => {
    // The ingress runs no agent, but the configuration asks for a command all the same.
    const p = await startKugetsu({
      name: 'ingress',
      nodeArgs,
      args: ['serve', '--no-worker'],
      env: { ...common, KUGETSU_WEBHOOK_SECRET: secret, KUGETSU_STATE_DIR: stateDir('ingress'), KUGETSU_AGENT_COMMAND: JSON.stringify(benchAgentArgv(runLog, 0)) },
      logFile: path.join(tmp, 'ingress.log'),
    });
    processes.push(p);
    return p;
  };
  let ingress: KugetsuProcess;
  let store: JobStore;
  try {
    const started = await Promise.allSettled([startIngress(), ...Object.entries(options.workers ?? {}).map(([name, spec]) => startWorker(name, spec))]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    ingress = (started[0] as PromiseFulfilledResult<KugetsuProcess>).value;
    store = await openPostgresStore({ url: options.databaseUrl, schema: 'require-current', maxConnections: 2 });
  } catch (err) {
    await Promise.all(processes.map((p) => p.terminate(5_000)));
    await gitea.stop();
    throw err;
  }
  const make = commandDeliveries(gitea.info.repo, gitea.info.alice, commands);
  return {
    ingress,
    workers,
    runLog,
    startWorker,
    async delegate(from, count) {
      let next = from;
      const send = async () => {
        while (next < from + count) {
          const n = next++;
          const d = make(n);
          const res = await fetch(`${ingress.url}/webhooks/gitea`, {
            method: 'POST',
            body: d.body,
            headers: deliveryHeaders(d, secret, `fleet-${n}`),
            signal: AbortSignal.timeout(30_000),
          });
          const text = await res.text();
          // 202 (accepted or kept for confirmation); 200 "already handled" when its own late
          // confirmation admitted it before its deferred copy was stored. The job count is checked after.
          if (res.status !== 202 && !(res.status === 200 && text.includes('already handled')))
            throw new Error(`delegation ${n}: expected 202, got ${res.status} ${text}\n${ingress.logTail()}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, count) }, send));
    },
    runs: () => readAgentRuns(runLog),
    store,
    async waitFinished(total, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const counts = await store.counts();
        const finished = counts.succeeded + counts.failed + counts.canceled;
        if (finished >= total && counts.queued + counts.waiting + counts.running === 0) return counts;
        if (Date.now() > deadline) {
          const tails = processes.map((p) => `--- ${p.name} ---\n${p.logTail(10)}`).join('\n');
          throw new Error(`not all ${total} jobs finished within ${timeoutMs} ms: ${JSON.stringify(counts)}\n${tails}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async close() {
      await Promise.all(processes.map((p) => p.terminate(20_000)));
      await gitea.stop();
      await store.close();
    },
  };
}
