import { fileURLToPath } from 'node:url';
import type { BenchBackend } from './backend.js';
import { startChild, type ChildHandle } from './child.js';
import type { GiteaInfo } from './target-gitea.js';

/** A fake agent that sleeps an hour: with KUGETSU_MAX_AGENTS=1 the first job holds the one slot and every later job queues. */
const SLEEPING_AGENT = [process.execPath, fileURLToPath(new URL('../../test/support/fake-agent.mjs', import.meta.url)), 'sleep:3600000'];

/**
 * Starts the real service (`target-kugetsu`, its own process) against the fake Gitea `gitea`, with
 * one agent slot held by {@link SLEEPING_AGENT}, so that every admitted job queues and no agent runs
 * while a measurement lasts: SQLite in `stateDir`, or the PostgreSQL database of `backend`.
 * `execArgv`: Node options of the child (e.g. `--expose-gc`); with `KUGETSU_BENCH_PROFILE=<dir>`
 * set, a CPU profile of the child is written there as well.
 */
export function startQueueingKugetsu(options: {
  stateDir: string;
  gitea: Pick<GiteaInfo, 'url' | 'token'>;
  secret: string;
  backend?: BenchBackend;
  execArgv?: string[];
}): Promise<ChildHandle<{ url: string }>> {
  const profile = process.env.KUGETSU_BENCH_PROFILE;
  const execArgv = [...(options.execArgv ?? []), ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])];
  return startChild<{ url: string }>(
    'target-kugetsu',
    {
      stateDir: options.stateDir,
      giteaUrl: options.gitea.url,
      token: options.gitea.token,
      secret: options.secret,
      maxAgents: 1,
      agentArgv: SLEEPING_AGENT,
      ...(options.backend?.kind === 'PostgreSQL' ? { databaseUrl: options.backend.url } : {}),
    },
    execArgv.length > 0 ? { execArgv } : {},
  );
}
