import type { SearchQuery, SearchResult, SecretName, StockSource } from '../../../shared/contract';
import type { AppError } from '../../../shared/errors';
import type { HttpResponse } from '../net/http';
import type { RateRule } from '../net/ratelimit';

/** One page request to a stock service. */
export interface PageRequest {
  /** The full URL; for Pixabay it carries the key, so it is never logged nor put in a message. */
  url: string;
  headers: Record<string, string>;
}

export interface ParsedPage {
  /** Mapped and filtered by the query's local filters, in the service's rank order. */
  results: SearchResult[];
  /** Whether asking for the next page can return more (and is allowed: Pixabay refuses pages past totalHits). */
  more: boolean;
}

export interface RateHeaders {
  limit: number | null;
  remaining: number | null;
  resetAt: number | null;
}

/** What differs between stock services: the wire format. Caching, limits, retries and merging are shared. */
export interface StockClient {
  source: StockSource;
  label: string;
  secretName: SecretName;
  envVar: string;
  /** Our own limit for this service, below what it allows, so we never run into its ban. */
  rule: RateRule;
  baseUrl(settings: { pexelsBaseUrl: string; pixabayBaseUrl: string }): string;
  perPage(q: SearchQuery): number;
  request(q: SearchQuery, page: number, perPage: number, base: string, key: string): PageRequest;
  parse(body: unknown, q: SearchQuery, page: number, perPage: number): ParsedPage;
  /** The X-Ratelimit-* headers of an answer, as absolute times; null when it sent none. */
  rateInfo(res: HttpResponse, now: number): RateHeaders | null;
  /** Until when a 429 answer tells us to stop, or null when it does not say. */
  blockedUntil(res: HttpResponse, now: number, lastResetAt: number | null): number | null;
  /** The error for an answer other than 200 and 429. */
  failure(res: HttpResponse, key: string): AppError;
}

/** Most pages one search reads from one service: 200 results (the largest count) at Pexels' 80 per page. */
export const MAX_PAGES = 3;

/** Heights of the quality presets; 'best' takes the largest rendition instead. */
const PRESET_HEIGHT: Record<Exclude<SearchQuery['quality'], 'best'>, number> = {
  '2160p': 2160,
  '1440p': 1440,
  '1080p': 1080,
  '720p': 720,
  '480p': 480,
  '360p': 360,
};

export interface Rendition {
  url: string;
  width: number;
  height: number;
  bytes: number | null;
}

/**
 * The file to download for a quality preset. "1080p" names the short side, so a portrait video (1080×1920) is
 * compared by its width: by height alone a portrait 1080p file would count as "1920p" and lose to a 720p one.
 * The preset is a ceiling (nearest at or below it); when every rendition is above it, the smallest one.
 */
export function pickRendition<R extends Rendition>(renditions: readonly R[], quality: SearchQuery['quality']): R | null {
  if (renditions.length === 0) return null;
  const side = (r: Rendition) => Math.min(r.width, r.height);
  const area = (r: Rendition) => r.width * r.height;
  if (quality === 'best') return renditions.reduce((a, b) => (area(b) > area(a) ? b : a));
  const target = PRESET_HEIGHT[quality];
  const below = renditions.filter((r) => side(r) <= target);
  if (below.length > 0) return below.reduce((a, b) => (side(b) > side(a) || (side(b) === side(a) && area(b) > area(a)) ? b : a));
  return renditions.reduce((a, b) => (side(b) < side(a) ? b : a));
}

/** Orientation by aspect ratio; within 5 % of square counts as square (stock "square" clips are rarely exact). */
export function orientationOf(width: number, height: number): 'landscape' | 'portrait' | 'square' {
  if (width > height * 1.05) return 'landscape';
  if (height > width * 1.05) return 'portrait';
  return 'square';
}

/** The filters a service cannot apply itself, checked on the video's own size and length. */
export function passesFilters(
  q: SearchQuery,
  video: { width: number | null; height: number | null; durationSec: number | null },
  checks: { orientation: boolean },
): boolean {
  const { width, height, durationSec } = video;
  if (q.minWidth !== undefined && (width === null || width < q.minWidth)) return false;
  if (q.minHeight !== undefined && (height === null || height < q.minHeight)) return false;
  if (q.minDurationSec !== undefined && (durationSec === null || durationSec < q.minDurationSec)) return false;
  if (q.maxDurationSec !== undefined && (durationSec === null || durationSec > q.maxDurationSec)) return false;
  if (checks.orientation && q.orientation !== undefined) {
    if (width === null || height === null || orientationOf(width, height) !== q.orientation) return false;
  }
  return true;
}

/** Whether results may be dropped after the service answered: then we ask for full pages to make up for them. */
export function filtersLocally(q: SearchQuery, orientationToo: boolean): boolean {
  return (
    q.minWidth !== undefined ||
    q.minHeight !== undefined ||
    q.minDurationSec !== undefined ||
    q.maxDurationSec !== undefined ||
    (orientationToo && q.orientation !== undefined)
  );
}

/** "aerial-view-of-ocean-waves" → "Aerial view of ocean waves". */
export function sentenceFromSlug(slug: string): string {
  const words = slug.split(/[-_\s]+/).filter(Boolean).join(' ');
  return words ? words[0]!.toUpperCase() + words.slice(1) : '';
}

/** The number in a header, or null when absent or garbled. */
export function headerNumber(res: HttpResponse, name: string): number | null {
  const raw = res.headers.get(name)?.trim();
  if (!raw || !/^\d+(\.\d+)?$/.test(raw)) return null;
  return Number(raw);
}

/** A short, single-line piece of a service's error text for a message, without the key should it be echoed. */
export function excerpt(text: string, key: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const safe = key ? oneLine.split(key).join('[key]') : oneLine;
  return safe.length > 160 ? `${safe.slice(0, 157)}…` : safe;
}
