import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLocalOrigin } from '../sandbox/local-origin.js';
import { openBackendStore, type BenchBackend } from './backend.js';
import { startChild } from './child.js';
import { commandDeliveries, deliveryHeaders, type CommandSet } from './deliveries.js';
import { quantile } from './stats.js';
import type { GiteaInfo } from './target-gitea.js';

/** Measurement 2 (ms): send → agent process started, and its parts. */
export interface DispatchResult {
  backend: BenchBackend['kind'];
  triggers: number;
  issues: number;
  total: { p50: number; p99: number; max: number };
  /** Send → 202 answer. */
  ack: { p50: number; p99: number };
  /** Job admitted (createdAt) → job runner started (startedAt): the scheduler's pick-up. */
  pickup: { p50: number; p99: number };
  /** Runner started → agent process started: fetch + worktree reuse + issue read + prompt + spawn. */
  prepare: { p50: number; p99: number };
}

const wallMs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * How often the bench asks the service whether it is idle again, in ms. Each ask is four store
 * reads in the service (on PostgreSQL four round trips), and it runs while the next trigger is
 * being measured: polling every 2 ms made the observer a large part of the load it measured.
 * A later idle only delays the next send, which is outside every measured part.
 */
const IDLE_POLL_MS = 25;

/**
 * Measurement 2, dispatch latency: the real service (own process, SQLite state dir or a fresh
 * PostgreSQL database as `backend` says, fake Gitea in another process, a local origin) with the trivial agent `/bin/date +%s%N`, whose output — the
 * time it started, in ns — lands in the job's result. One warm-up delegation per issue makes the
 * shared clone and each issue's worktree exist; then `triggers` `/kugetsu` comments are sent one
 * at a time (the next once the service is idle), round-robin over the issues. Times are wall-clock
 * on this machine: the bench's send time, the job's createdAt/startedAt, the agent's own clock.
 */
export async function measureDispatch(options: { tmp: string; triggers: number; issues?: number; backend?: BenchBackend; log: (line: string) => void }): Promise<DispatchResult> {
  const { tmp } = options;
  const backend = options.backend ?? { kind: 'SQLite' };
  const issues = options.issues ?? 10;
  mkdirSync(tmp, { recursive: true });
  const origin = createLocalOrigin(tmp);
  const idBase = 20_000_000;
  const commands: CommandSet = { issues, idBase, message: 'print the time' };
  const gitea = await startChild<GiteaInfo>('target-gitea', { origin, issues, commands: [commands] });
  const secret = randomBytes(16).toString('hex');
  const stateDir = path.join(tmp, 'state');
  const kugetsu = await startChild<{ url: string }>('target-kugetsu', {
    stateDir,
    giteaUrl: gitea.info.url,
    token: gitea.info.token,
    secret,
    maxAgents: 3,
    agentArgv: ['/bin/date', '+%s%N'],
    ...(backend.kind === 'PostgreSQL' ? { databaseUrl: backend.url } : {}),
  });
  const make = commandDeliveries(gitea.info.repo, gitea.info.alice, commands);
  const sent = new Map<number, { at: number; ackMs: number }>();
  // Settled: every trigger sent so far has its job (a delivery whose read-back outlasted the answer
  // deadline is answered 202 before its job exists, and the copy kept for confirmation may be taken
  // up before that job is committed), no job is queued, waiting or running, and no delivery is kept.
  // The job states come from one count (`jobs`): the worker's `running` is read before it, so a
  // job claimed between the two reads would otherwise count as neither queued nor running.
  const idle = async (triggers: number) => {
    for (;;) {
      const h = await kugetsu.call<{ running: number; waiting: number; deferred: number; jobs: Record<string, number> }>('health');
      const jobs = Object.values(h.jobs).reduce((a, b) => a + b, 0);
      const active = (h.jobs.queued ?? 0) + (h.jobs.waiting ?? 0) + (h.jobs.running ?? 0);
      if (jobs >= triggers && h.running + active + h.deferred === 0) return;
      await sleep(IDLE_POLL_MS);
    }
  };
  const send = async (n: number) => {
    const d = make(n);
    const at = wallMs();
    const res = await fetch(`${kugetsu.info.url}/webhooks/gitea`, { method: 'POST', body: d.body, headers: deliveryHeaders(d, secret, `dispatch-${n}`) });
    const ackMs = wallMs() - at;
    await res.text();
    if (res.status !== 202) throw new Error(`dispatch trigger ${n}: expected 202, got ${res.status}`);
    sent.set(n, { at, ackMs });
    await idle(n + 1);
  };
  try {
    for (let n = 0; n < issues; n++) await send(n); // warm: clone, then one worktree per issue
    for (let n = issues; n < issues + options.triggers; n++) await send(n);
  } finally {
    await kugetsu.stop(60_000);
    await gitea.stop();
  }

  const store = await openBackendStore(backend, stateDir);
  const total: number[] = [];
  const ack: number[] = [];
  const pickup: number[] = [];
  const prepare: number[] = [];
  try {
    for (const job of await store.recent(1_000_000)) {
      const n = (job.commentId ?? 0) - idBase;
      const s = sent.get(n);
      if (!s || n < issues) continue;
      const agentNs = /(\d{18,})/.exec(job.result?.outputTail ?? '')?.[1];
      if (!agentNs || !job.startedAt) throw new Error(`dispatch: job ${job.id} has no agent start time (state ${job.state}: ${job.result?.error ?? ''})`);
      const agentMs = Number(BigInt(agentNs) / 1000n) / 1000;
      total.push(agentMs - s.at);
      ack.push(s.ackMs);
      pickup.push(Date.parse(job.startedAt) - Date.parse(job.createdAt));
      prepare.push(agentMs - Date.parse(job.startedAt));
    }
  } finally {
    await store.close();
  }
  if (total.length !== options.triggers) throw new Error(`dispatch: ${total.length} of ${options.triggers} triggers reached the agent`);
  const pq = (v: number[]) => ({ p50: quantile(v, 0.5), p99: quantile(v, 0.99) });
  options.log(`dispatch ${backend.kind}: ${total.length} triggers, send→agent p50 ${quantile(total, 0.5).toFixed(1)} ms, p99 ${quantile(total, 0.99).toFixed(1)} ms`);
  return { backend: backend.kind, triggers: total.length, issues, total: { ...pq(total), max: Math.max(...total) }, ack: pq(ack), pickup: pq(pickup), prepare: pq(prepare) };
}
