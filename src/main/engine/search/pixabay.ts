/**
 * Pixabay video search (PROTOCOLS.md §5): `GET /api/videos/` with the key in the query string, so its URLs are
 * never logged. Errors are plain text; X-RateLimit-Reset counts seconds from now.
 */
import { z } from 'zod';
import type { SearchQuery, SearchResult } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { parseRetryAfter } from '../net/retry';
import { excerpt, filtersLocally, headerNumber, passesFilters, pickRendition, type ParsedPage, type Rendition, type StockClient } from './common';

const MIN_PER_PAGE = 3;
const MAX_PER_PAGE = 200;
const MAX_QUERY = 100;
const RENDITIONS = ['large', 'medium', 'small', 'tiny'] as const;

const RenditionSchema = z.object({
  url: z.string(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  size: z.number().nullish(),
  thumbnail: z.string().nullish(),
});

const HitSchema = z.object({
  id: z.number(),
  pageURL: z.string(),
  tags: z.string().nullish(),
  duration: z.number().nullish(),
  user_id: z.number().nullish(),
  user: z.string().nullish(),
  videos: z.record(z.string(), z.unknown()),
});

const PageSchema = z.object({ totalHits: z.number(), hits: z.array(z.unknown()) });

function toResult(raw: unknown, q: SearchQuery): SearchResult | null {
  const h = HitSchema.safeParse(raw);
  if (!h.success) return null;
  const hit = h.data;
  const renditions: Array<Rendition & { thumbnail: string | null }> = [];
  const thumbnails: string[] = [];
  for (const name of RENDITIONS) {
    const r = RenditionSchema.safeParse(hit.videos[name]);
    if (!r.success) continue;
    if (r.data.thumbnail) thumbnails.push(r.data.thumbnail);
    const { url, width, height, size } = r.data;
    // a rendition Pixabay does not have comes back as url "" and size 0
    if (!url || !size || !width || !height) continue;
    renditions.push({ url, width, height, bytes: size, thumbnail: r.data.thumbnail || null });
  }
  // Pixabay gives no size for the video itself: its largest rendition is the original
  const largest = pickRendition(renditions, 'best');
  if (!largest) return null;
  const durationSec = hit.duration ?? null;
  if (!passesFilters(q, { width: largest.width, height: largest.height, durationSec }, { orientation: true })) return null;
  const chosen = pickRendition(renditions, q.quality) ?? largest;
  const tags = (hit.tags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const first = tags.slice(0, 3).join(', ');
  const id = String(hit.id);
  const user = hit.user || null;
  return {
    key: `pixabay:${id}`,
    source: 'pixabay',
    id,
    title: first ? first[0]!.toUpperCase() + first.slice(1) : `Pixabay video ${id}`,
    pageUrl: hit.pageURL,
    thumbnailUrl: chosen.thumbnail ?? thumbnails[0] ?? null,
    fileUrl: chosen.url,
    width: chosen.width,
    height: chosen.height,
    durationSec,
    bytes: chosen.bytes,
    creatorName: user ?? 'Pixabay',
    creatorUrl: user && hit.user_id != null ? `https://pixabay.com/users/${encodeURIComponent(user)}-${hit.user_id}/` : null,
    tags,
  };
}

export const pixabay: StockClient = {
  source: 'pixabay',
  label: 'Pixabay',
  secretName: 'pixabayApiKey',
  envVar: 'PIXABAY_API_KEY',
  rule: { max: 100, windowMs: 60_000 },
  baseUrl: (s) => s.pixabayBaseUrl,

  perPage: (q) => Math.max(MIN_PER_PAGE, Math.min(MAX_PER_PAGE, filtersLocally(q, true) ? MAX_PER_PAGE : q.count)),

  request(q, page, perPage, base, key) {
    const url = new URL('api/videos/', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('key', key);
    url.searchParams.set('q', q.theme.slice(0, MAX_QUERY));
    url.searchParams.set('video_type', 'all');
    if (q.minWidth !== undefined) url.searchParams.set('min_width', String(q.minWidth));
    if (q.minHeight !== undefined) url.searchParams.set('min_height', String(q.minHeight));
    url.searchParams.set('order', 'popular');
    url.searchParams.set('safesearch', 'true');
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(perPage));
    return { url: url.toString(), headers: {} };
  },

  parse(body, q, page, perPage): ParsedPage {
    const parsed = PageSchema.safeParse(body);
    if (!parsed.success) throw new AppError('ERR_PROVIDER_FAILED', 'Pixabay answered with something other than search results; try again later.');
    const results = parsed.data.hits.map((h) => toResult(h, q)).filter((r): r is SearchResult => r !== null);
    // a page that starts past totalHits is a 400, so only ask for one that starts before it
    return { results, more: page * perPage < parsed.data.totalHits };
  },

  rateInfo(res, now) {
    const limit = headerNumber(res, 'x-ratelimit-limit');
    const remaining = headerNumber(res, 'x-ratelimit-remaining');
    const resetSec = headerNumber(res, 'x-ratelimit-reset');
    if (limit === null && remaining === null && resetSec === null) return null;
    return { limit, remaining, resetAt: resetSec === null ? null : now + resetSec * 1000 };
  },

  blockedUntil(res, now) {
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now);
    if (retryAfter !== null) return now + retryAfter;
    const resetSec = headerNumber(res, 'x-ratelimit-reset');
    return resetSec === null ? null : now + resetSec * 1000;
  },

  failure(res, key) {
    if (res.status === 401 || res.status === 403 || (res.status === 400 && /api key/i.test(res.text))) {
      return new AppError('ERR_CREDENTIALS', 'Pixabay rejected the API key: check it in Settings → Providers.');
    }
    if (res.status >= 500) return new AppError('ERR_HTTP_5XX', `Pixabay is having trouble (HTTP ${res.status}); try again later.`);
    const said = excerpt(res.text, key);
    return new AppError('ERR_PROVIDER_FAILED', `Pixabay refused the search (HTTP ${res.status}${said ? `: ${said}` : ''}).`);
  },
};
