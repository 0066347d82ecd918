import { AppError } from '../../../shared/errors';
import type { HttpResponse } from '../net/http';
import { parseRetryAfter } from '../net/retry';
import type { CloudProvider, RemoteMedia } from './cloud';
import { asHttpUrl, asNumber, asObject, asString, sendBilled, serviceText, trimBase } from './cloud-http';
import { huntapiQuality } from './quality-map';

const NO_KEY = 'no HuntAPI key set (Settings → Providers, or HUNTAPI_TOKEN)';
const CHECK_KEY = 'check the HuntAPI key in Settings → Providers';
/** Polls back off by this factor up to huntapiMaxPollIntervalSec: jobs take minutes, the first seconds say little. */
const BACKOFF_FACTOR = 1.5;

/** The outcome a job JSON describes. */
type JobState =
  | { kind: 'waiting'; status: string }
  | { kind: 'done'; media: RemoteMedia }
  | { kind: 'failed'; text: string | null };

export const huntapi: CloudProvider = {
  name: 'huntapi',

  unavailable(ctx) {
    return ctx.secret('huntapiToken') ? null : NO_KEY;
  },

  async resolve(job, ctx) {
    const key = ctx.secret('huntapiToken');
    if (!key) throw new AppError('ERR_CREDENTIALS', `Cannot use HuntAPI: ${NO_KEY}.`);
    const base = trimBase(ctx.settings.huntapiBaseUrl);
    const headers = { 'x-api-key': key };
    // the deadline counts from the job's creation; the service's created_at (read at the first poll) wins when present
    let createdAt = ctx.now();

    let jobId = ctx.resumeRemoteId;
    if (jobId) {
      ctx.log.info({ provider: 'huntapi', jobId }, 'resuming HuntAPI job');
    } else {
      const { downloadType, videoQuality } = huntapiQuality(job.quality);
      const query = new URLSearchParams({ query: job.url, download_type: downloadType, video_format: 'mp4', video_quality: videoQuality });
      const res = await sendBilled(ctx, { url: `${base}/v1/video/download?${query.toString()}`, headers, signal: ctx.signal }, 'HuntAPI');
      if (res.status < 200 || res.status >= 300) throw huntapiFailure(res, 'create', key);
      const body = asObject(res.body);
      jobId = asString(body?.job_id) ?? asString(body?.id) ?? idNumber(body?.job_id) ?? idNumber(body?.id);
      if (!jobId) {
        const said = serviceText(body?.error, [key]);
        throw new AppError('ERR_PROVIDER_FAILED', `HuntAPI did not start a job for this link${said ? ` (HuntAPI: ${said})` : ''}.`);
      }
      ctx.setRemoteId(jobId);
      ctx.log.info({ provider: 'huntapi', jobId, status: res.status }, 'HuntAPI job created');
    }
    ctx.detail.jobId = jobId;

    const pollUrl = `${base}/v1/jobs/${encodeURIComponent(jobId)}`;
    const maxWaitMs = ctx.settings.huntapiMaxPollSec * 1000;
    let intervalMs = ctx.settings.huntapiPollIntervalSec * 1000;
    const maxIntervalMs = Math.max(intervalMs, ctx.settings.huntapiMaxPollIntervalSec * 1000);
    let lastStatus: string | null = null;
    for (;;) {
      // polls are free: a failed one (network, 5xx, 429) is simply followed by the next until the deadline
      let res: HttpResponse | null = null;
      let retryAfterMs: number | null = null;
      try {
        res = await ctx.http({ url: pollUrl, headers, signal: ctx.signal }, { maxRetries: 0 });
      } catch (err) {
        if (!(err instanceof AppError) || (err.code !== 'ERR_NETWORK' && err.code !== 'ERR_TIMEOUT')) throw err;
        ctx.log.warn({ provider: 'huntapi', jobId, code: err.code }, 'HuntAPI poll failed, polling on');
      }
      if (res && (res.status === 429 || res.status >= 500)) {
        ctx.log.warn({ provider: 'huntapi', jobId, status: res.status }, 'HuntAPI poll refused, polling on');
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), ctx.now());
      } else if (res) {
        if (res.status !== 200) throw huntapiFailure(res, 'poll', key);
        const body = asObject(res.body);
        const created = parseCreatedAt(body?.created_at);
        if (created !== null) createdAt = Math.min(created, ctx.now());
        const state = readJob(body, key);
        const status = asString(body?.status);
        if (status) ctx.detail.status = status;
        const durationMs = asNumber(body?.duration_ms);
        if (durationMs !== null) ctx.detail.duration_ms = durationMs;
        if (status !== lastStatus) ctx.log.info({ provider: 'huntapi', jobId, status }, 'HuntAPI job status');
        lastStatus = status;
        if (state.kind === 'done') return state.media;
        if (state.kind === 'failed') {
          if (state.text) ctx.detail.error = state.text;
          throw new AppError('ERR_PROVIDER_FAILED', `HuntAPI could not get this video${state.text ? ` (HuntAPI: ${state.text})` : ''}.`);
        }
        ctx.onStatus(`Waiting for the HuntAPI job (${state.status})…`);
      }
      const left = createdAt + maxWaitMs - ctx.now();
      if (left <= 0) {
        throw new AppError(
          'ERR_TIMEOUT',
          `The HuntAPI job did not finish within ${formatDuration(maxWaitMs)} (Settings → Providers, huntapiMaxPollSec); try another provider or retry later.`,
        );
      }
      await ctx.sleep(Math.min(Math.max(intervalMs, retryAfterMs ?? 0), left), ctx.signal);
      intervalMs = Math.min(intervalMs * BACKOFF_FACTOR, maxIntervalMs);
    }
  },
};

function idNumber(v: unknown): string | null {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}

/** ISO text or epoch seconds/milliseconds; null when absent or unreadable. */
function parseCreatedAt(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e12 ? v * 1000 : v;
  const s = asString(v);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** Every failure form of PROTOCOLS.md §1 counts; anything unrecognised is "still working" until the deadline. */
function readJob(body: Record<string, unknown> | null, key: string): JobState {
  const status = asString(body?.status) ?? 'unknown';
  const result = asObject(body?.result);
  const failureText = (): string | null =>
    serviceText(asString(body?.error) ?? asString(result?.error) ?? asString(result?.message) ?? asString(body?.message), [key]);
  if (status === 'Error' || status === 'FailedJob' || asString(body?.error)) return { kind: 'failed', text: failureText() ?? status };
  if (status !== 'CompletedJob') return { kind: 'waiting', status };
  if (body?.success === false) return { kind: 'failed', text: failureText() ?? 'the job completed without success' };
  const url = asHttpUrl(result?.response);
  if (!url) return { kind: 'failed', text: 'the job completed without a download link' };
  const meta = asObject(result?.metadata);
  return {
    kind: 'done',
    media: {
      url,
      info: {
        title: asString(meta?.title),
        uploader: asString(meta?.uploader) ?? asString(meta?.channel),
        durationSec: asNumber(meta?.duration),
        videoId: asString(meta?.id),
        thumbnailUrl: asHttpUrl(meta?.thumbnail),
        width: asNumber(meta?.width),
        height: asNumber(meta?.height),
      },
    },
  };
}

/** HuntAPI's `{"error": "..."}` answers (PROTOCOLS.md §1) mapped to what the user can do about them. */
function huntapiFailure(res: HttpResponse, stage: 'create' | 'poll', key: string): AppError {
  const text = serviceText(asString(asObject(res.body)?.error) ?? res.text, [key]);
  const said = text ? ` (HuntAPI: ${text})` : '';
  const s = res.status;
  if (s === 400) {
    if (stage === 'create' && /unsupported|not supported|invalid (?:url|link)|url is invalid|cannot (?:download|process)/i.test(text ?? '')) {
      return new AppError('ERR_UNSUPPORTED_URL', `HuntAPI cannot download this link${said}.`);
    }
    return new AppError('ERR_INVALID_INPUT', `HuntAPI rejected the request${said}.`);
  }
  if (s === 401) {
    // the service sometimes reports its rate limit as 401
    if (/rate|too many/i.test(text ?? '')) return new AppError('ERR_HTTP_429', `HuntAPI is rate-limiting requests${said}: ClipHarbor will retry later.`);
    return new AppError('ERR_CREDENTIALS', `HuntAPI refused the API key${said}: ${CHECK_KEY}.`);
  }
  if (s === 402) return new AppError('ERR_QUOTA', `HuntAPI asks for payment: the account's credits are used up${said}. Top up at HuntAPI, or use another provider.`);
  if (s === 403) return new AppError('ERR_CREDENTIALS', `HuntAPI denied access${said}: ${CHECK_KEY}.`);
  if (s === 404 && stage === 'poll') return new AppError('ERR_PROVIDER_FAILED', `HuntAPI no longer knows this job (unknown or expired)${said}.`);
  if (s === 404) return new AppError('ERR_INVALID_INPUT', `HuntAPI has no download endpoint at this address${said}: check the HuntAPI base URL in Settings → Providers (huntapiBaseUrl).`);
  if (s === 429) {
    if (/quota|credit|plan|month|exceeded/i.test(text ?? '')) return new AppError('ERR_QUOTA', `HuntAPI's quota is used up${said}. Wait for it to renew, or use another provider.`);
    return new AppError('ERR_HTTP_429', `HuntAPI is rate-limiting requests (HTTP 429)${said}: ClipHarbor will retry later.`);
  }
  if (s >= 500) return new AppError('ERR_HTTP_5XX', `HuntAPI had a server error (HTTP ${s}): ClipHarbor will retry shortly.`);
  return new AppError('ERR_PROVIDER_FAILED', `HuntAPI answered HTTP ${s}${said}.`);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 360) / 10} h`;
}

