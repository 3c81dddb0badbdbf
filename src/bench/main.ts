import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchPostgres, type BenchPostgres } from './bench-postgres.js';
import { measureCommandThroughput } from './command-throughput.js';
import { measureDispatch } from './dispatch-latency.js';
import { measureGarbageFlood } from './garbage-flood.js';
import { measureIngest } from './ingest.js';
import { machineInfo } from './machine.js';
import { measureMemory } from './memory.js';
import { renderMarkdown, type BenchResults } from './report.js';
import { measureScheduler } from './scheduler.js';
import { measureTakeover } from './takeover.js';
import { measureTurnStart } from './turn-start.js';
import { measureTurnsPerMinute } from './turns-per-minute.js';
import { measureWorktree } from './worktree-prep.js';

/**
 * `npm run bench [-- --quick] [-- --only=scheduler,ingest,commands,flood,dispatch,worktree,memory,turns,takeover,turnstart]`:
 * runs the measurements, prints one Markdown table and writes `bench/results/latest.{md,json}`.
 * Ingest and dispatch run on both backends (SQLite, then PostgreSQL); turns and takeover on
 * PostgreSQL. The PostgreSQL server is `KUGETSU_TEST_DATABASE_URL`, or a throwaway cluster started
 * for the run. Exits 1 when an acknowledged delivery is missing from a store, the scheduler proof
 * fails, or a scale-out run lost a turn, ran one twice or broke a cap.
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const wants = (name: string) => !only || only.includes(name);
  // turns: `turnsPerSlot` turns of `turnsAgentMs` per agent slot (2 per worker), so ≈ turnsPerSlot × turnsAgentMs of work per run.
  // takeover: a worker running `takeoverJobs` turns is killed; `takeoverSurvivors` workers (2 slots each) take them over.
  const settings = quick
    ? {
        ingestS: 1.5,
        warmupS: 0.5,
        commands: 200,
        commandsWarmup: 20,
        commandsSettleMs: 60_000,
        dispatchTriggers: 12,
        dispatchIssues: 3,
        firstReps: 1,
        laterReps: 1,
        memoryJobs: 10_000,
        memorySettleMs: 0,
        floodGenuine: 30,
        turnsAgentMs: 1_000,
        turnsPerSlot: 3,
        takeoverJobs: 2,
        takeoverSurvivors: 1,
        takeoverLeaseS: 5,
        turnStartFollowUps: 2,
        turnStartNewIssues: 1,
      }
    : {
        ingestS: 10,
        warmupS: 2,
        // 1e: about 3 writes per command at the outbox's pace (≈ 300/s here): 2,000 commands settle in ≈ 20 s.
        commands: 2_000,
        commandsWarmup: 100,
        commandsSettleMs: 180_000,
        dispatchTriggers: 200,
        dispatchIssues: 10,
        firstReps: 3,
        laterReps: 9,
        memoryJobs: 10_000,
        // The outbox sends about 30,000 writes for the 10,000 admissions (status comment, 👀, state
        // label each), about 30 s on this VM: the queued sample waits for them, so it shows the
        // steady queued state rather than the outbox at full speed (more RSS mid-send).
        memorySettleMs: 180_000,
        floodGenuine: 200,
        turnsAgentMs: 2_000,
        turnsPerSlot: 15,
        takeoverJobs: 4,
        takeoverSurvivors: 2,
        takeoverLeaseS: 30,
        turnStartFollowUps: 5,
        turnStartNewIssues: 3,
      };
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kugetsu-bench-'));
  const fastDir = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const results: BenchResults = { machine: machineInfo(quick ? 'quick' : 'full'), settings };
  const started = Date.now();
  const timings: Record<string, number> = {};
  const step = async (name: string, work: () => Promise<void>) => {
    if (!wants(name)) return;
    const t = Date.now();
    await work();
    timings[name] = (Date.now() - t) / 1000;
  };
  results.timingsS = timings;
  let server: Promise<BenchPostgres> | undefined;
  const postgres = async () => {
    server ??= startBenchPostgres();
    const started = await server;
    results.postgres = started.info;
    return started;
  };
  try {
    await step('scheduler', async () => {
      const dir = mkdtempSync(path.join(fastDir, 'kugetsu-bench-engine-'));
      try {
        results.scheduler = await measureScheduler({ jobs: quick ? 2_000 : 10_000, issues: quick ? 200 : 1_000, slots: 3, tmp: dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    await step(
      'ingest',
      async () =>
        void (results.ingest = await measureIngest({ tmp: path.join(tmp, 'ingest'), durationS: settings.ingestS, warmupS: settings.warmupS, log, postgres: await postgres() })),
    );
    await step('commands', async () => {
      results.commands = await measureCommandThroughput({
        tmp: path.join(tmp, 'commands'),
        commands: settings.commands,
        warmup: settings.commandsWarmup,
        settleMs: settings.commandsSettleMs,
        log,
        postgres: await postgres(),
      });
    });
    await step('flood', async () => void (results.flood = await measureGarbageFlood({ tmp: path.join(tmp, 'flood'), genuine: settings.floodGenuine, log })));
    await step('dispatch', async () => {
      const dispatch = { triggers: settings.dispatchTriggers, issues: settings.dispatchIssues, log };
      results.dispatch = [await measureDispatch({ tmp: path.join(tmp, 'dispatch'), ...dispatch })];
      const pg = await postgres();
      results.dispatch.push(
        await pg.withDatabase('dispatch', (db) => measureDispatch({ tmp: path.join(tmp, 'dispatch-pg'), backend: { kind: 'PostgreSQL', url: db.url }, ...dispatch })),
      );
    });
    await step('worktree', async () => {
      const dir = mkdtempSync(path.join(fastDir, 'kugetsu-bench-wt-'));
      results.worktree = {
        ...(await measureWorktree({ tmp: dir, files: 20_000, commits: 1_000, firstReps: settings.firstReps, laterReps: settings.laterReps, log })),
        dir: fastDir === '/dev/shm' ? 'tmpfs (/dev/shm)' : fastDir,
      };
    });
    await step(
      'memory',
      async () => void (results.memory = await measureMemory({ tmp: path.join(tmp, 'memory'), jobs: settings.memoryJobs, settleMs: settings.memorySettleMs, log })),
    );
    await step('turns', async () => {
      results.turns = await measureTurnsPerMinute({
        tmp: path.join(tmp, 'turns'),
        postgres: await postgres(),
        workers: [1, 2, 3],
        slots: 2,
        agentMs: settings.turnsAgentMs,
        turnsPerSlot: settings.turnsPerSlot,
        log,
      });
    });
    await step('takeover', async () => {
      results.takeover = await measureTakeover({
        tmp: path.join(tmp, 'takeover'),
        postgres: await postgres(),
        jobs: settings.takeoverJobs,
        survivors: settings.takeoverSurvivors,
        leaseS: settings.takeoverLeaseS,
        log,
      });
    });
    await step('turnstart', async () => {
      results.turnStart = await measureTurnStart({ tmp: path.join(tmp, 'turnstart'), followUps: settings.turnStartFollowUps, newIssues: settings.turnStartNewIssues, log });
    });
  } finally {
    if (server) (await server.catch(() => undefined))?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  results.durationS = (Date.now() - started) / 1000;

  const markdown = renderMarkdown(results);
  process.stdout.write(`\n${markdown}`);
  const out = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'latest.md'), markdown);
  writeFileSync(path.join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${path.join(out, 'latest.md')} and latest.json in ${results.durationS.toFixed(1)} s`);

  const failures = [
    ...(results.ingest?.checks ?? [])
      .filter((c) => !c.ok)
      .map((c) => `mix (${c.mix}) on ${c.backend}: ${c.missing} acked deliveries without a job, ${c.unexpected} unexpected jobs, ${c.duplicated} duplicates`),
    ...(results.commands ?? [])
      .filter((c) => !c.check.ok || c.timedOut)
      .map(
        (c) =>
          `commands end to end on ${c.backend}: ${c.timedOut ? 'not settled in time; ' : ''}${c.check.missing} acked deliveries without a job, ${c.check.unexpected} unexpected jobs, ${c.check.duplicated} duplicates`,
      ),
    ...(results.turns?.rows ?? []).filter((t) => !t.check.ok).map((t) => `turns with ${t.workers} worker(s): ${t.check.problems.join('; ')}`),
    ...(results.takeover && !results.takeover.check.ok ? [`takeover: ${results.takeover.check.problems.join('; ')}`] : []),
    ...(results.scheduler && (results.scheduler.proof.violations > 0 || results.scheduler.proof.orderViolations > 0)
      ? [`scheduler: ${results.scheduler.proof.violations} cap violations, ${results.scheduler.proof.orderViolations} order violations`]
      : []),
  ];
  for (const f of failures) log(`FAILED ${f}`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
