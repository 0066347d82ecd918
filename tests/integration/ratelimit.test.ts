import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DB } from '../../src/main/engine/store/db';
import { RateLimiter, type RateRule } from '../../src/main/engine/net/ratelimit';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const open: DB[] = [];
const dirs: string[] = [];

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-ratelimit-'));
  dirs.push(dir);
  return dir;
}

function db(dir: string): DB {
  const d = openDatabase(dir);
  open.push(d);
  return d;
}

function close(d: DB): void {
  d.close();
  open.splice(open.indexOf(d), 1);
}

/** A fake clock whose sleep advances it and records each wait, so nothing really waits. */
function fakeTime(): { clock: { t: number }; waits: number[]; now: () => number; sleep: (ms: number) => Promise<void> } {
  const clock = { t: T0 };
  const waits: number[] = [];
  return {
    clock,
    waits,
    now: () => clock.t,
    sleep: async (ms) => {
      waits.push(ms);
      clock.t += ms;
    },
  };
}

function events(d: DB, source: string): number[] {
  return (d.prepare('SELECT at FROM rate_events WHERE source = ? ORDER BY at').all(source) as { at: number }[]).map((r) => r.at);
}

afterEach(() => {
  for (const d of open.splice(0)) d.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('RateLimiter', () => {
  it('holds the sliding window: the (max+1)-th request waits until the oldest leaves it', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const limiter = new RateLimiter(d, time.now, time.sleep);
    const rule: RateRule = { max: 3, windowMs: 10_000 };
    for (let i = 0; i < 3; i++) {
      await limiter.acquire('pixabay', rule);
      time.clock.t += 1000;
    }
    expect(time.waits).toEqual([]);
    expect(limiter.waitMs('pixabay', rule)).toBe(7000);
    await limiter.acquire('pixabay', rule);
    // the first request (T0) leaves the window at T0 + 10 s
    expect(time.waits).toEqual([7000]);
    expect(time.clock.t).toBe(T0 + 10_000);
    // the next one waits for the second request (T0 + 1 s) to leave
    await limiter.acquire('pixabay', rule);
    expect(time.waits).toEqual([7000, 1000]);
    // sources are counted apart
    await limiter.acquire('pexels', rule);
    expect(time.waits).toEqual([7000, 1000]);
  });

  it('prunes events that left the window', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const limiter = new RateLimiter(d, time.now, time.sleep);
    const rule: RateRule = { max: 2, windowMs: 1000 };
    for (let i = 0; i < 20; i++) {
      await limiter.acquire('pixabay', rule);
      time.clock.t += 600;
    }
    expect(events(d, 'pixabay').length).toBeLessThanOrEqual(2);
  });

  it('keeps the minimum spacing plus a random jitter between requests', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const instagram: RateRule = { max: 30, windowMs: 3_600_000, minSpacingMs: 2000, jitterMs: [500, 1500] };
    const randoms = [0, 0.5, 1];
    const limiter = new RateLimiter(d, time.now, time.sleep, () => randoms.shift() ?? 0.5);
    await limiter.acquire('instagram', instagram); // nothing before it: no spacing to keep
    await limiter.acquire('instagram', instagram);
    await limiter.acquire('instagram', instagram);
    expect(time.waits).toEqual([3000, 3500]);
    // spacing already kept by the caller's own pause: no wait
    time.clock.t += 10_000;
    await limiter.acquire('instagram', instagram);
    expect(time.waits).toEqual([3000, 3500]);
    // waitMs reports the fixed spacing, the jitter being drawn per request
    expect(limiter.waitMs('instagram', instagram)).toBe(2000);
  });

  it('stays within spacing + jitter bounds with the real random', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const limiter = new RateLimiter(d, time.now, time.sleep);
    const rule: RateRule = { max: 1000, windowMs: 3_600_000, minSpacingMs: 2000, jitterMs: [500, 1500] };
    for (let i = 0; i < 10; i++) await limiter.acquire('instagram', rule);
    expect(time.waits).toHaveLength(9);
    for (const w of time.waits) {
      expect(w).toBeGreaterThanOrEqual(2500);
      expect(w).toBeLessThanOrEqual(3500);
    }
  });

  it('keeps the window across a restart', async () => {
    const time = fakeTime();
    const dir = dataDir();
    const rule: RateRule = { max: 2, windowMs: 60_000 };
    const first = db(dir);
    const before = new RateLimiter(first, time.now, time.sleep);
    await before.acquire('pexels', rule);
    await before.acquire('pexels', rule);
    close(first);

    time.clock.t += 5000;
    const after = new RateLimiter(db(dir), time.now, time.sleep);
    expect(after.waitMs('pexels', rule)).toBe(55_000);
    await after.acquire('pexels', rule);
    expect(time.waits).toEqual([55_000]);
  });

  it('remembers what the service said (Retry-After) across a restart', async () => {
    const time = fakeTime();
    const dir = dataDir();
    const first = db(dir);
    new RateLimiter(first, time.now, time.sleep).note('huntapi', { blockedUntil: T0 + 30_000 });
    close(first);

    const after = new RateLimiter(db(dir), time.now, time.sleep);
    expect(after.state('huntapi')).toEqual({ blockedUntil: T0 + 30_000, limit: null, remaining: null, resetAt: null });
    await after.acquire('huntapi', null);
    expect(time.waits).toEqual([30_000]);
    // passed: no more waiting
    await after.acquire('huntapi', null);
    expect(time.waits).toEqual([30_000]);
  });

  it('waits for resetAt when no requests remain, and omitted fields keep their value', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const limiter = new RateLimiter(d, time.now, time.sleep);
    expect(limiter.state('pexels')).toBeNull();
    limiter.note('pexels', { limit: 200, remaining: 5, resetAt: T0 + 45_000 });
    // a 429 carries no X-Ratelimit-* headers: the last Reset seen stays
    limiter.note('pexels', { remaining: 0 });
    expect(limiter.state('pexels')).toEqual({ blockedUntil: null, limit: 200, remaining: 0, resetAt: T0 + 45_000 });
    expect(limiter.waitMs('pexels', null)).toBe(45_000);
    await limiter.acquire('pexels', null);
    expect(time.waits).toEqual([45_000]);
    // remaining 0 with a reset in the past does not block
    await limiter.acquire('pexels', null);
    expect(time.waits).toEqual([45_000]);
  });

  it('counts down remaining between answers so a burst cannot overshoot it', async () => {
    const time = fakeTime();
    const d = db(dataDir());
    const limiter = new RateLimiter(d, time.now, time.sleep);
    limiter.note('pexels', { limit: 200, remaining: 2, resetAt: T0 + 20_000 });
    await limiter.acquire('pexels', null);
    await limiter.acquire('pexels', null);
    expect(time.waits).toEqual([]);
    expect(limiter.state('pexels')?.remaining).toBe(0);
    await limiter.acquire('pexels', null);
    expect(time.waits).toEqual([20_000]);
  });

  it('serves concurrent waiters of one source in call order, even when a later one drew a shorter jitter', async () => {
    // a fake clock advanced as each sleeper wakes; the real (scaled down) timers keep wake-ups in time order
    const clock = { t: T0 };
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      waits.push(ms);
      const wake = clock.t + ms;
      await new Promise((resolve) => setTimeout(resolve, ms / 100));
      clock.t = Math.max(clock.t, wake);
    };
    const randoms = [0, 0, 0.9, 0.1];
    const d = db(dataDir());
    const limiter = new RateLimiter(d, () => clock.t, sleep, () => randoms.shift() ?? 0);
    const rule: RateRule = { max: 100, windowMs: 60_000, minSpacingMs: 2000, jitterMs: [0, 1000] };
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => limiter.acquire('instagram', rule).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(waits).toEqual([2000, 2900, 2100]);
    expect(events(d, 'instagram')).toEqual([T0, T0 + 2000, T0 + 4900, T0 + 7000]);
  });

  it('holds the window under concurrent acquires (real clock, tiny window)', async () => {
    const d = db(dataDir());
    // every recorded request, including those pruning deletes later
    d.exec(`CREATE TEMP TABLE seen (at INTEGER);
            CREATE TEMP TRIGGER log_rate AFTER INSERT ON rate_events BEGIN INSERT INTO seen VALUES (new.at); END;`);
    const limiter = new RateLimiter(d, Date.now);
    const rule: RateRule = { max: 2, windowMs: 40 };
    await Promise.all(Array.from({ length: 6 }, () => limiter.acquire('apify', rule)));
    const at = (d.prepare('SELECT at FROM seen ORDER BY at').all() as { at: number }[]).map((r) => r.at);
    expect(at).toHaveLength(6);
    // no three requests within one window
    for (let i = 0; i + 2 < at.length; i++) expect(at[i + 2]! - at[i]!).toBeGreaterThanOrEqual(40);
  });

  it('gives up with ERR_CANCELED when the caller aborts a wait, also while queued behind another', async () => {
    const d = db(dataDir());
    const limiter = new RateLimiter(d, Date.now);
    limiter.note('apify', { blockedUntil: Date.now() + 60_000 });
    const first = new AbortController();
    const second = new AbortController();
    const a = limiter.acquire('apify', { max: 10, windowMs: 1000 }, first.signal);
    const b = limiter.acquire('apify', { max: 10, windowMs: 1000 }, second.signal);
    second.abort();
    await expect(b).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    first.abort();
    await expect(a).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    expect(events(d, 'apify')).toEqual([]);
  });

  it('refuses a rule that allows no request at all', () => {
    const d = db(dataDir());
    const limiter = new RateLimiter(d, Date.now);
    expect(() => limiter.waitMs('x', { max: 0, windowMs: 1000 })).toThrow(/allows no requests/);
  });
});
