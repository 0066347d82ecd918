import { AppError } from '../../../shared/errors';
import type { HttpResponse } from '../net/http';
import type { CloudContext, CloudProvider, RemoteMedia } from './cloud';
import { asHttpUrl, asNumber, asObject, asString, sendBilled, serviceText, trimBase } from './cloud-http';
import { apifyResolution } from './quality-map';

const NO_TOKEN = 'no Apify token set (Settings → Providers, or APIFY_TOKEN)';
/** Apify holds a request open up to this long while the run works (its maximum). */
const WAIT_FOR_FINISH_SEC = 60;
/** A long poll must outlive the server's wait. */
const LONG_POLL_TIMEOUT_MS = (WAIT_FOR_FINISH_SEC + 30) * 1000;
/** Floor between polls, should a server answer a running run at once instead of holding the request. */
const MIN_POLL_SPACING_MS = 250;
const ABORT_TIMEOUT_MS = 10_000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED-OUT', 'ABORTED']);

interface Run {
  id: string;
  status: string;
  statusMessage: string | null;
  defaultDatasetId: string | null;
}

type Ctx = Pick<CloudContext, 'settings' | 'secret' | 'http' | 'log'>;
/** Which call failed: the same status means different things when starting a run and when reading it. */
type Stage = 'create' | 'poll' | 'dataset';

export const apify: CloudProvider = {
  name: 'apify',

  unavailable(ctx) {
    return ctx.secret('apifyToken') ? null : NO_TOKEN;
  },

  async resolve(job, ctx) {
    const token = ctx.secret('apifyToken');
    if (!token) throw new AppError('ERR_CREDENTIALS', `Cannot use Apify: ${NO_TOKEN}.`);
    const base = trimBase(ctx.settings.apifyBaseUrl);
    const headers = { Authorization: `Bearer ${token}` };
    const fail = (res: HttpResponse, stage: Stage, what: string): AppError => apifyFailure(res, stage, what, ctx, token);

    let run: Run | null = null;
    let runId: string;
    if (ctx.resumeRemoteId) {
      runId = ctx.resumeRemoteId;
      ctx.log.info({ provider: 'apify', runId }, 'resuming Apify run');
      ctx.detail.runId = runId;
    } else {
      const { resolution, note } = apifyResolution(job.quality);
      if (note) ctx.detail.note = note;
      const input = buildApifyInput(ctx.settings.apifyInputTemplate, job.url, resolution);
      const actor = encodeURIComponent(ctx.settings.apifyActor);
      const res = await sendBilled(
        ctx,
        {
          url: `${base}/v2/acts/${actor}/runs?waitForFinish=${WAIT_FOR_FINISH_SEC}`,
          method: 'POST',
          headers,
          json: input,
          timeoutMs: LONG_POLL_TIMEOUT_MS,
          signal: ctx.signal,
        },
        'Apify',
      );
      if (res.status < 200 || res.status >= 300) throw fail(res, 'create', 'the new run');
      run = parseRun(res.body);
      if (!run) throw new AppError('ERR_PROVIDER_FAILED', 'Apify accepted the run but did not say which run it started.');
      runId = run.id;
      ctx.setRemoteId(runId);
      ctx.log.info({ provider: 'apify', runId, status: run.status }, 'Apify run started');
      recordRun(ctx, run);
    }

    while (!run || !TERMINAL.has(run.status)) {
      if (run) ctx.onStatus(`Waiting for the Apify run (${run.status.toLowerCase()})…`);
      const started = ctx.now();
      const res = await ctx.http({
        url: `${base}/v2/actor-runs/${encodeURIComponent(runId)}?waitForFinish=${WAIT_FOR_FINISH_SEC}`,
        headers,
        timeoutMs: LONG_POLL_TIMEOUT_MS,
        signal: ctx.signal,
      });
      if (res.status !== 200) throw fail(res, 'poll', `run ${runId}`);
      const next = parseRun(res.body);
      if (!next) throw new AppError('ERR_PROVIDER_FAILED', `Apify answered with something that is not run ${runId}.`);
      if (next.status !== run?.status) ctx.log.info({ provider: 'apify', runId, status: next.status }, 'Apify run status');
      run = next;
      recordRun(ctx, run);
      const spent = ctx.now() - started;
      if (!TERMINAL.has(run.status) && spent < MIN_POLL_SPACING_MS) await ctx.sleep(MIN_POLL_SPACING_MS - spent, ctx.signal);
    }

    if (run.status !== 'SUCCEEDED') {
      const said = serviceText(run.statusMessage, [token]);
      if (said) ctx.detail.statusMessage = said;
      throw new AppError(
        'ERR_PROVIDER_FAILED',
        `The Apify run ended ${run.status}${said ? ` (${said})` : ''}: the actor could not get this video.`,
      );
    }
    if (!run.defaultDatasetId) throw new AppError('ERR_PROVIDER_FAILED', 'The Apify run succeeded but has no dataset to read the video from.');

    const res = await ctx.http({
      url: `${base}/v2/datasets/${encodeURIComponent(run.defaultDatasetId)}/items?clean=true&format=json`,
      headers,
      signal: ctx.signal,
    });
    if (res.status !== 200) throw fail(res, 'dataset', `the dataset of run ${runId}`);
    if (!Array.isArray(res.body)) throw new AppError('ERR_PROVIDER_FAILED', 'Apify answered the dataset request with something that is not a list.');
    return mediaFromItem(res.body[0], ctx.settings.apifyUrlKeys, token);
  },

  /** Aborts a canceled job's run so it stops using credit. Best effort: the job is canceled whatever happens here. */
  async cancel(remoteId: string, ctx: Ctx): Promise<void> {
    const token = ctx.secret('apifyToken');
    if (!token) return;
    const url = `${trimBase(ctx.settings.apifyBaseUrl)}/v2/actor-runs/${encodeURIComponent(remoteId)}/abort`;
    try {
      const res = await ctx.http(
        { url, method: 'POST', headers: { Authorization: `Bearer ${token}` }, timeoutMs: ABORT_TIMEOUT_MS },
        { maxRetries: 1 },
      );
      ctx.log.info({ provider: 'apify', runId: remoteId, status: res.status }, 'Apify run abort requested');
    } catch (err) {
      ctx.log.warn({ provider: 'apify', runId: remoteId, code: err instanceof AppError ? err.code : 'ERR_UNKNOWN' }, 'Apify run abort failed');
    }
  },
};

/**
 * The actor input from the template in Settings: `{{url}}` and `{{resolution}}` are replaced by JSON-escaped text
 * (the template puts them inside quotes), and the result must parse as a JSON object.
 */
function buildApifyInput(template: string, url: string, resolution: string): Record<string, unknown> {
  const escape = (s: string): string => JSON.stringify(s).slice(1, -1);
  const text = template.replaceAll('{{url}}', escape(url)).replaceAll('{{resolution}}', escape(resolution));
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (err) {
    throw new AppError(
      'ERR_INVALID_INPUT',
      `The Apify input template (Settings → Providers, apifyInputTemplate) is not valid JSON once the link is filled in: ${(err as Error).message}`,
    );
  }
  const obj = asObject(input);
  if (!obj) throw new AppError('ERR_INVALID_INPUT', 'The Apify input template (Settings → Providers, apifyInputTemplate) must be a JSON object.');
  return obj;
}

function parseRun(body: unknown): Run | null {
  const data = asObject(asObject(body)?.data);
  const id = asString(data?.id);
  const status = asString(data?.status);
  if (!data || !id || !status) return null;
  return { id, status, statusMessage: asString(data.statusMessage), defaultDatasetId: asString(data.defaultDatasetId) };
}

function recordRun(ctx: CloudContext, run: Run): void {
  ctx.detail.runId = run.id;
  ctx.detail.status = run.status;
}

function mediaFromItem(raw: unknown, urlKeys: string[], token: string): RemoteMedia {
  const item = asObject(raw);
  if (!item) throw new AppError('ERR_PROVIDER_FAILED', 'The Apify run finished without a result for this link (empty dataset).');
  const error = item.error;
  if (error !== undefined && error !== null && error !== false && error !== '') {
    const said = serviceText(typeof error === 'string' ? error : (asString(asObject(error)?.message) ?? JSON.stringify(error)), [token]);
    throw new AppError('ERR_PROVIDER_FAILED', `The Apify actor could not get this video${said ? ` (${said})` : ''}.`);
  }
  let url: string | null = null;
  for (const key of urlKeys) {
    url = asHttpUrl(item[key]);
    if (url) break;
  }
  if (!url) {
    throw new AppError(
      'ERR_PROVIDER_FAILED',
      `The Apify result has no download link under ${urlKeys.join(', ')}: if the actor names it differently, add that key in Settings → Providers (apifyUrlKeys).`,
    );
  }
  return {
    url,
    info: {
      title: asString(item.title),
      uploader: asString(item.channel) ?? asString(item.uploader) ?? asString(item.author),
      durationSec: asNumber(item.duration),
      videoId: asString(item.video_id) ?? asString(item.videoId),
      thumbnailUrl: asHttpUrl(item.thumbnail) ?? asHttpUrl(item.thumbnail_url) ?? asHttpUrl(item.thumbnailUrl),
      width: asNumber(item.width),
      height: asNumber(item.height),
    },
  };
}

/** Apify's `{"error": {"type", "message"}}` answers mapped to what the user can do about them (PROTOCOLS.md §2). */
function apifyFailure(res: HttpResponse, stage: Stage, what: string, ctx: CloudContext, token: string): AppError {
  const err = asObject(asObject(res.body)?.error);
  const type = asString(err?.type) ?? '';
  const text = serviceText(asString(err?.message) ?? res.text, [token]);
  const said = text ? ` (Apify: ${text})` : '';
  const s = res.status;
  if (s === 401) return new AppError('ERR_CREDENTIALS', `Apify refused the token${said}: check the Apify token in Settings → Providers (or APIFY_TOKEN).`);
  if (s === 402 || (s === 403 && /usage|limit|quota|credit|pay|plan|subscri|rent/i.test(type))) {
    return new AppError('ERR_QUOTA', `Apify will not run the actor on this account's credit or plan${said}: check your Apify usage and plan.`);
  }
  if (s === 403) return new AppError('ERR_CREDENTIALS', `Apify denied access${said}: check that the Apify token in Settings → Providers may run this actor.`);
  if (s === 404 && (type === 'actor-not-found' || stage === 'create')) {
    return new AppError('ERR_INVALID_INPUT', `Apify has no actor "${ctx.settings.apifyActor}"${said}: check the actor id in Settings → Providers (apifyActor).`);
  }
  if (s === 404) return new AppError('ERR_PROVIDER_FAILED', `Apify no longer knows ${what}${said}.`);
  if (s === 400 && type !== 'run-failed' && stage === 'create') {
    return new AppError('ERR_INVALID_INPUT', `Apify rejected the actor input${said}: check the input template in Settings → Providers (apifyInputTemplate).`);
  }
  if (s === 408) return new AppError('ERR_TIMEOUT', `The Apify run took too long${said}.`);
  if (s === 429) return new AppError('ERR_HTTP_429', `Apify is rate-limiting requests (HTTP 429)${said}: ClipHarbor will retry later.`);
  if (s >= 500) return new AppError('ERR_HTTP_5XX', `Apify had a server error (HTTP ${s}): ClipHarbor will retry shortly.`);
  return new AppError('ERR_PROVIDER_FAILED', `Apify answered HTTP ${s} for ${what}${said}.`);
}
