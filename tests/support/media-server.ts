/**
 * Local HTTP media server for integration tests.
 *
 * All media is generated at test time with ffmpeg (no binary fixtures are committed) into a
 * cache directory that is shared between test processes and runs:
 *   default: `os.tmpdir()/clipharbor-test-media-v1`
 * Every artifact is written under a temporary name and renamed into place, so a concurrent
 * process never observes a half-written file; a marker file records a completed generation.
 *
 * Routes (GET and HEAD; static bodies honour `Range`):
 *   /v/clip-<n>.mp4          H.264 + AAC, faststart, distinct content per n (n = 1..clips)
 *   /v/clip.webm             VP8 + Opus
 *   /v/audio.m4a             AAC only
 *   /v/same-as-1.mp4         byte-identical copy of clip-1
 *   /v/big.mp4               ~4-5 MB noisy clip (use with /slow for long downloads)
 *   /slow/<bytesPerSec>/<path>  any route above (and below), throttled
 *   /hls/media.m3u8          media playlist, muxed A/V TS segments
 *   /hls/master.m3u8         master: video-only variant + AUDIO group (audio-only playlist)
 *   /dash/manifest.mpd       DASH, separate video and audio adaptation sets (segment template)
 *   /page/one.html           one <video>, title "One clip"
 *   /page/many.html          three videos, title "Many clips"
 *   /page/nasty.html         one <video>, hostile <title> (NASTY_TITLE)
 *   /bad/404.mp4             404
 *   /bad/flaky-<k>.mp4       first k GETs answer 500, then clip-5
 *   /bad/drop.mp4            first GET: 200 + full Content-Length, ~half the body, socket destroyed
 *   /bad/html.mp4            200 text/html without any video
 *   /bad/truncated.mp4       first 55% of a faststart mp4 (moov in front), clean 200
 *   /bad/truncated-tail.mp4  first 55% of a non-faststart mp4 (moov at the end), clean 200
 *   /bad/not-video.mp4       ~50 kB of deterministic random bytes as video/mp4
 *   anything else           404; `..` segments (also percent-encoded) -> 400
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface MediaServer {
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** baseUrl + path */
  url(path: string): string;
  /** Every request received, in arrival order; status is filled in when the head is sent. */
  requests: Array<{ method: string; path: string; range: string | null; status: number }>;
  /** Number of logged requests whose path starts with pathPrefix. */
  hits(pathPrefix: string): number;
  /** Clear the request log (in place) and all per-route counters (flaky / drop). */
  reset(): void;
  /** Stop listening and destroy open sockets so tests never hang. */
  close(): Promise<void>;
}

export interface MediaServerOptions {
  /** Number of /v/clip-<n>.mp4 clips; default 6, values below 6 are raised to 6 (pages and /bad routes use clip-3..clip-6). */
  clips?: number;
  /** Media cache directory; default `os.tmpdir()/clipharbor-test-media-v1`. */
  mediaDir?: string;
}

export const DEFAULT_MEDIA_DIR = path.join(os.tmpdir(), 'clipharbor-test-media-v1');
export const DEFAULT_CLIPS = 6;
const MIN_CLIPS = 6;
const MARKER = '.complete-v1.json';
const FFMPEG = 'ffmpeg';

/** Fraction of the source file that /bad/truncated*.mp4 serve. */
export const TRUNCATE_FRACTION = 0.55;
/** Size and seed of /bad/not-video.mp4. */
export const NOT_VIDEO_SIZE = 50 * 1024;
const NOT_VIDEO_SEED = 0x0c11b4a7;

/**
 * The exact <title> text of /page/nasty.html (the HTML contains it entity-escaped).
 * Path traversal, both slashes, a drive colon, every Windows-forbidden character, HTML
 * specials, an RTL override (U+202E) and an RTL mark (U+200F); exactly 300 UTF-16 code units,
 * all in the BMP, single spaces only and no leading/trailing whitespace, so an HTML title
 * parser that collapses whitespace returns it unchanged.
 */
export const NASTY_TITLE: string = buildNastyTitle();

function buildNastyTitle(): string {
  const core =
    '../../etc/passwd \\..\\..\\Windows\\System32 C:\\con: *?"<>| & <b>bold</b> ' +
    '\u202Egnp.exe\u200F clip';
  const filler = ['lorem', 'ipsum', 'dolor', 'sit', 'amet', 'NUL', 'COM1', 'é', 'ü', 'ß', '日本語', '...'];
  let t = core;
  for (let i = 0; t.length < 320; i++) t += ` ${filler[i % filler.length]}`;
  t = t.slice(0, 299);
  return `${t.trimEnd().padEnd(299, 'x')}!`;
}

// ---------------------------------------------------------------------------------------------
// Media generation
// ---------------------------------------------------------------------------------------------

const PATTERNS = ['testsrc', 'testsrc2', 'smptebars', 'rgbtestsrc', 'smptehdbars', 'yuvtestsrc'] as const;

/** Deterministic per-clip parameters: pattern, duration (3..6 s) and sine frequency all vary. */
function clipSpec(n: number): { pattern: string; seconds: number; freq: number } {
  return {
    pattern: PATTERNS[(n - 1) % PATTERNS.length] ?? 'testsrc',
    seconds: 3 + ((n - 1) % 4),
    freq: 220 + 110 * n,
  };
}

/** Clip used as the source for HLS and DASH (6 s -> 6 one-second segments). */
const STREAM_SOURCE_CLIP = 4;
/** Clip whose bytes /bad/truncated.mp4 serves a prefix of. */
const TRUNCATE_SOURCE_CLIP = 2;

interface Marker {
  version: 1;
  clips: number;
  generatedAt: string;
  generationMs: number;
}

function requiredEntries(clips: number): string[] {
  const list: string[] = [];
  for (let n = 1; n <= clips; n++) list.push(`v/clip-${n}.mp4`);
  list.push(
    'v/clip.webm',
    'v/audio.m4a',
    'v/same-as-1.mp4',
    'v/big.mp4',
    'src/tail.mp4',
    'hls',
    'dash',
  );
  return list;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.stat(p);
    return true;
  } catch {
    return false;
  }
}

function tmpName(final: string): string {
  return `${final}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Produce `final` atomically: build it under a temp name, then publish it. No-op if it exists.
 * Publishing uses link() so the first process to finish wins and a file that another process
 * may already be serving is never replaced (rename() as a fallback where hard links fail).
 */
async function produceFile(final: string, build: (tmp: string) => Promise<void>): Promise<void> {
  if (await exists(final)) return;
  const tmp = tmpName(final);
  try {
    await build(tmp);
    try {
      await fsp.link(tmp, final);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        await fsp.rename(tmp, final);
        return;
      }
    }
    await fsp.rm(tmp, { force: true });
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Like produceFile for a directory; if another process won the race its copy is kept. */
async function produceDir(final: string, build: (tmpDir: string) => Promise<void>): Promise<void> {
  if (await exists(final)) return;
  const tmp = tmpName(final);
  await fsp.mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    try {
      await fsp.rename(tmp, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(final))) {
        await fsp.rm(tmp, { recursive: true, force: true });
        return;
      }
      throw err;
    }
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

function runFfmpeg(args: string[]): Promise<void> {
  const full = ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(FFMPEG, full, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 8000) stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg ${full.join(' ')} failed (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0'];
const AAC = ['-c:a', 'aac', '-b:a', '64k'];

function clipArgs(n: number, out: string): string[] {
  const { pattern, seconds, freq } = clipSpec(n);
  return [
    '-f', 'lavfi', '-i', `${pattern}=size=320x240:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=44100:duration=${seconds}`,
    ...X264, ...AAC, '-shortest',
    '-metadata', `title=ClipHarbor test clip ${n}`,
    '-movflags', '+faststart', '-f', 'mp4', out,
  ];
}

/** Run jobs with bounded parallelism; rejects with the first error after all settle. */
async function runPool(jobs: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (!job) break;
      try {
        await job();
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, width) }, () => worker()));
  if (errors.length > 0) throw errors[0];
}

/** Read the avc1 codec string (avc1.PPCCLL) from the avcC box of an mp4 file. */
async function avcCodecString(file: string): Promise<string> {
  const buf = await fsp.readFile(file);
  const i = buf.indexOf('avcC');
  if (i < 0 || i + 8 > buf.length) return 'avc1.42c01e';
  const hex = (b: number | undefined): string => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(buf[i + 5])}${hex(buf[i + 6])}${hex(buf[i + 7])}`;
}

async function readMarker(dir: string): Promise<Marker | null> {
  try {
    const m = JSON.parse(await fsp.readFile(path.join(dir, MARKER), 'utf8')) as Partial<Marker>;
    return m.version === 1 && typeof m.clips === 'number' ? (m as Marker) : null;
  } catch {
    return null;
  }
}

/**
 * Generate all media into `dir` (idempotent: files already present are reused, a completion
 * marker short-circuits the work). Safe to call concurrently from several processes.
 */
export async function makeMedia(dir: string, clips: number): Promise<void> {
  const count = Math.max(MIN_CLIPS, Math.floor(clips));
  const marker = await readMarker(dir);
  if (marker && marker.clips >= count) {
    const present = await Promise.all(requiredEntries(count).map((e) => exists(path.join(dir, e))));
    if (present.every(Boolean)) return;
  }

  const started = performance.now();
  const v = path.join(dir, 'v');
  const src = path.join(dir, 'src');
  await fsp.mkdir(v, { recursive: true });
  await fsp.mkdir(src, { recursive: true });
  const width = Math.max(1, Math.min(4, os.availableParallelism?.() ?? os.cpus().length));

  // Phase 1: independent encodes (big.mp4 first: it is the longest).
  const phase1: Array<() => Promise<void>> = [
    () =>
      produceFile(path.join(v, 'big.mp4'), (tmp) =>
        runFfmpeg([
          '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25:duration=12,noise=alls=40:allf=t',
          '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100:duration=12',
          ...X264, '-b:v', '3000k', '-maxrate', '3000k', '-bufsize', '3000k', ...AAC, '-shortest',
          '-movflags', '+faststart', '-f', 'mp4', tmp,
        ]),
      ),
  ];
  for (let n = 1; n <= count; n++) {
    phase1.push(() => produceFile(path.join(v, `clip-${n}.mp4`), (tmp) => runFfmpeg(clipArgs(n, tmp))));
  }
  phase1.push(
    () =>
      produceFile(path.join(v, 'clip.webm'), (tmp) =>
        runFfmpeg([
          '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=3',
          '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000:duration=3',
          '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', '25',
          '-c:a', 'libopus', '-b:a', '48k', '-shortest', '-f', 'webm', tmp,
        ]),
      ),
    () =>
      produceFile(path.join(v, 'audio.m4a'), (tmp) =>
        runFfmpeg([
          '-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=44100:duration=4',
          ...AAC, '-movflags', '+faststart', '-f', 'ipod', tmp,
        ]),
      ),
  );
  await runPool(phase1, width);

  // Phase 2: derived artifacts (copies / remuxes of phase-1 output).
  const streamSrc = path.join(v, `clip-${STREAM_SOURCE_CLIP}.mp4`);
  const phase2: Array<() => Promise<void>> = [
    () => produceFile(path.join(v, 'same-as-1.mp4'), (tmp) => fsp.copyFile(path.join(v, 'clip-1.mp4'), tmp)),
    // Same content as clip-2 but WITHOUT +faststart: moov at the end.
    () =>
      produceFile(path.join(src, 'tail.mp4'), (tmp) =>
        runFfmpeg(['-i', path.join(v, `clip-${TRUNCATE_SOURCE_CLIP}.mp4`), '-c', 'copy', '-f', 'mp4', tmp]),
      ),
    () =>
      produceDir(path.join(dir, 'hls'), async (tmp) => {
        const hls = (maps: string[], name: string): Promise<void> =>
          runFfmpeg([
            '-i', streamSrc, ...maps, '-c', 'copy',
            '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_playlist_type', 'vod',
            '-hls_segment_filename', path.join(tmp, `${name}-%03d.ts`),
            path.join(tmp, `${name}.m3u8`),
          ]);
        await hls(['-map', '0:v', '-map', '0:a'], 'media');
        await hls(['-map', '0:v'], 'video');
        await hls(['-map', '0:a'], 'audio');
        const codec = await avcCodecString(streamSrc);
        const master = [
          '#EXTM3U',
          '#EXT-X-VERSION:3',
          '#EXT-X-INDEPENDENT-SEGMENTS',
          '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio.m3u8"',
          `#EXT-X-STREAM-INF:BANDWIDTH=300000,AVERAGE-BANDWIDTH=250000,CODECS="${codec},mp4a.40.2",RESOLUTION=320x240,FRAME-RATE=25.000,AUDIO="aud"`,
          'video.m3u8',
          '',
        ].join('\n');
        await fsp.writeFile(path.join(tmp, 'master.m3u8'), master);
      }),
    () =>
      produceDir(path.join(dir, 'dash'), (tmp) =>
        runFfmpeg([
          '-i', streamSrc, '-map', '0:v', '-map', '0:a', '-c', 'copy',
          '-f', 'dash', '-seg_duration', '1', '-use_template', '1', '-use_timeline', '1',
          '-adaptation_sets', 'id=0,streams=v id=1,streams=a',
          path.join(tmp, 'manifest.mpd'),
        ]),
      ),
  ];
  await runPool(phase2, width);

  const done: Marker = {
    version: 1,
    clips: Math.max(count, marker?.clips ?? 0),
    generatedAt: new Date().toISOString(),
    generationMs: Math.round(performance.now() - started),
  };
  const markerPath = path.join(dir, MARKER);
  const tmp = tmpName(markerPath);
  await fsp.writeFile(tmp, JSON.stringify(done, null, 2));
  await fsp.rename(tmp, markerPath);
}

// ---------------------------------------------------------------------------------------------
// HTTP server
// ---------------------------------------------------------------------------------------------

type Body =
  | { kind: 'file'; file: string; size: number; mtime: Date; etag: string }
  | { kind: 'buffer'; data: Buffer; size: number; mtime: Date; etag: string };

type LogEntry = MediaServer['requests'][number];

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.m4a': 'audio/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mpd': 'application/dash+xml',
  '.m4s': 'video/iso.segment',
  '.html': 'text/html; charset=utf-8',
};

function contentTypeFor(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function page(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<title>${escapeHtml(title)}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

const PAGES: Record<string, string> = {
  'one.html': page('One clip', '<h1>One clip</h1>\n<video src="/v/clip-3.mp4" controls width="320" height="240"></video>'),
  'many.html': page(
    'Many clips',
    [
      '<h1>Many clips</h1>',
      '<video src="/v/clip-1.mp4" controls></video>',
      '<video controls><source src="/v/clip-2.mp4" type="video/mp4"></video>',
      '<video controls><source src="/v/clip.webm" type="video/webm"></video>',
    ].join('\n'),
  ),
  'nasty.html': page(NASTY_TITLE, '<video src="/v/clip-4.mp4" controls></video>'),
};

const HTML_NOT_VIDEO = page(
  'Not a video',
  '<h1>Sorry</h1>\n<p>This page was served where a video file was expected. It contains no media at all.</p>',
);

/** Deterministic pseudo-random bytes (mulberry32). */
export function deterministicBytes(size: number, seed: number = NOT_VIDEO_SEED): Buffer {
  const out = Buffer.alloc(size);
  let a = seed >>> 0;
  for (let i = 0; i < size; i += 4) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = (t ^ (t >>> 14)) >>> 0;
    for (let j = 0; j < 4 && i + j < size; j++) out[i + j] = (r >>> (8 * j)) & 0xff;
  }
  return out;
}

function bufferBody(data: Buffer, mtime: Date): Body {
  const etag = `"b-${createHash('sha1').update(data).digest('hex').slice(0, 20)}"`;
  return { kind: 'buffer', data, size: data.length, mtime, etag };
}

async function fileBody(file: string): Promise<Body | null> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return null;
    const etag = `"f-${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    return { kind: 'file', file, size: st.size, mtime: st.mtime, etag };
  } catch {
    return null;
  }
}

type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/** Single `bytes=` range; null means "ignore the header" (malformed or multi-range). */
function parseRange(header: string, size: number): RangeResult {
  const m = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header.trim());
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const n = Number(b);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return null;
  if (start >= size) return 'unsatisfiable';
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  return { start, end };
}

const sleep = (ms: number, res: http.ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve();
    }, ms);
    res.once('close', onClose);
  });

function writeAsync(res: http.ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve();
    const onClose = (): void => resolve();
    res.once('close', onClose);
    res.write(chunk, () => {
      res.off('close', onClose);
      resolve();
    });
  });
}

/**
 * Send bytes [start, end] of body. Throttled to `bps` bytes/s when given. Resolves once the
 * bytes are handed to the socket (or the response closed). Ends the response iff `end`.
 */
async function sendBody(
  res: http.ServerResponse,
  body: Body,
  start: number,
  end: number,
  bps: number | null,
  finish = true,
): Promise<void> {
  const length = end - start + 1;
  if (length <= 0) {
    if (finish) res.end();
    return;
  }
  if (bps === null) {
    if (body.kind === 'buffer') {
      const chunk = body.data.subarray(start, end + 1);
      if (finish) res.end(chunk);
      else await writeAsync(res, chunk);
      return;
    }
    await new Promise<void>((resolve) => {
      const stream = createReadStream(body.file, { start, end });
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      res.once('close', () => {
        stream.destroy();
        resolve();
      });
      if (finish) {
        res.once('finish', () => resolve());
        stream.pipe(res);
      } else {
        stream.pipe(res, { end: false });
        stream.on('end', () => {
          void writeAsync(res, Buffer.alloc(0)).then(resolve);
        });
      }
    });
    return;
  }

  // Throttled: small chunks paced against a wall-clock budget.
  const chunkSize = Math.max(1, Math.min(64 * 1024, Math.floor(bps / 20)));
  const fh = body.kind === 'file' ? await fsp.open(body.file, 'r') : null;
  try {
    const t0 = performance.now();
    let sent = 0;
    while (sent < length && !res.destroyed && !res.writableEnded) {
      const n = Math.min(chunkSize, length - sent);
      let chunk: Buffer;
      if (fh) {
        chunk = Buffer.alloc(n);
        const { bytesRead } = await fh.read(chunk, 0, n, start + sent);
        if (bytesRead <= 0) break;
        chunk = chunk.subarray(0, bytesRead);
      } else if (body.kind === 'buffer') {
        chunk = body.data.subarray(start + sent, start + sent + n);
      } else break;
      await writeAsync(res, chunk);
      sent += chunk.length;
      const wait = t0 + (sent * 1000) / bps - performance.now();
      if (wait > 1 && sent < length) await sleep(wait, res);
    }
    if (finish && !res.destroyed) res.end();
  } finally {
    await fh?.close();
  }
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startMediaServer(opts: MediaServerOptions = {}): Promise<MediaServer> {
  const mediaDir = path.resolve(opts.mediaDir ?? DEFAULT_MEDIA_DIR);
  const clips = Math.max(MIN_CLIPS, Math.floor(opts.clips ?? DEFAULT_CLIPS));
  await makeMedia(mediaDir, clips);

  const startedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  const truncSrc = await fsp.readFile(path.join(mediaDir, 'v', `clip-${TRUNCATE_SOURCE_CLIP}.mp4`));
  const tailSrc = await fsp.readFile(path.join(mediaDir, 'src', 'tail.mp4'));
  const buffers: Record<string, Body> = {
    truncated: bufferBody(truncSrc.subarray(0, Math.floor(truncSrc.length * TRUNCATE_FRACTION)), startedAt),
    'truncated-tail': bufferBody(tailSrc.subarray(0, Math.floor(tailSrc.length * TRUNCATE_FRACTION)), startedAt),
    'not-video': bufferBody(deterministicBytes(NOT_VIDEO_SIZE), startedAt),
    html: bufferBody(Buffer.from(HTML_NOT_VIDEO, 'utf8'), startedAt),
  };
  const pages: Record<string, Body> = {};
  for (const [name, html] of Object.entries(PAGES)) pages[name] = bufferBody(Buffer.from(html, 'utf8'), startedAt);

  const requests: MediaServer['requests'] = [];
  const flakyCounts = new Map<string, number>();
  const dropped = new Set<string>();
  const sockets = new Set<Socket>();

  const inside = (p: string): boolean => p.startsWith(mediaDir + path.sep);

  const head = (
    res: http.ServerResponse,
    entry: LogEntry,
    status: number,
    headers: Record<string, string | number>,
  ): void => {
    entry.status = status;
    res.writeHead(status, headers);
  };

  const sendText = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: LogEntry,
    status: number,
    text: string,
  ): void => {
    const data = Buffer.from(`${text}\n`, 'utf8');
    head(res, entry, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': data.length });
    res.end(req.method === 'HEAD' ? undefined : data);
  };

  const serveStatic = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: LogEntry,
    body: Body,
    contentType: string,
    bps: number | null,
  ): Promise<void> => {
    const headers: Record<string, string | number> = {
      'Content-Type': contentType,
      'Accept-Ranges': 'bytes',
      ETag: body.etag,
      'Last-Modified': body.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
    };
    let start = 0;
    let end = body.size - 1;
    let status = 200;
    const rangeHeader = req.headers.range;
    const ifRange = req.headers['if-range'];
    const rangeApplies =
      rangeHeader !== undefined &&
      (ifRange === undefined || ifRange === body.etag || ifRange === body.mtime.toUTCString());
    if (rangeApplies) {
      const r = parseRange(rangeHeader, body.size);
      if (r === 'unsatisfiable') {
        head(res, entry, 416, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Range': `bytes */${body.size}`,
          'Accept-Ranges': 'bytes',
          'Content-Length': 0,
        });
        res.end();
        return;
      }
      if (r) {
        start = r.start;
        end = r.end;
        status = 206;
        headers['Content-Range'] = `bytes ${start}-${end}/${body.size}`;
      }
    }
    headers['Content-Length'] = Math.max(0, end - start + 1);
    head(res, entry, status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await sendBody(res, body, start, end, bps);
  };

  const mediaFile = async (sub: 'v' | 'hls' | 'dash', name: string): Promise<Body | null> => {
    const file = path.resolve(mediaDir, sub, name);
    if (!inside(file)) throw new HttpError(400, 'bad path');
    return fileBody(file);
  };

  const route = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: LogEntry,
    segs: string[],
    key: string,
    bps: number | null,
  ): Promise<void> => {
    const [top, name, ...rest] = segs;
    if (name === undefined || name === '' || rest.length > 0) throw new HttpError(404, 'not found');

    if (top === 'v') {
      const clip = /^clip-(\d+)\.mp4$/.exec(name);
      const allowed =
        (clip !== null && Number(clip[1]) >= 1 && Number(clip[1]) <= clips && String(Number(clip[1])) === clip[1]) ||
        ['clip.webm', 'audio.m4a', 'same-as-1.mp4', 'big.mp4'].includes(name);
      const body = allowed ? await mediaFile('v', name) : null;
      if (!body) throw new HttpError(404, 'not found');
      return serveStatic(req, res, entry, body, contentTypeFor(name), bps);
    }

    if (top === 'hls' || top === 'dash') {
      if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name) || name.endsWith('.tmp')) throw new HttpError(404, 'not found');
      const body = await mediaFile(top, name);
      if (!body) throw new HttpError(404, 'not found');
      return serveStatic(req, res, entry, body, contentTypeFor(name), bps);
    }

    if (top === 'page') {
      const body = pages[name];
      if (!body) throw new HttpError(404, 'not found');
      return serveStatic(req, res, entry, body, contentTypeFor(name), bps);
    }

    if (top === 'bad') {
      if (name === '404.mp4') throw new HttpError(404, 'not found (on purpose)');

      const flaky = /^flaky-(\d+)\.mp4$/.exec(name);
      if (flaky) {
        const k = Number(flaky[1]);
        const seen = flakyCounts.get(key) ?? 0;
        if (seen < k) {
          if (req.method === 'GET') flakyCounts.set(key, seen + 1);
          throw new HttpError(500, `flaky failure ${seen + 1}/${k}`);
        }
        const body = await mediaFile('v', 'clip-5.mp4');
        if (!body) throw new HttpError(500, 'clip-5 missing');
        return serveStatic(req, res, entry, body, 'video/mp4', bps);
      }

      if (name === 'drop.mp4') {
        const body = await mediaFile('v', 'clip-6.mp4');
        if (!body || body.kind !== 'file') throw new HttpError(500, 'clip-6 missing');
        if (req.method !== 'GET' || dropped.has(key)) return serveStatic(req, res, entry, body, 'video/mp4', bps);
        dropped.add(key);
        const half = Math.floor(body.size / 2);
        const fh = await fsp.open(body.file, 'r');
        const data = Buffer.alloc(half);
        try {
          await fh.read(data, 0, half, 0);
        } finally {
          await fh.close();
        }
        head(res, entry, 200, {
          'Content-Type': 'video/mp4',
          'Content-Length': body.size,
          'Accept-Ranges': 'bytes',
          ETag: body.etag,
          'Last-Modified': body.mtime.toUTCString(),
        });
        await sendBody(res, bufferBody(data, body.mtime), 0, half - 1, bps, false);
        // Give the kernel a moment to put the half body on the wire, then kill the connection.
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        res.destroy();
        return;
      }

      const buf: Record<string, [string, string]> = {
        'html.mp4': ['html', 'text/html; charset=utf-8'],
        'truncated.mp4': ['truncated', 'video/mp4'],
        'truncated-tail.mp4': ['truncated-tail', 'video/mp4'],
        'not-video.mp4': ['not-video', 'video/mp4'],
      };
      const hit = buf[name];
      const body = hit ? buffers[hit[0]] : undefined;
      if (!hit || !body) throw new HttpError(404, 'not found');
      return serveStatic(req, res, entry, body, hit[1], bps);
    }

    throw new HttpError(404, 'not found');
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, entry: LogEntry): Promise<void> => {
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      entry.status = 405;
      res.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, 'method not allowed');
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.path);
    } catch {
      throw new HttpError(400, 'malformed path');
    }
    if (!decoded.startsWith('/')) throw new HttpError(400, 'bad path');
    let segs = decoded.slice(1).split('/');
    if (segs.some((s) => s === '..' || s === '.' || s.includes('\\') || s.includes('\0'))) {
      throw new HttpError(400, 'path traversal rejected');
    }
    let bps: number | null = null;
    if (segs[0] === 'slow') {
      const rate = segs[1] ?? '';
      if (!/^\d+$/.test(rate) || Number(rate) < 1) throw new HttpError(400, 'bad rate');
      bps = Number(rate);
      segs = segs.slice(2);
    }
    await route(req, res, entry, segs, decoded, bps);
  };

  const server = http.createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const entry: LogEntry = {
      method: req.method ?? '',
      path: q >= 0 ? raw.slice(0, q) : raw,
      range: req.headers.range ?? null,
      status: 0,
    };
    requests.push(entry);
    handle(req, res, entry).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const status = err instanceof HttpError ? err.status : 500;
      const msg = err instanceof Error ? err.message : String(err);
      sendText(req, res, entry, status, msg);
    });
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('media server: unexpected address');
  const baseUrl = `http://127.0.0.1:${addr.port}`;

  let closing: Promise<void> | null = null;
  return {
    baseUrl,
    url: (p: string) => baseUrl + p,
    requests,
    hits: (prefix: string) => requests.filter((r) => r.path.startsWith(prefix)).length,
    reset: () => {
      requests.length = 0;
      flakyCounts.clear();
      dropped.clear();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
