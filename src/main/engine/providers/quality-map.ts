import type { Quality } from '../../../shared/contract';

/** Resolutions the Apify YouTube downloader actor accepts (PROTOCOLS.md §2). */
export type ApifyResolution = '2160p' | '1440p' | '1080p' | '720p' | '480p' | '360p';
export type HuntapiQuality = 'best' | '1080p' | '720p' | '480p' | '360p';

/**
 * Apify's `resolution` for a requested quality, and a note for the attempt detail when the request cannot be met
 * exactly. The actor has no audio-only mode, so audio asks for the smallest useful video (the audio track is kept).
 */
export function apifyResolution(quality: Quality): { resolution: ApifyResolution; note: string | null } {
  switch (quality) {
    // "best" stays at 1080p: higher resolutions from the actor are slow to produce and rarely what a default means.
    case 'best':
      return { resolution: '1080p', note: null };
    case 'audio':
      return { resolution: '360p', note: 'Apify has no audio-only download: fetched the 360p video instead' };
    default:
      return { resolution: quality, note: null };
  }
}

/** HuntAPI's `download_type` and `video_quality` for a requested quality. It offers nothing above 1080p, so higher asks mean "best". */
export function huntapiQuality(quality: Quality): { downloadType: 'audio_video' | 'audio'; videoQuality: HuntapiQuality } {
  switch (quality) {
    case 'audio':
      return { downloadType: 'audio', videoQuality: 'best' };
    case 'best':
    case '2160p':
    case '1440p':
      return { downloadType: 'audio_video', videoQuality: 'best' };
    default:
      return { downloadType: 'audio_video', videoQuality: quality };
  }
}
