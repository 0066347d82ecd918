import fs from 'node:fs';
import path from 'node:path';
import { FINAL_STATES, type Progress } from '../../../shared/contract';
import { AppError, TRANSIENT_CODES, toAppError, type ErrorCode } from '../../../shared/errors';
import type { Engine } from '../engine';
import { canonicalUrl } from '../library/canonical';
import { findStagedMedia, freeRelPath, moveIntoLibrary, sha256File, stagingDirFor, THUMBS_DIR } from '../library/files';
import { libraryRelPath } from '../library/naming';
import { makeThumbnail, probeMedia, streamHash, type MediaMeta } from '../media/probe';
import {
  downloadWithYtdlp,
  isDirectMediaUrl,
  isYoutubeUrl,
  resolveUrl,
  type MediaInfo,
  type RawProgress,
  type ResolvedPlaylist,
  type YtdlpContext,
} from '../providers/ytdlp';
import type { JobRow } from '../store/jobs';

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
    let row = this.emit(
      e.jobs.transition(id, 'resolving', { tries: start.tries + 1, error_code: null, error_message: null, next_attempt_at: null, started_at: e.now() }),
    );
    const lib = e.libraryDir;
    // a crash after the move into the library but before the commit: the file is there, only the record is missing
    if (row.final_path && fs.existsSync(path.join(lib, row.final_path))) {
      await this.commitInPlace(row);
      return;
    }
    const ctx = await this.ytdlpContext();
    if (!row.parent_id && !row.video_id && !isDirectMediaUrl(row.url)) {
      this.setProgress({ phase: 'resolving', downloadedBytes: 0, totalBytes: null, percent: null, speed: null, etaSec: null, part: 1, parts: 1 });
      const resolved = await resolveUrl(ctx, row.url, this.signal);
      if (resolved.kind === 'playlist') {
        this.expand(row, resolved);
        return;
      }
      row = this.applyInfo(row, resolved.info);
      if (this.completeIfDuplicate(row)) return;
    }

    row = this.emit(e.jobs.transition(id, 'downloading'));
    const staging = stagingDirFor(lib, id);
    fs.mkdirSync(staging, { recursive: true });
    const result = await this.download(ctx, row, staging);
    if (result.stopped) {
      this.completeIfDuplicate(e.jobs.require(id));
      fs.rmSync(staging, { recursive: true, force: true });
      return;
    }
    const file = result.file && fs.existsSync(result.file) ? result.file : findStagedMedia(staging);
    if (!file) throw new AppError('ERR_PROCESS', 'yt-dlp reported success but left no file: update yt-dlp and retry.');

    row = this.emit(e.jobs.transition(id, 'postprocessing', { worker_pid: null }));
    this.handle.holdsSlot = false;
    e.slotReleased();
    await this.finalize(row, file, staging);
  }

  private async ytdlpContext(): Promise<YtdlpContext> {
    const binary = this.e.binaries.require('yt-dlp');
    return { binary, features: await this.e.binaries.ytdlpFeatures(), settings: this.e.settings, secrets: { cookiesFile: this.e.secrets.get('cookiesFile'), proxy: this.e.secrets.get('proxy') }, jsRuntime: this.e.jsRuntime, env: this.e.env };
  }

  /** One attempt per YouTube player client in the fallback list (one for every other site). */
  private async download(ctx: YtdlpContext, row: JobRow, staging: string) {
    const { e, id } = this;
    const variants: Array<string | null> = isYoutubeUrl(row.canonical_url) ? e.settings.youtubePlayerClients : [null];
    let firstError: AppError | null = null;
    for (const [i, variant] of variants.entries()) {
      const attempt = e.jobs.startAttempt(id, 'yt-dlp', variant);
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
        e.jobs.endAttempt(attempt, null, result.file && fs.existsSync(result.file) ? fs.statSync(result.file).size : null);
        return result;
      } catch (err) {
        const ae = spawnError(err);
        e.jobs.endAttempt(attempt, this.signal.aborted ? { code: 'ERR_CANCELED', message: `Stopped (${this.reason ?? 'canceled'}).` } : ae.toJSON(), null);
        if (this.signal.aborted) throw ae;
        firstError ??= ae;
        e.log.warn({ jobId: id, provider: 'yt-dlp', variant, code: ae.code }, 'download attempt failed');
        if (!CLIENT_FALLBACK_CODES.has(ae.code) || i === variants.length - 1) throw firstError;
      }
    }
    throw firstError ?? new AppError('ERR_UNKNOWN', 'No download was attempted.');
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
    const thumbnail = await this.thumbnail(file, facts);
    this.finalizing = true;
    if (this.signal.aborted) throw new AppError('ERR_CANCELED', 'Canceled.');
    e.jobs.update(id, { final_path: rel });
    await moveIntoLibrary(file, path.join(lib, rel));
    this.commit(e.jobs.require(id), rel, facts, thumbnail);
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
      const thumbnail = await this.thumbnail(abs, facts);
      this.finalizing = true;
      this.commit(row, row.final_path!, facts, thumbnail);
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

  private commit(row: JobRow, rel: string, facts: FileFacts, thumbnail: string | null): void {
    const { e, id } = this;
    const { meta, sha256, contentHash, bytes } = facts;
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
        attributionName: null,
        attributionUrl: null,
      }, e.libraryDir);
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
        const delay = backoff(e.settings.retryBaseDelayMs, row.tries);
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

/** Exponential backoff with jitter: half the step fixed, half random, so retries spread out but never fire at once. */
export function backoff(baseMs: number, tries: number): number {
  const step = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, tries - 1));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

function spawnError(err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new AppError('ERR_BINARY_MISSING', `A helper program could not be started (${(err as Error).message}). Check the yt-dlp/ffmpeg paths in Settings.`);
  }
  if (code === 'ENOSPC') return new AppError('ERR_DISK', 'The disk is full: free some space in the library folder, then retry.');
  return toAppError(err);
}
