import { describe, expect, it } from 'vitest';
import { Breakers } from '../../src/main/engine/net/breaker';

function setup(): { b: Breakers; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { b: new Breakers(() => clock.t), clock };
}

function fail(b: Breakers, provider: string, times: number): void {
  for (let i = 0; i < times; i++) {
    expect(b.tryPass(provider)).toBe(true);
    b.failure(provider);
  }
}

describe('Breakers', () => {
  it('starts closed and stays closed below the threshold', () => {
    const { b } = setup();
    expect(b.snapshot('apify')).toEqual({ state: 'closed', consecutiveFailures: 0, openUntil: null });
    fail(b, 'apify', 4);
    expect(b.snapshot('apify')).toEqual({ state: 'closed', consecutiveFailures: 4, openUntil: null });
    expect(b.tryPass('apify')).toBe(true);
  });

  it('a success resets the count of consecutive failures', () => {
    const { b } = setup();
    fail(b, 'apify', 4);
    b.success('apify');
    fail(b, 'apify', 4);
    expect(b.snapshot('apify').state).toBe('closed');
  });

  it('opens after 5 consecutive failures and skips calls while open', () => {
    const { b, clock } = setup();
    fail(b, 'apify', 5);
    expect(b.snapshot('apify')).toEqual({ state: 'open', consecutiveFailures: 5, openUntil: clock.t + 60_000 });
    expect(b.tryPass('apify')).toBe(false);
    clock.t += 59_999;
    expect(b.tryPass('apify')).toBe(false);
    // other providers are unaffected
    expect(b.tryPass('huntapi')).toBe(true);
  });

  it('goes half-open after the cool-down with exactly 3 trial calls, and closes on a success', () => {
    const { b, clock } = setup();
    fail(b, 'apify', 5);
    clock.t += 60_000;
    expect(b.snapshot('apify').state).toBe('half-open');
    expect([b.tryPass('apify'), b.tryPass('apify'), b.tryPass('apify'), b.tryPass('apify')]).toEqual([true, true, true, false]);
    expect(b.snapshot('apify').state).toBe('half-open');
    b.success('apify');
    expect(b.snapshot('apify')).toEqual({ state: 'closed', consecutiveFailures: 0, openUntil: null });
    expect(b.tryPass('apify')).toBe(true);
    expect(b.tryPass('apify')).toBe(true);
  });

  it('re-opens for another cool-down when a half-open trial fails', () => {
    const { b, clock } = setup();
    fail(b, 'apify', 5);
    clock.t += 60_000;
    expect(b.tryPass('apify')).toBe(true);
    b.failure('apify');
    expect(b.snapshot('apify')).toEqual({ state: 'open', consecutiveFailures: 6, openUntil: clock.t + 60_000 });
    expect(b.tryPass('apify')).toBe(false);
    clock.t += 60_000;
    expect(b.tryPass('apify')).toBe(true);
    b.success('apify');
    expect(b.snapshot('apify').state).toBe('closed');
  });

  it('offers fresh trials when the handed-out ones never report back', () => {
    const { b, clock } = setup();
    fail(b, 'apify', 5);
    clock.t += 60_000;
    for (let i = 0; i < 3; i++) expect(b.tryPass('apify')).toBe(true);
    expect(b.tryPass('apify')).toBe(false);
    clock.t += 60_000;
    expect(b.tryPass('apify')).toBe(true);
  });

  it('honours custom options', () => {
    const clock = { t: 0 };
    const b = new Breakers(() => clock.t, { failureThreshold: 2, coolDownMs: 10, halfOpenTrials: 1 });
    fail(b, 'x', 2);
    expect(b.snapshot('x')).toMatchObject({ state: 'open', openUntil: 10 });
    clock.t = 10;
    expect([b.tryPass('x'), b.tryPass('x')]).toEqual([true, false]);
  });
});
