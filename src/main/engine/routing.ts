import { PROVIDERS, type ProviderName, type Quality, type Settings } from '../../shared/contract';

export type Site = 'youtube' | 'tiktok' | 'instagram' | 'direct' | 'other';

/** Progressive media files a plain HTTP download gets whole; manifests (m3u8, mpd) need yt-dlp to assemble. */
const MEDIA_FILE = /\.(mp4|m4v|mov|webm|mkv|m4a|mp3|ogg|oga|opus|flac|wav|aac|ts|avi|flv|3gp)$/i;
const MANIFEST = /\.(m3u8|mpd)$/i;

/** Whether a link points straight at a media file or a streaming manifest (by its path), or at a page. */
export function mediaLinkKind(url: string): 'file' | 'manifest' | null {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    return null;
  }
  if (MEDIA_FILE.test(pathname)) return 'file';
  return MANIFEST.test(pathname) ? 'manifest' : null;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export function siteOf(url: string): Site {
  const host = hostOf(url);
  if (!host) return 'other';
  if (/(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com)$/.test(host)) return 'youtube';
  if (/(^|\.)tiktok\.com$/.test(host)) return 'tiktok';
  if (/(^|\.)(instagram\.com|instagr\.am)$/.test(host)) return 'instagram';
  return mediaLinkKind(url) === 'file' ? 'direct' : 'other';
}

export interface Route {
  site: Site;
  /** Providers to try, in order. */
  chain: ProviderName[];
  /** Providers of the site's order left out, with why (shown in the log). */
  skipped: Array<{ provider: ProviderName; reason: string }>;
}

function isProvider(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

/**
 * The ordered provider chain for a link. A job may carry a forced route (stock search results are plain files);
 * otherwise the site decides: TikTok by the strategy setting alone (no automatic switch between the two), the
 * other sites by their order in Settings. Disabled providers are left out. An audio-only job on a media file goes
 * to yt-dlp, which extracts the audio track; a plain download would keep the video.
 */
export function routeFor(url: string, settings: Settings, quality: Quality, forced: string | null = null): Route {
  const site = siteOf(url);
  let order: ProviderName[];
  if (forced) order = forced.split(',').filter(isProvider);
  else if (site === 'tiktok') order = [settings.tiktokStrategy === 'scrapling-api' ? 'scrapling' : 'yt-dlp'];
  else if (site === 'direct' && quality === 'audio') order = ['yt-dlp'];
  else order = settings.providerOrder[site];
  const chain: ProviderName[] = [];
  const skipped: Route['skipped'] = [];
  for (const provider of order) {
    if (chain.includes(provider)) continue;
    if (settings.disabledProviders.includes(provider)) skipped.push({ provider, reason: 'disabled in Settings → Providers' });
    else chain.push(provider);
  }
  return { site, chain, skipped };
}
