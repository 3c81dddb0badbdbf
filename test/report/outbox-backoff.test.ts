import { describe, expect, it } from 'vitest';
import { GiteaError } from '../../src/gitea/types.js';
import { backoffDelay, DEFAULT_BACKOFF, MAX_RETRY_AFTER_MS, parseRetryAfter, retryAfterOf } from '../../src/report/backoff.js';

const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('backoffDelay', () => {
  it.each([
    [0, 1000],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [6, 32_000],
    [7, 60_000],
    [50, 60_000],
    [5000, 60_000],
  ])('after %i failed attempts waits %i ms (base 1 s, ×2, cap 60 s)', (attempts, expected) => {
    expect(backoffDelay(attempts, noJitter)).toBe(expected);
  });

  it.each([
    [0, 4000],
    [0.5, 3600],
    [0.999, 3201],
  ])('jitter 0.2 with random %f takes up to a fifth off: %i ms', (random, expected) => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => random)).toBe(expected);
  });

  it('never exceeds the cap, whatever the jitter draws', () => {
    const options = { baseMs: 10, factor: 3, maxMs: 100, jitter: 1 };
    for (let attempts = 1; attempts < 40; attempts++) {
      for (const r of [0, 0.3, 0.99]) expect(backoffDelay(attempts, options, () => r)).toBeLessThanOrEqual(100);
    }
    expect(backoffDelay(1, options, () => 0)).toBe(10);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['999999', MAX_RETRY_AFTER_MS],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('parseRetryAfter(%j) → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it("is read from an error that exposes it, and is undefined for today's GiteaError", () => {
    expect(retryAfterOf(Object.assign(new GiteaError('x', 429, 'slow down'), { retryAfterMs: 2500 }), now)).toBe(2500);
    expect(retryAfterOf({ retryAfter: '7' }, now)).toBe(7000);
    expect(retryAfterOf({ headers: new Headers({ 'retry-after': '3' }) }, now)).toBe(3000);
    expect(retryAfterOf(new GiteaError('x', 429, 'slow down'), now)).toBeUndefined();
    expect(retryAfterOf('boom', now)).toBeUndefined();
  });
});
