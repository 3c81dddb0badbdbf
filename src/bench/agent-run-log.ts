import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The test suite's fake agent CLI (see its header for the actions). */
const FAKE_AGENT = fileURLToPath(new URL('../../test/support/fake-agent.mjs', import.meta.url));

/** One line of the run log the bench agent writes. */
export interface AgentRun {
  phase: 'start' | 'end';
  issueKey: string;
  /** The worker that ran it (`BENCH_WORKER` in its process's environment). */
  worker: string;
  /** The job id, read from the prompt file's name (`…/job-<id>.md`). */
  job: string;
  /** The agent's pid, also its process group. */
  pid: number;
  /** The agent's clock, in ms since the epoch. */
  atMs: number;
}

/**
 * `KUGETSU_AGENT_COMMAND` of the scale-out measurements: the fake agent appends
 * `start|<issue>|<worker>|<prompt file>|<pid>|<now ms>` to `runLog`, sleeps `sleepMs` (ms), and
 * appends the same fields as `end`. The worker's name reaches it as `BENCH_WORKER` (allowed with
 * `KUGETSU_AGENT_ENV=BENCH_WORKER`), so the agent must run unsandboxed to write the log.
 */
export function benchAgentArgv(runLog: string, sleepMs: number): string[] {
  const fields = '${KUGETSU_ISSUE_KEY}|${BENCH_WORKER}|${KUGETSU_PROMPT_FILE}|${PID}|${NOW}';
  return [process.execPath, FAKE_AGENT, `append:${runLog}:start|${fields}`, `sleep:${Math.round(sleepMs)}`, `append:${runLog}:end|${fields}`];
}

/** The run log, parsed (empty before the first turn). */
export function readAgentRuns(runLog: string): AgentRun[] {
  if (!existsSync(runLog)) return [];
  return readFileSync(runLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [phase, issueKey, worker, prompt, pid, at] = line.split('|');
      return { phase: phase as AgentRun['phase'], issueKey: issueKey!, worker: worker!, job: /job-(\d+)\.md$/.exec(prompt ?? '')?.[1] ?? '?', pid: Number(pid), atMs: Number(at) };
    });
}
