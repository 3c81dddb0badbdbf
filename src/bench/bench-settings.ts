/**
 * The abuse limits turned off (rates) or out of reach (queued jobs per issue): the benchmark
 * measures the admission path with every triggering delivery a new job, not the limits.
 * Settings this build does not know are ignored by `loadConfig`.
 */
export const BENCH_SETTINGS: Record<string, string> = {
  KUGETSU_RATE_LIMIT_SENDER: '0',
  KUGETSU_RATE_LIMIT_REPO: '0',
  KUGETSU_MAX_QUEUED_PER_ISSUE: '1000000',
};
