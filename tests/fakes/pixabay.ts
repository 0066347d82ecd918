/**
 * Fake Pixabay video search, answering like PROTOCOLS.md §5: `GET /api/videos/?key=…` → `{total, totalHits (≤ 500),
 * hits}` with renditions large/medium/small/tiny (a missing one is `url: ""`, `size: 0`, still with nominal
 * dimensions, so a client picking by height alone falls into it). Errors are plain text: 400 for a bad key, a
 * bad parameter or a page past totalHits; 429 when the 100-per-60-s window is used up. X-RateLimit-Reset counts
 * seconds from now.
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

export const PIXABAY_KEY = 'pixabay-test-key-93e1d47c20';
const WINDOW_MS = 60_000;
const MAX_HITS = 500;

const TARGETS = { large: 2160, medium: 1080, small: 720, tiny: 540 } as const;

function userName(v: StockVideo): string {
  return v.user.name.replace(/\s+/g, '_');
}

function hitJson(v: StockVideo, media: string): unknown {
  const short = Math.min(v.width, v.height);
  const videos: Record<string, unknown> = {};
  for (const [name, target] of Object.entries(TARGETS)) {
    const { width, height } = scaled(v, Math.min(target, short));
    const thumbnail = `${media}/img/pixabay-${v.id}-${name}.jpg`;
    // Pixabay has no 4K file for a smaller original: the slot stays, empty
    videos[name] =
      name === 'large' && short < target
        ? { url: '', ...scaled(v, target), size: 0, thumbnail: '' }
        : { url: fileLink(media, v, width, height), width, height, size: fakeBytes(width, height, v.duration), thumbnail };
  }
  return {
    id: v.id,
    pageURL: `https://pixabay.com/videos/${slugOf(v.title)}-${v.id}/`,
    type: 'film',
    tags: v.tags.join(', '),
    duration: v.duration,
    views: 1000 + v.id,
    downloads: 100 + v.id,
    likes: 10,
    comments: 1,
    user_id: v.user.id,
    user: userName(v),
    userImageURL: `${media}/img/user-${v.user.id}.jpg`,
    videos,
  };
}

const text400 = (what: string): Answer => ({ status: 400, body: `[ERROR 400] ${what}` });

export async function startPixabayFake(opts: StockFakeOptions): Promise<StockFake> {
  const catalog = opts.catalog ?? makeCatalog(20);
  const scenario = new Scenario({ key: opts.key ?? PIXABAY_KEY, limit: 100, resetAt: Date.now() + WINDOW_MS });
  const calls: FakeCall[] = [];
  const media = opts.mediaBaseUrl;

  /** A fresh window once the old one is over, as the service counts per 60 s. */
  const rateHeaders = (): Record<string, string> => {
    const now = Date.now();
    if (now >= scenario.resetAt) {
      scenario.resetAt = now + WINDOW_MS;
      scenario.remaining = scenario.limit;
    }
    return {
      'X-RateLimit-Limit': String(scenario.limit),
      'X-RateLimit-Remaining': String(Math.max(0, scenario.remaining)),
      'X-RateLimit-Reset': String(Math.max(0, Math.ceil((scenario.resetAt - now) / 1000))),
    };
  };

  const failureAnswer = (f: { status: number; retryAfter?: string; body?: string }): Answer => ({
    status: f.status,
    headers: { ...(f.status === 429 ? rateHeaders() : {}), ...(f.retryAfter === undefined ? {} : { 'Retry-After': f.retryAfter }) },
    body:
      f.body ??
      (f.status === 400 ? '[ERROR 400] Invalid or missing API key' : f.status === 429 ? '[ERROR 429] Too many requests' : `[ERROR ${f.status}] Server error`),
  });

  const server = await serve(
    scenario,
    calls,
    (req) => {
      if (req.method !== 'GET' || !/^\/api\/videos\/?$/.test(req.path)) return { status: 404, body: '[ERROR 404] Not found' };
      const q = req.query;
      if (q.get('key') !== scenario.key) return failureAnswer({ status: 400 });
      const headers = rateHeaders();
      if (scenario.remaining <= 0) return failureAnswer({ status: 429 });
      const text = q.get('q') ?? '';
      if (text.length > 100) return text400('"q" exceeds the maximum allowed length of 100 characters.');
      const videoType = q.get('video_type') ?? 'all';
      if (!['all', 'film', 'animation'].includes(videoType)) return text400('"video_type" is not valid.');
      if (!['popular', 'latest'].includes(q.get('order') ?? 'popular')) return text400('"order" is not valid.');
      const perPage = Number(q.get('per_page') ?? 20);
      if (!Number.isInteger(perPage) || perPage < 3 || perPage > 200) return text400('"per_page" is out of valid range.');
      const page = Number(q.get('page') ?? 1);
      if (!Number.isInteger(page) || page < 1) return text400('"page" is out of valid range.');
      const minWidth = Number(q.get('min_width') ?? 0);
      const minHeight = Number(q.get('min_height') ?? 0);
      const found = catalog.filter(
        (v) => listed(v, 'pixabay') && matches(v, text) && videoType !== 'animation' && v.width >= minWidth && v.height >= minHeight,
      );
      const totalHits = Math.min(found.length, MAX_HITS);
      if (page > 1 && (page - 1) * perPage >= totalHits) return text400('"page" is out of valid range.');
      scenario.remaining--;
      const hits = found.slice(0, totalHits).slice((page - 1) * perPage, page * perPage).map((v) => hitJson(v, media));
      headers['X-RateLimit-Remaining'] = String(scenario.remaining);
      return { status: 200, headers, body: { total: found.length, totalHits, hits } };
    },
    failureAnswer,
  );
  return { url: server.url, calls, scenario, catalog, close: server.close };
}
