/**
 * Stock search through the engine (`search.run`, `search.suggest`, `search.popular`) against the Pexels and
 * Pixabay fakes on 127.0.0.1: real HTTP, a real SQLite file, the engine's own rate limiter and cache.
 * Nothing is downloaded here, so the renditions point at an address nobody asks (tests/integration/cli-search
 * downloads through the media server).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MethodInput, MethodOutput, SearchResult, StockSource } from '../../src/shared/contract';
import { makeEngine, stopAll, type TestEngine } from '../support/engine';
import { fileLink, type StockVideo } from '../fakes/stock-common';
import { makeCatalog, PEXELS_KEY, PIXABAY_KEY, startPexelsFake, startPixabayFake, type StockFake } from '../fakes/stock';

const MEDIA = 'http://127.0.0.1:9/media';
const fakes: StockFake[] = [];

afterEach(async () => {
  await stopAll();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

const video = (id: number, v: Partial<StockVideo> & Pick<StockVideo, 'title' | 'width' | 'height'>): StockVideo => ({
  id,
  tags: ['ocean', 'waves', 'beach', 'blue'],
  duration: 10,
  user: { id: id + 400, name: `Creator ${id}` },
  clip: 1,
  ...v,
});

/** Ranked as listed: the shared clip first on both sites. */
const OCEAN: StockVideo[] = [
  video(101, { title: 'Ocean waves from above', width: 1920, height: 1080, duration: 10, sites: ['pexels', 'pixabay'] }),
  video(102, { title: 'Aerial ocean waves', width: 3840, height: 2160, duration: 20, sites: ['pexels'] }),
  video(201, { title: 'Blue ocean', width: 1920, height: 1080, duration: 8, tags: ['ocean', 'waves', 'beach', 'blue', 'water'], sites: ['pixabay'] }),
  video(103, { title: 'Ocean waves on a phone', width: 1080, height: 1920, duration: 12, sites: ['pexels'] }),
  video(202, { title: 'Square ocean', width: 1080, height: 1080, duration: 15, sites: ['pixabay'] }),
  video(104, { title: 'Small ocean waves', width: 1280, height: 720, duration: 30, sites: ['pexels'] }),
  video(203, { title: 'Tall waves', width: 1080, height: 1920, duration: 25, sites: ['pixabay'] }),
  video(204, { title: '4K ocean', width: 3840, height: 2160, duration: 40, sites: ['pixabay'] }),
];

interface Setup extends TestEngine {
  pexels: StockFake;
  pixabay: StockFake;
  /** Moves the engine's clock (real time plus this offset). */
  advance(ms: number): void;
  search(input: Omit<MethodInput<'search.run'>, 'theme'> & { theme?: string }): Promise<MethodOutput<'search.run'>>;
}

async function setup(opts: { catalog?: StockVideo[]; keys?: Partial<Record<StockSource, string | null>>; env?: NodeJS.ProcessEnv; httpMaxRetries?: number } = {}): Promise<Setup> {
  const catalog = opts.catalog ?? OCEAN;
  const [pexels, pixabay] = await Promise.all([startPexelsFake({ mediaBaseUrl: MEDIA, catalog }), startPixabayFake({ mediaBaseUrl: MEDIA, catalog })]);
  fakes.push(pexels, pixabay);
  let offset = 0;
  const t = makeEngine({
    clock: () => Date.now() + offset,
    env: { ...opts.env },
    overrides: { pexelsBaseUrl: pexels.url, pixabayBaseUrl: pixabay.url, httpMaxRetries: opts.httpMaxRetries ?? 2 },
  });
  const keys = { pexels: PEXELS_KEY, pixabay: PIXABAY_KEY, ...opts.keys };
  if (keys.pexels) await t.engine.call('secrets.set', { name: 'pexelsApiKey', value: keys.pexels });
  if (keys.pixabay) await t.engine.call('secrets.set', { name: 'pixabayApiKey', value: keys.pixabay });
  return {
    ...t,
    pexels,
    pixabay,
    advance: (ms) => {
      offset += ms;
    },
    search: (input) => t.engine.call('search.run', { theme: 'ocean waves', ...input }),
  };
}

const keys = (results: SearchResult[]) => results.map((r) => r.key);
const byKey = (results: SearchResult[], key: string) => {
  const r = results.find((x) => x.key === key);
  if (!r) throw new Error(`no result ${key} in ${keys(results).join(', ')}`);
  return r;
};
const v = (id: number) => OCEAN.find((x) => x.id === id)!;

describe('search.run', () => {
  it('merges both sources by rank, drops the clip both sites list, and keeps the attribution', async () => {
    const s = await setup();
    const out = await s.search({ theme: '  Ocean   WAVES ' });
    expect(keys(out.results)).toEqual(['pexels:101', 'pexels:102', 'pixabay:201', 'pexels:103', 'pixabay:202', 'pexels:104', 'pixabay:203', 'pixabay:204']);
    expect(out.sources).toEqual([
      { source: 'pexels', ok: true, cached: false, error: null, remaining: 19_999, resetAt: expect.any(Number) },
      { source: 'pixabay', ok: true, cached: false, error: null, remaining: 99, resetAt: expect.any(Number) },
    ]);

    expect(byKey(out.results, 'pexels:102')).toEqual({
      key: 'pexels:102',
      source: 'pexels',
      id: '102',
      title: 'Aerial ocean waves',
      pageUrl: 'https://www.pexels.com/video/aerial-ocean-waves-102/',
      thumbnailUrl: `${MEDIA}/img/pexels-102.jpg`,
      fileUrl: fileLink(MEDIA, v(102), 1920, 1080),
      width: 1920,
      height: 1080,
      durationSec: 20,
      bytes: expect.any(Number),
      creatorName: 'Creator 102',
      creatorUrl: 'https://www.pexels.com/@creator-102',
      tags: [],
    });
    expect(byKey(out.results, 'pixabay:201')).toEqual({
      key: 'pixabay:201',
      source: 'pixabay',
      id: '201',
      title: 'Ocean, waves, beach',
      pageUrl: 'https://pixabay.com/videos/blue-ocean-201/',
      thumbnailUrl: `${MEDIA}/img/pixabay-201-medium.jpg`,
      fileUrl: fileLink(MEDIA, v(201), 1920, 1080),
      width: 1920,
      height: 1080,
      durationSec: 8,
      bytes: expect.any(Number),
      creatorName: 'Creator_201',
      creatorUrl: 'https://pixabay.com/users/Creator_201-601/',
      tags: ['ocean', 'waves', 'beach', 'blue', 'water'],
    });

    // the requests, as the services document them
    expect(s.pexels.calls).toHaveLength(1);
    expect(s.pexels.calls[0]).toMatchObject({
      method: 'GET',
      path: '/videos/search',
      authorization: PEXELS_KEY,
      query: { query: 'ocean waves', page: '1', per_page: '30' },
    });
    expect(s.pixabay.calls).toHaveLength(1);
    expect(s.pixabay.calls[0]).toMatchObject({
      path: '/api/videos/',
      authorization: null,
      query: { key: PIXABAY_KEY, q: 'ocean waves', video_type: 'all', order: 'popular', safesearch: 'true', page: '1', per_page: '30' },
    });
  });

  it('picks the rendition by height: the largest for best, else the nearest at or below the preset; never HLS or empty ones', async () => {
    const s = await setup();
    const best = await s.search({ quality: 'best' });
    // Pexels lists an HLS entry as tall as the original first, and Pixabay an empty 4K slot for smaller originals
    expect(byKey(best.results, 'pexels:102').fileUrl).toBe(fileLink(MEDIA, v(102), 3840, 2160));
    expect(byKey(best.results, 'pixabay:201')).toMatchObject({ fileUrl: fileLink(MEDIA, v(201), 1920, 1080), width: 1920, height: 1080 });
    expect(byKey(best.results, 'pixabay:204')).toMatchObject({ width: 3840, height: 2160, thumbnailUrl: `${MEDIA}/img/pixabay-204-large.jpg` });
    for (const r of best.results) {
      expect(r.fileUrl).not.toMatch(/m3u8/);
      expect(r.fileUrl).not.toBe('');
    }

    const hd = await s.search({ quality: '720p' });
    expect(byKey(hd.results, 'pexels:102')).toMatchObject({ width: 1280, height: 720 });
    // portrait: "720p" is the short side
    expect(byKey(hd.results, 'pexels:103')).toMatchObject({ width: 720, height: 1280 });
    expect(byKey(hd.results, 'pixabay:203')).toMatchObject({ width: 720, height: 1280 });

    const uhd = await s.search({ quality: '2160p' });
    // nothing that large: the nearest below
    expect(byKey(uhd.results, 'pexels:104')).toMatchObject({ width: 1280, height: 720 });

    // Pixabay's smallest file (tiny) is 540p: nothing at or below 360p, so the smallest above it
    const low = await s.search({ quality: '360p', sources: ['pixabay'] });
    expect(byKey(low.results, 'pixabay:204')).toMatchObject({ width: 960, height: 540 });
    expect(byKey(low.results, 'pixabay:201')).toMatchObject({ width: 960, height: 540 });
  });

  it('applies orientation, size and duration filters, locally where the service lacks them', async () => {
    const s = await setup();
    const portrait = await s.search({ orientation: 'portrait' });
    expect(keys(portrait.results)).toEqual(['pexels:103', 'pixabay:203']);
    expect(s.pexels.calls.at(-1)!.query.orientation).toBe('portrait');
    // Pixabay has no orientation parameter: filtered here, from full pages
    expect(s.pixabay.calls.at(-1)!.query.orientation).toBeUndefined();
    expect(s.pixabay.calls.at(-1)!.query.per_page).toBe('200');

    const big = await s.search({ minWidth: 3840, minHeight: 2160 });
    expect(keys(big.results)).toEqual(['pexels:102', 'pixabay:204']);
    expect(s.pexels.calls.at(-1)!.query).toMatchObject({ size: 'large', per_page: '80' });
    expect(s.pixabay.calls.at(-1)!.query).toMatchObject({ min_width: '3840', min_height: '2160' });

    const mid = await s.search({ minDurationSec: 10, maxDurationSec: 20 });
    expect(keys(mid.results)).toEqual(['pexels:101', 'pexels:102', 'pixabay:202', 'pexels:103']);

    await expect(s.search({ minDurationSec: 30, maxDurationSec: 10 })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(s.search({ theme: '   ' })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
  });

  it('reads Pexels pages of at most 80 up to the count, and never asks Pixabay for a page past totalHits', async () => {
    const catalog = [...makeCatalog(250, { startId: 10_000, sites: ['pexels'] }), ...makeCatalog(250, { startId: 20_000, sites: ['pixabay'] })];
    const s = await setup({ catalog });
    const out = await s.search({ theme: 'ocean', sources: ['pexels'], count: 150 });
    // 250 / 4 themes → 63 ocean videos on each site
    expect(out.results).toHaveLength(63);
    expect(s.pexels.calls.map((c) => [c.query.page, c.query.per_page])).toEqual([
      ['1', '80'],
    ]);

    const all = await s.search({ theme: 'video', sources: ['pexels'], count: 200 });
    expect(all.results).toHaveLength(0);

    catalog.forEach((c) => c.tags.push('stock'));
    const many = await s.search({ theme: 'stock', sources: ['pexels'], count: 200 });
    expect(many.results).toHaveLength(200);
    expect(s.pexels.calls.slice(-3).map((c) => [c.query.page, c.query.per_page])).toEqual([
      ['1', '80'],
      ['2', '80'],
      ['3', '80'],
    ]);

    // a duration filter keeps about a third: Pixabay is read in full pages of 200 while there are more hits
    const short = await s.search({ theme: 'stock', sources: ['pixabay'], count: 200, maxDurationSec: 15 });
    expect(short.sources[0]!.ok).toBe(true);
    expect(short.results.every((r) => r.durationSec! <= 15)).toBe(true);
    expect(s.pixabay.calls.map((c) => [c.query.page, c.query.per_page, c.status])).toEqual([
      ['1', '200', 200],
      ['2', '200', 200],
    ]);
  });

  it('answers the same search from the cache for 24 hours (the fakes see one request), then asks again', async () => {
    const s = await setup();
    const first = await s.search({});
    const second = await s.search({ theme: 'Ocean waves' });
    expect(second.results).toEqual(first.results);
    expect(second.sources.map((x) => [x.source, x.ok, x.cached])).toEqual([
      ['pexels', true, true],
      ['pixabay', true, true],
    ]);
    expect([s.pexels.calls.length, s.pixabay.calls.length]).toEqual([1, 1]);
    // a different rendition choice reuses the same answers
    await s.search({ quality: 'best' });
    expect([s.pexels.calls.length, s.pixabay.calls.length]).toEqual([1, 1]);
    // a different count is a different request
    await s.search({ count: 5, sources: ['pexels'] });
    expect(s.pexels.calls.length).toBe(2);

    s.advance(24 * 3_600_000 + 1000);
    const later = await s.search({});
    expect(later.sources.map((x) => x.cached)).toEqual([false, false]);
    expect([s.pexels.calls.length, s.pixabay.calls.length]).toEqual([3, 2]);
    // the key is not part of what is cached
    const rows = s.engine.db.prepare('SELECT key, answer FROM search_cache').all() as { key: string; answer: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(`${r.key} ${r.answer}`).not.toContain(PIXABAY_KEY);
  });

  it('remembers the rate-limit headers, and a Pexels 429 without headers blocks until the last reset seen', async () => {
    const s = await setup();
    const resetAt = Math.floor((Date.now() + 10 * 60_000) / 1000) * 1000;
    s.pexels.scenario.resetAt = resetAt;
    s.pexels.scenario.remaining = 50;
    const first = await s.search({ sources: ['pexels', 'pixabay'] });
    expect(first.sources[0]).toMatchObject({ ok: true, remaining: 49, resetAt });
    // Pixabay's reset counts seconds from now: stored as a time within its 60 s window
    const pix = first.sources[1]!;
    expect(pix.remaining).toBe(99);
    expect(pix.resetAt! - Date.now()).toBeGreaterThan(0);
    expect(pix.resetAt! - Date.now()).toBeLessThanOrEqual(61_000);
    expect(s.engine.limiter.state('pexels')).toMatchObject({ limit: 20_000, remaining: 49, resetAt });

    // the hourly limit hits: a 429 with no headers at all
    s.pexels.scenario.remaining = 0;
    const limited = await s.search({ theme: 'beach', sources: ['pexels'] });
    expect(limited.results).toEqual([]);
    expect(limited.sources[0]).toMatchObject({ ok: false, error: { code: 'ERR_HTTP_429' } });
    expect(limited.sources[0]!.error!.message).toMatch(/Pexels rate limit reached: searches there resume at .+ \(in (9|10) min\)/);
    expect(s.pexels.calls.map((c) => c.status)).toEqual([200, 429]);

    // blocked until then: no request at all
    const again = await s.search({ theme: 'blue', sources: ['pexels'] });
    expect(again.sources[0]!.error!.code).toBe('ERR_HTTP_429');
    expect(s.pexels.calls).toHaveLength(2);

    // past the reset the service is asked again
    s.pexels.scenario.remaining = 100;
    s.advance(11 * 60_000);
    const after = await s.search({ theme: 'blue', sources: ['pexels'] });
    expect(after.sources[0]!.ok).toBe(true);
    expect(s.pexels.calls).toHaveLength(3);
  });

  it('waits out a short Retry-After, and fails at once with the time for a long one', async () => {
    const s = await setup();
    s.pixabay.scenario.failNext(1, { status: 429, retryAfter: '1' });
    const ok = await s.search({ sources: ['pixabay'] });
    expect(ok.sources[0]).toMatchObject({ ok: true, error: null });
    expect(s.pixabay.calls.map((c) => c.status)).toEqual([429, 200]);

    s.pixabay.scenario.failNext(1, { status: 429, retryAfter: '120' });
    const limited = await s.search({ theme: 'beach', sources: ['pixabay'] });
    expect(limited.sources[0]!.error).toMatchObject({ code: 'ERR_HTTP_429', message: expect.stringMatching(/Pixabay rate limit reached: .*\(in 2 min\)/) });
    expect(s.pixabay.calls).toHaveLength(3);
    const blocked = await s.search({ theme: 'blue', sources: ['pixabay'] });
    expect(blocked.sources[0]!.error!.code).toBe('ERR_HTTP_429');
    expect(s.pixabay.calls).toHaveLength(3);
  });

  it('retries 5xx answers and dropped connections, then succeeds', async () => {
    const s = await setup({ httpMaxRetries: 3 });
    s.pexels.scenario.failNext(2, { status: 503 });
    s.pixabay.scenario.failNext(1, 'drop');
    s.pixabay.scenario.failNext(1, { status: 500 });
    const out = await s.search({});
    expect(out.sources.map((x) => x.ok)).toEqual([true, true]);
    expect(out.results).toHaveLength(8);
    expect(s.pexels.calls.map((c) => c.status)).toEqual([503, 503, 200]);
    expect(s.pixabay.calls.map((c) => c.status)).toEqual(['dropped', 500, 200]);
  });

  it("returns one source's results when the other is down, and both errors (no throw) when both are", async () => {
    const s = await setup({ httpMaxRetries: 1 });
    s.pixabay.scenario.down = { status: 503 };
    const half = await s.search({});
    expect(half.results.map((r) => r.source)).toEqual(['pexels', 'pexels', 'pexels', 'pexels']);
    expect(half.sources[1]).toMatchObject({ source: 'pixabay', ok: false, cached: false, error: { code: 'ERR_HTTP_5XX' } });
    expect(s.pixabay.calls).toHaveLength(2);

    s.pexels.scenario.down = 'drop';
    const none = await s.search({ theme: 'beach' });
    expect(none.results).toEqual([]);
    expect(none.sources.map((x) => [x.source, x.ok, x.error?.code])).toEqual([
      ['pexels', false, 'ERR_NETWORK'],
      ['pixabay', false, 'ERR_HTTP_5XX'],
    ]);
  });

  it('reports a rejected or missing key as ERR_CREDENTIALS, and the key appears nowhere', async () => {
    const WRONG_PEXELS = 'wrong-pexels-key-31d9a0';
    const WRONG_PIXABAY = 'wrong-pixabay-key-8c2e77';
    const s = await setup({ keys: { pexels: WRONG_PEXELS, pixabay: WRONG_PIXABAY } });
    const out = await s.search({});
    expect(out.results).toEqual([]);
    expect(out.sources.map((x) => x.error)).toEqual([
      { code: 'ERR_CREDENTIALS', message: 'Pexels rejected the API key: check it in Settings → Providers.' },
      { code: 'ERR_CREDENTIALS', message: 'Pixabay rejected the API key: check it in Settings → Providers.' },
    ]);
    // a rejected key is not worth retrying
    expect([s.pexels.calls.map((c) => c.status), s.pixabay.calls.map((c) => c.status)]).toEqual([[401], [400]]);

    await s.engine.call('secrets.set', { name: 'pexelsApiKey', value: PEXELS_KEY });
    await s.engine.call('secrets.set', { name: 'pixabayApiKey', value: PIXABAY_KEY });
    const good = await s.search({ theme: 'beach' });
    expect(good.sources.map((x) => x.ok)).toEqual([true, true]);

    s.engine.log.flush();
    const log = fs.readFileSync(path.join(s.dataDir, 'logs', 'clipharbor.log'), 'utf8');
    expect(log).toMatch(/stock search/);
    for (const secret of [WRONG_PEXELS, WRONG_PIXABAY, PEXELS_KEY, PIXABAY_KEY]) {
      expect(log).not.toContain(secret);
      expect(JSON.stringify(out)).not.toContain(secret);
    }
  });

  it('names the environment variable and Settings when no key is set; an environment key works', async () => {
    const s = await setup({ keys: { pexels: null, pixabay: null }, env: { PIXABAY_API_KEY: PIXABAY_KEY } });
    const out = await s.search({});
    expect(out.sources[0]).toMatchObject({ ok: false, error: { code: 'ERR_CREDENTIALS' } });
    expect(out.sources[0]!.error!.message).toMatch(/PEXELS_API_KEY.*Settings/);
    expect(out.sources[1]).toMatchObject({ ok: true, error: null });
    expect(s.pexels.calls).toHaveLength(0);
    expect(out.results.every((r) => r.source === 'pixabay')).toBe(true);
  });
});

describe('search.suggest and search.popular', () => {
  it('ranks earlier themes by count then recency, matches the prefix literally, and lists the most searched', async () => {
    const s = await setup({ catalog: [] });
    const themes = ['ocean', 'Ocean  sunset', 'ocean', 'ocean waves', 'OCEAN SUNSET', 'ocean', 'sea', 'seal', '100% pure', 'a_b', 'axb', "it's", 'ocean'];
    for (const theme of themes) {
      s.advance(1000);
      await s.search({ theme, sources: ['pexels'] });
    }
    const suggest = async (prefix: string, limit?: number) => (await s.engine.call('search.suggest', { prefix, limit })).themes;
    expect(await suggest('oc')).toEqual(['ocean', 'ocean sunset', 'ocean waves']);
    expect(await suggest('  OCEAN ')).toEqual(['ocean sunset', 'ocean waves']);
    // equal counts: the latest first
    expect(await suggest('se')).toEqual(['seal', 'sea']);
    expect(await suggest('%')).toEqual([]);
    expect(await suggest('100%')).toEqual(['100% pure']);
    expect(await suggest('a_')).toEqual(['a_b']);
    expect(await suggest("it'")).toEqual(["it's"]);
    expect(await suggest("'")).toEqual([]);
    expect(await suggest('zzz')).toEqual([]);
    expect(await suggest('', 2)).toEqual(['ocean', 'ocean sunset']);

    expect((await s.engine.call('search.popular', { limit: 3 })).themes).toEqual([
      { theme: 'ocean', count: 4 },
      { theme: 'ocean sunset', count: 2 },
      { theme: 'it\'s', count: 1 },
    ]);
    // cached runs count as well
    expect(s.pexels.calls.length).toBeLessThan(themes.length);
  });
});
