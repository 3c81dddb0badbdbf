import type { OutputTail } from './output-tail.js';
import type { ProcessOutcome } from './run-process.js';
import type { AgentOutcome } from './types.js';

/**
 * The part of an adapter's {@link AgentOutcome} that comes from its agent process's outcome:
 * everything but the pid, with `sessionId`, and as `outputTail` the adapter's readable tail (lines
 * it made of the agent's events) — or the raw output's tail when the readable one is empty and the
 * process did start (e.g. it failed before its first event).
 */
export function processAgentOutcome(outcome: ProcessOutcome, readableTail: OutputTail, sessionId: string | undefined): AgentOutcome {
  const { pid: _pid, outputTail: rawTail, ...rest } = outcome;
  const readable = readableTail.toString();
  return { ...rest, outputTail: readable !== '' || outcome.startError ? readable : rawTail, sessionId };
}
