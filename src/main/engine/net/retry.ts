import { AppError } from '../../../shared/errors';

/**
 * Full jitter: random in [0, min(capMs, baseMs * 2^attempt)]. attempt starts at 0.
 * Full (rather than equal) jitter spreads clients that failed together, so they do not retry in lockstep.
 */
export function backoffDelay(attempt: number, baseMs = 500, capMs = 30_000, random: () => number = Math.random): number {
  // 2^attempt overflows to Infinity for large attempts; min() with the cap keeps the ceiling finite
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds from now (>= 0), or null when absent/garbled. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  // delta-seconds is digits only (RFC 9110); a signed or fractional number is not a valid value
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (/^[+-]?\d+(\.\d+)?$/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/** Resolves after ms, or rejects with AppError('ERR_CANCELED') when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(canceled());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(canceled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function canceled(): AppError {
  return new AppError('ERR_CANCELED', 'The request was canceled.');
}
