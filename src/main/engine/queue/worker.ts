import fs from 'node:fs';
import path from 'node:path';
import { FINAL_STATES, type ProviderName, type Progress } from '../../../shared/contract';
import { AppError, TRANSIENT_CODES, toAppError, type ErrorCode } from '../../../shared/errors';
import type { Engine } from '../engine';
import { canonicalUrl } from '../library/canonical';
import { findStagedMedia, freeRelPath, moveIntoLibrary, sha256File, stagingDirFor, THUMBS_DIR } from '../library/files';
import { libraryRelPath } from '../library/naming';
import { extractKeyframes, type ExtractedKeyframe } from '../media/keyframes';
import { makeThumbnail, probeMedia, streamHash, type MediaMeta } from '../media/probe';
import { downloadFile } from '../net/download';
import { httpRequest } from '../net/http';
import { backoffDelay, parseRetryAfter, sleep } from '../net/retry';
import type { CloudContext, CloudProvider, RemoteMedia } from '../providers/cloud';
import { CLOUD_PROVIDERS, isCloudProvider } from '../providers/registry';
import { routeFor, type Site } from '../routing';
import {
  downloadWithYtdlp,
  isDirectMediaUrl,
  resolveUrl,
  type MediaInfo,
  type RawProgress,
  type ResolvedPlaylist,
  type YtdlpContext,
} from '../providers/ytdlp';
import type { StoredKeyframe } from '../store/items';
import type { AttemptDetail, JobRow } from '../store/jobs';

export type InterruptReason = 'pause' | 'cancel' | 'shutdown';

export interface WorkerHandle {
  /** True while the job holds a download slot; post-processing gives it up. */
  holdsSlot: boolean;
  interrupt(reason: InterruptReason): void;
  done: Promise<void>;
}

/** Errors after which the next YouTube player client may succeed where this one did not. */
const CLIENT_FALLBACK_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_BOT_CHECK', 'ERR_HTTP_403', 'ERR_UNKNOWN', 'ERR_PROCESS']);

const MAX_BACKOFF_MS = 10 * 60_000;

/** Failures that say a remote service is in trouble (not that one video is unavailable): they feed its breaker. */
const SERVICE_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_NETWORK',
  'ERR_HTTP_5XX',
  'ERR_HTTP_429',
  'ERR_TIMEOUT',
  'ERR_CREDENTIALS',
  'ERR_QUOTA',
  'ERR_PROVIDER_FAILED',
]);

/** Failures no other provider can do better on: the chain stops there. */
const CHAIN_STOPS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_DISK', 'ERR_TOO_LARGE', 'ERR_INVALID_URL', 'ERR_CANCELED']);

const SITE_AGNOSTIC_EXTRACTORS = new Set(['generic', 'html5mediaembed']);

interface FileFacts {
  meta: MediaMeta;
  sha256: string;
  contentHash: string | null;
  bytes: number;
}

/** Runs one job through resolve → download → validate → finalize, and records how it ended. */
export class Worker {
  readonly handle: WorkerHandle;
  private readonly ac = new AbortController();
  private reason: InterruptReason | null = null;
  private finalizing = false;
  private resolveDone!: () => void;

  constructor(
    private readonly e: Engine,
    private readonly id: number,
  ) {
    const done = new Promise<void>((r) => (this.resolveDone = r));
    this.handle = {
      holdsSlot: true,
      done,
      interrupt: (reason) => {
        // post-processing is short and a paused job cannot be half-validated: a pause arriving then lets it finish;
        // once the file is being moved into the library, only shutdown (which waits for it) interrupts
        if (reason === 'pause' && !this.handle.holdsSlot) return;
        if (this.finalizing && reason !== 'shutdown') return;
        this.reason ??= reason;
        this.ac.abort();
      },
    };
  }

  private get signal(): AbortSignal {
    return this.ac.signal;
  }

  async run(): Promise<void> {
    try {
      await this.execute();
    } catch (err) {
      this.settleError(err);
    } finally {
      const state = this.e.jobs.get(this.id)?.state;
      this.e.progress.stop(this.id, state !== undefined && !FINAL_STATES.includes(state));
      this.resolveDone();
    }
  }

  private emit(row: JobRow): JobRow {
    this.e.emitJob(row);
    return row;
  }

  private async execute(): Promise<void> {
    const { e, id } = this;
    const start = e.jobs.require(id);
    const row = this.emit(
      e.jobs.transition(id, 'resolving', { tries: start.tries + 1, error_code: null, error_message: null, next_attempt_at: null, started_at: e.now() }),
    );
    const lib = e.libraryDir;
    // a crash after the move into the library but before the commit: the file is there, only the record is missing
    if (row.final_path && fs.existsSync(path.join(lib, row.final_path))) {
      await this.commitInPlace(row);
      return;
    }
    const route = routeFor(row.url, e.settings, row.quality, row.route);
    const strategy = route.site === 'tiktok' ? e.settings.tiktokStrategy : undefined;
    for (const s of route.skipped) e.log.info({ jobId: id, provider: s.provider, reason: s.reason }, 'provider skipped');
    const staging = stagingDirFor(lib, id);
    fs.mkdirSync(staging, { recursive: true });

    // an automatic retry asks again only the providers that failed for a passing reason (a billed service is not asked twice for nothing)
    const settled = start.tries > 0 ? this.failedForGood() : new Set<string>();
    const resume = this.resumePoint(route.chain);
    let fallback = resume?.fallback ?? false;
    let ranHere = false;
    let firstError: AppError | null = null;
    const notTried: string[] = [];
    let file: string | null = null;
    for (let i = resume?.index ?? 0; i < route.chain.length && !file; i++) {
      const provider = route.chain[i]!;
      const why = settled.has(provider) ? 'failed on the previous try for a reason a retry does not change' : this.unavailable(provider);
      if (why) {
        notTried.push(`${provider}: ${why}`);
        e.log.info({ jobId: id, provider, reason: why }, 'provider skipped');
        continue;
      }
      if (isCloudProvider(provider) && !e.breakers.tryPass(provider)) {
        notTried.push(`${provider}: paused after repeated failures`);
        e.log.info({ jobId: id, provider, reason: 'circuit open' }, 'provider skipped');
        continue;
      }
      // a new provider starts from a clean staging folder; the one a stop interrupted continues from its partial data
      if (ranHere) resetDir(staging);
      ranHere = true;
      const started = e.now();
      try {
        const outcome = await this.runProvider(provider, route.site, staging, { fallback, resumeRemoteId: i === resume?.index ? resume.remoteId : null });
        if (isCloudProvider(provider)) e.breakers.success(provider);
        e.log.info({ jobId: id, provider, strategy, fallback, execution_time: (e.now() - started) / 1000 }, 'provider succeeded');
        if (outcome === 'done') {
          fs.rmSync(staging, { recursive: true, force: true });
          return;
        }
        file = outcome;
      } catch (err) {
        const ae = spawnError(err);
        if (this.signal.aborted) throw ae;
        if (isCloudProvider(provider) && SERVICE_FAILURES.has(ae.code)) e.breakers.failure(provider);
        e.log.warn({ jobId: id, provider, strategy, fallback, code: ae.code, execution_time: (e.now() - started) / 1000 }, 'provider failed');
        firstError ??= ae;
        fallback = true;
        if (CHAIN_STOPS.has(ae.code)) throw ae;
      }
    }
    if (!file) {
      throw firstError ?? new AppError('ERR_NO_PROVIDER', `No provider can download this link now (${notTried.join('; ') || 'none configured'}). Check Settings → Providers.`);
    }

    this.emit(e.jobs.transition(id, 'postprocessing', { worker_pid: null }));
    this.handle.holdsSlot = false;
    e.slotReleased();
    await this.finalize(e.jobs.require(id), file, staging);
  }

  /**
   * Where a stopped run left off: a pause, a shutdown or a crash interrupts an attempt; the next run goes straight
   * back to that provider with its remote job (a HuntAPI job is billed, an Apify run costs compute: never start twice).
   */
  private resumePoint(chain: readonly ProviderName[]): { index: number; remoteId: string | null; fallback: boolean } | null {
    const last = this.e.jobs.lastAttempt(this.id);
    if (!last || last.error?.code !== 'ERR_CANCELED' || last.detail?.interrupted === 'cancel') return null;
    const index = chain.indexOf(last.provider as ProviderName);
    return index < 0 ? null : { index, remoteId: last.remoteId, fallback: last.fallback };
  }

  /** Providers whose latest attempt for this job failed with an error that waiting does not fix. */
  private failedForGood(): Set<string> {
    const latest = new Map<string, ErrorCode | null>();
    for (const a of this.e.jobs.attempts(this.id)) latest.set(a.provider, a.error?.code ?? null);
    return new Set([...latest].filter(([, code]) => code !== null && code !== 'ERR_CANCELED' && !TRANSIENT_CODES.has(code)).map(([p]) => p));
  }

  /** Why the chain must skip this provider now (no credentials, no binary), or null. */
  private unavailable(provider: ProviderName): string | null {
    const { e } = this;
    if (isCloudProvider(provider)) return CLOUD_PROVIDERS[provider].unavailable({ settings: e.settings, secret: (n) => e.secret(n) });
    return null;
  }

  /** Runs one provider; resolves with the staged file, or 'done' when the job ended otherwise (playlist expanded, duplicate). */
  private runProvider(provider: ProviderName, site: Site, staging: string, opts: { fallback: boolean; resumeRemoteId: string | null }): Promise<string | 'done'> {
    switch (provider) {
      case 'yt-dlp':
        return this.viaYtdlp(site, staging, opts.fallback);
      case 'direct':
        return this.viaDirect(staging, opts.fallback);
      default:
        return this.viaCloud(CLOUD_PROVIDERS[provider], site, staging, opts);
    }
  }

  private enterDownloading(): JobRow {
    const row = this.e.jobs.require(this.id);
    return row.state === 'downloading' ? row : this.emit(this.e.jobs.transition(this.id, 'downloading'));
  }

  /** Ends an attempt that threw: a stop is recorded as an interruption (with why), anything else as its error. */
  private endFailedAttempt(attempt: number, err: unknown, detail: AttemptDetail | null = null): void {
    const stopped = this.signal.aborted;
    const error = stopped ? { code: 'ERR_CANCELED' as const, message: `Stopped (${this.reason ?? 'canceled'}).` } : spawnError(err).toJSON();
    this.e.jobs.endAttempt(attempt, error, null, stopped ? { ...detail, interrupted: this.reason ?? 'cancel' } : detail);
  }

  private async ytdlpContext(): Promise<YtdlpContext> {
    const { e } = this;
    const binary = e.binaries.require('yt-dlp');
    return { binary, features: await e.binaries.ytdlpFeatures(), settings: e.settings, secrets: { cookiesFile: e.secret('cookiesFile'), proxy: e.secret('proxy') }, jsRuntime: e.jsRuntime, env: e.env };
  }

  /** Instagram limits how often one client may ask: wait for our turn in its persisted window. */
  private async siteTurn(site: Site): Promise<void> {
    if (site !== 'instagram') return;
    const s = this.e.settings;
    await this.e.limiter.acquire('instagram', { max: s.instagramRequestsPerHour, windowMs: 3_600_000, minSpacingMs: s.instagramMinSpacingMs, jitterMs: [500, 1500] }, this.signal);
  }

  /** yt-dlp: resolve (playlists expand into child jobs), then one attempt per YouTube player client in the fallback list. */
  private async viaYtdlp(site: Site, staging: string, fallback: boolean): Promise<string | 'done'> {
    const { e, id } = this;
    let row = e.jobs.require(id);
    let ctx: YtdlpContext;
    const needsResolve = !row.parent_id && !row.video_id && !isDirectMediaUrl(row.url);
    // waiting for the site's rate limit is not an attempt: a stop while waiting leaves no row
    if (needsResolve) await this.siteTurn(site);
    try {
      ctx = await this.ytdlpContext();
      if (needsResolve) {
        this.setProgress({ phase: 'resolving', downloadedBytes: 0, totalBytes: null, percent: null, speed: null, etaSec: null, part: 1, parts: 1 });
        const resolved = await resolveUrl(ctx, row.url, this.signal);
        if (resolved.kind === 'playlist') {
          this.expand(row, resolved);
          return 'done';
        }
        row = this.applyInfo(row, resolved.info);
        if (this.completeIfDuplicate(row)) return 'done';
      }
    } catch (err) {
      // a resolve that worked leaves no row; one that failed is an attempt the chain moved on from
      this.endFailedAttempt(e.jobs.startAttempt(id, 'yt-dlp', null, { fallback }), err);
      throw err;
    }

    row = this.enterDownloading();
    const variants: Array<string | null> = site === 'youtube' ? e.settings.youtubePlayerClients : [null];
    let firstError: AppError | null = null;
    for (const [i, variant] of variants.entries()) {
      await this.siteTurn(site);
      const attempt = e.jobs.startAttempt(id, 'yt-dlp', variant, { fallback: fallback || i > 0 });
      try {
        const result = await downloadWithYtdlp(
          ctx,
          { url: row.url, quality: row.quality, audioFormat: row.audio_format, stagingDir: staging, playerClient: variant },
          {
            signal: this.signal,
            onSpawn: (pid) => e.jobs.update(id, { worker_pid: pid }),
            onInfo: (info) => !this.completeIfDuplicate(this.applyInfo(e.jobs.require(id), info), true),
            onProgress: (p) => this.onDownloadProgress(p),
          },
        );
        const file = result.file && fs.existsSync(result.file) ? result.file : findStagedMedia(staging);
        e.jobs.endAttempt(attempt, null, file ? fs.statSync(file).size : null);
        if (result.stopped) {
          this.completeIfDuplicate(e.jobs.require(id));
          return 'done';
        }
        if (!file) throw new AppError('ERR_PROCESS', 'yt-dlp reported success but left no file: update yt-dlp and retry.');
        return file;
      } catch (err) {
        this.endFailedAttempt(attempt, err);
        const ae = spawnError(err);
        if (this.signal.aborted) throw ae;
        firstError ??= ae;
        e.log.warn({ jobId: id, provider: 'yt-dlp', variant, code: ae.code }, 'download attempt failed');
        if (!CLIENT_FALLBACK_CODES.has(ae.code) || i === variants.length - 1) throw firstError;
      }
    }
    throw firstError ?? new AppError('ERR_UNKNOWN', 'No download was attempted.');
  }

  private downloadTo(staging: string, url: string, extra: { headers?: Record<string, string>; maxBytes?: number } = {}) {
    const s = this.e.settings;
    const cap = s.maxFileSizeMb * 1024 * 1024;
    return downloadFile({
      url,
      dir: staging,
      headers: extra.headers,
      maxBytes: Math.min(cap, extra.maxBytes ?? cap),
      connections: s.directConnections,
      signal: this.signal,
      onProgress: (p) => this.onDownloadProgress({ ...p, part: 1, parts: 1 }),
      log: this.e.log,
    });
  }

  /** A plain media file: named after the link, fetched with resume, validated like any other download. */
  private async viaDirect(staging: string, fallback: boolean): Promise<string | 'done'> {
    const { e, id } = this;
    const attempt = e.jobs.startAttempt(id, 'direct', null, { fallback });
    try {
      const row = this.applyFileInfo(e.jobs.require(id));
      if (this.completeIfDuplicate(row)) {
        e.jobs.endAttempt(attempt, null, null);
        return 'done';
      }
      this.enterDownloading();
      const res = await this.downloadTo(staging, row.url);
      e.jobs.endAttempt(attempt, null, res.bytes, res.resumedFrom > 0 ? { resumed_from: res.resumedFrom } : null);
      return res.file;
    } catch (err) {
      this.endFailedAttempt(attempt, err);
      throw err;
    }
  }

  /** A cloud service turns the page into a file link (its job id saved at once), then the file is streamed here. */
  private async viaCloud(provider: CloudProvider, site: Site, staging: string, opts: { fallback: boolean; resumeRemoteId: string | null }): Promise<string | 'done'> {
    const { e, id } = this;
    const attempt = e.jobs.startAttempt(id, provider.name, null, { fallback: opts.fallback, remoteId: opts.resumeRemoteId });
    let remoteId = opts.resumeRemoteId;
    const detail: AttemptDetail = opts.resumeRemoteId ? { resumed: true } : {};
    const s = e.settings;
    const ctx: CloudContext = {
      settings: s,
      secret: (n) => e.secret(n),
      signal: this.signal,
      log: e.log.child({ jobId: id, provider: provider.name }),
      now: e.now,
      sleep,
      http: (req, policy) =>
        httpRequest(
          { ...req, signal: req.signal ?? this.signal },
          {
            maxRetries: s.httpMaxRetries,
            beforeTry: (signal) => e.limiter.acquire(provider.name, null, signal),
            onResponse: (res) => {
              const wait = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get('retry-after'), e.now()) : null;
              if (wait !== null) e.limiter.note(provider.name, { blockedUntil: e.now() + wait });
            },
            ...policy,
          },
        ),
      resumeRemoteId: opts.resumeRemoteId,
      setRemoteId: (rid) => {
        remoteId = rid;
        e.jobs.setAttemptRemote(attempt, rid);
      },
      detail,
      onStatus: (message) => e.log.debug({ jobId: id, provider: provider.name, message }, 'provider status'),
    };
    try {
      const row = e.jobs.require(id);
      this.setProgress({ phase: 'resolving', downloadedBytes: 0, totalBytes: null, percent: null, speed: null, etaSec: null, part: 1, parts: 1 });
      const media = await provider.resolve({ url: row.url, quality: row.quality }, ctx);
      if (this.completeIfDuplicate(this.applyRemoteInfo(row, site, media.info))) {
        e.jobs.endAttempt(attempt, null, null, detail);
        return 'done';
      }
      this.enterDownloading();
      const res = await this.downloadTo(staging, media.url, { headers: media.headers, maxBytes: media.maxBytes });
      e.jobs.endAttempt(attempt, null, res.bytes, detail);
      return res.file;
    } catch (err) {
      this.endFailedAttempt(attempt, err, detail);
      if (this.reason === 'cancel' && remoteId && provider.cancel) {
        await provider.cancel(remoteId, ctx).catch((cancelError: unknown) => e.log.warn({ jobId: id, provider: provider.name, err: String(cancelError) }, 'could not stop the remote job'));
      }
      throw err;
    }
  }

  private applyInfo(row: JobRow, info: MediaInfo): JobRow {
    let source = info.extractor;
    // a site-agnostic extractor says nothing about where the video is from: the host does
    if (SITE_AGNOSTIC_EXTRACTORS.has(source)) {
      try {
        source = new URL(row.url).hostname;
      } catch {
        // keep "generic"
      }
    }
    const canonical = info.webpageUrl && /^https?:/i.test(info.webpageUrl) ? canonicalUrl(info.webpageUrl) : row.canonical_url;
    return this.emit(
      this.e.jobs.update(this.id, {
        title: info.title ?? row.title,
        extractor: info.extractor,
        video_id: info.id,
        source,
        uploader: info.uploader,
        upload_date: info.uploadDate,
        canonical_url: canonical,
      }),
    );
  }

  /** A plain file link: named after the file, as yt-dlp's generic extractor would, so both dedup alike. */
  private applyFileInfo(row: JobRow): JobRow {
    if (row.video_id) return row;
    const u = new URL(row.url);
    const base = safeDecode(u.pathname.split('/').pop() ?? '').replace(/\.[^.]+$/, '') || u.hostname;
    return this.emit(this.e.jobs.update(this.id, { title: row.title ?? base, extractor: 'generic', video_id: base, source: row.source ?? u.hostname }));
  }

  /** What a cloud service said about the video; the site's own id keeps dedup working across providers. */
  private applyRemoteInfo(row: JobRow, site: Site, info: RemoteMedia['info']): JobRow {
    const extractor = site === 'youtube' || site === 'tiktok' || site === 'instagram' ? site : (row.extractor ?? 'generic');
    const videoId = row.video_id ?? siteVideoId(site, row.canonical_url) ?? info.videoId ?? null;
    return this.emit(
      this.e.jobs.update(this.id, {
        title: info.title ?? row.title,
        uploader: info.uploader ?? row.uploader,
        extractor,
        video_id: videoId,
        source: row.source ?? (extractor === 'generic' ? new URL(row.url).hostname : extractor),
      }),
    );
  }

  /**
   * Dedup keys known before downloading: the canonical URL (now expanded by the extractor) and the
   * (extractor, id, format) triple. A hit completes the job as `skipped_duplicate` pointing at the item.
   */
  private completeIfDuplicate(row: JobRow, duringDownload = false): boolean {
    const { e } = this;
    const item =
      (row.extractor && row.video_id ? e.items.byVideo(row.extractor, row.video_id, row.format_profile) : undefined) ??
      e.items.byCanonicalUrl(row.canonical_url, row.format_profile);
    if (!item) return false;
    if (duringDownload) return true; // the download loop stops yt-dlp and completes the job
    this.emit(e.jobs.transition(this.id, 'completed', { result: 'skipped_duplicate', item_id: item.id, worker_pid: null }));
    e.recordEvent('job.duplicate', this.id, { itemId: item.id });
    return true;
  }

  private expand(row: JobRow, playlist: ResolvedPlaylist): void {
    const { e, id } = this;
    if (playlist.entries.length === 0) throw new AppError('ERR_UNAVAILABLE', 'This playlist or page lists no videos ClipHarbor can download.');
    const childIds = e.db.transaction(() => {
      const ids: number[] = [];
      for (const entry of playlist.entries) {
        const canonical = canonicalUrl(entry.url);
        if (e.jobs.findUnfinished(canonical, row.format_profile)) continue;
        const item = e.items.byCanonicalUrl(canonical, row.format_profile);
        ids.push(
          e.jobs.insert({
            parentId: id,
            url: entry.url,
            canonicalUrl: canonical,
            quality: row.quality,
            audioFormat: row.audio_format,
            formatProfile: row.format_profile,
            priority: row.priority,
            title: entry.title,
            ...(item ? { state: 'completed' as const, result: 'skipped_duplicate' as const, itemId: item.id } : {}),
          }),
        );
      }
      e.jobs.update(id, { kind: 'playlist', title: playlist.title ?? row.title, extractor: playlist.extractor });
      e.jobs.transition(id, 'completed', { result: 'expanded' });
      return ids;
    })();
    for (const cid of childIds) this.emit(e.jobs.require(cid));
    this.emit(e.jobs.require(id));
    e.log.info({ jobId: id, children: childIds.length }, 'playlist expanded');
  }

  private setProgress(p: Progress): void {
    this.e.progress.set(this.id, p);
  }

  private onDownloadProgress(p: RawProgress): void {
    const frac = p.totalBytes ? Math.min(1, p.downloadedBytes / p.totalBytes) : null;
    const percent = frac === null ? null : Math.min(100, (((p.part - 1) + frac) / p.parts) * 100);
    this.setProgress({ phase: 'downloading', ...p, percent: percent === null ? null : Math.round(percent * 10) / 10 });
  }

  /** Validate, hash, dedup on content, name, thumbnail, then move into the library and record it in one commit. */
  private async finalize(row: JobRow, file: string, staging: string): Promise<void> {
    const { e, id } = this;
    const size = fs.statSync(file).size;
    this.setProgress({ phase: 'postprocessing', downloadedBytes: size, totalBytes: size, percent: 100, speed: null, etaSec: null, part: 1, parts: 1 });
    const facts = await this.inspect(file);
    if (this.completeIfSameContent(facts)) {
      fs.rmSync(staging, { recursive: true, force: true });
      return;
    }
    const lib = e.libraryDir;
    const rel = freeRelPath(
      lib,
      libraryRelPath({ source: row.source ?? 'web', uploader: row.uploader, title: row.title ?? row.video_id ?? 'untitled', id: row.video_id ?? String(id), ext: path.extname(file).slice(1) }),
    );
    const [thumbnail, keyframes] = await Promise.all([this.thumbnail(file, facts), this.keyframes(file, facts, staging)]);
    this.finalizing = true;
    if (this.signal.aborted) throw new AppError('ERR_CANCELED', 'Canceled.');
    e.jobs.update(id, { final_path: rel });
    await moveIntoLibrary(file, path.join(lib, rel));
    this.commit(e.jobs.require(id), rel, facts, thumbnail, keyframes);
    fs.rmSync(staging, { recursive: true, force: true });
  }

  /** Recovery: the file reached the library before a crash; validate it there and record it. */
  private async commitInPlace(row: JobRow): Promise<void> {
    const { e } = this;
    const abs = path.join(e.libraryDir, row.final_path!);
    this.handle.holdsSlot = false;
    e.slotReleased();
    const facts = await this.inspect(abs);
    if (!this.completeIfSameContent(facts)) {
      const [thumbnail, keyframes] = await Promise.all([this.thumbnail(abs, facts), this.keyframes(abs, facts, stagingDirFor(e.libraryDir, this.id))]);
      this.finalizing = true;
      this.commit(row, row.final_path!, facts, thumbnail, keyframes);
    }
    fs.rmSync(stagingDirFor(e.libraryDir, this.id), { recursive: true, force: true });
  }

  /** ffprobe validation (throws ERR_VALIDATION) plus the two content hashes. */
  private async inspect(file: string): Promise<FileFacts> {
    const { e } = this;
    const meta = await probeMedia(e.binaries.require('ffprobe'), file, this.signal);
    const [sha256, contentHash] = await Promise.all([sha256File(file), streamHash(e.binaries.require('ffmpeg'), file, this.signal)]);
    return { meta, sha256, contentHash, bytes: fs.statSync(file).size };
  }

  /** The third dedup key: the same bytes, or the same audio/video packets, are already in the library. */
  private completeIfSameContent(facts: FileFacts): boolean {
    const { e, id } = this;
    const dup = e.items.byContent(facts.sha256, facts.contentHash);
    if (!dup) return false;
    this.emit(e.jobs.transition(id, 'completed', { result: 'skipped_duplicate', item_id: dup.id, final_path: null }));
    e.recordEvent('job.duplicate', id, { itemId: dup.id, key: 'content' });
    return true;
  }

  private async thumbnail(file: string, facts: FileFacts): Promise<string | null> {
    if (!facts.meta.vcodec) return null;
    const rel = `${THUMBS_DIR}/${facts.sha256.slice(0, 24)}.jpg`;
    const abs = path.join(this.e.libraryDir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    const ok = await makeThumbnail(this.e.binaries.require('ffmpeg'), file, abs, facts.meta.durationSec, this.signal).catch(() => false);
    return ok && fs.existsSync(abs) ? rel : null;
  }

  /**
   * Stills for the player's strip, written into the job's staging folder: a canceled or failed job leaves none behind.
   * They are extras, so a failure only costs the item its keyframes, never the download.
   */
  private async keyframes(file: string, facts: FileFacts, staging: string): Promise<ExtractedKeyframe[]> {
    const count = this.e.settings.keyframeCount;
    if (count === 0 || !facts.meta.vcodec) return [];
    try {
      fs.mkdirSync(staging, { recursive: true });
      const ffmpeg = this.e.binaries.require('ffmpeg');
      return await extractKeyframes({ ffmpeg, file, durationSec: facts.meta.durationSec, count, outDir: staging, baseName: facts.sha256.slice(0, 24), signal: this.signal });
    } catch (err) {
      const { code, message } = toAppError(err);
      if (!this.signal.aborted) this.e.log.warn({ jobId: this.id, code, message }, 'no keyframes for this video');
      return [];
    }
  }

  /** Moves the staged keyframes next to the thumbnail, as `<THUMBS_DIR>/<sha prefix>-k<index>.jpg`; those that fail are dropped. */
  private placeKeyframes(staged: readonly ExtractedKeyframe[]): StoredKeyframe[] {
    const placed: StoredKeyframe[] = [];
    if (staged.length === 0) return placed;
    try {
      fs.mkdirSync(path.join(this.e.libraryDir, THUMBS_DIR), { recursive: true });
      for (const k of staged) {
        const rel = `${THUMBS_DIR}/${path.basename(k.file)}`;
        fs.renameSync(k.file, path.join(this.e.libraryDir, rel));
        placed.push({ index: k.index, timeSec: k.timeSec, path: rel });
      }
    } catch (err) {
      this.e.log.warn({ jobId: this.id, err: String(err) }, 'keyframes could not be moved into the library');
    }
    return placed;
  }

  private commit(row: JobRow, rel: string, facts: FileFacts, thumbnail: string | null, staged: readonly ExtractedKeyframe[]): void {
    const { e, id } = this;
    const { meta, sha256, contentHash, bytes } = facts;
    // another job may have recorded the same video while this one post-processed: this copy is then a duplicate
    const racer =
      e.items.byContent(sha256, contentHash) ?? (row.extractor && row.video_id ? e.items.byVideo(row.extractor, row.video_id, row.format_profile) : undefined);
    if (racer) {
      fs.rmSync(path.join(e.libraryDir, rel), { force: true });
      if (thumbnail && thumbnail !== racer.thumbnail) fs.rmSync(path.join(e.libraryDir, thumbnail), { force: true });
      this.emit(e.jobs.transition(id, 'completed', { result: 'skipped_duplicate', item_id: racer.id, final_path: null, worker_pid: null }));
      e.recordEvent('job.duplicate', id, { itemId: racer.id, key: 'content' });
      return;
    }
    const keyframes = this.placeKeyframes(staged);
    const item = e.db.transaction(() => {
      const inserted = e.items.insert({
        jobId: id,
        url: row.url,
        canonicalUrl: row.canonical_url,
        source: row.source ?? 'web',
        extractor: row.extractor ?? 'generic',
        videoId: row.video_id ?? String(id),
        formatProfile: row.format_profile,
        title: row.title ?? row.video_id ?? 'untitled',
        uploader: row.uploader,
        uploadDate: row.upload_date,
        path: rel,
        thumbnail,
        bytes,
        sha256,
        contentHash,
        durationSec: meta.durationSec,
        width: meta.width,
        height: meta.height,
        fps: meta.fps,
        vcodec: meta.vcodec,
        acodec: meta.acodec,
        bitrate: meta.bitrate,
        attributionName: row.attribution_name,
        attributionUrl: row.attribution_url,
      }, e.libraryDir);
      e.items.insertKeyframes(inserted.id, keyframes);
      e.jobs.transition(id, 'completed', { result: 'downloaded', item_id: inserted.id, final_path: null, worker_pid: null });
      return inserted;
    })();
    e.recordEvent('job.completed', id, { itemId: item.id, bytes, source: item.source, ms: e.now() - (row.started_at ?? row.created_at) });
    e.log.info({ jobId: id, itemId: item.id, bytes, path: rel }, 'completed');
    e.emitItem(item);
    this.emit(e.jobs.require(id));
  }

  /** Records how an interrupted or failed run ended: paused, canceled, back in the queue, waiting to retry, or failed. */
  private settleError(err: unknown): void {
    const { e, id } = this;
    const error = spawnError(err);
    const row = e.jobs.get(id);
    if (!row) return;
    const staging = stagingDirFor(e.libraryDir, id);
    const fields = { worker_pid: null, next_attempt_at: null };
    try {
      if (this.reason === 'pause') {
        this.emit(e.jobs.transition(id, 'paused', fields));
      } else if (this.reason === 'cancel') {
        this.emit(e.jobs.transition(id, 'canceled', fields));
        fs.rmSync(staging, { recursive: true, force: true });
      } else if (this.reason === 'shutdown') {
        e.jobs.transition(id, 'queued', fields);
      } else if (TRANSIENT_CODES.has(error.code) && row.tries <= e.settings.maxRetries) {
        const delay = backoffDelay(row.tries - 1, e.settings.retryBaseDelayMs, MAX_BACKOFF_MS);
        this.emit(e.jobs.transition(id, 'retry_wait', { ...fields, error_code: error.code, error_message: error.message, next_attempt_at: e.now() + delay }));
        e.log.info({ jobId: id, code: error.code, delay }, 'retry scheduled');
      } else {
        this.emit(e.jobs.transition(id, 'failed', { ...fields, error_code: error.code, error_message: error.message }));
        fs.rmSync(staging, { recursive: true, force: true });
        // a job can fail before its extractor is known: count it under the link's host then
        e.recordEvent('job.failed', id, { code: error.code, source: row.source ?? new URL(row.url).hostname });
        e.log.warn({ jobId: id, code: error.code, message: error.message }, 'job failed');
      }
    } catch (transitionError) {
      e.log.error({ jobId: id, err: String(transitionError) }, 'could not record job outcome');
    }
  }
}

function spawnError(err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new AppError('ERR_BINARY_MISSING', `A helper program could not be started (${(err as Error).message}). Check the yt-dlp/ffmpeg paths in Settings.`);
  }
  if (code === 'ENOSPC') return new AppError('ERR_DISK', 'The disk is full: free some space in the library folder, then retry.');
  return toAppError(err);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The video id in a canonical YouTube or TikTok link, known before any provider answers. */
function siteVideoId(site: Site, canonical: string): string | null {
  try {
    const u = new URL(canonical);
    if (site === 'youtube') return u.searchParams.get('v');
    if (site === 'tiktok') return /\/video\/(\d+)/.exec(u.pathname)?.[1] ?? null;
  } catch {
    return null;
  }
  return null;
}

function resetDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}
