import { JOB_STATES, type JobState } from '../domain/job-state.js';
import type { JobFilter, JobPage } from '../engine/job-browser.js';

/** The largest page of a search. */
export const SEARCH_MAX_LIMIT = 200;

/** A search as SQL conditions on `jobs j` (columns of schema 4) with their parameters, in order. */
export interface SearchQuery {
  /** Conditions joined with AND (none: every job). */
  conditions: string[];
  params: unknown[];
  /** Rows to fetch: the page's limit plus one (to tell whether more follow). */
  fetch: number;
  limit: number;
}

/**
 * Checks a {@link JobFilter} and {@link JobPage} and turns them into SQL conditions of `dialect`
 * (parameters `?` and `instr` for SQLite, `$n` and `strpos` for PostgreSQL). Every
 * condition is on an indexed column (`repo_key`, `issue_number`, `sender_login`, `state`,
 * `created_at`, the id) except the text search, which scans `search_text` of the rows the others
 * leave, newest first, until the page is full.
 *
 * @throws RangeError for a limit outside 1..200, a `before` that is not a job id, an unknown
 *   state, a time that is not ISO 8601, an issue that is not a positive integer, or a repository
 *   that is not `owner/name`.
 */
export function searchQuery(filter: JobFilter, page: JobPage, dialect: 'sqlite' | 'postgres'): SearchQuery {
  const placeholder = (n: number) => (dialect === 'sqlite' ? '?' : `$${n}`);
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: () => string) => string, ...values: unknown[]) => {
    let i = 0;
    conditions.push(sql(() => placeholder(params.length + ++i)));
    params.push(...values);
  };
  if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > SEARCH_MAX_LIMIT)
    throw new RangeError(`limit must be an integer from 1 to ${SEARCH_MAX_LIMIT}, got ${String(page.limit)}`);
  if (filter.repo !== undefined) {
    if (!/^(?:@[^/\s]+\/)?[^/@\s][^/\s]*\/[^/\s]+$/.test(filter.repo)) throw new RangeError(`repo must be owner/name or @host/owner/name, got ${JSON.stringify(filter.repo)}`);
    add((p) => `j.repo_key = ${p()}`, filter.repo.toLowerCase());
  }
  if (filter.issue !== undefined) {
    if (!Number.isSafeInteger(filter.issue) || filter.issue < 1) throw new RangeError(`issue must be a positive integer, got ${String(filter.issue)}`);
    add((p) => `j.issue_number = ${p()}`, filter.issue);
  }
  if (filter.states !== undefined) {
    const unknown = filter.states.filter((s) => !JOB_STATES.includes(s as JobState));
    if (unknown.length > 0) throw new RangeError(`unknown job state ${JSON.stringify(unknown[0])}; states are ${JOB_STATES.join(', ')}`);
    const states = [...new Set(filter.states)];
    if (states.length === 0) conditions.push('1 = 0');
    else add((p) => `j.state IN (${states.map(() => p()).join(', ')})`, ...states);
  }
  if (filter.sender !== undefined) add((p) => `j.sender_login = ${p()}`, filter.sender.toLowerCase());
  if (filter.since !== undefined) add((p) => `j.created_at >= ${p()}`, isoTime('since', filter.since));
  if (filter.until !== undefined) add((p) => `j.created_at < ${p()}`, isoTime('until', filter.until));
  if (filter.text !== undefined && filter.text.trim() !== '') {
    // The same lowercasing as `searchText`; a substring test, so no pattern characters to escape.
    add((p) => `${dialect === 'sqlite' ? 'instr' : 'strpos'}(j.search_text, ${p()}) > 0`, filter.text.toLowerCase().replace(/\0/g, ''));
  }
  if (page.before !== undefined) {
    if (!/^[1-9]\d{0,15}$/.test(page.before)) throw new RangeError(`before must be a job id, got ${JSON.stringify(page.before)}`);
    add((p) => `j.id < ${p()}`, Number(page.before));
  }
  return { conditions, params, fetch: page.limit + 1, limit: page.limit };
}

/** An ISO 8601 time as the stores keep them (`toISOString`), or RangeError. */
function isoTime(name: string, value: string): string {
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} must be an ISO 8601 time, got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}
