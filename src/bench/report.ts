import type { BenchPostgresInfo } from './bench-postgres.js';
import type { CommandThroughputRow } from './command-throughput.js';
import type { DispatchResult } from './dispatch-latency.js';
import type { GarbageFloodResult } from './garbage-flood.js';
import type { IngestResult, IngestRow } from './ingest.js';
import type { MachineInfo } from './machine.js';
import type { MemoryResult } from './memory.js';
import type { SchedulerResult } from './scheduler.js';
import type { TakeoverResult } from './takeover.js';
import type { TurnStartResult } from './turn-start.js';
import type { TurnsResult } from './turns-per-minute.js';
import type { WorktreeResult } from './worktree-prep.js';
import { median } from './stats.js';

/** Everything one run measured; what `latest.json` holds. */
export interface BenchResults {
  machine: MachineInfo;
  settings: Record<string, unknown>;
  durationS?: number;
  /** Seconds each measurement took, set-up and tear-down included. */
  timingsS?: Record<string, number>;
  /** The PostgreSQL server of the PostgreSQL rows (when any ran). */
  postgres?: BenchPostgresInfo;
  ingest?: IngestResult;
  /** Measurement 1e, one row per backend: commands end to end (answered, admitted, outbox settled). */
  commands?: CommandThroughputRow[];
  flood?: GarbageFloodResult;
  /** One per backend. */
  dispatch?: DispatchResult[];
  worktree?: WorktreeResult & { dir: string };
  scheduler?: SchedulerResult;
  memory?: MemoryResult;
  turns?: TurnsResult;
  takeover?: TakeoverResult;
  /** Measurement 8: opencode turn start, cold `run` against warm `serve`. */
  turnStart?: TurnStartResult;
}

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v < 10 ? v.toFixed(1) : n0(v));
const s1 = (v: number) => (v < 100 ? v.toFixed(1) : n0(v));
const x = (v: number) => `×${v < 0.1 ? v.toFixed(3) : v.toFixed(2)}`;
const cpu = (r: IngestRow) => (r.cpuMsPerRequest === undefined ? '' : ` · ${r.cpuMsPerRequest.toFixed(2)} ms CPU per delivery`);
const load = (r: IngestRow) => `${n0(r.reqPerSec)} req/s${cpu(r)} · p50 ${ms(r.p50)} / p99 ${ms(r.p99)} / max ${ms(r.max)} ms · ${r.non2xx} non-2xx, ${r.errors} errors`;

/** The one Markdown table, plus short notes, of a run. */
export function renderMarkdown(r: BenchResults): string {
  const rows: string[][] = [];
  if (r.ingest) {
    const labels: Record<string, string> = {
      a: '1a. Ingest, 90 % non-triggering + 10 % `/kugetsu`',
      b: '1b. Ingest, 100 % `/kugetsu` (each a new job, slots full)',
      ignored: '1d. Ingest, 100 % non-triggering (the deliveries of 1a kugetsu ignores)',
    };
    for (const mix of ['a', 'b', 'ignored']) {
      const of = (t: IngestRow['target'], backend?: string) => r.ingest!.rows.find((row) => row.mix === mix && row.target === t && row.backend === backend);
      const bare = of('bare node:http');
      const oct = of('@octokit/webhooks');
      const mixLabel = labels[mix]!;
      for (const backend of ['SQLite', 'PostgreSQL'] as const) {
        const k = of('kugetsu', backend);
        const ratio = r.ingest.ratios.find((q) => q.mix === mix && q.backend === backend);
        const check = r.ingest.checks.find((c) => c.mix === mix && c.backend === backend);
        if (!k || !bare || !oct || !ratio) continue;
        const baselines =
          backend === 'SQLite'
            ? `bare node:http ${n0(bare.reqPerSec)} req/s (p99 ${ms(bare.p99)} ms); @octokit/webhooks ${n0(oct.reqPerSec)} req/s${cpu(oct)} (p99 ${ms(oct.p99)} ms)`
            : 'the same baselines';
        rows.push([`${mixLabel}, ${backend}`, load(k), baselines, `${x(ratio.vsBare)} bare · ${x(ratio.vsOctokit)} octokit`]);
        if (check) {
          rows.push([
            `${mixLabel.slice(0, 3)} Acked triggering deliveries in the store, ${backend}`,
            `${n0(check.acked)} acked 2xx → ${n0(check.jobs + check.deferred - check.cutOffStored)} stored (${n0(check.jobs)} jobs, ${n0(check.deferred)} kept for confirmation with Gitea)${check.cutOffStored ? ` (+${check.cutOffStored} of deliveries cut off unanswered at the end)` : ''}; missing ${check.missing}, unexpected ${check.unexpected}, duplicated ${check.duplicated}`,
            '—',
            check.ok ? '**OK**' : '**MISMATCH**',
          ]);
        }
      }
    }
  }
  for (const c of r.commands ?? []) {
    rows.push([
      `1e. Commands end to end (n = ${n0(c.commands)}, each a new job, slots full): sent → read back, authorised, admitted → the outbox's writes sent, ${c.backend}`,
      `${n0(c.admittedPerSec)} admissions/s (all admitted in ${n0(c.admittedMs)} ms) · ${n0(c.settledPerSec)}/s with their writes sent (${n0(c.settledMs)} ms)${c.cpuMsPerCommand === undefined ? '' : ` · ${c.cpuMsPerCommand.toFixed(2)} ms CPU per command`}${c.timedOut ? ' · **timed out**' : ''}`,
      `all answered in ${n0(c.answeredMs)} ms (p50 ${ms(c.p50)} / p99 ${ms(c.p99)} ms); ${n0(c.acked)} acked → ${n0(c.check.jobs)} jobs in the store; ${c.outboxFailed} writes given up`,
      c.check.ok && !c.timedOut ? '**OK**' : '**MISMATCH**',
    ]);
  }
  if (r.flood) {
    const f = r.flood;
    rows.push([
      `1c. Genuine \`/kugetsu\` deliveries under a garbage flood (n = ${f.flooded.n}): 12 connections sending 5 MB wrong-signature bodies, 150 stalled uploads`,
      `p50 ${ms(f.flooded.p50)} / p99 ${ms(f.flooded.p99)} / max ${ms(f.flooded.max)} ms · ${f.flooded.non202} non-202`,
      `the same alone: p50 ${ms(f.quiet.p50)} / p99 ${ms(f.quiet.p99)} ms; ${n0(f.garbageRefused)} of ${n0(f.garbageSent)} garbage bodies refused at the door; ${n0(f.stalledCut)} of ${n0(f.stalledOpened)} stalled uploads cut off by the request timeout`,
      f.flooded.p99 < 1000 ? '**p99 < 1 s**' : '**p99 ≥ 1 s**',
    ]);
  }
  for (const d of r.dispatch ?? []) {
    rows.push([
      `2. Dispatch latency, delivery sent → agent process started (n = ${d.triggers}, warm clone), ${d.backend}`,
      `p50 ${ms(d.total.p50)} ms · p99 ${ms(d.total.p99)} ms · max ${ms(d.total.max)} ms`,
      `parts (p50/p99): ack ${ms(d.ack.p50)}/${ms(d.ack.p99)} ms · scheduler pick-up ${ms(d.pickup.p50)}/${ms(d.pickup.p99)} ms · fetch + worktree + prompt + spawn ${ms(d.prepare.p50)}/${ms(d.prepare.p99)} ms`,
      '—',
    ]);
  }
  if (r.worktree) {
    for (const c of r.worktree.cases) {
      rows.push([
        `3. Worktree, ${r.worktree.files.toLocaleString('en-US')} files × ${r.worktree.commits.toLocaleString('en-US')} commits: ${c.name} (median of ${c.reps})`,
        `${ms(c.kugetsuMs)} ms`,
        `raw git ${ms(c.rawMs)} ms (${c.raw})`,
        `${x(c.kugetsuMs / c.rawMs)} raw`,
      ]);
    }
  }
  if (r.scheduler) {
    const s = r.scheduler;
    rows.push([
      `4. Engine claims (SQLite), ${n0(s.jobs)} jobs over ${n0(s.issues)} issues, ${s.slots} slots, instant agent`,
      `${ms(s.totalMs)} ms admit + claim + finish (${n0(s.jobs / (s.totalMs / 1000))} jobs/s)`,
      `proof run: ${n0(s.proof.events)} claims, ${n0(s.proof.checks)} checks, max running ${s.proof.maxRunning}`,
      `${s.proof.violations} cap violations · ${s.proof.orderViolations} order violations`,
    ]);
  }
  if (r.memory) {
    const m = r.memory;
    rows.push([
      `5. Memory after GC: idle → ${n0(m.jobs)} queued jobs`,
      `RSS ${m.idle.rssMb} → ${m.queued.rssMb} MB · heap ${m.idle.heapUsedMb} → ${m.queued.heapUsedMb} MB`,
      `${(((m.queued.heapUsedMb - m.idle.heapUsedMb) * 1024) / m.jobs).toFixed(1)} KB heap per queued job; admitted in ${n0(m.admitMs)} ms; ${n0(m.outboxPending)} outbox items still pending`,
      '—',
    ]);
  }
  if (r.turns) {
    const one = r.turns.rows.find((row) => row.workers === 1);
    for (const t of r.turns.rows) {
      rows.push([
        `6. Turns per minute, PostgreSQL: ${t.workers} \`kugetsu worker\` × ${t.slotsPerWorker} slots, ${s1(t.agentMs / 1000)}-s agent, ${n0(t.turns)} delegations on distinct issues`,
        `${t.turnsPerMin.toFixed(1)} turns/min (ideal ${n0(t.idealPerMin)})`,
        `${n0(t.turns)} turns in ${s1(t.spanS)} s (first agent start → last end); agents ran ${(t.busy * 100).toFixed(0)} % of the slot time; per worker ${Object.values(t.perWorker).join(' / ')}; ${t.cpuPerTurnMs ? `CPU per turn: kugetsu ${n0(t.cpuPerTurnMs.kugetsu)} ms + its git and agent processes ${n0(t.cpuPerTurnMs.children)} ms, the whole machine ${n0(t.cpuPerTurnMs.machine)} ms (cores ${(t.machineBusy! * 100).toFixed(0)} % busy); ` : ''}${t.check.ok ? `all ${n0(t.turns)} succeeded, each turn once` : `**${t.check.problems.join('; ')}**`}`,
        `${one ? `${x(t.turnsPerMin / one.turnsPerMin)} vs 1 worker (ideal ×${t.workers})` : '—'}${t.check.ok ? '' : ' · **FAILED**'}`,
      ]);
    }
  }
  if (r.takeover) {
    const t = r.takeover;
    const sec = (v: number) => `${s1(v / 1000)} s`;
    rows.push([
      `7. Takeover, PostgreSQL: a worker running ${t.jobs} turns SIGKILLed with its agents (lease ${t.leaseS} s, reaper every ${t.reapS} s) → each turn started again on another worker`,
      `median ${sec(t.median)} · max ${sec(t.max)}`,
      `back in the queue after median ${sec(median(t.requeueMs))} · max ${sec(Math.max(...t.requeueMs))}; ${t.survivors} other worker(s) × ${t.survivorSlots} slots; ${t.check.ok ? 'every job succeeded as attempt 2, its turn run once more' : `**${t.check.problems.join('; ')}**`}`,
      `${t.max <= 60_000 ? '**≤ 60 s**' : '**> 60 s**'}${t.check.ok ? '' : ' · **FAILED**'}`,
    ]);
  }
  if (r.turnStart) {
    const t = r.turnStart;
    const list = (v: number[]) => v.map((m) => n0(m)).join(' / ');
    rows.push([
      `8a. opencode turn start → model's first request, follow-up in the same session (n = ${t.run.followUpsMs.length} each): warm \`opencode serve\` vs cold \`opencode run\``,
      `serve p50 ${ms(t.serve.followUpP50)} ms (${list(t.serve.followUpsMs)})`,
      `run p50 ${ms(t.run.followUpP50)} ms (${list(t.run.followUpsMs)})`,
      `${x(t.serve.followUpP50 / t.run.followUpP50)} run`,
    ]);
    rows.push([
      `8b. opencode turn start, a new issue's first turn (new worktree; n = ${t.run.newIssuesMs.length} each)`,
      `serve p50 ${ms(t.serve.newIssueP50)} ms (${list(t.serve.newIssuesMs)}); the server's own first turn ${n0(t.serve.firstMs)} ms (server start included)`,
      `run p50 ${ms(t.run.newIssueP50)} ms (${list(t.run.newIssuesMs)}); first ${n0(t.run.firstMs)} ms`,
      `${x(t.serve.newIssueP50 / t.run.newIssueP50)} run`,
    ]);
  }
  const table = ['| Measurement | kugetsu | Baseline / detail (same run) | Ratio |', '|---|---|---|---|', ...rows.map((c) => `| ${c.join(' | ')} |`)];
  const m = r.machine;
  const notes: string[] = [
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}; ${m.mode} run on ${m.date}${
      r.durationS
        ? ` (${r.durationS.toFixed(0)} s: ${Object.entries(r.timingsS ?? {})
            .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
            .join(', ')})`
        : ''
    }.`,
  ];
  if (r.ingest) {
    const sizes = Object.entries(r.ingest.bodySizes)
      .map(([k, v]) => `${k} ${v.map((b) => (b / 1024).toFixed(1)).join('/')} KB`)
      .join(', ');
    const k = r.ingest.rows.filter((row) => row.target === 'kugetsu' && row.commitsPerSec !== undefined);
    notes.push(
      `Ingest: autocannon, 50 connections, ${r.settings.ingestS} s per run after a ${r.settings.warmupS} s warm-up, each target in its own process, the load generator in another; bodies ${sizes}, signed (both signature headers). ` +
        'kugetsu = the real service (createService on SQLite WAL + synchronous=FULL, or on a fresh PostgreSQL database; @hono/node-server, log level info to a file), fake Gitea in its own process, ' +
        'KUGETSU_MAX_AGENTS=1 held by a sleeping agent so every admitted job queues and no agent runs; abuse limits (rates, queued per issue) off.',
      `SQLite during ingest: ${k.map((row) => `mix (${row.mix}) ${n0(row.commitsPerSec!)} commits/s, ${row.writesPerCommit!.toFixed(1)} writes per commit`).join('; ')}.`,
      'Triggering deliveries still in flight when autocannon closes its sockets at the end are never answered; their jobs may be stored and are counted apart. Every 2xx triggering delivery must have exactly one job.',
      'Mix (b) builds and signs every request in the load generator, which caps the baselines there: their mix-(b) figures are lower bounds, the ratios upper bounds.',
    );
  }
  if (r.postgres) {
    const p = r.postgres;
    notes.push(
      `PostgreSQL ${p.version} (${p.source}; fsync ${p.fsync}, synchronous_commit ${p.synchronousCommit}) on the same 2 cores as everything else, a fresh database per measurement, dropped after it. ` +
        (p.fsync === 'on' && p.synchronousCommit === 'on'
          ? "Its commits are as durable as SQLite's."
          : "**Its commits are not durable** (a test server): PostgreSQL rows are flattered against SQLite's fsync'd commits."),
    );
  }
  if (r.turns || r.takeover) {
    notes.push(
      'Turns and takeover: real processes (`bin/kugetsu.js`): one `kugetsu serve --no-worker`, the workers (`kugetsu worker`, each with a state dir of its own, as on separate machines), the fake Gitea, all on this machine; ' +
        "the agent is the test suite's fake agent sleeping a fixed time (`KUGETSU_AGENT=command`, `KUGETSU_AGENT_SANDBOX=off`); each delegation on an issue of its own, so every turn also makes a worktree, pushes its branch and keeps a status comment. " +
        "The takeover kills the worker with SIGKILL and its agents' process groups (a dead machine: nothing is released) once its turns run and other workers with free slots are up.",
    );
  }
  if (r.turnStart) {
    notes.push(
      `Turn start: opencode ${r.turnStart.opencodeVersion} from node_modules against the scripted fake model on 127.0.0.1 (answers at once), sandbox off, one isolated opencode home; ` +
        "the time from the adapter's run() to the model's first request of the turn. Serve mode opens an opencode instance per worktree on its first turn there (8b), later turns reuse it (8a).",
    );
  }
  if (r.worktree)
    notes.push(`Worktrees in ${r.worktree.dir} (on this VM's disk a 20,000-file checkout alone varies from 1 to 28 s between identical runs, which hides any difference).`);
  return [...table, '', ...notes.map((n) => `- ${n}`), ''].join('\n');
}
