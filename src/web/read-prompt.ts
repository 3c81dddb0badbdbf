import { readFile } from 'node:fs/promises';
import { jobPaths } from '../pipeline/state-paths.js';
import type { Job } from '../domain/job.js';

/** Prompts larger than this (bytes) are cut for the dashboard. */
const MAX_PROMPT_BYTES = 256 * 1024;

/**
 * The prompt job `job` ran with, read from `<stateDir>/prompts/…/job-<id>.md` (`jobPaths`) — only
 * present when the turn ran in a process with this state dir; `undefined` otherwise. Cut at
 * 256 KiB. Never throws.
 */
export async function readPrompt(stateDir: string, job: Job): Promise<string | undefined> {
  try {
    const bytes = await readFile(jobPaths(stateDir, job).promptFile);
    return bytes.length > MAX_PROMPT_BYTES ? `${bytes.subarray(0, MAX_PROMPT_BYTES).toString('utf8')}\n… (cut at ${MAX_PROMPT_BYTES} bytes)` : bytes.toString('utf8');
  } catch {
    return undefined;
  }
}
