/**
 * The three cloud clients against faithful fakes of their services (tests/fakes), through the real HTTP layer,
 * real settings parsing and a real pino log file. The clients only resolve a page URL to a file URL; the file is
 * served by the local media server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SettingsSchema, type Quality, type SecretName, type Settings } from '../../src/shared/contract';
import { AppError, type ErrorCode } from '../../src/shared/errors';
import { createLogger, type Logger } from '../../src/main/engine/log';
import { httpRequest } from '../../src/main/engine/net/http';
import { sleep } from '../../src/main/engine/net/retry';
import type { CloudContext, CloudProvider, RemoteMedia } from '../../src/main/engine/providers/cloud';
import { apify } from '../../src/main/engine/providers/apify';
import { huntapi } from '../../src/main/engine/providers/huntapi';
import { scrapling } from '../../src/main/engine/providers/scrapling';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { APIFY_ERRORS, startApifyFake, type ApifyFake } from '../fakes/apify';
import { HUNTAPI_ERRORS, startHuntapiFake, type HuntapiFake, type HuntapiOutcome } from '../fakes/huntapi';
import { startScraplingFake, type ScraplingCode, type ScraplingFake } from '../fakes/scrapling';
import type { Fault } from '../fakes/common';

const YT = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
const TT = 'https://www.tiktok.com/@fake.creator/video/7234567890123456789';

let media: MediaServer;
let fileUrl: string;
let logDir: string;
let log: Logger;
/** Every secret handed to a client in this file: none may appear in an error or in the log. */
const secretsSeen = new Set<string>();

beforeAll(async () => {
  media = await startMediaServer();
  fileUrl = media.url('/v/clip-1.mp4');
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-cloud-'));
  log = createLogger(logDir, 'debug');
});

afterAll(async () => {
  await media.close();
  const text = fs.readFileSync(path.join(logDir, 'logs', 'clipharbor.log'), 'utf8');
  expect(text.length).toBeGreaterThan(0);
  for (const s of secretsSeen) expect(text).not.toContain(s);
  fs.rmSync(logDir, { recursive: true, force: true });
});

interface Harness {
  ctx: CloudContext;
  controller: AbortController;
  remoteIds: string[];
  statuses: string[];
}

function harness(opts: { settings?: Partial<Settings>; secrets?: Partial<Record<SecretName, string>>; resumeRemoteId?: string | null } = {}): Harness {
  const settings = SettingsSchema.parse({ httpMaxRetries: 2, ...opts.settings });
  const secrets = opts.secrets ?? {};
  for (const v of Object.values(secrets)) if (v) secretsSeen.add(v);
  const controller = new AbortController();
  const remoteIds: string[] = [];
  const statuses: string[] = [];
  const ctx: CloudContext = {
    settings,
    secret: (name) => secrets[name],
    signal: controller.signal,
    log,
    now: () => Date.now(),
    sleep,
    // the engine's policy with short backoff so retries stay quick; Retry-After still wins
    http: (req, policy) => httpRequest(req, { maxRetries: settings.httpMaxRetries, baseDelayMs: 20, capDelayMs: 200, maxRetryAfterMs: 5000, ...policy }),
    resumeRemoteId: opts.resumeRemoteId ?? null,
    setRemoteId: (id) => remoteIds.push(id),
    detail: {},
    onStatus: (m) => statuses.push(m),
  };
  return { ctx, controller, remoteIds, statuses };
}

/** The client's rejection as an AppError, after checking no secret leaked into it. */
async function failure(p: Promise<RemoteMedia>): Promise<AppError> {
  const err = await p.then(
    () => {
      throw new Error('expected the client to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const e = err as AppError;
  for (const s of secretsSeen) expect(e.message).not.toContain(s);
  return e;
}

async function expectCode(p: Promise<RemoteMedia>, code: ErrorCode, message?: RegExp): Promise<AppError> {
  const e = await failure(p);
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  return e;
}

function resolve(provider: CloudProvider, h: Harness, url = YT, quality: Quality = 'best'): Promise<RemoteMedia> {
  return provider.resolve({ url, quality }, h.ctx);
}

function times(n: number, fault: () => Fault): Fault[] {
  return Array.from({ length: n }, fault);
}

describe('Apify', () => {
  let fake: ApifyFake;
  const h = (o: Parameters<typeof harness>[0] = {}): Harness =>
    harness({ secrets: { apifyToken: fake.token }, ...o, settings: { apifyBaseUrl: fake.url, ...o.settings } });
  const count = (route: string): number =>
    fake.calls.filter((c) => {
      if (route === 'createRun') return c.method === 'POST' && /\/runs$/.test(c.path);
      if (route === 'getRun') return c.method === 'GET' && /^\/v2\/actor-runs\/[^/]+$/.test(c.path);
      if (route === 'abortRun') return /\/abort$/.test(c.path);
      return c.path.includes('/datasets/');
    }).length;

  beforeAll(async () => {
    fake = await startApifyFake({ fileUrl: 'unused' });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.runs.clear();
    Object.assign(fake.scenario, { faults: {}, delays: {}, pollsToFinish: 2, outcome: 'SUCCEEDED', statusMessage: null, items: null, fileUrl, syncTimesOut: false });
  });

  it('runs the actor, long-polls the run and returns the dataset item’s file', async () => {
    const x = h();
    const got = await resolve(apify, x);
    expect(got.url).toBe(fileUrl);
    expect(got.info.title).toBe('Fake video 1');
    expect(got.info.uploader).toBe('Fake Channel');
    const res = await fetch(got.url);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);

    expect(fake.runs.size).toBe(1);
    const run = [...fake.runs.values()][0]!;
    expect(x.remoteIds).toEqual([run.id]);
    expect(run.input).toEqual({ urls: [YT], resolution: '1080p', max_concurrent: 1 });
    expect(x.ctx.detail).toMatchObject({ runId: run.id, status: 'SUCCEEDED' });
    expect(x.statuses.some((s) => /running|ready/i.test(s))).toBe(true);
    const create = fake.calls[0]!;
    expect(create.path).toBe('/v2/acts/xtech~youtube-video-downloader/runs');
    expect(create.query.waitForFinish).toBe('60');
    expect(create.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(create.query.token).toBeUndefined();
    const items = fake.calls.find((c) => c.path.includes('/datasets/'))!;
    expect(items.query).toMatchObject({ clean: 'true', format: 'json' });
    expect(count('getRun')).toBe(2);
  });

  it('maps the quality to the actor’s resolution, audio as 360p with a note', async () => {
    await resolve(apify, h(), YT, '2160p');
    const audio = h();
    await resolve(apify, audio, YT, 'audio');
    const inputs = [...fake.runs.values()].map((r) => r.input.resolution);
    expect(inputs).toEqual(['2160p', '360p']);
    expect(String(audio.ctx.detail.note)).toMatch(/audio/i);
  });

  it('escapes the link into the input template and refuses a template that is not JSON', async () => {
    const odd = 'https://www.youtube.com/watch?v=a"b\\c';
    await resolve(apify, h(), odd);
    expect([...fake.runs.values()][0]!.input.urls).toEqual([odd]);
    fake.calls.length = 0;
    await expectCode(resolve(apify, h({ settings: { apifyInputTemplate: '{"urls": [{{url}}]}' } })), 'ERR_INVALID_INPUT', /apifyInputTemplate/);
    await expectCode(resolve(apify, h({ settings: { apifyInputTemplate: '["{{url}}"]' } })), 'ERR_INVALID_INPUT', /apifyInputTemplate/);
    expect(fake.calls).toHaveLength(0);
  });

  it.each(['FAILED', 'TIMED-OUT', 'ABORTED'] as const)('fails with the status message when the run ends %s', async (outcome) => {
    fake.scenario.outcome = outcome;
    fake.scenario.statusMessage = `The actor said: ${outcome.toLowerCase()} for a reason`;
    const x = h();
    const e = await expectCode(resolve(apify, x), 'ERR_PROVIDER_FAILED');
    expect(e.message).toContain(outcome);
    expect(e.message).toContain(`${outcome.toLowerCase()} for a reason`);
    expect(x.ctx.detail).toMatchObject({ status: outcome, statusMessage: `The actor said: ${outcome.toLowerCase()} for a reason` });
    expect(count('datasets')).toBe(0);
  });

  it('treats an empty dataset, an item with an error and an item without a link as failures', async () => {
    fake.scenario.items = () => [];
    await expectCode(resolve(apify, h()), 'ERR_PROVIDER_FAILED', /empty dataset/);
    fake.scenario.items = () => [{ error: 'Video is private', url: null }];
    await expectCode(resolve(apify, h()), 'ERR_PROVIDER_FAILED', /Video is private/);
    fake.scenario.items = () => [{ title: 'no link here', download_link: fileUrl }];
    await expectCode(resolve(apify, h()), 'ERR_PROVIDER_FAILED', /apifyUrlKeys/);
  });

  it('tries the URL keys from settings in order', async () => {
    fake.scenario.items = () => [{ downloadUrl: fileUrl, url: 'https://www.youtube.com/watch?v=page' }];
    expect((await resolve(apify, h())).url).toBe(fileUrl);
    fake.scenario.items = () => [{ media: { not: 'a string' }, fileLink: fileUrl }];
    expect((await resolve(apify, h({ settings: { apifyUrlKeys: ['media', 'fileLink'] } }))).url).toBe(fileUrl);
  });

  it('maps the documented errors', async () => {
    await expectCode(resolve(apify, h({ secrets: { apifyToken: 'apify-wrong-token-123' } })), 'ERR_CREDENTIALS', /Apify token/);
    await expectCode(resolve(apify, h({ settings: { apifyActor: 'someone~missing-actor' } })), 'ERR_INVALID_INPUT', /someone~missing-actor.*apifyActor/);
    await expectCode(resolve(apify, h({ settings: { apifyInputTemplate: '{"links": ["{{url}}"]}' } })), 'ERR_INVALID_INPUT', /input/i);
    fake.scenario.faults.createRun = [APIFY_ERRORS.notEnoughUsage()];
    await expectCode(resolve(apify, h()), 'ERR_QUOTA');
    fake.scenario.faults.createRun = [APIFY_ERRORS.actorNotRented()];
    await expectCode(resolve(apify, h()), 'ERR_QUOTA');
    fake.scenario.faults.createRun = [APIFY_ERRORS.insufficientPermissions()];
    await expectCode(resolve(apify, h()), 'ERR_CREDENTIALS');
    expect(fake.runs.size).toBe(0);
  });

  it('retries a 429 on create (with Retry-After) without starting a second run', async () => {
    fake.scenario.faults.createRun = [APIFY_ERRORS.rateLimited(1)];
    const got = await resolve(apify, h());
    expect(got.url).toBe(fileUrl);
    expect(count('createRun')).toBe(2);
    expect(fake.runs.size).toBe(1);
  });

  it('retries 429 without Retry-After and 5xx while polling and reading the dataset', async () => {
    fake.scenario.faults.getRun = [APIFY_ERRORS.rateLimited(), APIFY_ERRORS.internal()];
    fake.scenario.faults.datasetItems = [APIFY_ERRORS.unavailable()];
    expect((await resolve(apify, h())).url).toBe(fileUrl);
    expect(fake.runs.size).toBe(1);
  });

  it('gives up with ERR_HTTP_429 / ERR_HTTP_5XX once the retries are used', async () => {
    fake.scenario.faults.createRun = times(3, () => APIFY_ERRORS.rateLimited());
    await expectCode(resolve(apify, h()), 'ERR_HTTP_429');
    expect(count('createRun')).toBe(3);
    fake.scenario.faults.createRun = times(3, APIFY_ERRORS.internal);
    await expectCode(resolve(apify, h()), 'ERR_HTTP_5XX');
    expect(fake.runs.size).toBe(0);
  });

  it('never re-sends the create call when its answer is lost', async () => {
    fake.scenario.faults.createRun = [{ kind: 'dropAfterWork' }];
    const x = h();
    const e = await expectCode(resolve(apify, x), 'ERR_NETWORK', /not billed twice/);
    expect(e.message).not.toContain('?');
    expect(count('createRun')).toBe(1);
    expect(fake.runs.size).toBe(1);
    expect(x.remoteIds).toEqual([]);
  });

  it('survives a dropped connection and slow answers while polling', async () => {
    fake.scenario.faults.getRun = [{ kind: 'drop' }];
    fake.scenario.delays = { createRun: 300, getRun: 150, datasetItems: 200 };
    expect((await resolve(apify, h())).url).toBe(fileUrl);
    expect(fake.runs.size).toBe(1);
  });

  it('resumes an interrupted run instead of starting another, and aborts it on cancel', async () => {
    fake.scenario.pollsToFinish = 1000;
    const first = h({ settings: {} });
    first.ctx.setRemoteId = (id) => {
      first.remoteIds.push(id);
      first.controller.abort();
    };
    await expectCode(resolve(apify, first), 'ERR_CANCELED');
    const [runId] = first.remoteIds;
    expect(runId).toBeDefined();

    const again = h({ resumeRemoteId: runId! });
    fake.runs.get(runId!)!.pollsToFinish = 2;
    expect((await resolve(apify, again)).url).toBe(fileUrl);
    expect(again.remoteIds).toEqual([]);
    expect(count('createRun')).toBe(1);
    expect(fake.runs.size).toBe(1);

    fake.scenario.pollsToFinish = 1000;
    const third = h();
    third.ctx.setRemoteId = (id) => {
      third.remoteIds.push(id);
      third.controller.abort();
    };
    await expectCode(resolve(apify, third), 'ERR_CANCELED');
    await apify.cancel!(third.remoteIds[0]!, third.ctx);
    expect(count('abortRun')).toBe(1);
    const run = fake.runs.get(third.remoteIds[0]!)!;
    expect(run.aborted).toBe(true);
    // an unknown run or an unreachable service: cancel is best effort and never throws
    await apify.cancel!('noSuchRun', third.ctx);
    await apify.cancel!('noSuchRun', h({ settings: { apifyBaseUrl: 'http://127.0.0.1:9' } }).ctx);
  });

  it('fails a resumed run the service no longer knows', async () => {
    await expectCode(resolve(apify, h({ resumeRemoteId: 'goneRun0000000001' })), 'ERR_PROVIDER_FAILED', /goneRun0000000001/);
    expect(count('createRun')).toBe(0);
  });

  it('is unavailable without a token and never calls the service', async () => {
    const x = h({ secrets: {} });
    expect(apify.unavailable(x.ctx)).toMatch(/no Apify token/);
    expect(apify.unavailable(h().ctx)).toBeNull();
    await expectCode(resolve(apify, x), 'ERR_CREDENTIALS');
    expect(fake.calls).toHaveLength(0);
  });

  it('the fake speaks the documented extras: ?token= auth, run-sync with 201/400/408, abort', async () => {
    const sync = `${fake.url}/v2/acts/${encodeURIComponent('xtech~youtube-video-downloader')}/run-sync-get-dataset-items?token=${fake.token}`;
    const body = JSON.stringify({ urls: [YT], resolution: '720p' });
    const post = (url: string): Promise<Response> => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    let res = await post(sync);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual([expect.objectContaining({ download_url: fileUrl })]);
    fake.scenario.outcome = 'FAILED';
    res = await post(sync);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('run-failed');
    fake.scenario.outcome = 'SUCCEEDED';
    fake.scenario.syncTimesOut = true;
    res = await post(sync);
    expect(res.status).toBe(408);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('run-timeout-exceeded');
    res = await post(sync.replace(fake.token, 'nope'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { type: 'token-not-valid', message: expect.any(String) } });
  });
});

describe('HuntAPI', () => {
  let fake: HuntapiFake;
  const fast = { huntapiPollIntervalSec: 0.01, huntapiMaxPollIntervalSec: 0.05 };
  const h = (o: Parameters<typeof harness>[0] = {}): Harness =>
    harness({ secrets: { huntapiToken: fake.apiKey }, ...o, settings: { huntapiBaseUrl: fake.url, ...fast, ...o.settings } });
  const creates = (): number => fake.calls.filter((c) => c.path === '/v1/video/download').length;
  const polls = (): number => fake.calls.filter((c) => c.path.startsWith('/v1/jobs/')).length;

  beforeAll(async () => {
    fake = await startHuntapiFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset({ fileUrl }));

  it('creates one job, polls until it completes and returns result.response with metadata', async () => {
    fake.scenario.pollsToFinish = 4;
    const x = h();
    const got = await resolve(huntapi, x);
    expect(got.url).toBe(fileUrl);
    expect(got.info).toMatchObject({ title: 'Fake HuntAPI video', durationSec: 5, width: 640, height: 360, thumbnailUrl: 'https://i.example.test/thumb.jpg' });
    expect(fake.created()).toBe(1);
    expect(creates()).toBe(1);
    expect(polls()).toBe(5);
    const jobId = [...fake.jobs.keys()][0]!;
    expect(x.remoteIds).toEqual([jobId]);
    expect(x.ctx.detail).toMatchObject({ jobId, status: 'CompletedJob' });
    expect(x.statuses.filter((s) => s.includes('QueuedJob'))).toHaveLength(4);
    const create = fake.calls[0]!;
    expect(create.method).toBe('GET');
    expect(create.query).toEqual({ query: YT, download_type: 'audio_video', video_format: 'mp4', video_quality: 'best' });
    expect(create.headers['x-api-key']).toBe(fake.apiKey);
  });

  it('accepts the 202 + "id" answer variant, unknown waiting statuses and a missing created_at', async () => {
    Object.assign(fake.scenario, { createStatus: 202, idField: 'id', waitingStatus: 'ProcessingJob', omitCreatedAt: true });
    const x = h();
    expect((await resolve(huntapi, x, YT, '720p')).url).toBe(fileUrl);
    expect(fake.calls[0]!.query.video_quality).toBe('720p');
    expect(x.statuses.some((s) => s.includes('ProcessingJob'))).toBe(true);
  });

  it('asks for audio only when the quality is audio', async () => {
    await resolve(huntapi, h(), YT, 'audio');
    expect(fake.calls[0]!.query.download_type).toBe('audio');
  });

  it.each<HuntapiOutcome>(['error-status', 'failed-job', 'completed-unsuccessful', 'top-level-error'])(
    'reports the failure form %s with the service’s text',
    async (outcome) => {
      Object.assign(fake.scenario, { outcome, errorText: `Could not fetch (${outcome})` });
      const e = await expectCode(resolve(huntapi, h()), 'ERR_PROVIDER_FAILED');
      expect(e.message).toContain(`Could not fetch (${outcome})`);
      expect(fake.created()).toBe(1);
    },
  );

  it('maps the documented create errors without creating a job', async () => {
    const cases: Array<[Fault, ErrorCode, RegExp?]> = [
      [HUNTAPI_ERRORS.unsupportedUrl(), 'ERR_UNSUPPORTED_URL'],
      [HUNTAPI_ERRORS.badRequest(), 'ERR_INVALID_INPUT', /video_quality/],
      [HUNTAPI_ERRORS.paymentRequired(), 'ERR_QUOTA'],
      [HUNTAPI_ERRORS.forbidden(), 'ERR_CREDENTIALS', /check the HuntAPI key in Settings → Providers/],
    ];
    for (const [fault, code, re] of cases) {
      fake.scenario.faults.create = [fault];
      await expectCode(resolve(huntapi, h()), code, re);
    }
    await expectCode(resolve(huntapi, h({ secrets: { huntapiToken: 'hunt-wrong-key-999' } })), 'ERR_CREDENTIALS', /check the HuntAPI key in Settings → Providers/);
    await expectCode(resolve(huntapi, h(), 'not a link'), 'ERR_UNSUPPORTED_URL', /Unsupported URL/);
    expect(fake.created()).toBe(0);
    expect(polls()).toBe(0);
  });

  it('retries 429 (with and without Retry-After) and 500 on create, then creates exactly one job', async () => {
    fake.scenario.faults.create = [HUNTAPI_ERRORS.tooMany(1), HUNTAPI_ERRORS.internal()];
    expect((await resolve(huntapi, h())).url).toBe(fileUrl);
    expect(creates()).toBe(3);
    expect(fake.created()).toBe(1);
    fake.calls.length = 0;
    fake.scenario.faults.create = [HUNTAPI_ERRORS.tooMany()];
    expect((await resolve(huntapi, h())).url).toBe(fileUrl);
    expect(creates()).toBe(2);
    expect(fake.created()).toBe(2);
  });

  it('gives up on persistent 429/500 with the right code', async () => {
    fake.scenario.faults.create = times(3, HUNTAPI_ERRORS.quota);
    await expectCode(resolve(huntapi, h()), 'ERR_QUOTA');
    fake.scenario.faults.create = times(3, () => HUNTAPI_ERRORS.tooMany());
    await expectCode(resolve(huntapi, h()), 'ERR_HTTP_429');
    fake.scenario.faults.create = times(3, HUNTAPI_ERRORS.internal);
    await expectCode(resolve(huntapi, h()), 'ERR_HTTP_5XX');
    expect(creates()).toBe(9);
    expect(fake.created()).toBe(0);
  });

  it('never re-sends the billed create call when the connection drops or the answer is lost', async () => {
    fake.scenario.faults.create = [{ kind: 'dropAfterWork' }];
    const x = h();
    await expectCode(resolve(huntapi, x), 'ERR_NETWORK', /not billed twice/);
    expect(creates()).toBe(1);
    expect(fake.created()).toBe(1);
    expect(x.remoteIds).toEqual([]);
    fake.scenario.faults.create = [{ kind: 'drop' }];
    await expectCode(resolve(huntapi, h()), 'ERR_NETWORK');
    expect(creates()).toBe(2);
  });

  it('keeps polling through dropped connections, 5xx and 429 on the free poll endpoint', async () => {
    fake.scenario.faults.poll = [{ kind: 'drop' }, HUNTAPI_ERRORS.internal(), HUNTAPI_ERRORS.tooMany(), { kind: 'delay', ms: 200 }];
    fake.scenario.delays.create = 250;
    expect((await resolve(huntapi, h())).url).toBe(fileUrl);
    expect(fake.created()).toBe(1);
    expect(creates()).toBe(1);
  });

  it('resumes the job of an interrupted attempt without creating another', async () => {
    fake.scenario.pollsToFinish = 1000;
    const first = h();
    first.ctx.setRemoteId = (id) => {
      first.remoteIds.push(id);
      first.controller.abort();
    };
    await expectCode(resolve(huntapi, first), 'ERR_CANCELED');
    const jobId = first.remoteIds[0]!;
    fake.jobs.get(jobId)!.pollsToFinish = 3;
    const again = h({ resumeRemoteId: jobId });
    expect((await resolve(huntapi, again)).url).toBe(fileUrl);
    expect(again.remoteIds).toEqual([]);
    expect(creates()).toBe(1);
    expect(fake.created()).toBe(1);
  });

  it('fails a resumed job the service does not know (404)', async () => {
    await expectCode(resolve(huntapi, h({ resumeRemoteId: 'b9a1e1c2-0000-4000-8000-000000000000' })), 'ERR_PROVIDER_FAILED', /unknown or expired/);
    expect(creates()).toBe(0);
  });

  it('stops at the deadline counted from the job’s creation, also on resume', async () => {
    fake.scenario.pollsToFinish = 100_000;
    await expectCode(resolve(huntapi, h({ settings: { huntapiMaxPollSec: 1, huntapiPollIntervalSec: 0.05, huntapiMaxPollIntervalSec: 0.2 } })), 'ERR_TIMEOUT', /huntapiMaxPollSec/);
    expect(fake.created()).toBe(1);

    // a job created 2 h ago with a 1 h limit: the first poll tells its age and the client stops at once
    fake.scenario.createdAgoMs = 2 * 3600_000;
    const x = h({ settings: { huntapiMaxPollSec: 3600 } });
    x.ctx.setRemoteId = (id) => {
      x.remoteIds.push(id);
      x.controller.abort();
    };
    await expectCode(resolve(huntapi, x), 'ERR_CANCELED');
    fake.calls.length = 0;
    await expectCode(resolve(huntapi, h({ resumeRemoteId: x.remoteIds[0]!, settings: { huntapiMaxPollSec: 3600 } })), 'ERR_TIMEOUT');
    expect(polls()).toBe(1);
    expect(creates()).toBe(0);
  });

  it('is unavailable without a key', async () => {
    expect(huntapi.unavailable(h({ secrets: {} }).ctx)).toMatch(/no HuntAPI key/);
    expect(huntapi.unavailable(h().ctx)).toBeNull();
    await expectCode(resolve(huntapi, h({ secrets: {} })), 'ERR_CREDENTIALS');
    expect(fake.calls).toHaveLength(0);
  });

  it('the fake accepts POST with a JSON body and the x_api_key query parameter', async () => {
    const res = await fetch(`${fake.url}/v1/video/download?x_api_key=${fake.apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: YT, download_type: 'video', video_quality: '480p' }),
    });
    expect(res.status).toBe(201);
    const { job_id: id } = (await res.json()) as { job_id: string };
    expect(fake.jobs.get(id)!.args).toMatchObject({ download_type: 'video', video_quality: '480p' });
    const job = await fetch(`${fake.url}/v1/jobs/${id}`, { headers: { 'x-api-key': fake.apiKey } });
    expect(await job.json()).toMatchObject({ id, status: 'QueuedJob', endpoint: '/v1/video/download', args: { query: YT } });
    expect((await fetch(`${fake.url}/v1/jobs/${id}`)).status).toBe(401);
  });
});

describe('Scrapling TikTok service', () => {
  let fake: ScraplingFake;
  const h = (o: Parameters<typeof harness>[0] = {}): Harness =>
    harness({ ...o, settings: { scraplingHost: '127.0.0.1', scraplingPort: fake.port, tiktokStrategy: 'scrapling-api', ...o.settings } });
  const downloads = (): number => fake.calls.filter((c) => c.path === '/tiktok/download').length;

  beforeAll(async () => {
    fake = await startScraplingFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.headfulFlags.length = 0;
    Object.assign(fake.scenario, { faults: {}, delays: {}, headless: 'success', headful: 'success', fileUrl, nulls: false, fileSize: 1_234_567 });
  });

  it('resolves a link headless in one call, with the Referer, size cap and video info', async () => {
    const x = h({ settings: { tiktokMaxFileSizeMb: 50 } });
    const got = await resolve(scrapling, x, TT);
    expect(got).toEqual({
      url: fileUrl,
      headers: { Referer: 'https://tikvid.io' },
      maxBytes: 50 * 1024 * 1024,
      info: {
        videoId: '7234567890123456789',
        title: 'Fake TikTok clip',
        uploader: 'fake.creator',
        durationSec: 5,
        thumbnailUrl: 'https://p16.example.test/thumb.jpeg',
      },
    });
    expect(fake.calls[0]!.body).toEqual({ url: TT, force_headful: false });
    expect(fake.headfulFlags).toEqual([false]);
    expect(x.ctx.detail).toEqual({ strategy: 'scrapling-api', headful: false, execution_time: 4.32, file_size: 1_234_567, error_code: null });
    const res = await fetch(got.url, { headers: got.headers });
    expect(res.status).toBe(200);
  });

  it('parses a success body with nulls', async () => {
    fake.scenario.nulls = true;
    const x = h();
    const got = await resolve(scrapling, x, TT);
    expect(got.url).toBe(fileUrl);
    expect(got.info).toMatchObject({ title: null, uploader: null, durationSec: null, thumbnailUrl: null });
    expect(x.ctx.detail.file_size).toBeNull();
  });

  it.each<ScraplingCode>(['NAVIGATION_FAILED', 'NO_DOWNLOAD_LINK', 'DOWNLOAD_FAILED'])('retries once headful after %s', async (code) => {
    fake.scenario.headless = code;
    const x = h();
    expect((await resolve(scrapling, x, TT)).url).toBe(fileUrl);
    expect(downloads()).toBe(2);
    expect(fake.headfulFlags).toEqual([false, true]);
    expect(x.ctx.detail).toMatchObject({ headful: true, error_code: null, execution_time: 9.87 });
  });

  it('fails after the one headful retry fails too', async () => {
    Object.assign(fake.scenario, { headless: 'NAVIGATION_FAILED', headful: 'NO_DOWNLOAD_LINK' });
    const x = h();
    await expectCode(resolve(scrapling, x, TT), 'ERR_PROVIDER_FAILED', /NO_DOWNLOAD_LINK/);
    expect(fake.headfulFlags).toEqual([false, true]);
    expect(x.ctx.detail).toMatchObject({ error_code: 'NO_DOWNLOAD_LINK', headful: true });
  });

  it('fails fast, in exactly one call, on the INVALID_* codes and on a 422', async () => {
    await expectCode(resolve(scrapling, h(), 'https://example.com/not-tiktok'), 'ERR_UNSUPPORTED_URL');
    expect(downloads()).toBe(1);
    await expectCode(resolve(scrapling, h(), 'https://www.tiktok.com/@someone'), 'ERR_UNSUPPORTED_URL');
    expect(downloads()).toBe(2);
    fake.scenario.headless = 'INVALID_VIDEO';
    await expectCode(resolve(scrapling, h(), TT), 'ERR_UNAVAILABLE');
    expect(downloads()).toBe(3);
    await expectCode(resolve(scrapling, h(), 'not a url'), 'ERR_INVALID_INPUT', /url: Input should be a valid URL/);
    expect(downloads()).toBe(4);
    expect(fake.headfulFlags).toEqual([false, false, false]);
  });

  it('retries headful after a bare 5xx, a dropped connection, and survives a slow answer', async () => {
    fake.scenario.faults.download = [{ kind: 'answer', status: 502, text: 'Bad Gateway' }];
    expect((await resolve(scrapling, h(), TT)).url).toBe(fileUrl);
    expect(fake.calls.map((c) => (c.body as { force_headful: boolean }).force_headful)).toEqual([false, true]);
    fake.calls.length = 0;
    fake.scenario.faults.download = [{ kind: 'drop' }];
    fake.scenario.delays.download = 300;
    expect((await resolve(scrapling, h(), TT)).url).toBe(fileUrl);
    expect(fake.calls.map((c) => (c.body as { force_headful: boolean }).force_headful)).toEqual([false, true]);
  });

  it('names the host:port setting when the service is unreachable or keeps dropping', async () => {
    fake.scenario.faults.download = [{ kind: 'drop' }, { kind: 'drop' }];
    await expectCode(resolve(scrapling, h(), TT), 'ERR_NETWORK', new RegExp(`127\\.0\\.0\\.1:${fake.port}.*scraplingHost`));
    expect(downloads()).toBe(2);
    await expectCode(resolve(scrapling, h({ settings: { scraplingPort: 9 } }), TT), 'ERR_NETWORK', /127\.0\.0\.1:9.*scraplingPort/);
    fake.scenario.faults.download = times(2, () => ({ kind: 'answer', status: 500, text: 'Internal Server Error' }));
    await expectCode(resolve(scrapling, h(), TT), 'ERR_HTTP_5XX');
  });

  it('needs no credentials and logs its facts with the strategy', async () => {
    expect(scrapling.unavailable(h().ctx)).toBeNull();
    fake.scenario.headless = 'DOWNLOAD_FAILED';
    await resolve(scrapling, h(), TT);
    const lines = fs
      .readFileSync(path.join(logDir, 'logs', 'clipharbor.log'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const facts = lines.filter((l) => l.provider === 'scrapling' && l.strategy === 'scrapling-api' && 'execution_time' in l);
    expect(facts.some((l) => l.error_code === 'DOWNLOAD_FAILED' && l.execution_time === 4.32)).toBe(true);
    expect(facts.some((l) => l.error_code === null && l.file_size === 1_234_567)).toBe(true);
  });

  it('the fake answers /health and FastAPI 422 details for bad bodies', async () => {
    expect(await (await fetch(`${fake.url}/health`)).json()).toEqual({ status: 'healthy' });
    const post = (body: string): Promise<Response> =>
      fetch(`${fake.url}/tiktok/download`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const extra = await post(JSON.stringify({ url: TT, force_headful: false, cookies: 'x' }));
    expect(extra.status).toBe(422);
    expect(await extra.json()).toEqual({ detail: [expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'cookies'] })] });
    const missing = await post('{}');
    expect(((await missing.json()) as { detail: Array<{ type: string }> }).detail[0]!.type).toBe('missing');
    expect((await post('{nope')).status).toBe(422);
    const bad = await post(JSON.stringify({ url: TT, force_headful: 'sometimes' }));
    expect(((await bad.json()) as { detail: Array<{ type: string }> }).detail[0]!.type).toBe('bool_parsing');
  });
});
