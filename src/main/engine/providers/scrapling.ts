import type { Settings } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { HttpResponse } from '../net/http';
import type { CloudContext, CloudProvider, RemoteMedia } from './cloud';
import { asHttpUrl, asNumber, asObject, asString, serviceText } from './cloud-http';

const STRATEGY = 'scrapling-api';
/** tikvid.io serves the links the service finds and refuses them without its own Referer. */
const FILE_HEADERS = { Referer: 'https://tikvid.io' };
/** Codes a headful browser may get past (PROTOCOLS.md §3); anything else is not worth a second, slower call. */
const RETRY_HEADFUL = new Set(['NAVIGATION_FAILED', 'NO_DOWNLOAD_LINK', 'DOWNLOAD_FAILED']);

/** One call's outcome: the link, or why not and whether a headful retry may help. */
type CallResult = { ok: true; media: RemoteMedia } | { ok: false; error: AppError; retryHeadful: boolean };

export const scrapling: CloudProvider = {
  name: 'scrapling',

  // no credentials: whether the service is up shows when it is called
  unavailable() {
    return null;
  },

  async resolve(job, ctx) {
    ctx.detail.strategy = STRATEGY;
    const first = await call(job.url, false, ctx);
    if (first.ok) return first.media;
    if (!first.retryHeadful) throw first.error;
    ctx.log.info({ provider: 'scrapling', strategy: STRATEGY, error_code: ctx.detail.error_code ?? null }, 'retrying TikTok link headful');
    const second = await call(job.url, true, ctx);
    if (second.ok) return second.media;
    throw second.error;
  },
};

function scraplingAddress(settings: Settings): string {
  const host = settings.scraplingHost.includes(':') && !settings.scraplingHost.startsWith('[') ? `[${settings.scraplingHost}]` : settings.scraplingHost;
  return `${host}:${settings.scraplingPort}`;
}

async function call(url: string, headful: boolean, ctx: CloudContext): Promise<CallResult> {
  const address = scraplingAddress(ctx.settings);
  ctx.detail.headful = headful;
  let res: HttpResponse;
  try {
    // the service's own retry rule (one headful retry) replaces the generic one
    res = await ctx.http(
      {
        url: `http://${address}/tiktok/download`,
        method: 'POST',
        json: { url, force_headful: headful },
        timeoutMs: ctx.settings.tiktokTimeoutSec * 1000,
        signal: ctx.signal,
      },
      { maxRetries: 0 },
    );
  } catch (err) {
    if (!(err instanceof AppError) || (err.code !== 'ERR_NETWORK' && err.code !== 'ERR_TIMEOUT')) throw err;
    ctx.detail.error_code = err.code;
    ctx.log.warn({ provider: 'scrapling', strategy: STRATEGY, headful, error_code: err.code }, 'Scrapling service call failed');
    const error =
      err.code === 'ERR_TIMEOUT'
        ? new AppError('ERR_TIMEOUT', `The TikTok service at ${address} did not answer within ${ctx.settings.tiktokTimeoutSec} s (Settings → Providers, tiktokTimeoutSec).`)
        : new AppError('ERR_NETWORK', `Cannot reach the TikTok service at ${address}: start it, or fix its address in Settings → Providers (scraplingHost, scraplingPort).`);
    return { ok: false, error, retryHeadful: true };
  }

  const body = asObject(res.body);
  const code = asString(body?.error_code);
  const executionTime = asNumber(body?.execution_time);
  const fileSize = asNumber(body?.file_size);
  ctx.detail.execution_time = executionTime;
  ctx.detail.file_size = fileSize;
  ctx.detail.error_code = code;
  ctx.log.info(
    { provider: 'scrapling', strategy: STRATEGY, headful, status: res.status, execution_time: executionTime, file_size: fileSize, error_code: code },
    'Scrapling service answered',
  );
  const said = serviceText(asString(body?.message), []);
  const tail = said ? ` (service: ${said})` : '';

  if (res.status >= 200 && res.status < 300 && !code) {
    const link = asHttpUrl(body?.download_url);
    if (link) return { ok: true, media: toMedia(link, body, ctx.settings) };
    return {
      ok: false,
      error: new AppError('ERR_PROVIDER_FAILED', `The TikTok service found no download link for this video${tail}.`),
      retryHeadful: true,
    };
  }
  if (res.status === 422) {
    return { ok: false, error: new AppError('ERR_INVALID_INPUT', `The TikTok service rejected the request (HTTP 422)${validationText(body)}.`), retryHeadful: false };
  }
  if (code === 'INVALID_URL' || code === 'INVALID_VIDEO_ID') {
    return { ok: false, error: new AppError('ERR_UNSUPPORTED_URL', `This is not a TikTok video link the service can read${tail}.`), retryHeadful: false };
  }
  if (code === 'INVALID_VIDEO') {
    return { ok: false, error: new AppError('ERR_UNAVAILABLE', `The TikTok video is unavailable: it may be private or deleted${tail}.`), retryHeadful: false };
  }
  if ((code && RETRY_HEADFUL.has(code)) || res.status >= 500) {
    const error = code
      ? new AppError('ERR_PROVIDER_FAILED', `The TikTok service could not get this video (${code})${tail}.`)
      : new AppError('ERR_HTTP_5XX', `The TikTok service at ${address} had a server error (HTTP ${res.status}).`);
    return { ok: false, error, retryHeadful: true };
  }
  return {
    ok: false,
    error: new AppError('ERR_PROVIDER_FAILED', `The TikTok service answered HTTP ${res.status}${code ? ` (${code})` : ''}${tail}.`),
    retryHeadful: false,
  };
}

function toMedia(link: string, body: Record<string, unknown> | null, settings: Settings): RemoteMedia {
  const info = asObject(body?.video_info);
  return {
    url: link,
    headers: { ...FILE_HEADERS },
    maxBytes: settings.tiktokMaxFileSizeMb * 1024 * 1024,
    info: {
      videoId: asString(info?.id) ?? (typeof info?.id === 'number' ? String(info.id) : null),
      title: asString(info?.title),
      uploader: asString(info?.author),
      durationSec: asNumber(info?.duration),
      thumbnailUrl: asHttpUrl(info?.thumbnail_url),
    },
  };
}

/** FastAPI's 422 `detail` list, reduced to "field: message" pairs. */
function validationText(body: Record<string, unknown> | null): string {
  const detail = body?.detail;
  if (!Array.isArray(detail)) return '';
  const parts = detail
    .map((d) => {
      const o = asObject(d);
      const loc = Array.isArray(o?.loc) ? o.loc.filter((x) => x !== 'body').join('.') : '';
      const msg = asString(o?.msg);
      return msg ? (loc ? `${loc}: ${msg}` : msg) : null;
    })
    .filter((p): p is string => p !== null);
  return parts.length > 0 ? `: ${serviceText(parts.join('; '), []) ?? ''}` : '';
}
