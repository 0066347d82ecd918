/**
 * Fake HuntAPI (PROTOCOLS.md §1): asynchronous download jobs. Create with GET (query string) or POST (JSON body) on
 * /v1/video/download, poll /v1/jobs/{id}; the key comes as the `x-api-key` header or the `x_api_key` query parameter;
 * errors are `{"error": "<text>"}`.
 *
 * Scenario controls (mutable between calls): a job created now answers `waitingStatus` for `pollsToFinish` polls,
 * then `outcome` (success or one of the documented failure forms); `createStatus`/`idField` pick the answer variant;
 * `faults`/`delays` inject one-off failures and slow answers per route. `created` counts jobs (each one is billed).
 */
import { randomUUID } from 'node:crypto';
import { answer, startFakeServer, type Fault, type FakeServer, type FaultControls, type RecordedCall, type Reply } from './common';

export type HuntapiRoute = 'create' | 'poll';
export type HuntapiOutcome = 'success' | 'error-status' | 'failed-job' | 'completed-unsuccessful' | 'top-level-error';

export const HUNTAPI_DOWNLOAD_TYPES = ['audio_video', 'audio', 'video'];
export const HUNTAPI_QUALITIES = ['best', '1080p', '720p', '480p', '360p'];
export const HUNTAPI_FORMATS = ['mp4', 'webm', 'mkv'];

export interface HuntapiScenario extends FaultControls<HuntapiRoute> {
  createStatus: 201 | 202;
  idField: 'job_id' | 'id';
  /** Polls a new job answers `waitingStatus` before its outcome. */
  pollsToFinish: number;
  /** QueuedJob, or a status the client does not know (it must keep polling). */
  waitingStatus: string;
  outcome: HuntapiOutcome;
  /** The service's text for failure outcomes. */
  errorText: string;
  /** `result.response` of a successful job. */
  fileUrl: string;
  metadata: Record<string, unknown> | null;
  /** Job JSON carries created_at this far in the past (a job created long ago, for deadline tests). */
  createdAgoMs: number;
  /** Leave created_at out of the job JSON. */
  omitCreatedAt: boolean;
}

export interface FakeJob {
  id: string;
  args: Record<string, string>;
  createdAt: number;
  polls: number;
  pollsToFinish: number;
  outcome: HuntapiOutcome;
}

export interface HuntapiFake extends FakeServer {
  scenario: HuntapiScenario;
  apiKey: string;
  jobs: Map<string, FakeJob>;
  /** Jobs created (billed), including those whose answer was lost. */
  created(): number;
  /** Back to the start: the default scenario (with `over` on top), no jobs, no recorded calls. */
  reset(over?: Partial<HuntapiScenario>): void;
}

export interface HuntapiFakeOptions {
  apiKey?: string;
  fileUrl?: string;
  scenario?: Partial<HuntapiScenario>;
}

export function huntapiError(status: number, text: string, headers?: Record<string, string>): Fault {
  return answer(status, { error: text }, headers);
}

/** The documented error answers, ready to queue as faults. */
export const HUNTAPI_ERRORS = {
  badRequest: () => huntapiError(400, 'Invalid value for parameter: video_quality'),
  unsupportedUrl: () => huntapiError(400, 'Unsupported URL: this link is not supported'),
  invalidKey: () => huntapiError(401, 'Invalid API key'),
  paymentRequired: () => huntapiError(402, 'Payment required: not enough credits'),
  forbidden: () => huntapiError(403, 'Your API key is not allowed to use this endpoint'),
  notFound: () => huntapiError(404, 'Job not found'),
  tooMany: (retryAfterSec?: number) =>
    huntapiError(429, 'Too many requests', retryAfterSec === undefined ? undefined : { 'Retry-After': String(retryAfterSec) }),
  quota: () => huntapiError(429, 'Monthly quota exceeded'),
  internal: () => huntapiError(500, 'Internal server error'),
} satisfies Record<string, (...args: never[]) => Fault>;

export async function startHuntapiFake(opts: HuntapiFakeOptions = {}): Promise<HuntapiFake> {
  const apiKey = opts.apiKey ?? 'hunt-test-key-77a1c3';
  const defaults = (): HuntapiScenario => ({
    faults: {},
    delays: {},
    createStatus: 201,
    idField: 'job_id',
    pollsToFinish: 2,
    waitingStatus: 'QueuedJob',
    outcome: 'success',
    errorText: 'Video unavailable: this video is private',
    fileUrl: opts.fileUrl ?? 'http://127.0.0.1:1/v/clip-1.mp4',
    metadata: { title: 'Fake HuntAPI video', thumbnail: 'https://i.example.test/thumb.jpg', duration: 5, width: 640, height: 360, resolution: '640x360', format: 'mp4' },
    createdAgoMs: 0,
    omitCreatedAt: false,
  });
  const scenario: HuntapiScenario = { ...defaults(), ...opts.scenario };
  const jobs = new Map<string, FakeJob>();

  const err = (status: number, text: string): Reply => ({ status, body: { error: text } });

  const createJob = (call: RecordedCall): Reply => {
    // GET sends the fields in the query string; POST in a JSON body (newer docs)
    const src: Record<string, unknown> =
      call.method === 'POST' && call.body && typeof call.body === 'object' ? (call.body as Record<string, unknown>) : call.query;
    const field = (name: string, fallback: string): string => (src[name] === undefined ? fallback : String(src[name]));
    const query = src.query === undefined ? '' : String(src.query);
    if (!query) return err(400, 'Missing required parameter: query');
    if (!/^https?:\/\/[^\s]+$/i.test(query)) return err(400, `Unsupported URL: ${query}`);
    const args = {
      query,
      download_type: field('download_type', 'audio_video'),
      video_format: field('video_format', 'mp4'),
      video_quality: field('video_quality', 'best'),
    };
    if (!HUNTAPI_DOWNLOAD_TYPES.includes(args.download_type)) return err(400, 'Invalid value for parameter: download_type');
    if (!HUNTAPI_FORMATS.includes(args.video_format)) return err(400, 'Invalid value for parameter: video_format');
    if (!HUNTAPI_QUALITIES.includes(args.video_quality)) return err(400, 'Invalid value for parameter: video_quality');
    const job: FakeJob = {
      id: randomUUID(),
      args,
      createdAt: Date.now() - scenario.createdAgoMs,
      polls: 0,
      pollsToFinish: scenario.pollsToFinish,
      outcome: scenario.outcome,
    };
    jobs.set(job.id, job);
    return { status: scenario.createStatus, body: { [scenario.idField]: job.id } };
  };

  const jobJson = (job: FakeJob): Record<string, unknown> => {
    const base: Record<string, unknown> = {
      id: job.id,
      status: scenario.waitingStatus,
      endpoint: '/v1/video/download',
      ...(scenario.omitCreatedAt ? {} : { created_at: new Date(job.createdAt).toISOString() }),
      started_at: job.polls > 0 ? new Date(job.createdAt + 1000).toISOString() : null,
      args: job.args,
    };
    if (job.polls <= job.pollsToFinish) return base;
    const done = { ...base, duration_ms: 4200 };
    switch (job.outcome) {
      case 'success':
        return {
          ...done,
          status: 'CompletedJob',
          success: true,
          result: { response: scenario.fileUrl, ...(scenario.metadata ? { metadata: scenario.metadata } : {}) },
        };
      case 'error-status':
        return { ...done, status: 'Error', error: scenario.errorText };
      case 'failed-job':
        return { ...done, status: 'FailedJob', success: false, result: { error: scenario.errorText } };
      case 'completed-unsuccessful':
        return { ...done, status: 'CompletedJob', success: false, result: { error: scenario.errorText } };
      case 'top-level-error':
        return { error: scenario.errorText };
    }
  };

  const server = await startFakeServer<HuntapiRoute>({
    controls: scenario,
    route(call) {
      if (call.path === '/v1/video/download' && (call.method === 'GET' || call.method === 'POST')) return 'create';
      if (call.method === 'GET' && /^\/v1\/jobs\/[^/]+$/.test(call.path)) return 'poll';
      return null;
    },
    notFound: () => err(404, 'Not found'),
    handle(route, call) {
      const header = call.headers['x-api-key'];
      const key = typeof header === 'string' ? header : call.query.x_api_key;
      if (!key) return err(401, 'Missing API key');
      if (key !== apiKey) return err(401, 'Invalid API key');
      if (route === 'create') return createJob(call);
      const job = jobs.get(decodeURIComponent(call.path.slice('/v1/jobs/'.length)));
      if (!job) return err(404, 'Job not found');
      job.polls++;
      return { status: 200, body: jobJson(job) };
    },
  });

  const reset = (over: Partial<HuntapiScenario> = {}): void => {
    for (const key of Object.keys(scenario)) delete (scenario as Partial<HuntapiScenario>)[key as keyof HuntapiScenario];
    Object.assign(scenario, defaults(), over);
    jobs.clear();
    server.calls.length = 0;
  };
  return { ...server, scenario, apiKey, jobs, created: () => jobs.size, reset };
}
