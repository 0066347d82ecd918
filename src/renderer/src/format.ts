/** Wording the renderer shows about jobs; byte and time figures come from src/shared/format.ts. */
import type { Job, ProviderName, Progress, Quality, StockSource } from '../../shared/contract';
import type { ErrorCode } from '../../shared/errors';
import { formatBytes, formatDuration } from '../../shared/format';
import { preview } from '../../shared/url';

/** What to call a job before yt-dlp has told us its title: the link itself, made safe to print. */
export function jobTitle(job: Pick<Job, 'title' | 'url'>): string {
  return job.title ?? preview(job.url, 80);
}

export function stateText(job: Pick<Job, 'state' | 'nextAttemptAt'>, now: number): string {
  switch (job.state) {
    case 'retry_wait': {
      if (job.nextAttemptAt === null) return 'waiting to retry';
      const sec = Math.max(0, Math.ceil((job.nextAttemptAt - now) / 1000));
      return `waiting to retry in ${sec} s`;
    }
    case 'postprocessing':
      return 'checking the file';
    default:
      return job.state;
  }
}

/** "12.3 MB of 40.1 MB", or just what arrived so far when the total is unknown (live streams, some HLS). */
export function sizeText(progress: Pick<Progress, 'downloadedBytes' | 'totalBytes'>): string {
  const done = formatBytes(progress.downloadedBytes);
  return progress.totalBytes ? `${done} of ${formatBytes(progress.totalBytes)}` : done;
}

/** How each quality preset is named wherever one is picked (the add bar, Settings). */
export const QUALITY_LABELS: Record<Quality, string> = {
  best: 'Best available',
  '2160p': '2160p (4K)',
  '1440p': '1440p',
  '1080p': '1080p',
  '720p': '720p',
  '480p': '480p',
  '360p': '360p',
  audio: 'Audio only',
};

/** Providers as their makers write them; an attempt may name one this build does not know, shown as it is. */
const PROVIDER_LABELS: Record<ProviderName, string> = { 'yt-dlp': 'yt-dlp', direct: 'Direct', apify: 'Apify', huntapi: 'HuntAPI', scrapling: 'Scrapling' };

export function providerLabel(provider: string): string {
  return Object.hasOwn(PROVIDER_LABELS, provider) ? PROVIDER_LABELS[provider as ProviderName] : provider;
}

/** Stock sites as their owners write them. */
export const STOCK_SOURCE_LABELS: Record<StockSource, string> = { pexels: 'Pexels', pixabay: 'Pixabay' };

/** A library item's source as its owner writes it where we know it (Pexels), else as recorded (a host name). */
export function sourceLabel(source: string): string {
  return Object.hasOwn(STOCK_SOURCE_LABELS, source) ? STOCK_SOURCE_LABELS[source as StockSource] : source;
}

/** How long something took: tenths of a second while short (most attempts), minutes and hours beyond that. */
export function formatElapsed(ms: number): string {
  return ms < 60_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)} s` : formatDuration(ms / 1000);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/**
 * What the user can do next about an error, beyond the engine's sentence (which says what happened): the same
 * codes come from every provider, so the advice lives here once instead of in each message.
 */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  ERR_NETWORK: 'Check the internet connection; jobs that fail this way are retried on their own.',
  ERR_HTTP_429: 'The site is limiting requests: wait a while, or lower the number of parallel downloads in Settings.',
  ERR_HTTP_5XX: 'The site is having trouble; Retry later.',
  ERR_HTTP_403: 'The site refused the download: a cookies file (Settings) or a newer yt-dlp often helps.',
  ERR_BOT_CHECK: 'Add a cookies file from a signed-in browser in Settings, then Retry.',
  ERR_GEO_BLOCKED: 'The video is not available in your country; a proxy in Settings can help.',
  ERR_UNAVAILABLE: 'Check the link; if it is right, the video was removed or made private and retrying will not help.',
  ERR_UNSUPPORTED_URL: 'No downloader knows this site; check the link points at a video page.',
  ERR_BINARY_MISSING: 'Install the missing program or set its path in Settings, then Retry.',
  ERR_DISK: 'Free some space or pick another library folder in Settings, then Retry.',
  ERR_VALIDATION: 'The downloaded file was not a playable video; Retry, or try another quality.',
  ERR_PROCESS: 'Updating yt-dlp usually fixes this (Settings → yt-dlp); then Retry.',
  ERR_CREDENTIALS: 'Check the API keys and tokens in Settings → Providers, then Retry.',
  ERR_QUOTA: 'The service’s quota or credit is used up: wait for it to renew or top it up, or put another provider first in Settings → Providers.',
  ERR_TOO_LARGE: 'Raise the maximum file size in Settings → Downloads or pick a lower quality, then Retry.',
  ERR_PROVIDER_FAILED: 'Retry later, or put another provider first in Settings → Providers.',
  ERR_TIMEOUT: 'The service took too long: Retry later, or allow it more time in Settings → Providers.',
  ERR_NO_PROVIDER: 'Enable a provider for this site or add its credentials in Settings → Providers; Stats shows which ones are paused after failures.',
};

export function adviceFor(code: ErrorCode): string | null {
  return ADVICE[code] ?? null;
}
