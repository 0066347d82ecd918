/**
 * Pexels video search (PROTOCOLS.md §4): `GET /videos/search` with the raw key in `Authorization`.
 * Rate-limit headers come on 200 answers only, with the reset as UNIX seconds of the monthly quota.
 */
import { z } from 'zod';
import type { SearchQuery, SearchResult } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { parseRetryAfter } from '../net/retry';
import {
  excerpt,
  filtersLocally,
  headerNumber,
  passesFilters,
  pickRendition,
  sentenceFromSlug,
  type ParsedPage,
  type Rendition,
  type StockClient,
} from './common';

const MAX_PER_PAGE = 80;
/** Our own limit: the service's hourly one (its 20 000 a month show in the headers). */
const HOUR_MS = 3_600_000;

/** Pexels' `size` is a minimum: large = 4K, medium = Full HD, small = HD. */
const SIZES = [
  ['large', 3840, 2160],
  ['medium', 1920, 1080],
  ['small', 1280, 720],
] as const;

const FileSchema = z.object({
  quality: z.string().nullish(),
  file_type: z.string().nullish(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  link: z.string(),
  size: z.number().nullish(),
});

const VideoSchema = z.object({
  id: z.number(),
  width: z.number().nullish(),
  height: z.number().nullish(),
  duration: z.number().nullish(),
  url: z.string(),
  image: z.string().nullish(),
  user: z.object({ name: z.string(), url: z.string().nullish() }),
  video_files: z.array(z.unknown()),
});

const PageSchema = z.object({
  total_results: z.number().nullish(),
  next_page: z.string().nullish(),
  videos: z.array(z.unknown()),
});

/**
 * The smallest `size` every wanted video meets, so the service filters as much as it can without dropping any
 * video we want (a portrait video wide enough is tall enough as well).
 */
function sizeFor(q: SearchQuery): string | null {
  const w = q.minWidth ?? 0;
  const h = q.minHeight ?? 0;
  for (const [name, cw, ch] of SIZES) if (w >= cw && h >= ch) return name;
  return null;
}

/** "https://www.pexels.com/video/aerial-view-of-ocean-waves-1234/" → "Aerial view of ocean waves". */
function titleFromPage(url: string, id: number): string {
  let slug = '';
  try {
    const seg = new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
    slug = decodeURIComponent(seg).replace(new RegExp(`-?${id}$`), '');
  } catch {
    // a page URL we cannot read still leaves the fallback title
  }
  return sentenceFromSlug(slug) || `Pexels video ${id}`;
}

function toResult(raw: unknown, q: SearchQuery): SearchResult | null {
  const v = VideoSchema.safeParse(raw);
  if (!v.success) return null;
  const video = v.data;
  const durationSec = video.duration ?? null;
  if (!passesFilters(q, { width: video.width ?? null, height: video.height ?? null, durationSec }, { orientation: false })) return null;
  const renditions: Rendition[] = [];
  for (const f of video.video_files) {
    const file = FileSchema.safeParse(f);
    if (!file.success) continue;
    const { quality, file_type, width, height, link, size } = file.data;
    // HLS playlists cannot be saved as one file; only MP4 renditions with known dimensions compete
    if (quality === 'hls' || file_type !== 'video/mp4' || !link || !width || !height) continue;
    renditions.push({ url: link, width, height, bytes: size ?? null });
  }
  const chosen = pickRendition(renditions, q.quality);
  if (!chosen) return null;
  const id = String(video.id);
  return {
    key: `pexels:${id}`,
    source: 'pexels',
    id,
    title: titleFromPage(video.url, video.id),
    pageUrl: video.url,
    thumbnailUrl: video.image || null,
    fileUrl: chosen.url,
    width: chosen.width,
    height: chosen.height,
    durationSec,
    bytes: chosen.bytes,
    creatorName: video.user.name,
    creatorUrl: video.user.url || null,
    tags: [],
  };
}

export const pexels: StockClient = {
  source: 'pexels',
  label: 'Pexels',
  secretName: 'pexelsApiKey',
  envVar: 'PEXELS_API_KEY',
  rule: { max: 200, windowMs: HOUR_MS },
  baseUrl: (s) => s.pexelsBaseUrl,

  perPage: (q) => (filtersLocally(q, false) ? MAX_PER_PAGE : Math.min(MAX_PER_PAGE, q.count)),

  request(q, page, perPage, base, key) {
    const url = new URL('videos/search', base.endsWith('/') ? base : `${base}/`);
    url.searchParams.set('query', q.theme);
    if (q.orientation) url.searchParams.set('orientation', q.orientation);
    const size = sizeFor(q);
    if (size) url.searchParams.set('size', size);
    url.searchParams.set('page', String(page));
    url.searchParams.set('per_page', String(perPage));
    return { url: url.toString(), headers: { Authorization: key } };
  },

  parse(body, q): ParsedPage {
    const page = PageSchema.safeParse(body);
    if (!page.success) throw new AppError('ERR_PROVIDER_FAILED', 'Pexels answered with something other than search results; try again later.');
    const results = page.data.videos.map((v) => toResult(v, q)).filter((r): r is SearchResult => r !== null);
    return { results, more: Boolean(page.data.next_page) };
  },

  rateInfo(res) {
    const limit = headerNumber(res, 'x-ratelimit-limit');
    const remaining = headerNumber(res, 'x-ratelimit-remaining');
    const reset = headerNumber(res, 'x-ratelimit-reset');
    if (limit === null && remaining === null && reset === null) return null;
    return { limit, remaining, resetAt: reset === null ? null : reset * 1000 };
  },

  /**
   * Pexels' 429 carries no headers: the last reset seen is when the quota comes back. That reset is the monthly
   * one, while a 429 with quota left is the hourly limit, so the block lasts at most an hour.
   */
  blockedUntil(res, now, lastResetAt) {
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now);
    if (retryAfter !== null) return now + retryAfter;
    if (lastResetAt === null || lastResetAt <= now) return null;
    return Math.min(lastResetAt, now + HOUR_MS);
  },

  failure(res, key) {
    if (res.status === 401 || res.status === 403) {
      return new AppError('ERR_CREDENTIALS', 'Pexels rejected the API key: check it in Settings → Providers.');
    }
    if (res.status >= 500) return new AppError('ERR_HTTP_5XX', `Pexels is having trouble (HTTP ${res.status}); try again later.`);
    const said = excerpt(res.text, key);
    return new AppError('ERR_PROVIDER_FAILED', `Pexels refused the search (HTTP ${res.status}${said ? `: ${said}` : ''}).`);
  },
};
