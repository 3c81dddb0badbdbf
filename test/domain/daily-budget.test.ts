import { describe, expect, it } from 'vitest';
import { formatBudgetUsd, nextUtcMidnight, overDailyBudget, utcDayStart } from '../../src/domain/daily-budget.js';

describe('daily budgets: UTC days, the wait and its text', () => {
  it('a day runs from 00:00 UTC to the next 00:00 UTC, whatever the time of day', () => {
    for (const at of ['2026-03-01T00:00:00.000Z', '2026-03-01T12:34:56.789Z', '2026-03-01T23:59:59.999Z']) {
      expect(utcDayStart(Date.parse(at))).toBe('2026-03-01T00:00:00.000Z');
      expect(nextUtcMidnight(Date.parse(at))).toBe('2026-03-02T00:00:00.000Z');
    }
    // The end of a year and of a leap February.
    expect(nextUtcMidnight(Date.parse('2025-12-31T23:00:00.000Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(nextUtcMidnight(Date.parse('2028-02-28T10:00:00.000Z'))).toBe('2028-02-29T00:00:00.000Z');
  });

  it('waits at or over the budget, until the next 00:00 UTC, saying what was spent', () => {
    const now = Date.parse('2026-03-01T18:00:00.000Z');
    expect(overDailyBudget(4.99, 5, now)).toBeUndefined();
    expect(overDailyBudget(100, undefined, now)).toBeUndefined();
    expect(overDailyBudget(5, 5, now)).toEqual({ detail: '$5.00 of $5.00 spent today, resumes at 00:00 UTC', until: '2026-03-02T00:00:00.000Z' });
    expect(overDailyBudget(5.123, 5, now)!.detail).toBe('$5.12 of $5.00 spent today, resumes at 00:00 UTC');
    expect(overDailyBudget(0.004, 0.003, now)!.detail).toBe('$0.0040 of $0.0030 spent today, resumes at 00:00 UTC');
    expect(formatBudgetUsd(0)).toBe('$0.00');
  });
});
