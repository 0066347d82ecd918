/**
 * Fake Pexels video search, answering like PROTOCOLS.md §4: `GET /videos/search` with the raw key in
 * `Authorization`; `{page, per_page, total_results, next_page?, prev_page?, videos}`; per_page capped at 80;
 * X-Ratelimit-Limit/Remaining/Reset (UNIX seconds) on 200 answers only; 401 for a bad key; 429 without any
 * rate-limit header once the quota is used up. Every video lists an HLS entry first (as tall as the largest MP4,
 * so only skipping it by its quality avoids it) and one rendition whose quality is null.
 */
import {
  fakeBytes,
  fileLink,
  listed,
  makeCatalog,
  matches,
  Scenario,
  scaled,
  serve,
  slugOf,
  type Answer,
  type FakeCall,
  type StockFake,
  type StockFakeOptions,
  type StockVideo,
} from './stock-common';

export const PEXELS_KEY = 'pexels-test-key-5c1f0e9a7b';
const DEFAULT_PER_PAGE = 15;
const MAX_PER_PAGE = 80;
const SIDES = [1440, 1080, 720, 540, 360];

const SIZE_MIN: Record<string, [number, number]> = { large: [3840, 2160], medium: [1920, 1080], small: [1280, 720] };

function orientationOf(v: StockVideo): string {
  if (v.width > v.height * 1.05) return 'landscape';
  if (v.height > v.width * 1.05) return 'portrait';
  return 'square';
}

function videoJson(v: StockVideo, media: string): unknown {
  const short = Math.min(v.width, v.height);
  const sides = [short, ...SIDES.filter((s) => s < short)];
  const files: unknown[] = [
    { id: v.id * 100, quality: 'hls', file_type: 'video/mp4', width: v.width, height: v.height, fps: 25, link: `${media}/hls/media.m3u8?video=${v.id}` },
  ];
  sides.forEach((side, i) => {
    const { width, height } = scaled(v, side);
    const quality = side === 540 ? null : side >= 2160 ? 'uhd' : side >= 720 ? 'hd' : 'sd';
    files.push({
      id: v.id * 100 + i + 1,
      quality,
      file_type: 'video/mp4',
      width,
      height,
      fps: 25,
      link: fileLink(media, v, width, height),
      ...(quality === null ? {} : { size: fakeBytes(width, height, v.duration) }),
    });
  });
  return {
    id: v.id,
    width: v.width,
    height: v.height,
    duration: v.duration,
    full_res: null,
    tags: [],
    url: `https://www.pexels.com/video/${slugOf(v.title)}-${v.id}/`,
    image: `${media}/img/pexels-${v.id}.jpg`,
    avg_color: null,
    user: { id: v.user.id, name: v.user.name, url: `https://www.pexels.com/@${slugOf(v.user.name)}` },
    video_files: files,
    video_pictures: [0, 1, 2].map((nr) => ({ id: v.id * 10 + nr, picture: `${media}/img/pexels-${v.id}-${nr}.jpg`, nr })),
  };
}

export async function startPexelsFake(opts: StockFakeOptions): Promise<StockFake> {
  const catalog = opts.catalog ?? makeCatalog(20);
  // the monthly quota: its reset is far off, which is what the client sees in X-Ratelimit-Reset
  const scenario = new Scenario({ key: opts.key ?? PEXELS_KEY, limit: 20_000, resetAt: Date.now() + 30 * 86_400_000 });
  const calls: FakeCall[] = [];
  const media = opts.mediaBaseUrl;

  const failureAnswer = (f: { status: number; retryAfter?: string; body?: string }): Answer => ({
    status: f.status,
    headers: f.retryAfter === undefined ? {} : { 'Retry-After': f.retryAfter },
    body: f.body ?? (f.status === 401 ? { status: 401, code: 'Unauthorized' } : f.status === 429 ? { status: 429, code: 'Too Many Requests' } : 'Internal Server Error'),
  });

  const server = await serve(
    scenario,
    calls,
    (req, base) => {
      if (req.method !== 'GET' || !/^\/videos\/search\/?$/.test(req.path)) return { status: 404, body: { status: 404, code: 'Not Found' } };
      if (req.headers.authorization !== scenario.key) return failureAnswer({ status: 401 });
      if (scenario.remaining <= 0) return failureAnswer({ status: 429 });
      const query = req.query.get('query') ?? '';
      if (!query.trim()) return { status: 400, body: { status: 400, code: 'query is required' } };
      const page = Math.max(1, Number(req.query.get('page')) || 1);
      const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(req.query.get('per_page')) || DEFAULT_PER_PAGE));
      const orientation = req.query.get('orientation');
      const size = SIZE_MIN[req.query.get('size') ?? ''];
      const found = catalog.filter((v) => {
        if (!listed(v, 'pexels') || !matches(v, query)) return false;
        if (orientation && orientationOf(v) !== orientation) return false;
        if (size && (Math.max(v.width, v.height) < size[0] || Math.min(v.width, v.height) < size[1])) return false;
        return true;
      });
      const videos = found.slice((page - 1) * perPage, page * perPage).map((v) => videoJson(v, media));
      const link = (p: number) => `${base}/videos/search/?page=${p}&per_page=${perPage}&query=${encodeURIComponent(query)}`;
      scenario.remaining--;
      return {
        status: 200,
        headers: {
          'X-Ratelimit-Limit': String(scenario.limit),
          'X-Ratelimit-Remaining': String(scenario.remaining),
          'X-Ratelimit-Reset': String(Math.floor(scenario.resetAt / 1000)),
        },
        body: {
          page,
          per_page: perPage,
          total_results: found.length,
          url: `https://www.pexels.com/search/videos/${encodeURIComponent(query)}/`,
          videos,
          ...(page * perPage < found.length ? { next_page: link(page + 1) } : {}),
          ...(page > 1 ? { prev_page: link(page - 1) } : {}),
        },
      };
    },
    failureAnswer,
  );
  return { url: server.url, calls, scenario, catalog, close: server.close };
}
