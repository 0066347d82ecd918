import { AppError } from '../../../shared/errors';
import { describeUrl, type HttpRequest, type HttpResponse } from '../net/http';
import { backoffDelay, parseRetryAfter } from '../net/retry';
import type { CloudContext } from './cloud';

/** Longest wait a service's Retry-After may impose on a create call before we give up on this try. */
const MAX_CREATE_RETRY_AFTER_MS = 120_000;

/**
 * Sends a request that starts billed work (a HuntAPI job, an Apify run) at most once on the wire per answer we did
 * not get. A 429 or 5xx answer means the service created nothing, so those are retried with backoff (Retry-After
 * wins); a timeout or a connection dropped after sending is ambiguous — the work may exist and be billed — so it is
 * never re-sent: the caller fails and the user decides.
 */
export async function sendBilled(ctx: CloudContext, req: HttpRequest, service: string): Promise<HttpResponse> {
  for (let retry = 0; ; retry++) {
    let res: HttpResponse;
    try {
      res = await ctx.http(req, { maxRetries: 0 });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'ERR_NETWORK' || err.code === 'ERR_TIMEOUT')) {
        throw new AppError(
          err.code,
          `${service} did not answer the request to start work (${describeUrl(req.url)}); it was not sent again, so you are not billed twice. Retry the job later.`,
        );
      }
      throw err;
    }
    if (!(res.status === 429 || res.status >= 500) || retry >= ctx.settings.httpMaxRetries) return res;
    const wait = parseRetryAfter(res.headers.get('retry-after'), ctx.now()) ?? backoffDelay(retry);
    ctx.log.info({ provider: service.toLowerCase(), status: res.status, waitMs: wait }, 'create call refused, retrying');
    await ctx.sleep(Math.min(wait, MAX_CREATE_RETRY_AFTER_MS), ctx.signal);
  }
}

/** A service's own error text made safe to show: secrets and key-like query values removed, one line, bounded. */
export function serviceText(text: unknown, secrets: Array<string | undefined>): string | null {
  if (typeof text !== 'string') return null;
  let out = text;
  for (const s of secrets) {
    if (!s) continue;
    out = out.split(s).join('[secret]').split(encodeURIComponent(s)).join('[secret]');
  }
  out = out
    .replace(/\b(token|key|api[_-]?key|x_api_key|auth(?:orization)?)=[^&\s"']+/gi, '$1=[secret]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [secret]')
    .replace(/\s+/g, ' ')
    .trim();
  if (!out) return null;
  return out.length > 300 ? `${out.slice(0, 297)}...` : out;
}

export function asObject(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function asString(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export function asNumber(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** An absolute http(s) URL, or null: a file link we are about to stream must not be anything else. */
export function asHttpUrl(v: unknown): string | null {
  const s = asString(v);
  if (!s) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? s : null;
  } catch {
    return null;
  }
}

/** Base URL from settings without its trailing slashes, so paths can be appended. */
export function trimBase(base: string): string {
  return base.replace(/\/+$/, '');
}
