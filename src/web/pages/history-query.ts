import { z } from 'zod';
import { JOB_STATES, type JobState } from '../../domain/job-state.js';
import type { JobFilter, PageRequest } from '../dashboard-types.js';
import type { HistoryForm } from './history-page.js';

/** What {@link parseHistoryQuery} makes of the history page's query string. */
export type HistoryQuery = { ok: true; form: HistoryForm; filter: JobFilter; page: PageRequest } | { ok: false; form: HistoryForm; reason: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day (`YYYY-MM-DD`, as `<input type=date>` sends it, taken as UTC midnight) or an ISO 8601 time. */
const when = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(DAY.test(v) ? `${v}T00:00:00Z` : v)), 'must be a date (YYYY-MM-DD) or an ISO 8601 time')
  .transform((v) => new Date(DAY.test(v) ? `${v}T00:00:00Z` : v).toISOString());

const schema = z.object({
  repo: z
    .string()
    .regex(/^(?:[\w.-]+(?::\d{1,5})?\/)?[\w.-]+\/[\w.-]+$/, 'must be owner/name (host/owner/name with several instances)')
    .optional(),
  issue: z.coerce.number().int().positive('must be an issue number').optional(),
  states: z.array(z.enum(JOB_STATES as [JobState, ...JobState[]])).optional(),
  sender: z.string().max(100).optional(),
  since: when.optional(),
  until: when.optional(),
  q: z.string().max(200).optional(),
  before: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a job id')
    .optional(),
});

/**
 * Reads the history page's query: `repo`, `issue`, `state` (repeatable), `sender`, `since` and
 * `until` (a day `YYYY-MM-DD` taken as 00:00 UTC, or an ISO 8601 time; `until` is exclusive), `q`,
 * `before` (paging). Empty fields count as absent. Bad input gives `ok: false` with a reason naming
 * the field; never throws.
 */
export function parseHistoryQuery(query: (name: string) => string | undefined, queries: (name: string) => string[]): HistoryQuery {
  const text = (name: string) => {
    const v = query(name)?.trim();
    return v ? v : undefined;
  };
  const form: HistoryForm = {
    states: queries('state')
      .map((s) => s.trim())
      .filter(Boolean),
    ...Object.fromEntries((['repo', 'issue', 'sender', 'since', 'until', 'q', 'before'] as const).flatMap((k) => (text(k) !== undefined ? [[k, text(k)]] : []))),
  };
  const parsed = schema.safeParse({ ...form, states: form.states.length > 0 ? form.states : undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, form, reason: `${String(issue.path[0] ?? 'query')}: ${issue.message}` };
  }
  const { before, ...filter } = parsed.data;
  return { ok: true, form, filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as JobFilter, page: before ? { before } : {} };
}
