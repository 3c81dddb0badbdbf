import { z } from 'zod';
import { JOB_STATES, type JobState } from '../domain/job-state.js';
import type { JobFilter, PageRequest } from './dashboard-types.js';

const time = (name: string) =>
  z
    .string()
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && Number.isFinite(Date.parse(v)),
      `${name} must be an ISO 8601 date or time, e.g. 2026-05-01 or 2026-05-01T12:00:00Z`,
    )
    .transform((v) => new Date(v).toISOString());

const querySchema = z
  .object({
    repo: z
      .string()
      .regex(/^(?:[A-Za-z0-9.-]+(?::\d{1,5})?\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*\/[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'repo must be owner/name, or host/owner/name with several instances')
      .optional(),
    issue: z
      .string()
      .regex(/^[1-9]\d{0,9}$/, 'issue must be an issue or pull request number')
      .transform(Number)
      .optional(),
    state: z
      .array(z.string())
      .transform((values) =>
        values
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean),
      )
      .refine((states) => states.every((s) => (JOB_STATES as readonly string[]).includes(s)), `state must be one or more of ${JOB_STATES.join(', ')} (comma-separated)`)
      .transform((states) => states as JobState[])
      .optional(),
    sender: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/, 'sender must be a Gitea login')
      .optional(),
    person: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/, 'person must be a Gitea login')
      .optional(),
    since: time('since').optional(),
    until: time('until').optional(),
    q: z.string().max(200, 'q must be at most 200 characters').optional(),
    before: z
      .string()
      .regex(/^[1-9]\d{0,15}$/, 'before must be a job id (from "next" of the previous page)')
      .optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, 'limit must be a whole number from 1 to 200')
      .transform(Number)
      .pipe(z.number().min(1, 'limit must be at least 1').max(200, 'limit must be at most 200'))
      .optional(),
  })
  .strict();

/**
 * Reads `GET /api/jobs`'s query: `repo` (owner/name, or host/owner/name), `issue`, `state` (comma-separated or
 * repeated), `sender` (or `person`), `since`, `until` (ISO 8601), `q` (text), `before` (job id),
 * `limit` (1..200, default 50). Unknown parameters are refused too, so a typo is not silently a
 * broader list. Returns the filter and page, or the reason the query is bad (for a 400).
 */
export function parseJobQuery(query: Record<string, string[]>): { filter: JobFilter; page: PageRequest } | { error: string } {
  const flat: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(query)) {
    if (key === 'state') flat[key] = values;
    else if (values.length > 1) return { error: `${key} is given ${values.length} times; give it once` };
    else if (values[0] !== '') flat[key] = values[0];
  }
  const parsed = querySchema.safeParse(flat);
  if (!parsed.success) {
    return {
      error: parsed.error.issues
        .map((i) =>
          i.code === 'unrecognized_keys' ? `unknown parameter ${i.keys.join(', ')} (known: repo, issue, state, sender, person, since, until, q, before, limit)` : i.message,
        )
        .join('; '),
    };
  }
  const v = parsed.data;
  if (v.sender && v.person && v.sender.toLowerCase() !== v.person.toLowerCase()) return { error: 'sender and person name different people; give one' };
  if (v.since && v.until && v.since >= v.until) return { error: 'since must be before until' };
  const sender = v.sender ?? v.person;
  const filter: JobFilter = {
    ...(v.repo ? { repo: v.repo } : {}),
    ...(v.issue !== undefined ? { issue: v.issue } : {}),
    ...(v.state && v.state.length > 0 ? { states: v.state } : {}),
    ...(sender ? { sender } : {}),
    ...(v.since ? { since: v.since } : {}),
    ...(v.until ? { until: v.until } : {}),
    ...(v.q?.trim() ? { q: v.q.trim() } : {}),
  };
  return { filter, page: { ...(v.before ? { before: v.before } : {}), ...(v.limit !== undefined ? { limit: v.limit } : {}) } };
}
