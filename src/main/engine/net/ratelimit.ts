import type Database from 'better-sqlite3';
import { AppError } from '../../../shared/errors';
import type { DB } from '../store/db';
import { sleep as realSleep } from './retry';

export interface RateRule {
  max: number;
  windowMs: number;
  /** Least time between two requests; `jitterMs` adds a random [min, max] on top of it for each request. */
  minSpacingMs?: number;
  jitterMs?: [number, number];
}

export interface RateInfo {
  blockedUntil: number | null;
  limit: number | null;
  remaining: number | null;
  resetAt: number | null;
}

interface StateRow {
  blocked_until: number | null;
  limit_total: number | null;
  remaining: number | null;
  reset_at: number | null;
}

/**
 * Per-source request limits that survive a restart: our own sliding-window rule (rate_events, one row per request)
 * plus what the service told us (rate_state: Retry-After, X-Ratelimit-*). Persisting both means quitting and
 * relaunching cannot be used to burst past a limit, which is what gets keys and IPs banned.
 */
export class RateLimiter {
  private readonly st: {
    events: Database.Statement<[string, number]>;
    record: Database.Statement<[string, number]>;
    prune: Database.Statement<[string, number]>;
    state: Database.Statement<[string]>;
    upsert: Database.Statement<[string, number | null, number | null, number | null, number | null, number]>;
    spend: Database.Statement<[number, string]>;
  };
  /**
   * acquire() calls for one source take turns: first come, first served (a later waiter that drew a shorter jitter
   * cannot jump the line), and only the head of the line has a timer running.
   */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly db: DB,
    private readonly now: () => number,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void> = realSleep,
    private readonly random: () => number = Math.random,
  ) {
    this.st = {
      events: db.prepare('SELECT at FROM rate_events WHERE source = ? AND at > ? ORDER BY at'),
      record: db.prepare('INSERT INTO rate_events (source, at) VALUES (?, ?)'),
      prune: db.prepare('DELETE FROM rate_events WHERE source = ? AND at <= ?'),
      state: db.prepare('SELECT blocked_until, limit_total, remaining, reset_at FROM rate_state WHERE source = ?'),
      upsert: db.prepare(
        `INSERT INTO rate_state (source, blocked_until, limit_total, remaining, reset_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(source) DO UPDATE SET blocked_until = excluded.blocked_until, limit_total = excluded.limit_total,
           remaining = excluded.remaining, reset_at = excluded.reset_at, updated_at = excluded.updated_at`,
      ),
      // our own estimate until the service's next answer says otherwise: a burst then cannot overshoot `remaining`
      spend: db.prepare('UPDATE rate_state SET remaining = remaining - 1, updated_at = ? WHERE source = ? AND remaining > 0'),
    };
  }

  /** Waits until `source` may make one more request under `rule` and what the service told us, then records it (rate_events). */
  async acquire(source: string, rule: RateRule | null, signal?: AbortSignal): Promise<void> {
    const previous = this.turns.get(source) ?? Promise.resolve();
    const mine = (async () => {
      await waitTurn(previous, signal);
      await this.acquireNow(source, rule, signal);
    })();
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(source, settled);
    void settled.then(() => {
      if (this.turns.get(source) === settled) this.turns.delete(source);
    });
    return mine;
  }

  /** How long acquire would wait now (ms), without recording anything. The random jitter is not included. */
  waitMs(source: string, rule: RateRule | null): number {
    return this.computeWait(source, rule, 0);
  }

  /** What the service said (Retry-After → blockedUntil; X-Ratelimit-* headers); persisted in rate_state. Omitted fields keep their value. */
  note(source: string, info: Partial<RateInfo>): void {
    const old = this.state(source);
    const pick = (given: number | null | undefined, kept: number | null | undefined): number | null =>
      given === undefined ? (kept ?? null) : given;
    this.st.upsert.run(
      source,
      pick(info.blockedUntil, old?.blockedUntil),
      pick(info.limit, old?.limit),
      pick(info.remaining, old?.remaining),
      pick(info.resetAt, old?.resetAt),
      this.now(),
    );
  }

  state(source: string): RateInfo | null {
    const row = this.st.state.get(source) as StateRow | undefined;
    if (!row) return null;
    return { blockedUntil: row.blocked_until, limit: row.limit_total, remaining: row.remaining, resetAt: row.reset_at };
  }

  private async acquireNow(source: string, rule: RateRule | null, signal?: AbortSignal): Promise<void> {
    const [low, high] = rule?.jitterMs ?? [0, 0];
    const jitter = low + this.random() * Math.max(0, high - low);
    // re-checked after every sleep: the clock may have moved differently, or a note() may have pushed blockedUntil
    for (;;) {
      if (signal?.aborted) throw canceled();
      const wait = this.computeWait(source, rule, jitter);
      if (wait <= 0) break;
      await this.sleep(wait, signal);
    }
    const now = this.now();
    this.db.transaction(() => {
      this.st.spend.run(now, source);
      // with no rule of our own there is nothing to count, and no window to prune the rows by
      if (!rule) return;
      this.st.record.run(source, now);
      const keepMs = Math.max(rule.windowMs, (rule.minSpacingMs ?? 0) + high);
      this.st.prune.run(source, now - keepMs);
    })();
  }

  private computeWait(source: string, rule: RateRule | null, jitter: number): number {
    const now = this.now();
    let until = now;
    const s = this.state(source);
    if (s?.blockedUntil != null) until = Math.max(until, s.blockedUntil);
    if (s?.remaining === 0 && s.resetAt != null) until = Math.max(until, s.resetAt);
    if (rule) {
      // a zero budget would otherwise read as "no limit" below
      if (rule.max < 1) {
        throw new AppError('ERR_INVALID_INPUT', `The rate limit for ${source} allows no requests at all; raise it in Settings.`);
      }
      const spacing = (rule.minSpacingMs ?? 0) + jitter;
      const since = now - Math.max(rule.windowMs, spacing);
      const events = (this.st.events.all(source, since) as { at: number }[]).map((r) => r.at);
      const inWindow = events.filter((at) => at > now - rule.windowMs);
      if (inWindow.length >= rule.max) {
        // the window has room again once enough of the oldest requests have left it
        const leaving = inWindow[inWindow.length - rule.max];
        if (leaving !== undefined) until = Math.max(until, leaving + rule.windowMs);
      }
      const last = events[events.length - 1];
      if (last !== undefined && spacing > 0) until = Math.max(until, last + spacing);
    }
    return Math.ceil(until - now);
  }
}

/** Waits for the previous acquire of the same source to finish, but gives up at once when the caller cancels. */
function waitTurn(previous: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return previous;
  if (signal.aborted) return Promise.reject(canceled());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(canceled());
    signal.addEventListener('abort', onAbort, { once: true });
    void previous.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

function canceled(): AppError {
  return new AppError('ERR_CANCELED', 'The request was canceled.');
}
