export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  coolDownMs: number;
  halfOpenTrials: number;
}

const DEFAULTS: BreakerOptions = { failureThreshold: 5, coolDownMs: 60_000, halfOpenTrials: 3 };

interface Circuit {
  state: BreakerState;
  consecutiveFailures: number;
  /** open: when the cool-down ends; half-open: when the trial calls were handed out. */
  since: number;
  openUntil: number | null;
  trialsGiven: number;
}

/**
 * One circuit breaker per provider, in memory (a restart gives every provider a fresh chance).
 * closed → open after `failureThreshold` consecutive failures → half-open once `coolDownMs` passed, letting
 * `halfOpenTrials` calls through → closed on a success, or open for another cool-down on a failure.
 * Which outcomes count as failures (the service's fault, not a bad link) is the caller's decision.
 */
export class Breakers {
  private readonly opts: BreakerOptions;
  private readonly circuits = new Map<string, Circuit>();

  constructor(
    private readonly now: () => number,
    opts?: Partial<BreakerOptions>,
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** May this provider be called now? In half-open, each true answer uses one of the trial calls. */
  tryPass(provider: string): boolean {
    const c = this.current(provider);
    if (c.state === 'closed') return true;
    if (c.state === 'open') return false;
    if (c.trialsGiven >= this.opts.halfOpenTrials) return false;
    c.trialsGiven++;
    return true;
  }

  /** Closes the circuit and forgets earlier failures. */
  success(provider: string): void {
    const c = this.current(provider);
    c.state = 'closed';
    c.consecutiveFailures = 0;
    c.openUntil = null;
    c.trialsGiven = 0;
  }

  /** Counts a failure; opens at the threshold, and a failed trial in half-open re-opens for another cool-down. */
  failure(provider: string): void {
    const c = this.current(provider);
    c.consecutiveFailures++;
    if (c.state === 'half-open' || (c.state === 'closed' && c.consecutiveFailures >= this.opts.failureThreshold)) {
      this.open(c);
    }
    // already open: a call let through before it opened reports late; the cool-down stands as it is
  }

  snapshot(provider: string): { state: BreakerState; consecutiveFailures: number; openUntil: number | null } {
    const c = this.current(provider);
    return { state: c.state, consecutiveFailures: c.consecutiveFailures, openUntil: c.openUntil };
  }

  /** The provider's circuit with the time-driven transitions applied. */
  private current(provider: string): Circuit {
    let c = this.circuits.get(provider);
    if (!c) {
      c = { state: 'closed', consecutiveFailures: 0, since: 0, openUntil: null, trialsGiven: 0 };
      this.circuits.set(provider, c);
    }
    const now = this.now();
    if (c.state === 'open' && c.openUntil !== null && now >= c.openUntil) {
      this.halfOpen(c, now);
    } else if (
      c.state === 'half-open' &&
      c.trialsGiven >= this.opts.halfOpenTrials &&
      now >= c.since + this.opts.coolDownMs
    ) {
      // every trial was handed out but none reported back (canceled calls report neither outcome):
      // offer fresh trials rather than stay shut for good
      this.halfOpen(c, now);
    }
    return c;
  }

  private open(c: Circuit): void {
    const now = this.now();
    c.state = 'open';
    c.since = now;
    c.openUntil = now + this.opts.coolDownMs;
    c.trialsGiven = 0;
  }

  private halfOpen(c: Circuit, now: number): void {
    c.state = 'half-open';
    c.since = now;
    c.openUntil = null;
    c.trialsGiven = 0;
  }
}
