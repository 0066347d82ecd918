import type { Quality, SecretName, Settings } from '../../../shared/contract';
import type { AttemptDetail } from '../store/jobs';
import type { Logger } from '../log';
import type { HttpPolicy, HttpRequest, HttpResponse } from '../net/http';

/** Where a cloud service says the file is, and what it knows about the video. */
export interface RemoteMedia {
  url: string;
  /** Sent with the file request (TikTok links want a Referer). */
  headers?: Record<string, string>;
  /** A tighter size cap than the global one. */
  maxBytes?: number;
  info: {
    title?: string | null;
    uploader?: string | null;
    durationSec?: number | null;
    videoId?: string | null;
    thumbnailUrl?: string | null;
    width?: number | null;
    height?: number | null;
  };
}

export interface CloudContext {
  /** Effective settings: flag > env > saved > default. */
  settings: Settings;
  /** Effective secret: env > stored. Never log it. */
  secret(name: SecretName): string | undefined;
  signal: AbortSignal;
  log: Logger;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** httpRequest with the engine's policy (retries from settings, this provider's rate limit). */
  http(req: HttpRequest, policy?: Partial<HttpPolicy>): Promise<HttpResponse>;
  /** The remote id an interrupted earlier attempt of this job left (HuntAPI job, Apify run): resume it, never create another. */
  resumeRemoteId: string | null;
  /** Persists the remote id the moment the service returns it. */
  setRemoteId(id: string): void;
  /** Facts for the attempt row (execution_time, file_size, error_code…); never secrets. */
  detail: AttemptDetail;
  /** A line for the job's progress while the service works ("HuntAPI job queued"). */
  onStatus(message: string): void;
}

/** A remote service that turns a page URL into a file URL; the direct downloader then fetches the file. */
export interface CloudProvider {
  name: 'apify' | 'huntapi' | 'scrapling';
  /** Why it cannot run now (no token set, no host configured), or null. */
  unavailable(ctx: Pick<CloudContext, 'settings' | 'secret'>): string | null;
  resolve(job: { url: string; quality: Quality }, ctx: CloudContext): Promise<RemoteMedia>;
  /**
   * Stops the remote work behind `remoteId` when the user cancels the job (not on pause or shutdown, which resume it),
   * so it stops costing. Best effort: never throws. Only services that can stop work offer it (Apify).
   */
  cancel?(remoteId: string, ctx: Pick<CloudContext, 'settings' | 'secret' | 'http' | 'log'>): Promise<void>;
}
