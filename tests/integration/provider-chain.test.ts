/**
 * The provider chain end to end: the real engine, real yt-dlp (YouTube is unreachable here, so it fails like it
 * does offline), the fake Apify/HuntAPI/Scrapling services answering as PROTOCOLS.md says, and real files from the
 * local media server streamed by the direct downloader, validated and finalized like any download.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Settings } from '../../src/shared/contract';
import { startApifyFake, APIFY_ERRORS, type ApifyFake } from '../fakes/apify';
import { startHuntapiFake, type HuntapiFake } from '../fakes/huntapi';
import { startScraplingFake, type ScraplingFakeOptions } from '../fakes/scrapling';
import { download, makeEngine, stopAll, tempDir, waitFor } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { runCli, runTool } from '../support/run';
import type { FinishedLine } from '../../src/main/cli/index';

let media: MediaServer;
let apifyFake: ApifyFake;
let huntFake: HuntapiFake;
const fakes: Array<{ close(): Promise<void> }> = [];

const YT = 'https://www.youtube.com/watch?v=aBcDeFgHiJ0';

beforeAll(async () => {
  media = await startMediaServer();
});
afterAll(async () => {
  await media?.close();
});
afterEach(async () => {
  await stopAll();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  media.reset();
});

async function services(apify: Parameters<typeof startApifyFake>[0] = {}, hunt: Parameters<typeof startHuntapiFake>[0] = {}) {
  apifyFake = await startApifyFake({ fileUrl: media.url('/v/clip-1.mp4'), ...apify });
  huntFake = await startHuntapiFake({ fileUrl: media.url('/v/clip-2.mp4'), ...hunt });
  fakes.push(apifyFake, huntFake);
  return { apifyFake, huntFake };
}

function chainEngine(opts: { tokens?: boolean; overrides?: Partial<Settings>; dataDir?: string; libraryDir?: string; clock?: () => number } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, APIFY_BASE_URL: apifyFake.url, HUNTAPI_BASE_URL: huntFake.url };
  if (opts.tokens !== false) {
    env.APIFY_TOKEN = apifyFake.token;
    env.HUNTAPI_TOKEN = huntFake.apiKey;
  }
  return makeEngine({
    env,
    dataDir: opts.dataDir,
    libraryDir: opts.libraryDir,
    clock: opts.clock,
    overrides: { maxRetries: 0, huntapiPollIntervalSec: 0.01, huntapiMaxPollIntervalSec: 0.05, httpMaxRetries: 1, ...opts.overrides },
  });
}

function logText(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, 'logs', 'clipharbor.log'), 'utf8');
}

describe('YouTube fallback chain: yt-dlp → apify → huntapi', () => {
  it('lands the file through Apify when yt-dlp cannot reach YouTube, and records both attempts', async () => {
    await services();
    const { engine, libraryDir } = chainEngine();
    const [job] = await download(engine, [YT]);
    expect(job!.state).toBe('completed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => [a.provider, a.error === null, a.fallback])).toEqual([
      ['yt-dlp', false, false],
      ['apify', true, true],
    ]);
    expect(attempts[0]!.error!.code).toMatch(/^ERR_/);
    expect(attempts[1]!.remoteId).toBe([...apifyFake.runs.keys()][0]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item).toMatchObject({ source: 'youtube', extractor: 'youtube', videoId: 'aBcDeFgHiJ0' });
    expect(fs.existsSync(path.join(libraryDir, item.path))).toBe(true);
    expect(item.durationSec).toBeGreaterThan(0);
    // the actor got the page and our quality mapping (best → 1080p)
    const create = apifyFake.calls.find((c) => c.method === 'POST' && c.path.endsWith('/runs'))!;
    expect(create.body).toMatchObject({ urls: [YT], resolution: '1080p' });
    expect(huntFake.created()).toBe(0);
  });

  it('falls through to HuntAPI when the Apify run FAILED, which completes after several polls', async () => {
    await services({ scenario: { outcome: 'FAILED' } }, { scenario: { pollsToFinish: 4 } });
    const { engine } = chainEngine();
    const [job] = await download(engine, [YT]);
    expect(job!.state).toBe('completed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => [a.provider, a.error?.code ?? null])).toEqual([
      ['yt-dlp', attempts[0]!.error!.code],
      ['apify', 'ERR_PROVIDER_FAILED'],
      ['huntapi', null],
    ]);
    expect(huntFake.created()).toBe(1);
    const [hj] = [...huntFake.jobs.values()];
    expect(hj!.polls).toBeGreaterThan(4);
    expect(attempts[2]!.remoteId).toBe(hj!.id);
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item.title).toBe('Fake HuntAPI video');
  });

  it('fails with the first provider’s error when every provider fails, listing every attempt', async () => {
    await services({ scenario: { outcome: 'FAILED' } }, { scenario: { outcome: 'failed-job' } });
    const { engine } = chainEngine();
    const [job] = await download(engine, [YT]);
    expect(job!.state).toBe('failed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => a.provider)).toEqual(['yt-dlp', 'apify', 'huntapi']);
    expect(attempts.every((a) => a.error && a.endedAt !== null)).toBe(true);
    expect(job!.error).toEqual(attempts[0]!.error);
    expect(attempts.map((a) => a.fallback)).toEqual([false, true, true]);
  });

  it('skips providers without credentials, saying why in the log', async () => {
    await services();
    const { engine, dataDir } = chainEngine({ tokens: false });
    const [job] = await download(engine, [YT]);
    expect(job!.state).toBe('failed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => a.provider)).toEqual(['yt-dlp']);
    expect(apifyFake.calls).toHaveLength(0);
    const log = logText(dataDir);
    expect(log).toMatch(/"provider":"apify","reason":"[^"]*token/i);
    expect(log).toMatch(/"provider":"huntapi","reason":"[^"]*(key|token)/i);
  });

  it('follows the per-site order and enabled providers from settings', async () => {
    await services();
    const { engine } = chainEngine({ overrides: { providerOrder: { youtube: ['huntapi', 'apify', 'yt-dlp'], instagram: ['yt-dlp'], direct: ['direct'], other: ['yt-dlp'] }, disabledProviders: ['apify'] } });
    const [job] = await download(engine, [YT]);
    expect(job!.state).toBe('completed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => [a.provider, a.error])).toEqual([['huntapi', null]]);
    expect(apifyFake.calls).toHaveLength(0);
  });

  it('never shows or logs the tokens', async () => {
    await services({ scenario: { outcome: 'FAILED' } }, { scenario: { outcome: 'error-status' } });
    const { engine, dataDir } = chainEngine();
    const [job] = await download(engine, [YT]);
    const details = JSON.stringify(await engine.call('jobs.get', { id: job!.id }));
    const exported = [(await engine.call('stats.export', { format: 'json' })).content, (await engine.call('stats.export', { format: 'csv' })).content].join('\n');
    const settings = JSON.stringify(await engine.call('settings.get', {}));
    for (const secret of [apifyFake.token, huntFake.apiKey]) {
      expect(details).not.toContain(secret);
      expect(exported).not.toContain(secret);
      expect(settings).not.toContain(secret);
      expect(logText(dataDir)).not.toContain(secret);
    }
    const status = await engine.call('secrets.status', {});
    expect(status.set).toMatchObject({ apifyToken: true, huntapiToken: true });
    expect(status.fromEnv).toMatchObject({ apifyToken: 'APIFY_TOKEN', huntapiToken: 'HUNTAPI_TOKEN', pexelsApiKey: null });
  });
});

describe('resuming remote jobs', () => {
  it('a restart during HuntAPI polling resumes the same job id and never creates a second one', async () => {
    await services({}, { scenario: { pollsToFinish: 1_000_000 } });
    const dataDir = tempDir('chain-data');
    const libraryDir = tempDir('chain-lib');
    const overrides: Partial<Settings> = { providerOrder: { youtube: ['huntapi'], instagram: ['yt-dlp'], direct: ['direct'], other: ['yt-dlp'] } };
    const first = chainEngine({ dataDir, libraryDir, overrides });
    const { jobs } = await first.engine.call('jobs.add', { urls: [YT] });
    const id = jobs[0]!.id;
    await first.engine.start();
    await waitFor(() => [...huntFake.jobs.values()].some((j) => j.polls >= 3), 20_000, 'HuntAPI polls');
    const remote = first.engine.jobs.lastAttempt(id)!.remoteId;
    expect(remote).toBe([...huntFake.jobs.keys()][0]);
    await first.engine.stop();

    // the service finishes the job while we are away
    const hj = huntFake.jobs.get(remote!)!;
    hj.pollsToFinish = hj.polls;
    const second = chainEngine({ dataDir, libraryDir, overrides });
    expect(second.engine.jobs.require(id).state).toBe('queued');
    await second.engine.start();
    await second.engine.waitForJobs([id]);
    const { job, attempts } = await second.engine.call('jobs.get', { id });
    expect(job.state).toBe('completed');
    expect(huntFake.created()).toBe(1);
    expect(attempts.map((a) => [a.provider, a.remoteId, a.error?.code ?? null])).toEqual([
      ['huntapi', remote, 'ERR_CANCELED'],
      ['huntapi', remote, null],
    ]);
    expect(attempts[1]!.detail).toMatchObject({ resumed: true });
  });
});

describe('circuit breaker', () => {
  it('opens after 5 consecutive service failures, skips the provider, and closes again after a half-open success', async () => {
    await services();
    let now = Date.now();
    const overrides: Partial<Settings> = { providerOrder: { youtube: ['apify'], instagram: ['yt-dlp'], direct: ['direct'], other: ['yt-dlp'] }, httpMaxRetries: 0 };
    const { engine } = chainEngine({ overrides, clock: () => now });
    for (let i = 0; i < 5; i++) apifyFake.scenario.faults.createRun = [...(apifyFake.scenario.faults.createRun ?? []), APIFY_ERRORS.internal()];
    const urls = Array.from({ length: 5 }, (_, i) => `https://www.youtube.com/watch?v=bReAkEr000${i}`);
    const failed = await download(engine, urls);
    expect(failed.map((j) => j.error?.code)).toEqual(Array(5).fill('ERR_HTTP_5XX'));
    let health = (await engine.call('providers.health', {})).providers.find((p) => p.provider === 'apify')!;
    expect(health).toMatchObject({ breaker: 'open', consecutiveFailures: 5 });
    expect(health.lastError?.code).toBe('ERR_HTTP_5XX');

    const callsBefore = apifyFake.calls.length;
    const [skipped] = await download(engine, ['https://www.youtube.com/watch?v=bReAkEr0005']);
    expect(skipped!.error?.code).toBe('ERR_NO_PROVIDER');
    expect(skipped!.error?.message).toMatch(/apify: paused/);
    expect(apifyFake.calls.length).toBe(callsBefore);

    now += 61_000;
    const [ok] = await download(engine, ['https://www.youtube.com/watch?v=bReAkEr0006']);
    expect(ok!.state).toBe('completed');
    health = (await engine.call('providers.health', {})).providers.find((p) => p.provider === 'apify')!;
    expect(health).toMatchObject({ breaker: 'closed', consecutiveFailures: 0 });

    const stats = (await engine.call('stats.providers', {})).providers.find((p) => p.provider === 'apify')!;
    expect(stats).toMatchObject({ attempts: 6, successes: 1, failures: 5, failuresByCode: { ERR_HTTP_5XX: 5 } });
  });
});

describe('direct media links', () => {
  it('go to the direct downloader, not yt-dlp', async () => {
    await services();
    const { engine } = chainEngine();
    const [job] = await download(engine, [media.url('/v/clip-3.mp4')]);
    expect(job!.state).toBe('completed');
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => [a.provider, a.error])).toEqual([['direct', null]]);
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item).toMatchObject({ extractor: 'generic', videoId: 'clip-3', source: '127.0.0.1' });
  });
});

describe('TikTok through the Scrapling service (strategy scrapling-api)', () => {
  const TT = 'https://www.tiktok.com/@someone/video/7301234567890123456';

  async function scraplingEngine(scenario: ScraplingFakeOptions['scenario']) {
    const fake = await startScraplingFake({ fileUrl: media.url('/v/clip-6.mp4'), scenario });
    fakes.push(fake);
    const t = makeEngine({ env: { ...process.env, TIKTOK_DOWNLOAD_STRATEGY: 'scrapling-api', TIKTOK_CRAWL_HOST: '127.0.0.1', TIKTOK_CRAWL_HOST_PORT: String(fake.port) }, overrides: { maxRetries: 0 } });
    return { fake, ...t };
  }

  it('retries once headful after NAVIGATION_FAILED, then lands the file with the service’s metadata', async () => {
    const { fake, engine } = await scraplingEngine({ headless: 'NAVIGATION_FAILED', headful: 'success' });
    const [job] = await download(engine, [TT]);
    expect(job!.state).toBe('completed');
    expect(fake.headfulFlags).toEqual([false, true]);
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ provider: 'scrapling', error: null });
    expect(attempts[0]!.detail).toMatchObject({ strategy: 'scrapling-api', headful: true });
    expect(typeof attempts[0]!.detail!.execution_time).toBe('number');
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item).toMatchObject({ source: 'tiktok', extractor: 'tiktok', videoId: '7301234567890123456' });
    // the file came from the link the service resolved
    expect(media.requests.some((r) => r.path === '/v/clip-6.mp4')).toBe(true);
  });

  it('fails fast on INVALID_URL with one call, and never switches to yt-dlp by itself', async () => {
    const { fake, engine } = await scraplingEngine({ headless: 'INVALID_URL', headful: 'success' });
    const [job] = await download(engine, [TT]);
    expect(job!.state).toBe('failed');
    expect(fake.headfulFlags).toEqual([false]);
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => a.provider)).toEqual(['scrapling']);
  });
});

describe('Instagram rate limit', () => {
  it('holds requests to the persisted window, also across a restart', async () => {
    const dataDir = tempDir('ig-data');
    const libraryDir = tempDir('ig-lib');
    const overrides: Partial<Settings> = { instagramRequestsPerHour: 1, instagramMinSpacingMs: 0, maxRetries: 0, concurrency: 2 };
    const first = makeEngine({ dataDir, libraryDir, overrides });
    // yt-dlp cannot reach Instagram here: the first link fails at once, having used the hour's only request
    const [a] = await download(first.engine, ['https://www.instagram.com/reel/RateLimitA1/']);
    expect(a!.state).toBe('failed');
    const { jobs } = await first.engine.call('jobs.add', { urls: ['https://www.instagram.com/reel/RateLimitB2/'] });
    const b = jobs[0]!.id;
    await waitFor(() => first.engine.jobs.require(b).state === 'resolving', 10_000, 'the second link to start');
    // it waits for the window instead of asking Instagram
    await new Promise((r) => setTimeout(r, 300));
    expect(first.engine.jobs.require(b).state).toBe('resolving');
    expect(first.engine.jobs.attempts(b)).toHaveLength(0);
    await first.engine.stop();

    const second = makeEngine({ dataDir, libraryDir, overrides });
    await second.engine.start();
    await waitFor(() => second.engine.jobs.require(b).state === 'resolving', 10_000, 'the link to start again');
    await new Promise((r) => setTimeout(r, 300));
    expect(second.engine.jobs.require(b).state).toBe('resolving');
    expect(second.engine.jobs.attempts(b)).toHaveLength(0);
    expect(second.engine.limiter.waitMs('instagram', { max: 1, windowMs: 3_600_000 })).toBeGreaterThan(3_000_000);
  });
});

describe('clipharbor get (built CLI) through the fallback chain', () => {
  it('lands a YouTube link through the fakes and reports the provider that did it', async () => {
    await services({ scenario: { outcome: 'FAILED' } }, { scenario: { pollsToFinish: 2 } });
    const data = tempDir('cli-chain-data');
    const dir = tempDir('cli-chain-lib');
    const r = await runCli(['get', 'https://www.youtube.com/watch?v=cLiChAiN001', '--json', '--data', data, '--dir', dir], {
      env: { APIFY_BASE_URL: apifyFake.url, APIFY_TOKEN: apifyFake.token, HUNTAPI_BASE_URL: huntFake.url, HUNTAPI_TOKEN: huntFake.apiKey, HUNTAPI_POLL_INTERVAL_S: '0.05' },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as FinishedLine;
    expect(line).toMatchObject({ status: 'completed', provider: 'huntapi', error: null });
    expect(fs.existsSync(line.file!)).toBe(true);
    expect(line.durationSec).toBeGreaterThan(0);
    const probe = await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', line.file!]);
    expect(probe.code).toBe(0);
    expect(Number(probe.stdout)).toBeGreaterThan(0);
    expect(r.stdout + r.stderr).not.toContain(apifyFake.token);
    expect(r.stdout + r.stderr).not.toContain(huntFake.apiKey);
  });
});
