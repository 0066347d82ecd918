import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { backoffDelay, parseRetryAfter, sleep } from '../../src/main/engine/net/retry';

describe('backoffDelay (full jitter)', () => {
  it('spans 0 up to base * 2^attempt', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(0);
    expect(backoffDelay(0, 500, 30_000, () => 0.999_999)).toBeLessThanOrEqual(500);
    expect(backoffDelay(0, 500, 30_000, () => 0.999_999)).toBeGreaterThanOrEqual(499);
    expect(backoffDelay(1, 500, 30_000, () => 0.5)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 0.5)).toBe(2000);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    expect(backoffDelay(10, 500, 30_000, () => 0.999_999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(5000, 500, 30_000, () => 0.999_999)).toBeLessThanOrEqual(30_000);
    expect(backoffDelay(5000, 500, 30_000, () => 0.5)).toBe(15_000);
  });

  it('uses 500 ms / 30 s by default and stays within bounds with the real random', () => {
    expect(backoffDelay(0, undefined, undefined, () => 0.5)).toBe(250);
    expect(backoffDelay(20, undefined, undefined, () => 0.5)).toBe(15_000);
    for (let attempt = 0; attempt < 12; attempt++) {
      const d = backoffDelay(attempt);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** attempt));
      expect(Number.isInteger(d)).toBe(true);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads delta seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
  });

  it('clamps a date in the past to 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:59:00 GMT', now)).toBe(0);
  });

  it('returns null for absent, garbled and negative values', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('12abc', now)).toBeNull();
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });

  it('rejects with ERR_CANCELED when aborted, before or during the wait', async () => {
    const before = new AbortController();
    before.abort();
    await expect(sleep(10, before.signal)).rejects.toMatchObject({ code: 'ERR_CANCELED' });

    const during = new AbortController();
    const p = sleep(60_000, during.signal);
    during.abort();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'ERR_CANCELED' });
  });
});
