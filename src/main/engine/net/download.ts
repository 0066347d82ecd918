/**
 * Direct HTTP(S) download of one media file into a job's staging folder, resumable across interruptions and
 * restarts, optionally over several connections.
 *
 * On disk, while running: `<dir>/media.part` (the bytes) and `<dir>/media.part.json` (the sidecar: URL, size,
 * validators, content type and, per segment, how many bytes from its start are on disk). The sidecar only ever
 * counts bytes whose write has completed (they are in the OS page cache, so a killed process loses none of
 * them), and it is replaced atomically (temp file + rename), so a kill -9 at any moment leaves a state the next
 * call can resume from, losing at most the last half second of transfer. On success the part file is renamed to
 * `<dir>/media.<ext>` and the sidecar removed.
 *
 * HTTP goes through ./wire (our HTTP/1.1 client), which reads each body straight into this file's receive buffers
 * (slabs): a byte is copied by the kernel into a slab, and written from there to the part file, with no buffer
 * allocated per read. See wire.ts for why node:http is not used here.
 *
 * A file whose server can resume (Range and a validator) is asked for in windows over kept connections, the next
 * window's request sent ahead while the current one arrives (see WINDOW_MIN and Pace): a stop then throws away at
 * most about two windows per connection, not whatever the kernel had queued.
 */
import { setMaxListeners } from 'node:events';
import fs, { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/format';
import { diskError } from '../library/files';
import type { Logger } from '../log';
import { describeUrl } from './http';
import { backoffDelay, sleep } from './retry';
import { MIN_SPACE, WireChannel, type BodySink, type WireResponse } from './wire';

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number | null;
  speed: number | null;
  etaSec: number | null;
}

export interface DownloadRequest {
  url: string;
  /** Staging folder of the job; the file is written as <dir>/media.<ext> (ext from content-type or URL path), partial data as media.part + media.part.json. */
  dir: string;
  headers?: Record<string, string>;
  maxBytes: number;
  /** >1: segmented download over this many connections when the server supports ranges and the file is large (>= 32 MiB). */
  connections: number;
  signal: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  log?: Logger;
}

export interface DownloadResult {
  file: string;
  bytes: number;
  contentType: string | null;
  /** bytes fetched over the wire in this call */
  transferred: number;
  resumedFrom: number;
}

export const PART_FILE = 'media.part';
export const SIDECAR_FILE = 'media.part.json';

/** Below this size one connection is as fast as several; above it, segments pay off on slow or far servers. */
export const SEGMENT_MIN_TOTAL = 32 * 2 ** 20;
/** The first request of a download from zero asks for this much (and learns the size and range support). */
const PROBE_BYTES = 4 * 2 ** 20;
/**
 * A file with a validator is asked for in windows over a kept connection (a segmented download's connections
 * each for their segment), so that no more than about two windows per connection (the one arriving, and the
 * next, asked for ahead) are on their way or not yet on disk when the download stops. This matters when the link
 * is faster than the downloader (loopback, a LAN, a busy CPU): the bytes then wait in the kernel's receive queue,
 * which grows to tens of MiB per connection, and a pause or a crash throws them away. Windows grow only on a link
 * whose round trip outlasts them (see Pace).
 */
const WINDOW_MIN = 2 ** 20;
/** A single stream's windows: fewer requests for the one connection that has to keep up with a fast link alone. */
const STREAM_WINDOW_MIN = 4 * 2 ** 20;
const WINDOW_MAX = 64 * 2 ** 20;
const MAX_CONNECTIONS = 16;
const MAX_REDIRECTS = 5;
/** Tries of one segment in a row that fail without receiving a byte, before the call gives up (ERR_NETWORK). */
const MAX_RETRIES = 3;
/** Restarts from zero within one call (the file changed on the server); more means it keeps changing. */
const MAX_RESTARTS = 3;
/** A connection that delivers nothing for this long is treated as dropped. */
const IDLE_TIMEOUT_MS = 30_000;
const PROGRESS_MS = 250;
const SPEED_WINDOW_MS = 3_000;
/** Sidecar saves: at most every SAVE_MS, and sooner once SAVE_BYTES more are on disk (fast links). */
const SAVE_MS = 500;
const SAVE_BYTES = 32 * 2 ** 20;
/**
 * Receive buffers: socket reads fill a slab in place; once less than wire's MIN_SPACE is left in it, what it
 * holds becomes one positional write. A connection holds at most SLABS_PER_STREAM of them (one filling, one being
 * written, one spare); with none free, reading pauses until a write completes. What they hold is received and not
 * yet on disk, which a crash loses: a single stream uses SLAB_SIZE (at most 3 MiB), whose larger writes it needs to
 * keep up with a fast link; each connection of a segmented download uses SEGMENT_SLAB_SIZE (at most 1.5 MiB).
 */
const SLAB_SIZE = 2 ** 20;
const SEGMENT_SLAB_SIZE = 2 ** 19;
const SLABS_PER_STREAM = 3;
/**
 * Slabs go to the file in pieces of at most this size, all of a batch at once (see writePieces). A large write (or
 * one that covers a whole aligned 64 KiB) lets the kernel put it into large page-cache folios, taken from large
 * free blocks; a VM that hands free memory back to its host (virtio-balloon free page reporting: cloud VMs, WSL2,
 * ChromeOS's Linux) has returned exactly those, and each page of them then costs a fault on the host first. On the
 * bench VM, into such memory, one stream went at 384 MB/s with ~1 MiB writes, 487 MB/s with 64 KiB pieces at
 * 64 KiB-aligned offsets, and 735-794 MB/s with pieces like these (curl, writing 4-16 KiB at a time: 619-739); into
 * warm memory no slower than before.
 */
const WRITE_PIECE = 60 * 2 ** 10;
/** Read size when looking for bytes a killed process wrote past its last sidecar save. */
const RECOVER_BLOCK = 2 ** 20;
/** The page size writePieces and writtenPast go by (4 KiB, the smallest in use; a larger page is made of whole ones). */
const PAGE = 4096;
const ZERO_PAGE = Buffer.alloc(PAGE);
/** On a slow link, what arrived is written after this long rather than when a slab is full. */
const WRITE_DELAY_MS = 20;
/** Bytes looked at to tell a web page from a video when the server claims a video type. */
const SNIFF_BYTES = 512;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const EXT_BY_TYPE: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/x-m4v': 'm4v',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'video/matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/x-flv': 'flv',
  'video/3gpp': '3gp',
  'video/mp2t': 'ts',
  'video/mpeg': 'mpg',
  'video/ogg': 'ogv',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/mpeg': 'mp3',
  'audio/webm': 'weba',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/aac': 'aac',
  'audio/flac': 'flac',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
};
/** URL path extensions trusted when the content type says nothing useful (application/octet-stream). */
const MEDIA_EXTS = new Set([...Object.values(EXT_BY_TYPE), 'mpeg', 'wmv', 'mka']);

const SegmentSchema = z.object({
  start: z.number().int().nonnegative(),
  /** Inclusive; null while the size is unknown (one segment, the server sends until it stops). */
  end: z.number().int().nonnegative().nullable(),
  /** Bytes from `start` whose write to the part file has completed. */
  done: z.number().int().nonnegative(),
});
type Segment = z.infer<typeof SegmentSchema>;

const SidecarSchema = z.object({
  version: z.literal(1),
  url: z.string(),
  size: z.number().int().nonnegative().nullable(),
  etag: z.string().nullable(),
  lastModified: z.string().nullable(),
  contentType: z.string().nullable(),
  ext: z.string().regex(/^[a-z0-9]{1,5}$/),
  segments: z.array(SegmentSchema).min(1).max(MAX_CONNECTIONS),
});
type PartState = z.infer<typeof SidecarSchema>;

interface Opened {
  res: WireResponse;
  /** After redirects. */
  url: URL;
  /** The connection it came on, for the next request of the same segment. */
  channel: WireChannel;
}

/** The file on the server is not the one the part file holds (or the server ignored our range): start over. */
class Restart extends Error {
  constructor(
    reason: string,
    /** A 200 answer carrying the whole file, used as the fresh start instead of asking again. */
    readonly opened: Opened | null,
    /** The same file, from a server that does not resume (it ignores Range): not a change. */
    readonly sameFile = false,
  ) {
    super(reason);
  }
}

export function downloadFile(req: DownloadRequest): Promise<DownloadResult> {
  return new DirectDownload(req).run();
}

/** The name a finished download gets: `media.<ext>`, ext from the content type, else the URL path, else mp4. */
export function mediaExtension(contentType: string | null, ...urls: string[]): string {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  const byType = type ? EXT_BY_TYPE[type] : undefined;
  if (byType) return byType;
  for (const url of urls) {
    try {
      const ext = path.posix.extname(new URL(url).pathname).slice(1).toLowerCase();
      if (MEDIA_EXTS.has(ext)) return ext;
    } catch {
      // not a URL: try the next one
    }
  }
  return 'mp4';
}

class DirectDownload {
  private readonly part: string;
  private readonly sidecar: string;
  private readonly source: string;
  private readonly baseHeaders: Record<string, string>;
  /** Free slabs, reused by every connection of this download. */
  private readonly slabs: Buffer[] = [];
  private fh: FileHandle | null = null;
  private state: PartState | null = null;
  private saver: Saver | null = null;
  /** Body bytes received in this call, kept or not. */
  private transferred = 0;
  /** Received bytes not yet on disk (in the writers' queues). */
  private unwritten = 0;
  private resumedFrom = 0;
  private readonly speedSamples: Array<[number, number]> = [];
  /** The shortest TCP connect of this call's connections (Pace). */
  private rttMs = Infinity;

  constructor(private readonly req: DownloadRequest) {
    this.part = path.join(req.dir, PART_FILE);
    this.sidecar = path.join(req.dir, SIDECAR_FILE);
    this.source = describeUrl(req.url);
    this.baseHeaders = { 'user-agent': 'ClipHarbor', accept: '*/*' };
    for (const [k, v] of Object.entries(req.headers ?? {})) this.baseHeaders[k.toLowerCase()] = v;
    // ranges are byte offsets into the file as stored: a compressed transfer would make them meaningless
    this.baseHeaders['accept-encoding'] = 'identity';
  }

  async run(): Promise<DownloadResult> {
    const { req } = this;
    if (req.signal.aborted) throw canceled();
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new AppError('ERR_INVALID_URL', 'The download link is not a valid URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AppError('ERR_INVALID_URL', `Only http and https links can be downloaded directly, not ${url.protocol}.`);
    }
    const started = performance.now();
    const ticker = setInterval(() => this.report(false), PROGRESS_MS);
    ticker.unref();
    try {
      await this.open();
      await this.download(url);
      const result = await this.finish();
      this.report(true);
      req.log?.info({ url: this.source, bytes: result.bytes, transferred: result.transferred, resumedFrom: result.resumedFrom, ms: Math.round(performance.now() - started) }, 'direct download finished');
      return result;
    } catch (err) {
      const appErr = req.signal.aborted ? canceled() : this.toAppError(err);
      if (appErr.code === 'ERR_TOO_LARGE' || appErr.code === 'ERR_VALIDATION') {
        await this.discard();
      } else {
        // keep what is on disk (pause, shutdown, a later retry of the job resumes it)
        await this.saver?.stop(true).catch(() => undefined);
      }
      const level = appErr.code === 'ERR_CANCELED' ? 'info' : 'warn';
      req.log?.[level]({ url: this.source, code: appErr.code, transferred: this.transferred }, 'direct download stopped');
      throw appErr;
    } finally {
      clearInterval(ticker);
      await this.fh?.close().catch(() => undefined);
      this.fh = null;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // part file and sidecar

  /** Opens the part file, keeping it only when the sidecar describes it; anything else starts from zero. */
  private async open(): Promise<void> {
    const { req } = this;
    await fsp.mkdir(req.dir, { recursive: true }).catch((err: unknown) => {
      throw diskError(err, req.dir);
    });
    const state = await this.loadState();
    try {
      if (state) {
        this.fh = await fsp.open(this.part, 'r+');
        const single = state.segments.length === 1 ? state.segments[0] : undefined;
        if (single) {
          // one stream writes in order, so every byte in the file arrived (a killed process loses none of its writes):
          // resume from the file's length, not from the last sidecar save, which may be up to SAVE_MS older
          const onDisk = (await this.fh.stat()).size;
          single.done = single.end === null ? onDisk : Math.min(onDisk, single.end - single.start + 1);
          await this.fh.truncate(single.done);
        } else {
          for (const seg of state.segments) seg.done += await writtenPast(this.fh, seg);
        }
        this.state = state;
        this.resumedFrom = doneBytes(state);
        req.log?.info({ url: this.source, resumedFrom: this.resumedFrom, size: state.size, segments: state.segments.length }, 'direct download resuming');
      } else {
        await fsp.rm(this.sidecar, { force: true });
        this.fh = await fsp.open(this.part, 'w+');
      }
    } catch (err) {
      throw diskError(err, req.dir);
    }
    this.saver = new Saver(this.sidecar, () => this.state);
  }

  private async loadState(): Promise<PartState | null> {
    let state: PartState;
    let partSize: number;
    try {
      state = SidecarSchema.parse(JSON.parse(await fsp.readFile(this.sidecar, 'utf8')));
      partSize = (await fsp.stat(this.part)).size;
    } catch {
      return null; // no sidecar, a torn or foreign one, or no part file
    }
    // a different link to the same file (a re-resolved signed URL) may resume only when a validator can prove it
    if (state.url !== this.req.url && !ifRangeValue(state)) return null;
    const segs = state.segments;
    if (segs.length === 1) {
      const seg = segs[0] as Segment;
      if (seg.start !== 0 || partSize < seg.done) return null;
      if (seg.end === null ? state.size !== null : state.size !== seg.end + 1) return null;
    } else {
      // segmented: the file was preallocated to the full size, the segments tile it in order
      if (state.size === null || partSize !== state.size) return null;
      let next = 0;
      for (const seg of segs) {
        if (seg.start !== next || seg.end === null || seg.end < seg.start) return null;
        next = seg.end + 1;
      }
      if (next !== state.size) return null;
    }
    if (segs.some((s) => s.end !== null && s.done > s.end - s.start + 1)) return null;
    // later saves record the link in use now
    state.url = this.req.url;
    return state;
  }

  private async finish(): Promise<DownloadResult> {
    const state = this.state as PartState;
    await this.saver?.stop(false);
    const bytes = doneBytes(state);
    const fh = this.fh as FileHandle;
    this.fh = null;
    const onDisk = (await fh.stat()).size;
    await fh.close();
    if (onDisk !== bytes || (state.size !== null && bytes !== state.size)) {
      // cannot happen unless something else wrote to the staging folder meanwhile
      throw new AppError('ERR_DISK', `The partial download in ${this.req.dir} changed on disk while it was written: retry.`);
    }
    if (bytes === 0) throw emptyFile(this.source);
    const file = path.join(this.req.dir, `media.${state.ext}`);
    try {
      await fsp.rename(this.part, file);
      await fsp.rm(this.sidecar, { force: true });
    } catch (err) {
      throw diskError(err, this.req.dir);
    }
    return { file, bytes, contentType: state.contentType, transferred: this.transferred, resumedFrom: this.resumedFrom };
  }

  /** A refused download leaves nothing behind. */
  private async discard(): Promise<void> {
    await this.saver?.stop(false).catch(() => undefined);
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
    await fsp.rm(this.part, { force: true }).catch(() => undefined);
    await fsp.rm(this.sidecar, { force: true }).catch(() => undefined);
  }

  /** Forgets the part file's bytes: the sidecar goes first, so no moment exists where it claims dropped bytes. */
  private async reset(): Promise<void> {
    await this.saver?.stop(false);
    this.state = null;
    this.unwritten = 0;
    this.resumedFrom = 0;
    await fsp.rm(this.sidecar, { force: true });
    await (this.fh as FileHandle).truncate(0);
    this.saver = new Saver(this.sidecar, () => this.state);
  }

  // ---------------------------------------------------------------------------------------------------------
  // the transfer

  private async download(url: URL): Promise<void> {
    let restarts = 0;
    let allowSegments = this.req.connections > 1;
    let reuse: Opened | null = null;
    for (;;) {
      try {
        if (this.state) await this.runSegments(this.state.segments, null);
        else await this.fresh(url, allowSegments, reuse ?? 'probe');
        return;
      } catch (err) {
        if (!(err instanceof Restart)) throw err;
        if (++restarts > MAX_RESTARTS) {
          err.opened?.res.destroy();
          if (err.sameFile) {
            // only a dropped connection makes a download from such a server ask for a range within one call
            throw new AppError('ERR_NETWORK', `The connection to ${this.source} keeps dropping, and the server cannot resume a download (it ignores Range): check the network, then retry.`);
          }
          throw new AppError('ERR_UNAVAILABLE', `The file at ${this.source} kept changing on the server during the download: retry later.`);
        }
        this.req.log?.warn({ url: this.source, reason: err.message }, 'direct download restarts from zero');
        reuse = err.opened;
        // a file that changed under a segmented download restarts over one connection, as asked
        allowSegments = false;
        await this.reset();
      }
    }
  }

  /**
   * First request of a download from zero; decides between one stream and segments. `start`: an answer already
   * open (a restart's 200 with the whole file), or what to ask for: a probe, or the whole file in one answer.
   */
  private async fresh(url: URL, allowSegments: boolean, start: Opened | 'probe' | 'whole'): Promise<void> {
    const { req } = this;
    // a range request for the first PROBE_BYTES probes range support at no cost: a 206 carries the total size in
    // Content-Range, and its body is the file's first bytes. Bounded, so that this connection, which then carries
    // the first window, does not have the server push the rest of the file at it (all of it wasted at a stop)
    const opened =
      typeof start === 'object' ? start : await this.request(url, start === 'probe' ? { range: `bytes=0-${PROBE_BYTES - 1}` } : {}, req.signal, new WireChannel());
    const { res } = opened;
    let total: number | null;
    let partial = false;
    if (res.status === 206) {
      const cr = parseContentRange(res.header('content-range'));
      if (!cr || cr.start !== 0 || cr.end === null || cr.total === null) {
        res.destroy();
        throw new AppError('ERR_UNAVAILABLE', `${this.source} answered a request for the start of the file with an unusable partial response.`);
      }
      total = cr.total;
      partial = cr.end + 1 < total;
    } else if (res.status === 200) {
      total = contentLength(res);
    } else {
      throw this.httpError(opened);
    }
    this.checkResponse(opened, total);
    if (total === 0) {
      res.destroy();
      throw emptyFile(this.source);
    }
    const state: PartState = {
      version: 1,
      url: req.url,
      size: total,
      etag: res.header('etag'),
      lastModified: res.header('last-modified'),
      contentType: res.header('content-type'),
      ext: mediaExtension(res.header('content-type'), opened.url.href, req.url),
      segments: [{ start: 0, end: total === null ? null : total - 1, done: 0 }],
    };
    if (partial && !ifRangeValue(state)) {
      // without a validator the rest cannot be tied to these first bytes: the whole file, in one answer
      res.destroy();
      return this.fresh(url, false, 'whole');
    }
    const connections = Math.min(req.connections, MAX_CONNECTIONS);
    if (allowSegments && res.status === 206 && total !== null && total >= SEGMENT_MIN_TOTAL && ifRangeValue(state)) {
      state.segments = splitSegments(total, connections);
      try {
        // reserves the whole length, so every segment writes at its own offset; a sparse file on most systems
        await (this.fh as FileHandle).truncate(total);
      } catch (err) {
        res.destroy();
        throw diskError(err, req.dir);
      }
    }
    this.state = state;
    req.log?.info({ url: this.source, size: total, segments: state.segments.length, contentType: state.contentType }, 'direct download started');
    try {
      await this.saver?.save();
    } catch (err) {
      res.destroy();
      throw err;
    }
    await this.runSegments(state.segments, opened);
  }

  /**
   * Fetches every unfinished segment, at most `connections` at a time. `first` is an already open response for
   * the first segment (the probe). The first failure stops the other connections and is rethrown.
   */
  private async runSegments(segments: Segment[], first: Opened | null): Promise<void> {
    const queue = segments.filter((s) => !isComplete(s));
    const round = new AbortController();
    // every connection listens to it (request, stream, backoff): more than Node's default of 10 listeners; a signal
    // that is not Node's own (a DOM shim's, in the renderer tests) has no such cap to raise
    try {
      setMaxListeners(4 * MAX_CONNECTIONS, round.signal);
    } catch {
      // nothing to raise
    }
    const stop = (): void => round.abort();
    this.req.signal.addEventListener('abort', stop, { once: true });
    let failure: unknown = null;
    const worker = async (opened: Opened | null): Promise<void> => {
      const channel = opened?.channel ?? new WireChannel();
      const pace = new Pace((this.state as PartState | null)?.segments.length === 1 ? STREAM_WINDOW_MIN : WINDOW_MIN);
      try {
        for (let seg = queue.shift(); seg; seg = queue.shift()) {
          await this.fetchSegment(seg, opened, channel, pace, round.signal);
          opened = null;
        }
      } catch (err) {
        // a restart hands the answer it got (and so this connection) on to the fresh start
        if (!(err instanceof Restart && err.opened?.channel === channel)) channel.close();
        throw err;
      }
      channel.close();
    };
    const workers = Math.max(1, Math.min(this.req.connections, MAX_CONNECTIONS, queue.length));
    try {
      await Promise.all(
        Array.from({ length: workers }, (_, i) =>
          worker(i === 0 ? first : null).catch((err: unknown) => {
            if (failure === null) failure = err;
            // only the first failure is acted on: a later restart's open answer is not needed
            else if (err instanceof Restart) err.opened?.res.destroy();
            round.abort();
          }),
        ),
      );
    } finally {
      this.req.signal.removeEventListener('abort', stop);
    }
    if (failure !== null) throw failure;
  }

  /**
   * Downloads one segment to its end, resuming after dropped connections (a few tries in a row without progress).
   * With a validator and a known size it asks window by window over `channel`, the request for the next window sent
   * while the current one arrives (pipelined), so that it follows without a round trip; otherwise it asks for "the
   * rest" (bytes=N-).
   */
  private async fetchSegment(seg: Segment, opened: Opened | null, channel: WireChannel, pace: Pace, signal: AbortSignal): Promise<void> {
    const state = this.state as PartState;
    const url = new URL(this.req.url);
    const windowed = seg.end !== null && ifRangeValue(state) !== null;
    const ask = (from: number): Promise<Opened> => {
      const last = windowed ? Math.min(seg.end as number, from + pace.window - 1) : '';
      const headers: Record<string, string> = { range: `bytes=${from}-${last}` };
      const validator = ifRangeValue(state);
      if (validator) headers['if-range'] = validator;
      return this.request(url, headers, signal, channel);
    };
    /** The next window's request, sent ahead. */
    const sent: { ahead: { from: number; answer: Promise<Opened> } | null } = { ahead: null };
    const askAhead = (from: number): void => {
      const next = { from, answer: ask(from) };
      // settled here too, so that a failure before it is awaited is not an unhandled rejection
      next.answer.catch(() => undefined);
      sent.ahead = next;
    };
    /** The connection carries the request sent ahead: both are given up. */
    const dropAhead = (): void => {
      if (!sent.ahead) return;
      void sent.ahead.answer.then((o) => o.res.destroy(), () => undefined);
      sent.ahead = null;
      channel.close();
    };
    /** Called at every read of the current window and every write of the segment. */
    let onProgress = (): void => undefined;
    /** The segment's writer, kept from window to window (no wait for the disk between them); null after a failure. */
    let sink: SegmentSink | null = null;
    let failures = 0;
    try {
      for (;;) {
        const from = sink ? sink.position : seg.start + seg.done;
        if (seg.end !== null && from > seg.end) break;
        let progressed = false;
        try {
          let current = opened;
          opened = null;
          if (!current) {
            // a window that ended early (a server that caps ranges) leaves the request sent ahead pointing past its end
            if (sent.ahead && sent.ahead.from !== from) dropAhead();
            const answer = sent.ahead?.answer ?? ask(from);
            sent.ahead = null;
            current = await answer;
            if (!this.acceptRange(current, seg, from)) break;
          }
          const last = windowed ? parseContentRange(current.res.header('content-range'))?.end : undefined;
          const more = last !== undefined && last !== null && last < (seg.end as number);
          // the next window is asked for once this one's answer shows the connection takes a request now, and
          // only while what is on its way and not yet on disk stays within a window: with the disk behind, bytes
          // wait in slabs rather than more of them in the kernel, so that a stop loses at most about two windows
          onProgress = () => {
            if (more && !sent.ahead && channel.canPipeline(url) && (sink as SegmentSink).unwritten + (last + 1 - (sink as SegmentSink).position) <= pace.window) {
              askAhead(last + 1);
            }
          };
          sink ??= this.segmentSink(seg, () => onProgress());
          const at = sink.position;
          pace.start();
          await this.stream(current.res, seg, sink, signal);
          // one server, one round trip: the shortest any connection of this download measured
          this.rttMs = Math.min(this.rttMs, channel.rttMs);
          pace.streamed(sink.position - at, this.rttMs);
          // the end of a window, or a clean end before it (a server that caps ranges): ask for the rest. A clean end
          // without a byte counts as a failed try (a server that keeps answering nothing must not be asked forever)
          if (sink.position > from) continue;
        } catch (err) {
          dropAhead();
          // what arrived is kept (stream() has settled the sink already when it was the one that failed)
          const failed = sink;
          sink = null;
          progressed = (failed?.position ?? from) > from;
          if (failed) await this.settle(failed);
          if (!(err instanceof AppError) || err.code !== 'ERR_NETWORK' || signal.aborted) throw err;
          this.req.log?.warn({ url: this.source, from, code: err.code, message: err.message }, 'direct download connection lost');
        }
        failures = progressed ? 0 : failures + 1;
        if (failures > MAX_RETRIES) {
          throw new AppError('ERR_NETWORK', `The connection to ${this.source} keeps dropping (${MAX_RETRIES + 1} tries without progress): check the network, then retry.`);
        }
        if (failures > 0) await sleep(backoffDelay(failures - 1, 250, 4_000), signal);
      }
      if (sink) await this.settle(sink);
    } finally {
      dropAhead();
    }
  }

  /**
   * Checks the answer to a Range request. True: stream it. False: the segment turned out to be complete (416 on a
   * file whose every byte we have). Throws Restart when the file changed or the server ignored the range.
   */
  private acceptRange(opened: Opened, seg: Segment, from: number): boolean {
    const state = this.state as PartState;
    const { res } = opened;
    const status = res.status;
    if (status === 200) {
      const etag = res.header('etag');
      const lastModified = res.header('last-modified');
      const sameFile =
        contentLength(res) === state.size && (state.etag !== null ? etag === state.etag : state.lastModified !== null ? lastModified === state.lastModified : true);
      throw new Restart(from > 0 ? 'the server sent the whole file instead of the rest' : 'the server does not serve ranges', opened, sameFile);
    }
    if (status === 416) {
      const cr = parseContentRange(res.header('content-range'));
      res.destroy();
      const total = cr?.total ?? state.size;
      if (state.segments.length === 1 && total === from && from > 0) {
        // every byte is here already (a kill after the last byte, before the rename)
        state.size = total;
        seg.end = total - 1;
        return false;
      }
      throw new Restart('the server refused the range', null);
    }
    if (status !== 206) throw this.httpError(opened);
    const cr = parseContentRange(res.header('content-range'));
    const etag = res.header('etag');
    const lastModified = res.header('last-modified');
    const changed =
      !cr ||
      cr.start !== from ||
      (state.size !== null && cr.total !== null && cr.total !== state.size) ||
      (state.etag !== null && etag !== null && etag !== state.etag) ||
      (state.etag === null && state.lastModified !== null && lastModified !== null && lastModified !== state.lastModified);
    if (changed) {
      res.destroy();
      throw new Restart('the file on the server is not the one partly downloaded', null);
    }
    if (state.size === null && cr.total !== null) {
      state.size = cr.total;
      seg.end = cr.total - 1;
    }
    this.checkResponse(opened, cr.total);
    return true;
  }

  /** Refuses answers that are not the media file (a web page, JSON) or larger than the cap, before writing. */
  private checkResponse(opened: Opened, total: number | null): void {
    const type = (opened.res.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type.startsWith('text/') || type === 'application/json' || type.endsWith('+json') || type === 'application/xhtml+xml') {
      opened.res.destroy();
      throw notMedia(this.source);
    }
    if (total !== null && total > this.req.maxBytes) {
      opened.res.destroy();
      throw tooLarge(this.req.maxBytes, total);
    }
  }

  /** A writer for a segment from its first byte not on disk; `onProgress` hears of every read and write. */
  private segmentSink(seg: Segment, onProgress: () => void): SegmentSink {
    const slabSize = (this.state as PartState).segments.length > 1 ? SEGMENT_SLAB_SIZE : SLAB_SIZE;
    return new SegmentSink((this.fh as FileHandle).fd, this.slabs, slabSize, seg.start + seg.done, seg.end === null ? Infinity : seg.end + 1, this.req.maxBytes, {
      received: (n) => {
        this.transferred += n;
        this.unwritten += n;
        onProgress();
      },
      written: (n) => {
        seg.done += n;
        this.unwritten -= n;
        this.saver?.note(n);
        onProgress();
      },
      tooLarge: () => tooLarge(this.req.maxBytes, null),
      notMedia: () => notMedia(this.source),
      diskError: (err) => diskError(err, this.req.dir),
    });
  }

  /**
   * Reads an answer's body into a segment's sink, until the segment's end (the rest of a longer answer is not
   * read) or the body's end. On failure the sink is settled first (what arrived is kept, except a web page's
   * bytes, which are never written).
   */
  private async stream(res: WireResponse, seg: Segment, sink: SegmentSink, signal: AbortSignal): Promise<void> {
    const state = this.state as PartState;
    sink.attach(res);
    let outcome: AppError | null = null;
    try {
      await res.pipe(sink, signal);
    } catch (err) {
      outcome = err instanceof AppError ? err : networkError(err as Error, this.source);
    }
    outcome ??= sink.failure;
    if (!outcome && !sink.atLimit) {
      // the body ended (a file shorter than 512 bytes is checked only now)
      outcome = sink.endSniff();
      if (!outcome && seg.end === null) {
        // unknown length: the server's clean end is the end of the file
        state.size = sink.position;
        seg.end = sink.position - 1;
      }
    }
    if (outcome) {
      // errors from the last writes (disk full) win over the transfer's own outcome
      await this.settle(sink);
      throw outcome;
    }
  }

  /** Waits until every kept byte a sink received is on disk; rejects with the disk's error. Once per sink. */
  private async settle(sink: SegmentSink): Promise<void> {
    if (sink.settled) return;
    sink.settled = true;
    try {
      await sink.flush();
    } finally {
      // bytes received but never to be written (a web page's, or held back when the connection failed)
      this.unwritten -= sink.unwritten;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // HTTP

  /** GET with redirects (at most 5, http/https only) over `channel`. Resolves with the final response's head. */
  private async request(start: URL, extra: Record<string, string>, signal: AbortSignal, channel: WireChannel): Promise<Opened> {
    let url = start;
    let headers = { ...this.baseHeaders, ...extra };
    for (let hops = 0; ; hops++) {
      const res = await channel.get({ url, headers, signal, idleMs: IDLE_TIMEOUT_MS });
      const location = res.header('location');
      if (!REDIRECTS.has(res.status) || !location) return { res, url, channel };
      res.destroy();
      if (hops >= MAX_REDIRECTS) throw new AppError('ERR_UNAVAILABLE', `${this.source} redirected more than ${MAX_REDIRECTS} times.`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new AppError('ERR_UNAVAILABLE', `${this.source} redirected to an invalid address.`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new AppError('ERR_UNSUPPORTED_URL', `${this.source} redirected to a ${next.protocol} link, which cannot be downloaded directly.`);
      }
      if (next.origin !== url.origin) {
        // credentials meant for one host never travel to another
        const { authorization: _a, cookie: _c, ...rest } = headers;
        headers = rest;
      }
      url = next;
    }
  }

  private httpError(opened: Opened): AppError {
    const { res } = opened;
    res.destroy();
    const status = res.status;
    const where = describeUrl(opened.url.href);
    if (status === 401 || status === 403) return new AppError('ERR_HTTP_403', `${where} refused access (HTTP ${status}): the link may have expired or need a login. Get a fresh link, then retry.`);
    if (status === 404 || status === 410) return new AppError('ERR_UNAVAILABLE', `${where} is not there (HTTP ${status}): the file was removed or the link has expired.`);
    if (status === 429) return new AppError('ERR_HTTP_429', `${where} is limiting requests (HTTP 429): wait a while, then retry.`);
    if (status >= 500) return new AppError('ERR_HTTP_5XX', `${where} had a server error (HTTP ${status}): retry later.`);
    return new AppError('ERR_UNAVAILABLE', `${where} answered HTTP ${status} instead of the file.`);
  }

  private toAppError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (err && typeof err === 'object' && 'syscall' in err) return diskError(err, this.req.dir);
    return new AppError('ERR_UNKNOWN', err instanceof Error ? err.message : String(err));
  }

  // ---------------------------------------------------------------------------------------------------------
  // progress

  private report(final: boolean): void {
    const { onProgress } = this.req;
    if (!onProgress) return;
    const now = performance.now();
    const samples = this.speedSamples;
    samples.push([now, this.transferred]);
    while (samples.length > 2 && now - (samples[0] as [number, number])[0] > SPEED_WINDOW_MS) samples.shift();
    const [t0, b0] = samples[0] as [number, number];
    const speed = now - t0 >= PROGRESS_MS / 2 ? ((this.transferred - b0) * 1000) / (now - t0) : null;
    const total = this.state?.size ?? null;
    const downloaded = this.state ? doneBytes(this.state) + this.unwritten : 0;
    const etaSec = final ? 0 : total !== null && speed ? Math.max(0, (total - downloaded) / speed) : null;
    try {
      onProgress({ downloadedBytes: downloaded, totalBytes: total, speed, etaSec });
    } catch (err) {
      this.req.log?.warn({ err }, 'download progress listener failed');
    }
  }
}

interface Slab {
  buf: Buffer;
  /** Bytes received into it. */
  fill: number;
  /** Bytes handed to writes (a prefix of fill). */
  queued: number;
  /** Queued bytes whose write has not completed. */
  pending: number;
  /** No more reads go into it; it returns to the pool once `pending` is 0. */
  retired: boolean;
}

interface SinkEvents {
  received(bytes: number): void;
  /** The next `bytes` of the segment are on disk. */
  written(bytes: number): void;
  tooLarge(): AppError;
  notMedia(): AppError;
  diskError(err: unknown): AppError;
}

/**
 * A segment's bytes into the part file from `pos` on, from one answer or several in turn (its windows): socket
 * reads land in slabs (wire's BodySink), slabs are written in order, one batch at a time, at increasing offsets.
 * Stops itself at `limit` (the segment's end), refuses more than `maxBytes` in the file, and holds the file's first
 * bytes back until they show they are no web page.
 */
class SegmentSink implements BodySink {
  failure: AppError | null = null;
  /** The segment's last byte arrived (the connection was closed on purpose). */
  atLimit = false;
  /** DirectDownload.settle() has run for it: it takes no more answers. */
  settled = false;
  private pos: number;
  private writePos: number;
  private cur: Slab | null = null;
  /** Slabs this sink holds (the one filling, and full ones not yet written). */
  private held = 0;
  private starved = false;
  /** The first slab, while the file's first bytes are not yet checked. */
  private sniffing: Slab | null = null;
  private queue: Array<{ slab: Slab; bytes: Buffer }> = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private writeError: unknown = null;

  /** The answer being read into it (attach()). */
  private res: WireResponse | null = null;

  constructor(
    /** The part file's descriptor (DirectDownload owns and closes it, after flush()). */
    private readonly fd: number,
    private readonly pool: Buffer[],
    private readonly slabSize: number,
    start: number,
    private readonly limit: number,
    private readonly maxBytes: number,
    private readonly events: SinkEvents,
  ) {
    this.pos = start;
    this.writePos = start;
  }

  /** The next answer to read from (the segment's next window): it continues at `position`. */
  attach(res: WireResponse): void {
    this.res = res;
  }

  /** File offset of the next byte to arrive. */
  get position(): number {
    return this.pos;
  }

  /** Bytes received and not (yet) written. */
  get unwritten(): number {
    return this.pos - this.writePos;
  }

  space(): Buffer | null {
    if (!this.cur) {
      if (this.held >= SLABS_PER_STREAM) {
        this.starved = true;
        return null;
      }
      this.cur = this.newSlab();
    }
    return this.cur.buf.subarray(this.cur.fill);
  }

  data(bytes: Buffer, inPlace: boolean): boolean {
    if (this.failure) return false;
    // bytes from elsewhere (after a pause) always find room: a slab more is taken if need be
    const cur = inPlace ? (this.cur as Slab) : (this.cur ??= this.newSlab());
    const n = Math.min(bytes.length, this.limit - this.pos);
    if (this.pos + n > this.maxBytes) return this.stop(this.events.tooLarge());
    if (!inPlace) bytes.copy(cur.buf, cur.fill, 0, n);
    if (this.pos === 0) this.sniffing = cur;
    cur.fill += n;
    this.pos += n;
    this.events.received(n);
    if (this.sniffing && this.sniffing.fill >= SNIFF_BYTES && this.endSniff()) return false;
    if (this.pos >= this.limit) {
      // the segment is complete (a file shorter than 512 bytes is checked only now); this connection would go on
      // into the next segment's bytes
      if (this.endSniff()) return false;
      this.atLimit = true;
      // an answer that ends here leaves its connection for the next request
      if (!this.res?.complete) this.res?.destroy();
      return false;
    }
    if (cur.buf.length - cur.fill < MIN_SPACE) this.retire(cur);
    else this.timer ??= setTimeout(() => this.writeNow(), WRITE_DELAY_MS);
    if (this.held > SLABS_PER_STREAM) {
      // a slab over the limit took bytes that had arrived elsewhere: no more reads until writes catch up (else a
      // disk slower than the link would have every read take one more slab)
      this.starved = true;
      return false;
    }
    return true;
  }

  /** Checks the file's first bytes (if this sink has them); the failure when they are a web page. */
  endSniff(): AppError | null {
    const first = this.sniffing;
    if (!first) return null;
    this.sniffing = null;
    if (looksLikeHtml(first.buf.subarray(0, Math.min(first.fill, SNIFF_BYTES)))) {
      // never written: flush() skips a slab that failed the check
      first.queued = first.fill;
      this.stop(this.events.notMedia());
      return this.failure;
    }
    return null;
  }

  /** Writes what is left; resolves when every kept byte is on disk, rejects with the write's AppError. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.cur && !this.sniffing) this.retire(this.cur);
    while (this.writing) await this.writing;
    if (this.writeError !== null) throw this.events.diskError(this.writeError);
  }

  private newSlab(): Slab {
    this.held++;
    // the pool may hold slabs of the other size (a segmented download that restarted as one stream)
    let buf = this.pool.pop();
    if (buf?.length !== this.slabSize) buf = Buffer.allocUnsafeSlow(this.slabSize);
    return { buf, fill: 0, queued: 0, pending: 0, retired: false };
  }

  private stop(failure: AppError): false {
    this.failure ??= failure;
    this.res?.destroy();
    return false;
  }

  /** What arrived so far goes to disk (a slow link): the slab keeps filling after it. */
  private writeNow(): void {
    this.timer = null;
    if (this.cur && !this.sniffing && !this.failure) this.enqueue(this.cur);
  }

  private retire(slab: Slab): void {
    if (this.cur === slab) this.cur = null;
    slab.retired = true;
    this.enqueue(slab);
    this.release(slab);
  }

  private enqueue(slab: Slab): void {
    if (slab.fill === slab.queued) return;
    this.queue.push({ slab, bytes: slab.buf.subarray(slab.queued, slab.fill) });
    slab.pending += slab.fill - slab.queued;
    slab.queued = slab.fill;
    this.startPump();
  }

  /**
   * `writing` is set and cleared here, never inside pump(): a run that ended at once would otherwise leave a
   * settled promise behind, and flush() would wait on it forever. Bytes queued as a run ends start the next one.
   */
  private startPump(): void {
    if (this.writing || this.writeError !== null || this.queue.length === 0) return;
    const run = this.pump();
    this.writing = run;
    void run.finally(() => {
      if (this.writing === run) this.writing = null;
      this.startPump();
    });
  }

  private release(slab: Slab): void {
    if (!slab.retired || slab.pending > 0) return;
    this.held--;
    this.pool.push(slab.buf);
    if (this.starved && this.held < SLABS_PER_STREAM) {
      this.starved = false;
      this.res?.resume();
    }
  }

  /** One batch at a time, of everything queued, at the next offset. */
  private async pump(): Promise<void> {
    while (this.queue.length && this.writeError === null) {
      const batch = this.queue;
      this.queue = [];
      const bytes = batch.reduce((sum, b) => sum + b.bytes.length, 0);
      try {
        await writePieces(
          this.fd,
          batch.map((b) => b.bytes),
          this.writePos,
        );
      } catch (err) {
        this.writeError = err;
        this.stop(this.events.diskError(err));
        break;
      }
      this.writePos += bytes;
      this.events.written(bytes);
      for (const { slab, bytes: b } of batch) {
        slab.pending -= b.length;
        this.release(slab);
      }
    }
  }
}

/**
 * Writes `buffers` to `fd` one after the other from `position` on, in pieces issued all at once (libuv's threads
 * take them side by side). A piece ends at a page boundary and is at least a PAGE long (the first one starts where
 * the batch does), so a process killed meanwhile leaves holes only of whole zero pages (a write stops at a page
 * boundary), which writtenPast stops at. Settles only once every piece has: the file may be closed right after,
 * and a write still running on a closed (and reused) descriptor would land elsewhere. Rejects with the first
 * error; a regular file takes fewer bytes than offered only when the disk (or quota) is full.
 */
function writePieces(fd: number, buffers: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = 1;
    let failure: unknown = null;
    const settled = (err: unknown): void => {
      failure ??= err;
      if (--left > 0) return;
      if (failure === null) resolve();
      else reject(failure as Error);
    };
    const issue = (at: number, bufs: Buffer[], bytes: number): void => {
      left++;
      const done = (err: NodeJS.ErrnoException | null, written: number): void =>
        settled(err ?? (written === bytes ? null : Object.assign(new Error(`short write (${written} of ${bytes} bytes)`), { code: 'ENOSPC' })));
      if (bufs.length === 1) fs.write(fd, bufs[0] as Buffer, 0, bytes, at, done);
      else fs.writev(fd, bufs, at, done);
    };
    let at = position;
    let bufs: Buffer[] = [];
    let bytes = 0;
    let end = 0;
    for (const b of buffers) {
      for (let off = 0; off < b.length; ) {
        if (bytes === 0) end = Math.floor((at + WRITE_PIECE) / PAGE) * PAGE;
        const n = Math.min(b.length - off, end - at - bytes);
        bufs.push(b.subarray(off, off + n));
        bytes += n;
        off += n;
        if (at + bytes === end) {
          issue(at, bufs, bytes);
          at += bytes;
          bufs = [];
          bytes = 0;
        }
      }
    }
    if (bytes > 0) issue(at, bufs, bytes);
    settled(null);
  });
}

/**
 * The size of a connection's windows: what it carries in a round trip (the shortest TCP connect of the download's
 * connections, WireChannel.rttMs), so that the answer to the request sent ahead (which the server has half a round
 * trip after the window's start) follows the window without a pause; within WINDOW_MIN and WINDOW_MAX. The rate is
 * the connection's average since its first window, not the last window's: a window read from a full receive queue
 * goes at memory speed and says nothing about the link. A near server's round trip is short, so there windows stay
 * at WINDOW_MIN.
 */
class Pace {
  window: number;
  private first = 0;
  private bytes = 0;

  constructor(private readonly min: number) {
    this.window = min;
  }

  /** A window's body starts. */
  start(): void {
    if (this.first === 0) this.first = performance.now();
  }

  streamed(bytes: number, rttMs: number): void {
    this.bytes += bytes;
    const ms = performance.now() - this.first;
    // the first bytes say little about the rate
    if (this.bytes < 2 * this.min || ms <= 0 || !Number.isFinite(rttMs)) return;
    const wanted = (rttMs * this.bytes) / ms;
    this.window = Math.min(WINDOW_MAX, Math.max(this.min, Math.round(wanted / MIN_SPACE) * MIN_SPACE));
  }
}

/** Keeps the sidecar close behind the bytes on disk: at most every SAVE_MS, sooner after SAVE_BYTES, one at a time. */
class Saver {
  private last = performance.now();
  private sinceSave = 0;
  private saving: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly file: string,
    private readonly current: () => PartState | null,
  ) {}

  /** `bytes` more are on disk. */
  note(bytes: number): void {
    if (this.stopped) return;
    this.sinceSave += bytes;
    if (this.sinceSave >= SAVE_BYTES || performance.now() - this.last >= SAVE_MS) {
      void this.save().catch(() => undefined);
    } else {
      // the last bytes before a stall still reach the sidecar
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.save().catch(() => undefined);
      }, SAVE_MS).unref();
    }
  }

  async save(): Promise<void> {
    if (this.saving) {
      this.again = true;
      return this.saving;
    }
    this.saving = this.write();
    try {
      await this.saving;
    } finally {
      this.saving = null;
    }
  }

  private async write(): Promise<void> {
    do {
      this.again = false;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.sinceSave = 0;
      this.last = performance.now();
      const state = this.current();
      if (!state) return;
      const tmp = `${this.file}.tmp`;
      await fsp.writeFile(tmp, JSON.stringify(state));
      await fsp.rename(tmp, this.file);
    } while (this.again && !this.stopped);
  }

  /** No more saves after this; `final` writes the current state once more (pause or failure: resume from here). */
  async stop(final: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.saving) await this.saving.catch(() => undefined);
    if (final) await this.write();
  }
}

// ---------------------------------------------------------------------------------------------------------
// helpers

/**
 * Bytes of a segment on disk past its sidecar count, which lags up to SAVE_MS behind the writes: after a kill,
 * they need not be fetched again. A segment is written in order, one batch at a time, into a file preallocated as
 * zeros (truncate: a sparse file); within the last batch a killed process may have left holes, but only of whole
 * zero pages (writePieces). What was written is taken to end at the last non-zero byte before the first whole page
 * of zeros (zeros in the media itself only make it shorter: those bytes are fetched again; a page that merely ends
 * in a zero byte does not end the scan).
 */
async function writtenPast(fh: FileHandle, seg: Segment): Promise<number> {
  if (seg.end === null) return 0;
  const from = seg.start + seg.done;
  const buf = Buffer.allocUnsafe(RECOVER_BLOCK);
  let extent = from;
  for (let pos = from; pos <= seg.end; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(RECOVER_BLOCK, seg.end + 1 - pos), pos);
    if (bytesRead === 0) break;
    // page by page, at the file's page boundaries: a whole page of zeros is where the writes stopped (see writePieces)
    for (let i = 0; i < bytesRead; ) {
      const next = Math.min(bytesRead, i + PAGE - ((pos + i) % PAGE));
      if (next - i === PAGE && buf.subarray(i, next).equals(ZERO_PAGE)) return extent - from;
      let last = next - 1;
      while (last >= i && buf[last] === 0) last--;
      if (last >= i) extent = pos + last + 1;
      i = next;
    }
    pos += bytesRead;
  }
  return extent - from;
}

function splitSegments(total: number, connections: number): Segment[] {
  const size = Math.ceil(total / connections);
  const segments: Segment[] = [];
  for (let start = 0; start < total; start += size) segments.push({ start, end: Math.min(total, start + size) - 1, done: 0 });
  return segments;
}

function isComplete(seg: Segment): boolean {
  return seg.end !== null && seg.done >= seg.end - seg.start + 1;
}

function doneBytes(state: PartState): number {
  return state.segments.reduce((sum, s) => sum + s.done, 0);
}

/** If-Range needs a strong validator: a weak ETag never matches, so it would turn every resume into a restart. */
function ifRangeValue(state: PartState): string | null {
  if (state.etag && !state.etag.startsWith('W/')) return state.etag;
  return state.lastModified;
}

function contentLength(res: WireResponse): number | null {
  const v = res.header('content-length');
  return v !== null && /^\d+$/.test(v) ? Number(v) : null;
}

function parseContentRange(value: string | null): { start: number; end: number | null; total: number | null } | null {
  if (!value) return null;
  const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value.trim());
  if (!m) return null;
  const total = m[3] === '*' ? null : Number(m[3]);
  if (m[1] === undefined) return { start: -1, end: null, total };
  return { start: Number(m[1]), end: Number(m[2]), total };
}

function looksLikeHtml(head: Buffer): boolean {
  const text = head.subarray(0, SNIFF_BYTES).toString('latin1').replace(/^\xEF\xBB\xBF/, '').trimStart().toLowerCase();
  return text.startsWith('<!doctype') || text.startsWith('<html');
}

function canceled(): AppError {
  return new AppError('ERR_CANCELED', 'The download was canceled.');
}

function emptyFile(source: string): AppError {
  return new AppError('ERR_VALIDATION', `${source} returned an empty file, not a video.`);
}

function notMedia(source: string): AppError {
  return new AppError('ERR_VALIDATION', `The link returned a web page, not a video (${source}): open it in a browser to find the video's own link.`);
}

function tooLarge(maxBytes: number, size: number | null): AppError {
  const what = size === null ? 'The server sent more than' : `The file (${formatBytes(size)}) is larger than`;
  return new AppError('ERR_TOO_LARGE', `${what} the ${formatBytes(maxBytes)} size limit. To download it, raise the limit in Settings → Downloads → Maximum file size.`);
}

function networkError(err: Error, source: string): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  return new AppError('ERR_NETWORK', `Lost the connection to ${source}${code ? ` (${code})` : ''}: check the network, then retry.`);
}
