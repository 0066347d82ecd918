import { AppError } from '../../../shared/errors';
import { backoffDelay, parseRetryAfter, sleep as realSleep } from './retry';

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** Sent as JSON with content-type application/json. */
  json?: unknown;
  /** Per try; default 30 s. On expiry the try fails as ERR_TIMEOUT (retried like a network error). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** JSON.parse(text), or undefined when not JSON */
  body: unknown;
}

export interface HttpPolicy {
  /** Retries after the first try for network errors, timeouts, 429 and 5xx (default 3). */
  maxRetries: number;
  /** Base/cap for backoffDelay (defaults 500 ms / 30 s); Retry-After (when present) wins, capped at maxRetryAfterMs (default 120 s). */
  baseDelayMs?: number;
  capDelayMs?: number;
  maxRetryAfterMs?: number;
  /** Extra statuses to retry, or a predicate (default: 429 and >= 500). */
  retryOn?: (res: HttpResponse) => boolean;
  /** Called before every try (rate limiter), may wait. */
  beforeTry?: (signal?: AbortSignal) => Promise<void>;
  /** Called with every response (rate-limit headers). */
  onResponse?: (res: HttpResponse) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;

const defaultRetryOn = (res: HttpResponse): boolean => res.status === 429 || res.status >= 500;

/**
 * One request with the retry policy. Resolves with the LAST response whatever its status (callers map statuses to
 * their service's errors); rejects with AppError ERR_NETWORK / ERR_TIMEOUT when no response came after all retries,
 * ERR_CANCELED when the signal aborted. Messages name the URL via describeUrl (origin + path, never the query).
 */
export async function httpRequest(req: HttpRequest, policy: HttpPolicy): Promise<HttpResponse> {
  const prepared = prepare(req);
  const maxRetries = Math.max(0, Math.floor(policy.maxRetries));
  const wait = policy.sleep ?? realSleep;
  const retryOn = policy.retryOn ?? defaultRetryOn;
  const maxRetryAfterMs = policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  for (let attempt = 0; ; attempt++) {
    throwIfCanceled(req);
    await policy.beforeTry?.(req.signal);
    throwIfCanceled(req);
    const outcome = await tryOnce(req, prepared);
    if (outcome instanceof TryFailure) {
      if (attempt >= maxRetries) throw outcome.toAppError(req, attempt + 1);
      await wait(backoffDelay(attempt, policy.baseDelayMs, policy.capDelayMs, policy.random), req.signal);
      continue;
    }
    policy.onResponse?.(outcome);
    if (attempt >= maxRetries || !retryOn(outcome)) return outcome;
    const retryAfter = parseRetryAfter(outcome.headers.get('retry-after'), Date.now());
    const delayMs =
      retryAfter === null
        ? backoffDelay(attempt, policy.baseDelayMs, policy.capDelayMs, policy.random)
        : Math.min(retryAfter, maxRetryAfterMs);
    await wait(delayMs, req.signal);
  }
}

/** origin + pathname, without query or credentials: safe to log. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    // protocol + host rather than origin: origin is "null" for schemes such as file:
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // not parseable: still drop anything that could be a secret (query, fragment, user:pass@)
    return (url.split(/[?#]/)[0] ?? '').replace(/\/\/[^/]*@/, '//');
  }
}

interface Prepared {
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function prepare(req: HttpRequest): Prepared {
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    throw new AppError('ERR_INVALID_URL', `${describeUrl(req.url)} is not a valid URL; check the service address in Settings.`);
  }
  const headers: Record<string, string> = { ...req.headers };
  const has = (name: string): boolean => Object.keys(headers).some((k) => k.toLowerCase() === name);
  // fetch refuses URLs that carry user:pass@, so they travel as Basic auth instead
  if (u.username || u.password) {
    if (!has('authorization')) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    u.username = '';
    u.password = '';
  }
  let body: string | undefined;
  if (req.json !== undefined) {
    body = JSON.stringify(req.json);
    if (!has('content-type')) headers['content-type'] = 'application/json';
  }
  return { url: u.toString(), headers, body };
}

/** A try that got no response; the message is composed once the retries are used up. */
class TryFailure {
  constructor(
    readonly kind: 'timeout' | 'network',
    /** Timeout in ms, or the low-level cause's code (never its message, which may quote the full URL). */
    readonly detail: string,
  ) {}

  toAppError(req: HttpRequest, tries: number): AppError {
    const where = describeUrl(req.url);
    const after = `${tries} ${tries === 1 ? 'try' : 'tries'}`;
    if (this.kind === 'timeout') {
      return new AppError(
        'ERR_TIMEOUT',
        `${where} did not answer within ${this.detail} (${after}); the service may be overloaded, try again later.`,
      );
    }
    return new AppError(
      'ERR_NETWORK',
      `Could not reach ${where} (${this.detail}, ${after}); check your connection and the service address.`,
    );
  }
}

async function tryOnce(req: HttpRequest, prepared: Prepared): Promise<HttpResponse | TryFailure> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    // the signal covers the body as well, so a server that stalls mid-body also times out
    const res = await fetch(prepared.url, {
      method: req.method ?? 'GET',
      headers: prepared.headers,
      body: prepared.body,
      redirect: 'follow',
      signal,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: parseBody(text, res.headers.get('content-type')) };
  } catch (err) {
    // the caller's abort wins over a timeout that fired at the same moment: the user asked to stop
    if (req.signal?.aborted) throw canceled();
    if (timeout.aborted) return new TryFailure('timeout', formatSeconds(timeoutMs));
    return new TryFailure('network', causeCode(err));
  }
}

function parseBody(text: string, contentType: string | null): unknown {
  const trimmed = text.trimStart();
  const looksJson = trimmed.startsWith('{') || trimmed.startsWith('[');
  // covers application/json and the +json family (problem+json, vnd.api+json)
  const saysJson = contentType !== null && /[/+]json\b/i.test(contentType);
  if (!looksJson && !saysJson) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function throwIfCanceled(req: HttpRequest): void {
  if (req.signal?.aborted) throw canceled();
}

function canceled(): AppError {
  return new AppError('ERR_CANCELED', 'The request was canceled.');
}

/** ECONNREFUSED, UND_ERR_SOCKET…: fetch wraps the socket error as its cause. */
function causeCode(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return 'connection failed';
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
