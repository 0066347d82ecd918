/**
 * downloadFile (src/main/engine/net/download.ts) against a real node:http file server on 127.0.0.1 that serves
 * random bytes with controllable behaviour: ranges on/off, If-Range honoured or ignored, ETag and/or
 * Last-Modified, chunked bodies, a connection dropped after N bytes, a pause at an offset (so a download can be
 * stopped at a known point), error statuses and redirects. The server counts the body bytes it hands to the
 * kernel, so re-transfers are measured on the server side. One test kills (SIGKILL) a child process in the
 * middle of a segmented download and resumes from what it left on disk.
 * Bounded: every wait has a deadline, the server destroys its sockets on close. No timing assertions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { downloadFile, mediaExtension, PART_FILE, SIDECAR_FILE, type DownloadProgress, type DownloadRequest } from '../../src/main/engine/net/download';
import { appErrorOf } from '../support/errors';
import { runTool } from '../support/run';

const MiB = 2 ** 20;

// ---------------------------------------------------------------------------------------------------------
// the file server

interface FileSpec {
  body: Buffer;
  type: string | null;
  etag: string | null;
  lastModified: string | null;
  /** No Content-Length on 200 answers (chunked transfer encoding). */
  chunked: boolean;
  /** false: Range is ignored, every answer is a 200 with the whole file. */
  ranges: boolean;
  /** false: If-Range is ignored (the range is served even when the validator no longer matches). */
  ifRange: boolean;
  /** The connection of the answer that sends the byte at this offset is closed just before it (then cleared). */
  dropAt: number | null;
  /** The next this many range requests are answered as if they had no Range header (200, the whole file). */
  ignoreRanges: number;
  /** Sending stops at this absolute offset until the client goes away or release() is called. */
  holdAt: number | null;
  /** Like holdAt, for an answer that contains one of these offsets (one per segment of a segmented download). */
  holdAtEach: number[];
  /** Like holdAt, per answer: stops at start + fraction × (bytes of this answer). */
  holdFraction: number | null;
  /** Range answers send their head, then wait (at most 5 s) until this many range answers have been open at once. */
  gate: number;
  /** Answers say `Connection: close` (the server closes each connection after one answer). */
  connectionClose: boolean;
  /**
   * This many requests that arrive on a kept connection are not answered: the connection is closed once the answers
   * before it are complete (as a server does whose idle timeout or per-connection request limit ran out).
   */
  closeKept: number;
}

interface LoggedRequest {
  path: string;
  range: string | null;
  ifRange: string | null;
  status: number;
  headers: http.IncomingHttpHeaders;
}

interface FileServer {
  base: string;
  url(p: string): string;
  files: Map<string, FileSpec>;
  put(name: string, spec: Partial<FileSpec> & { body: Buffer }): FileSpec;
  /** Body bytes handed to the kernel (sent) since the last reset; TCP connections accepted since then. */
  stats: { sent: number; activeRanges: number; maxActiveRanges: number; holding: number; connections: number };
  requests: LoggedRequest[];
  release(): void;
  reset(): void;
  close(): Promise<void>;
}

function startFileServer(): Promise<FileServer> {
  const files = new Map<string, FileSpec>();
  const stats = { sent: 0, activeRanges: 0, maxActiveRanges: 0, holding: 0, connections: 0 };
  /** Requests per connection, and when the last answer on it is complete. */
  const served = new WeakMap<Socket, { count: number; done: Promise<void> }>();
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  let releaseHeld: () => void = () => undefined;
  let released = new Promise<void>((r) => (releaseHeld = r));

  const sendBody = async (res: http.ServerResponse, spec: FileSpec, start: number, end: number): Promise<void> => {
    const closed = new Promise<void>((r) => res.once('close', () => r()));
    const drop = spec.dropAt !== null && spec.dropAt > start && spec.dropAt <= end + 1 ? spec.dropAt : null;
    if (drop !== null) spec.dropAt = null;
    const holdAt =
      spec.holdFraction !== null ? start + Math.floor((end - start + 1) * spec.holdFraction) : (spec.holdAtEach.find((h) => h >= start && h <= end) ?? spec.holdAt);
    let off = start;
    while (off <= end) {
      if (res.destroyed) return;
      if (holdAt !== null && off >= holdAt) {
        stats.holding++;
        const gone = await Promise.race([closed.then(() => true), released.then(() => false)]);
        stats.holding--;
        if (gone) return;
        continue;
      }
      let next = Math.min(end + 1, off + 64 * 1024);
      if (holdAt !== null && off < holdAt) next = Math.min(next, holdAt);
      if (drop !== null) next = Math.min(next, drop);
      const chunk = spec.body.subarray(off, next);
      const ok = await new Promise<boolean>((resolve) => res.write(chunk, (err) => resolve(!err)));
      if (!ok) return;
      stats.sent += chunk.length;
      off = next;
      if (drop !== null && off >= drop) {
        // everything written is in the kernel: the client receives it, then the connection ends mid-body
        res.socket?.destroy();
        return;
      }
    }
    res.end();
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: LoggedRequest = {
      path: url.pathname,
      range: req.headers.range ?? null,
      ifRange: (req.headers['if-range'] as string | undefined) ?? null,
      status: 0,
      headers: req.headers,
    };
    requests.push(entry);
    const head = (status: number, headers: Record<string, string | number>): void => {
      entry.status = status;
      res.writeHead(status, headers);
    };
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) {
      head(Number(status[1]), { 'Content-Type': 'text/plain' });
      res.end('no\n');
      return;
    }
    const redirect = /^\/redirect\/(\d+)\/(.+)$/.exec(url.pathname);
    if (redirect) {
      const n = Number(redirect[1]);
      // relative Location on purpose
      head(n % 2 ? 301 : 307, { Location: n > 1 ? `/redirect/${n - 1}/${redirect[2]}` : `../../f/${redirect[2]}` });
      res.end();
      return;
    }
    if (url.pathname === '/to-ftp') {
      head(302, { Location: 'ftp://127.0.0.1/file.mp4' });
      res.end();
      return;
    }
    const to = url.searchParams.get('to');
    if (url.pathname === '/away' && to) {
      head(302, { Location: to });
      res.end();
      return;
    }
    const spec = url.pathname.startsWith('/f/') ? files.get(url.pathname.slice(3)) : undefined;
    if (!spec) {
      head(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const conn = served.get(req.socket) ?? { count: 0, done: Promise.resolve() };
    served.set(req.socket, conn);
    if (conn.count++ > 0 && spec.closeKept > 0) {
      spec.closeKept--;
      entry.status = -1;
      const socket = req.socket;
      void conn.done.then(() => socket.destroy());
      return;
    }
    conn.done = new Promise<void>((r) => res.once('close', () => r()));
    // the answer to a pipelined request waits (Node queues it) until the answers before it on the connection are
    // complete; only then does it count as open, send or hold (a queued answer whose connection ends never starts)
    if (res.socket) answerFile(req, res, spec, entry, head);
    else res.once('socket', () => answerFile(req, res, spec, entry, head));
  });

  const answerFile = (req: http.IncomingMessage, res: http.ServerResponse, spec: FileSpec, entry: LoggedRequest, head: (status: number, headers: Record<string, string | number>) => void): void => {
    const size = spec.body.length;
    const headers: Record<string, string | number> = { 'Accept-Ranges': spec.ranges ? 'bytes' : 'none' };
    if (spec.connectionClose) headers.Connection = 'close';
    if (spec.type) headers['Content-Type'] = spec.type;
    if (spec.etag) headers.ETag = spec.etag;
    if (spec.lastModified) headers['Last-Modified'] = spec.lastModified;

    let range = spec.ranges ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    if (range && spec.ignoreRanges > 0) {
      spec.ignoreRanges--;
      range = null;
    }
    const ifRange = entry.ifRange;
    if (range && ifRange !== null && spec.ifRange && ifRange !== spec.etag && ifRange !== spec.lastModified) range = null;
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        head(416, { ...headers, 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      stats.activeRanges++;
      stats.maxActiveRanges = Math.max(stats.maxActiveRanges, stats.activeRanges);
      res.once('close', () => stats.activeRanges--);
      head(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 });
      res.flushHeaders();
      const gate = async (): Promise<void> => {
        for (let i = 0; i < 250 && stats.maxActiveRanges < spec.gate && !res.destroyed; i++) await new Promise((r) => setTimeout(r, 20));
      };
      void gate().then(() => sendBody(res, spec, start, end));
      return;
    }
    if (!spec.chunked) headers['Content-Length'] = size;
    head(200, headers);
    void sendBody(res, spec, 0, size - 1);
  };
  server.on('connection', (s) => {
    stats.connections++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      resolve({
        base,
        url: (p) => `${base}${p}`,
        files,
        put(name, spec) {
          const full: FileSpec = {
            type: 'video/mp4',
            etag: `"${createHash('md5').update(spec.body).digest('hex')}"`,
            lastModified: new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toUTCString(),
            chunked: false,
            ranges: true,
            ifRange: true,
            dropAt: null,
            ignoreRanges: 0,
            holdAt: null,
            holdAtEach: [],
            holdFraction: null,
            gate: 0,
            connectionClose: false,
            closeKept: 0,
            ...spec,
          };
          files.set(name, full);
          return full;
        },
        stats,
        requests,
        release() {
          releaseHeld();
          released = new Promise<void>((r) => (releaseHeld = r));
        },
        reset() {
          stats.sent = 0;
          stats.connections = 0;
          stats.maxActiveRanges = stats.activeRanges;
          requests.length = 0;
        },
        close() {
          releaseHeld();
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// helpers

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const fileSha = (f: string): string => sha256(fs.readFileSync(f));

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-direct-'));
  dirs.push(d);
  return d;
}

function dl(url: string, over: Partial<DownloadRequest> = {}): Promise<ReturnType<typeof downloadFile> extends Promise<infer R> ? R : never> {
  return downloadFile({ url, dir: over.dir ?? tempDir(), maxBytes: 1024 * MiB, connections: 1, signal: new AbortController().signal, ...over });
}


async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a download, aborts it once the server holds at its pause point and the client has every byte sent. */
async function downloadUntilHeld(srv: FileServer, url: string, dir: string, heldBytes: number, connections = 1): Promise<AppError> {
  const ac = new AbortController();
  let got = 0;
  const p = downloadFile({
    url,
    dir,
    maxBytes: 1024 * MiB,
    connections,
    signal: ac.signal,
    onProgress: (pr) => (got = pr.downloadedBytes),
  });
  p.catch(() => undefined);
  await until(() => got >= heldBytes, `the client to receive ${heldBytes} bytes`);
  ac.abort();
  return appErrorOf(p);
}

const sidecarOf = (dir: string): { size: number | null; etag: string | null; lastModified: string | null; segments: Array<{ start: number; end: number | null; done: number }> } =>
  JSON.parse(fs.readFileSync(path.join(dir, SIDECAR_FILE), 'utf8'));
const leftovers = (dir: string): string[] => fs.readdirSync(dir).sort();

// ---------------------------------------------------------------------------------------------------------

let srv: FileServer;

beforeAll(async () => {
  srv = await startFileServer();
});
afterEach(() => {
  srv.release();
  srv.files.clear();
  srv.reset();
});
afterAll(async () => {
  await srv.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('single connection', () => {
  it('downloads a 200 with Content-Length, names the file from the content type and reports progress', async () => {
    const body = randomBytes(3 * MiB + 17);
    srv.put('a', { body, type: 'video/webm' });
    const progress: DownloadProgress[] = [];
    const dir = tempDir();
    const res = await dl(srv.url('/f/a'), { dir, onProgress: (p) => progress.push(p) });
    expect(res.file).toBe(path.join(dir, 'media.webm'));
    expect(res.bytes).toBe(body.length);
    expect(res.contentType).toBe('video/webm');
    expect(res.transferred).toBe(body.length);
    expect(res.resumedFrom).toBe(0);
    expect(fileSha(res.file)).toBe(sha256(body));
    expect(leftovers(dir)).toEqual(['media.webm']);
    expect(progress.at(-1)).toMatchObject({ downloadedBytes: body.length, totalBytes: body.length, etaSec: 0 });
    expect(srv.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('downloads a chunked answer without Content-Length, named from the URL path', async () => {
    const body = randomBytes(2 * MiB + 5);
    // a server without ranges: the first request's Range (a probe for the first 4 MiB) is ignored
    srv.put('c.mkv', { body, chunked: true, ranges: false, type: 'application/octet-stream' });
    const res = await dl(srv.url('/f/c.mkv'));
    expect(path.basename(res.file)).toBe('media.mkv');
    expect(res.bytes).toBe(body.length);
    expect(fileSha(res.file)).toBe(sha256(body));
    expect(srv.requests[0]?.status).toBe(200);
  });

  it('resumes in the same call after the server drops the connection mid-body, re-fetching < 1 %', async () => {
    const body = randomBytes(16 * MiB);
    srv.put('drop', { body }).dropAt = 7 * MiB + 333;
    const res = await dl(srv.url('/f/drop'));
    expect(fileSha(res.file)).toBe(sha256(body));
    // the probe, then 4 MiB windows; the one the connection dropped in is asked for again from the first byte missing
    const ranges = srv.requests.map((r) => r.range);
    expect(ranges.slice(0, 2)).toEqual([`bytes=0-${4 * MiB - 1}`, `bytes=${4 * MiB}-${8 * MiB - 1}`]);
    console.log('DBG', JSON.stringify(srv.requests.map((r) => [r.range, r.status])), srv.stats.sent - body.length);
    expect(ranges).toContain(`bytes=${7 * MiB + 333}-${11 * MiB + 332}`);
    expect(srv.requests.slice(1).every((r) => r.ifRange === srv.files.get('drop')?.etag && r.status === 206)).toBe(true);
    expect(srv.stats.sent - body.length).toBeLessThan(body.length * 0.01);
  });

  for (const validator of ['etag', 'last-modified'] as const) {
    it(`resumes after an abort and a new call (a restart), validator ${validator}`, async () => {
      const body = randomBytes(12 * MiB);
      const spec = srv.put('r', { body, holdAt: 5 * MiB, ...(validator === 'last-modified' ? { etag: null } : {}) });
      const dir = tempDir();
      const err = await downloadUntilHeld(srv, srv.url('/f/r'), dir, 5 * MiB);
      expect(err.code).toBe('ERR_CANCELED');
      expect(leftovers(dir)).toEqual([PART_FILE, SIDECAR_FILE]);
      expect(sidecarOf(dir).segments[0]?.done).toBe(5 * MiB);

      spec.holdAt = null;
      const sentBefore = srv.stats.sent;
      srv.reset();
      const res = await dl(srv.url('/f/r'), { dir });
      expect(res.resumedFrom).toBe(5 * MiB);
      expect(res.transferred).toBe(7 * MiB);
      expect(fileSha(res.file)).toBe(sha256(body));
      // the rest, window by window, each tied to the first bytes by If-Range
      expect(srv.requests.map((r) => r.range)).toEqual([`bytes=${5 * MiB}-${9 * MiB - 1}`, `bytes=${9 * MiB}-${12 * MiB - 1}`]);
      expect(srv.requests.every((r) => r.ifRange === (validator === 'etag' ? spec.etag : spec.lastModified))).toBe(true);
      expect(sentBefore + srv.stats.sent - body.length).toBeLessThan(body.length * 0.01);
      expect(leftovers(dir)).toEqual(['media.mp4']);
    });
  }

  it('restarts cleanly when the server ignores Range (200)', async () => {
    const body = randomBytes(6 * MiB);
    const spec = srv.put('ign', { body, holdAt: 2 * MiB });
    const dir = tempDir();
    await downloadUntilHeld(srv, srv.url('/f/ign'), dir, 2 * MiB);
    spec.holdAt = null;
    spec.ranges = false;
    srv.reset();
    const res = await dl(srv.url('/f/ign'), { dir });
    expect(res.resumedFrom).toBe(0);
    expect(fileSha(res.file)).toBe(sha256(body));
    // the 200 that answered the range request was used as the fresh start: one request
    expect(srv.requests.map((r) => r.status)).toEqual([200]);
    expect(res.transferred).toBe(body.length);
  });

  it('restarts with the new bytes when the file changed between runs (If-Range → 200)', async () => {
    const first = randomBytes(6 * MiB);
    srv.put('chg', { body: first, holdAt: 3 * MiB });
    const dir = tempDir();
    await downloadUntilHeld(srv, srv.url('/f/chg'), dir, 3 * MiB);
    const second = randomBytes(5 * MiB);
    srv.put('chg', { body: second, etag: '"v2"' });
    const res = await dl(srv.url('/f/chg'), { dir });
    expect(res.resumedFrom).toBe(0);
    expect(res.bytes).toBe(second.length);
    expect(fileSha(res.file)).toBe(sha256(second));
  });

  it('restarts when a server that ignores If-Range answers 206 with another ETag', async () => {
    const first = randomBytes(6 * MiB);
    srv.put('chg2', { body: first, holdAt: 3 * MiB });
    const dir = tempDir();
    await downloadUntilHeld(srv, srv.url('/f/chg2'), dir, 3 * MiB);
    const second = randomBytes(6 * MiB);
    srv.put('chg2', { body: second, etag: '"v2"', ifRange: false });
    srv.reset();
    const res = await dl(srv.url('/f/chg2'), { dir });
    expect(fileSha(res.file)).toBe(sha256(second));
    // the window asked for with the old ETag comes back with the new one: a fresh start, from the probe on
    expect(srv.requests.slice(0, 2).map((r) => [r.range, r.status])).toEqual([
      [`bytes=${3 * MiB}-${6 * MiB - 1}`, 206],
      [`bytes=0-${4 * MiB - 1}`, 206],
    ]);
  });

  it('416 on a file it already has in full (size unknown until the end) finishes without downloading again', async () => {
    const body = randomBytes(3 * MiB);
    // chunked (the first request's Range ignored), and the connection ends right after the last byte, before the end
    // of the chunked body
    srv.put('full', { body, chunked: true, ignoreRanges: 1, dropAt: body.length });
    const res = await dl(srv.url('/f/full'));
    expect(fileSha(res.file)).toBe(sha256(body));
    expect(srv.requests.map((r) => r.status)).toEqual([200, 416]);
    expect(res.transferred).toBe(body.length);
  });

  it('416 with another size restarts from zero', async () => {
    const first = randomBytes(6 * MiB);
    // no validators: resumed with a plain Range
    const spec = srv.put('shrunk', { body: first, holdAt: 4 * MiB, etag: null, lastModified: null });
    const dir = tempDir();
    await downloadUntilHeld(srv, srv.url('/f/shrunk'), dir, 4 * MiB);
    const second = randomBytes(3 * MiB);
    spec.body = second;
    spec.holdAt = null;
    srv.reset();
    const res = await dl(srv.url('/f/shrunk'), { dir });
    // the probe learns the new size, and that is the whole file
    expect(srv.requests.map((r) => r.status)).toEqual([416, 206]);
    expect(fileSha(res.file)).toBe(sha256(second));
  });

  it('refuses a file larger than the cap by its Content-Length and leaves nothing', async () => {
    srv.put('big', { body: randomBytes(3 * MiB) });
    const dir = tempDir();
    const err = await appErrorOf(dl(srv.url('/f/big'), { dir, maxBytes: 2 * MiB }));
    expect(err.code).toBe('ERR_TOO_LARGE');
    expect(err.message).toContain('2.10 MB');
    expect(err.message).toContain('Settings → Downloads → Maximum file size');
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a chunked answer once it grows past the cap and leaves nothing', async () => {
    srv.put('bigc', { body: randomBytes(8 * MiB), chunked: true });
    const dir = tempDir();
    const err = await appErrorOf(dl(srv.url('/f/bigc'), { dir, maxBytes: 2 * MiB }));
    expect(err.code).toBe('ERR_TOO_LARGE');
    expect(err.message).toContain('Settings → Downloads → Maximum file size');
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a web page (by content type, and by sniffing a page sent as video/mp4) and leaves nothing', async () => {
    const html = Buffer.from(`<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>${'x'.repeat(4000)}</body></html>`);
    srv.put('page', { body: html, type: 'text/html; charset=utf-8' });
    srv.put('json', { body: Buffer.from('{"error":"expired"}'), type: 'application/json' });
    srv.put('liar', { body: html, type: 'video/mp4' });
    srv.put('liar-short', { body: Buffer.from('\n  <html><body>gone</body></html>'), type: 'video/mp4', chunked: true });
    for (const name of ['page', 'json', 'liar', 'liar-short']) {
      const dir = tempDir();
      const err = await appErrorOf(dl(srv.url(`/f/${name}`), { dir }));
      expect(err.code, name).toBe('ERR_VALIDATION');
      expect(err.message).toContain('The link returned a web page, not a video');
      expect(leftovers(dir), name).toEqual([]);
    }
  });

  it('maps HTTP errors to error codes', async () => {
    const cases: Array<[number, string]> = [
      [401, 'ERR_HTTP_403'],
      [403, 'ERR_HTTP_403'],
      [404, 'ERR_UNAVAILABLE'],
      [410, 'ERR_UNAVAILABLE'],
      [429, 'ERR_HTTP_429'],
      [500, 'ERR_HTTP_5XX'],
      [503, 'ERR_HTTP_5XX'],
    ];
    for (const [status, code] of cases) {
      const err = await appErrorOf(dl(srv.url(`/status/${status}?token=secret`)));
      expect(err.code, String(status)).toBe(code);
      expect(err.message).toContain(`HTTP ${status}`);
      expect(err.message).not.toContain('secret');
    }
  });

  it('fails with ERR_NETWORK when nothing listens, after its retries', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await appErrorOf(dl(`http://127.0.0.1:${port}/x.mp4?key=secret`));
    expect(err.code).toBe('ERR_NETWORK');
    expect(err.message).not.toContain('secret');
  });

  it('follows up to 5 redirects, relative ones included, and refuses more and non-http targets', async () => {
    const body = randomBytes(MiB);
    srv.put('red', { body, type: 'application/octet-stream' });
    const res = await dl(srv.url('/redirect/5/red'));
    expect(fileSha(res.file)).toBe(sha256(body));
    expect(srv.requests.filter((r) => r.path.startsWith('/redirect/')).length).toBe(5);

    expect((await appErrorOf(dl(srv.url('/redirect/6/red')))).code).toBe('ERR_UNAVAILABLE');
    expect((await appErrorOf(dl(srv.url('/to-ftp')))).code).toBe('ERR_UNSUPPORTED_URL');
    expect((await appErrorOf(dl('ftp://127.0.0.1/x.mp4'))).code).toBe('ERR_INVALID_URL');
  });

  it('does not send Authorization or Cookie to another origin after a redirect', async () => {
    const other = await startFileServer();
    try {
      const body = randomBytes(MiB);
      other.put('x', { body });
      const res = await dl(srv.url(`/away?to=${encodeURIComponent(other.url('/f/x'))}`), { headers: { Authorization: 'Bearer t0ken', Cookie: 'a=b', Referer: 'https://tikvid.io' } });
      expect(fileSha(res.file)).toBe(sha256(body));
      expect(srv.requests[0]?.headers.authorization).toBe('Bearer t0ken');
      const h = other.requests[0]?.headers;
      expect(h?.authorization).toBeUndefined();
      expect(h?.cookie).toBeUndefined();
      expect(h?.referer).toBe('https://tikvid.io');
    } finally {
      await other.close();
    }
  });

  it('rejects at once with ERR_CANCELED when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const dir = tempDir();
    const err = await appErrorOf(dl(srv.url('/f/none'), { dir, signal: ac.signal }));
    expect(err.code).toBe('ERR_CANCELED');
    expect(srv.requests).toEqual([]);
  });

  it('picks the extension from the content type, else the URL path, else mp4', () => {
    expect(mediaExtension('video/quicktime')).toBe('mov');
    expect(mediaExtension('video/x-matroska; codecs=avc1')).toBe('mkv');
    expect(mediaExtension('audio/mp4')).toBe('m4a');
    expect(mediaExtension('audio/mpeg')).toBe('mp3');
    expect(mediaExtension('application/octet-stream', 'https://cdn.example/v/clip.WEBM?sig=1')).toBe('webm');
    expect(mediaExtension(null, 'https://cdn.example/watch.php', 'https://x.example/a.mkv')).toBe('mkv');
    expect(mediaExtension(null, 'https://cdn.example/watch.php')).toBe('mp4');
  });
});

// mounting a small file system needs root (as on CI and these machines); elsewhere there is no way to fill a disk safely
describe.skipIf(process.getuid?.() !== 0)('a full disk', () => {
  for (const [connections, size] of [
    [1, 3 * MiB],
    [4, 40 * MiB],
  ] as const) {
    it(`ends with ERR_DISK, not a hang, ${connections} connection(s)`, async () => {
      const dir = tempDir();
      const mounted = await runTool('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
      expect(mounted.code, mounted.stderr).toBe(0);
      try {
        srv.put(`disk${connections}`, { body: randomBytes(size) });
        const err = await appErrorOf(dl(srv.url(`/f/disk${connections}`), { dir, connections }));
        expect(err.code).toBe('ERR_DISK');
        expect(err.message).toMatch(/is full/);
      } finally {
        await runTool('umount', [dir]);
      }
    });
  }
});

describe('segmented', () => {
  const SIZE = 40 * MiB;

  /** The byte ranges asked for, in file order: [first, last] pairs. */
  const askedRanges = (): Array<[number, number]> =>
    srv.requests
      .filter((r) => r.status === 206)
      .map((r) => /^bytes=(\d+)-(\d+)$/.exec(r.range ?? '')?.slice(1).map(Number) as [number, number])
      .sort((x, y) => x[0] - y[0]);

  it('downloads a 40 MiB file over 4 connections at once, window by window over one kept connection each', async () => {
    const body = randomBytes(SIZE);
    srv.put('seg', { body, gate: 2 });
    const progress: DownloadProgress[] = [];
    const res = await dl(srv.url('/f/seg'), { connections: 4, onProgress: (p) => progress.push(p) });
    expect(fileSha(res.file)).toBe(sha256(body));
    expect(srv.stats.maxActiveRanges).toBeGreaterThanOrEqual(2);
    // the first request asks for the first 4 MiB (and learns the size)
    expect(srv.requests[0]?.range).toBe(`bytes=0-${4 * MiB - 1}`);
    // every request asks for a bounded window, and together they tile the file: nothing asked twice
    const ranges = askedRanges();
    expect(ranges.every((r) => r !== undefined)).toBe(true);
    let next = 0;
    for (const [first, last] of ranges) {
      expect(first).toBe(next);
      next = last + 1;
    }
    expect(next).toBe(SIZE);
    // each segment (10 MiB) starts with a 1 MiB window, the first one after the probe's 4 MiB; later windows are
    // sized from the connection's rate and round trip
    for (const start of [4, 10, 20, 30]) expect(ranges).toContainEqual([start * MiB, (start + 1) * MiB - 1]);
    // one connection per segment, kept from window to window (the probe's carries the first segment on)
    expect(srv.stats.connections).toBe(4);
    // nothing past a window's end was sent
    expect(srv.stats.sent).toBe(SIZE);
    expect(srv.requests.slice(1).every((r) => r.ifRange === srv.files.get('seg')?.etag)).toBe(true);
    expect(progress.at(-1)?.downloadedBytes).toBe(SIZE);
  });

  it('asks again on a new connection when a kept one was closed as the request went out, or when the server closes each one', async () => {
    const body = randomBytes(SIZE);
    srv.put('kept', { body, closeKept: 2 });
    const res = await dl(srv.url('/f/kept'), { connections: 4 });
    expect(fileSha(res.file)).toBe(sha256(body));
    // the two unanswered requests were sent again, each on a new connection; every answer before them was complete
    const dropped = srv.requests.filter((r) => r.status === -1);
    expect(dropped).toHaveLength(2);
    for (const d of dropped) expect(srv.requests.filter((r) => r.range === d.range && r.status === 206)).toHaveLength(1);
    expect(srv.stats.connections).toBe(4 + 2);
    expect(srv.stats.sent).toBe(SIZE);

    srv.put('close', { body, connectionClose: true });
    srv.reset();
    const again = await dl(srv.url('/f/close'), { connections: 4 });
    expect(fileSha(again.file)).toBe(sha256(body));
    // a connection the server says it closes is not used for another request
    expect(srv.stats.connections).toBe(srv.requests.length);
    expect(srv.requests.length).toBeGreaterThan(4);
    expect(srv.stats.sent).toBe(SIZE);
  });

  it('stays on one connection below 32 MiB or without a validator', async () => {
    srv.put('small', { body: randomBytes(8 * MiB) });
    await dl(srv.url('/f/small'), { connections: 4 });
    srv.put('noval', { body: randomBytes(SIZE), etag: null, lastModified: null });
    await dl(srv.url('/f/noval'), { connections: 4 });
    // with a validator the rest follows the first 4 MiB in a window; without one, the whole file in one answer
    expect(srv.requests.map((r) => r.range)).toEqual([`bytes=0-${4 * MiB - 1}`, `bytes=${4 * MiB}-${8 * MiB - 1}`, `bytes=0-${4 * MiB - 1}`, null]);
  });

  it('restarts single-stream when a segment finds the file changed', async () => {
    const first = randomBytes(SIZE);
    // each 10 MiB segment is held a little past 5 MiB into it
    srv.put('segchg', { body: first, holdAtEach: [0, 1, 2, 3].map((i) => i * 10 * MiB + 5 * MiB + 12_345), gate: 4 });
    const dir = tempDir();
    const ac = new AbortController();
    const p = downloadFile({ url: srv.url('/f/segchg'), dir, maxBytes: SIZE, connections: 4, signal: ac.signal });
    p.catch(() => undefined);
    await until(() => srv.stats.holding === 4, 'every segment held at its middle');
    await until(() => fs.existsSync(path.join(dir, SIDECAR_FILE)) && sidecarOf(dir).segments.filter((s) => s.done > 0).length === 4, 'progress on every segment');
    ac.abort();
    expect((await appErrorOf(p)).code).toBe('ERR_CANCELED');
    expect(sidecarOf(dir).segments).toHaveLength(4);

    const second = randomBytes(SIZE - 1000);
    srv.put('segchg', { body: second, etag: '"new"' });
    srv.reset();
    const res = await dl(srv.url('/f/segchg'), { dir, connections: 4 });
    expect(fileSha(res.file)).toBe(sha256(second));
    expect(res.resumedFrom).toBe(0);
    expect(srv.requests.some((r) => r.status === 200)).toBe(true);
  });

  describe('killed with SIGKILL', () => {
    let bundle: string;
    let child: ChildProcess | null = null;

    beforeAll(async () => {
      // the child runs the real module, compiled the way bench/lib/bundle.mjs compiles the engine
      const { build } = await import('rolldown');
      const out = tempDir();
      await build({
        input: fileURLToPath(new URL('../../src/main/engine/net/download.ts', import.meta.url)),
        platform: 'node',
        external: [/^node:/],
        logLevel: 'warn',
        output: { dir: out, format: 'cjs', entryFileNames: 'download.cjs' },
        write: true,
      });
      bundle = path.join(out, 'download.cjs');
    });
    afterEach(() => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      child = null;
    });

    /** A 4-segment download in a child process, killed once each segment is held at its middle and recorded. */
    async function killedMidway(name: string, body: Buffer): Promise<{ spec: FileSpec; dir: string; savedBytes: number }> {
      // each 10 MiB segment is held a little past 5 MiB into it, a few windows in
      const spec = srv.put(name, { body, holdAtEach: [0, 1, 2, 3].map((i) => i * 10 * MiB + 5 * MiB + 12_345), gate: 4 });
      const dir = tempDir();
      const script = `
        const { downloadFile } = require(${JSON.stringify(bundle)});
        downloadFile({ url: process.argv[1], dir: process.argv[2], maxBytes: 2 ** 30, connections: 4, signal: new AbortController().signal })
          .then(() => console.log('finished'), (e) => console.log('failed', e.code));`;
      child = spawn(process.execPath, ['-e', script, srv.url(`/f/${name}`), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = new Promise<void>((r) => child?.once('exit', () => r()));
      await until(() => srv.stats.holding === 4, 'every segment held at its middle');
      // the child has all it was sent once its sidecar stops changing (it saves within 0.5 s of the last write)
      let last = '';
      await until(() => {
        const now = fs.existsSync(path.join(dir, SIDECAR_FILE)) ? fs.readFileSync(path.join(dir, SIDECAR_FILE), 'utf8') : '';
        const stable = now !== '' && now === last;
        last = now;
        return stable && sidecarOf(dir).segments.every((s) => s.done > 0);
      }, 'the killed process to record its progress');
      child.kill('SIGKILL');
      await exited;
      const saved = sidecarOf(dir);
      expect(saved.size).toBe(SIZE);
      expect(saved.segments).toHaveLength(4);
      expect(saved.segments.every((s) => s.done === 5 * MiB + 12_345)).toBe(true);
      spec.holdAtEach = [];
      srv.reset();
      return { spec, dir, savedBytes: saved.segments.reduce((a, s) => a + s.done, 0) };
    }

    it('resumes every segment from what the killed process left on disk', async () => {
      const body = randomBytes(SIZE);
      const { spec, dir, savedBytes } = await killedMidway('kill', body);
      const res = await dl(srv.url('/f/kill'), { dir, connections: 4 });
      expect(fileSha(res.file)).toBe(sha256(body));
      expect(res.resumedFrom).toBe(savedBytes);
      // nothing recorded was fetched again
      expect(res.transferred).toBe(SIZE - savedBytes);
      expect(srv.stats.sent).toBe(SIZE - savedBytes);
      expect(srv.requests.every((r) => r.status === 206 && r.ifRange === spec.etag)).toBe(true);
      expect(leftovers(dir)).toEqual(['media.mp4']);
    });

    it('also keeps the bytes a killed process wrote after its last sidecar save', async () => {
      // no zero bytes but the last of every MiB: a written prefix then ends exactly where the writes did, and the
      // scan for it goes on past blocks that end in a zero
      const body = randomBytes(SIZE);
      for (let i = 0; i < body.length; i++) if (body[i] === 0 || (i + 1) % MiB === 0) body[i] = (i + 1) % MiB === 0 ? 0 : 1;
      const { dir, savedBytes } = await killedMidway('kill-late', body);
      // as if the process had died before saving any progress: the sidecar says nothing was written
      const sidecar = sidecarOf(dir);
      for (const seg of sidecar.segments) seg.done = 0;
      fs.writeFileSync(path.join(dir, SIDECAR_FILE), JSON.stringify(sidecar));
      const res = await dl(srv.url('/f/kill-late'), { dir, connections: 4 });
      expect(fileSha(res.file)).toBe(sha256(body));
      expect(res.resumedFrom).toBe(savedBytes);
      expect(srv.stats.sent).toBe(SIZE - savedBytes);
    });

    it('stops at a page a killed process never wrote, though bytes after it were', async () => {
      // pieces of one batch are written side by side: a kill can leave a whole page of zeros with data after it
      const body = randomBytes(SIZE);
      for (let i = 0; i < body.length; i++) if (body[i] === 0) body[i] = 1;
      const { dir, savedBytes } = await killedMidway('kill-hole', body);
      const sidecar = sidecarOf(dir);
      for (const seg of sidecar.segments) seg.done = 0;
      fs.writeFileSync(path.join(dir, SIDECAR_FILE), JSON.stringify(sidecar));
      const hole = 2 * MiB + 4096;
      const fd = fs.openSync(path.join(dir, PART_FILE), 'r+');
      fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, hole);
      fs.closeSync(fd);
      const firstWritten = 5 * MiB + 12_345;
      const res = await dl(srv.url('/f/kill-hole'), { dir, connections: 4 });
      expect(fileSha(res.file)).toBe(sha256(body));
      expect(res.resumedFrom).toBe(savedBytes - (firstWritten - hole));
      expect(srv.requests.some((r) => r.range?.startsWith(`bytes=${hole}-`))).toBe(true);
    });
  });
});
