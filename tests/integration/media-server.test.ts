/**
 * Proves every route of tests/support/media-server.ts with real tools (yt-dlp, ffprobe, ffmpeg)
 * over loopback. Stops by itself: every child process has a timeout and the server is closed
 * (sockets destroyed) in afterAll.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runTool, type RunResult } from '../support/run';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_MEDIA_DIR,
  NASTY_TITLE,
  NOT_VIDEO_SIZE,
  startMediaServer,
  type MediaServer,
} from '../support/media-server';

/** yt-dlp 2023.03.04: `--no-colors` (it has no `--color`); `--proxy ""` forces a direct connection. */
const ytdlp = (args: string[]): Promise<RunResult> =>
  runTool('yt-dlp', ['--ignore-config', '--no-cache-dir', '--no-colors', '--no-progress', '--proxy', '', ...args], 25_000);

const PROBE_ARGS = ['-v', 'error', '-show_format', '-show_streams', '-of', 'json'];

interface Probe {
  streams?: Array<{ codec_type?: string; codec_name?: string; nb_frames?: string; nb_read_packets?: string }>;
  format?: { format_name?: string; size?: string; duration?: string };
}

async function ffprobe(file: string): Promise<RunResult & { json: Probe | null }> {
  const r = await runTool('ffprobe', [...PROBE_ARGS, file]);
  let json: Probe | null = null;
  try {
    json = JSON.parse(r.stdout) as Probe;
  } catch {
    json = null;
  }
  return { ...r, json };
}

const codecTypes = (p: Probe | null): string[] => (p?.streams ?? []).map((s) => s.codec_type ?? '?').sort();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** true when the body ended cleanly ('end' and not aborted). */
  complete: boolean;
  error: string | null;
}

/**
 * Minimal node:http client: sends the path verbatim (fetch would normalise `..`), never reuses
 * connections, and reports truncated bodies instead of throwing.
 */
function rawRequest(
  base: string,
  reqPath: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: reqPath, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        let done = false;
        const finish = (complete: boolean, error: string | null): void => {
          if (done) return;
          done = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete, error });
        };
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(res.complete, null));
        res.on('aborted', () => finish(false, 'aborted'));
        res.on('error', (e) => finish(false, e.message));
        res.on('close', () => finish(res.complete, res.complete ? null : 'closed'));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

let server: MediaServer;
let tmp: string;
let genMs = 0;
const file = (rel: string): Promise<Buffer> => fsp.readFile(path.join(DEFAULT_MEDIA_DIR, rel));

beforeAll(async () => {
  const t0 = performance.now();
  server = await startMediaServer();
  genMs = Math.round(performance.now() - t0);
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'clipharbor-media-server-test-'));
});

afterAll(async () => {
  await server?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

describe('media server: static files', () => {
  it('starts quickly and listens on loopback', () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url('/v/clip-1.mp4')).toBe(`${server.baseUrl}/v/clip-1.mp4`);
    // First run generates media (~1.5 s on 2 cores); later runs reuse the cache.
    expect(genMs).toBeLessThan(15_000);
  });

  it('serves a full GET, a Range GET (206) and HEAD with the right headers', async () => {
    const disk = await file('v/clip-1.mp4');
    const full = await fetch(server.url('/v/clip-1.mp4'));
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/mp4');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-length')).toBe(String(disk.length));
    const etag = full.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    expect(Date.parse(full.headers.get('last-modified') ?? '')).not.toBeNaN();
    expect(Buffer.from(await full.arrayBuffer()).equals(disk)).toBe(true);

    const part = await fetch(server.url('/v/clip-1.mp4'), { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${disk.length}`);
    expect(part.headers.get('content-length')).toBe('100');
    const partBody = Buffer.from(await part.arrayBuffer());
    expect(partBody.length).toBe(100);
    expect(partBody.equals(disk.subarray(100, 200))).toBe(true);

    const suffix = await fetch(server.url('/v/clip-1.mp4'), { headers: { Range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(disk.subarray(disk.length - 10))).toBe(true);

    const open = await fetch(server.url('/v/clip-1.mp4'), { headers: { Range: `bytes=${disk.length - 5}-` } });
    expect(open.status).toBe(206);
    expect(Buffer.from(await open.arrayBuffer()).equals(disk.subarray(disk.length - 5))).toBe(true);

    const bad = await fetch(server.url('/v/clip-1.mp4'), { headers: { Range: `bytes=${disk.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${disk.length}`);
    await bad.arrayBuffer();

    // If-Range with a stale validator -> the full entity.
    const stale = await fetch(server.url('/v/clip-1.mp4'), { headers: { Range: 'bytes=0-9', 'If-Range': '"nope"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();

    const head = await rawRequest(server.baseUrl, '/v/clip-1.mp4', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(disk.length));
    expect(head.headers.etag).toBe(etag);
    expect(head.body.length).toBe(0);

    const headRange = await rawRequest(server.baseUrl, '/v/clip-1.mp4', {
      method: 'HEAD',
      headers: { Range: 'bytes=100-199' },
    });
    expect(headRange.status).toBe(206);
    expect(headRange.headers['content-length']).toBe('100');
  });

  it('clips differ, same-as-1 is byte-identical, codecs and content types are as promised', async () => {
    const hashes = new Set<string>();
    for (let n = 1; n <= 6; n++) {
      const res = await fetch(server.url(`/v/clip-${n}.mp4`));
      expect(res.status).toBe(200);
      hashes.add(sha256(Buffer.from(await res.arrayBuffer())));
    }
    expect(hashes.size).toBe(6);
    const same = await fetch(server.url('/v/same-as-1.mp4'));
    expect(sha256(Buffer.from(await same.arrayBuffer()))).toBe(sha256(await file('v/clip-1.mp4')));

    const types: Array<[string, string]> = [
      ['/v/clip.webm', 'video/webm'],
      ['/v/audio.m4a', 'audio/mp4'],
      ['/v/big.mp4', 'video/mp4'],
      ['/hls/media.m3u8', 'application/vnd.apple.mpegurl'],
      ['/hls/master.m3u8', 'application/vnd.apple.mpegurl'],
      ['/hls/media-000.ts', 'video/mp2t'],
      ['/dash/manifest.mpd', 'application/dash+xml'],
      ['/page/one.html', 'text/html; charset=utf-8'],
    ];
    for (const [p, type] of types) {
      const r = await rawRequest(server.baseUrl, p, { method: 'HEAD' });
      expect([p, r.status, r.headers['content-type']]).toEqual([p, 200, type]);
    }
    const big = Number((await rawRequest(server.baseUrl, '/v/big.mp4', { method: 'HEAD' })).headers['content-length']);
    expect(big).toBeGreaterThan(3_000_000);
    expect(big).toBeLessThan(6_500_000);

    const [c1, webm, m4a] = await Promise.all([
      ffprobe(path.join(DEFAULT_MEDIA_DIR, 'v/clip-1.mp4')),
      ffprobe(path.join(DEFAULT_MEDIA_DIR, 'v/clip.webm')),
      ffprobe(path.join(DEFAULT_MEDIA_DIR, 'v/audio.m4a')),
    ]);
    expect(c1.json?.streams?.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(webm.json?.streams?.map((s) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    expect(m4a.json?.streams?.map((s) => s.codec_name)).toEqual(['aac']);
    // faststart: moov before mdat
    const c1bytes = await file('v/clip-1.mp4');
    expect(c1bytes.indexOf('moov')).toBeLessThan(c1bytes.indexOf('mdat'));
  });

  it('answers 404 for unknown paths and 400 for traversal', async () => {
    for (const p of ['/nope', '/v/clip-7.mp4', '/v/clip-01.mp4', '/hls/nope.m3u8', '/page/none.html', '/bad/404.mp4', '/v/']) {
      const r = await rawRequest(server.baseUrl, p);
      expect([p, r.status]).toEqual([p, 404]);
    }
    expect((await rawRequest(server.baseUrl, '/bad/404.mp4')).headers['content-type']).toMatch(/^text\/plain/);
    for (const p of [
      '/v/../../../../etc/passwd',
      '/hls/../v/clip-1.mp4',
      '/v/%2e%2e/%2e%2e/etc/passwd',
      '/dash/..%2f..%2fetc%2fpasswd',
      '/slow/1000/../../etc/passwd',
      '/v/..\\..\\etc\\passwd',
    ]) {
      const r = await rawRequest(server.baseUrl, p);
      expect([p, r.status]).toEqual([p, 400]);
    }
  });

  it('logs requests; hits() counts by prefix; reset() clears the log', async () => {
    server.reset();
    await (await fetch(server.url('/v/clip-2.mp4'), { headers: { Range: 'bytes=0-0' } })).arrayBuffer();
    await (await fetch(server.url('/v/clip-3.mp4'))).arrayBuffer();
    await (await fetch(server.url('/nope'))).arrayBuffer();
    expect(server.hits('/v/')).toBe(2);
    expect(server.hits('/v/clip-2')).toBe(1);
    expect(server.requests).toEqual([
      { method: 'GET', path: '/v/clip-2.mp4', range: 'bytes=0-0', status: 206 },
      { method: 'GET', path: '/v/clip-3.mp4', range: null, status: 200 },
      { method: 'GET', path: '/nope', range: null, status: 404 },
    ]);
    const log = server.requests;
    server.reset();
    expect(server.requests).toHaveLength(0);
    expect(log).toBe(server.requests); // cleared in place
  });

  it('/slow throttles (honouring Range) and survives a client abort', async () => {
    const disk = await file('v/clip-2.mp4');
    const t0 = performance.now();
    const r = await fetch(server.url('/slow/200000/v/clip-2.mp4'), { headers: { Range: 'bytes=1000-100999' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 1000-100999/${disk.length}`);
    const body = Buffer.from(await r.arrayBuffer());
    const ms = performance.now() - t0;
    expect(body.equals(disk.subarray(1000, 101000))).toBe(true);
    expect(ms).toBeGreaterThan(400); // 100 kB at 200 kB/s = 500 ms
    expect(ms).toBeLessThan(3000);

    // Abort a long download mid-way; the server must keep working.
    const ac = new AbortController();
    const big = await fetch(server.url('/slow/100000/v/big.mp4'), { signal: ac.signal });
    expect(big.status).toBe(200);
    const reader = big.body!.getReader();
    let got = 0;
    while (got < 20_000) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value.length;
    }
    ac.abort();
    await reader.cancel().catch(() => undefined);
    expect(got).toBeGreaterThanOrEqual(20_000);
    const after = await fetch(server.url('/slow/1000000/page/one.html'));
    expect(await after.text()).toContain('<title>One clip</title>');
  });
});

describe('media server: misbehaving routes', () => {
  it('flaky-2: 500, 500, then 200 with clip-5; counters are per path and cleared by reset()', async () => {
    server.reset();
    const clip5 = await file('v/clip-5.mp4');
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(server.url('/bad/flaky-2.mp4'));
      statuses.push(r.status);
      const b = Buffer.from(await r.arrayBuffer());
      if (r.status === 200) expect(b.equals(clip5)).toBe(true);
    }
    expect(statuses).toEqual([500, 500, 200]);
    expect((await fetch(server.url('/bad/flaky-1.mp4'))).status).toBe(500); // independent counter
    expect((await fetch(server.url('/bad/flaky-1.mp4'))).status).toBe(200);
    server.reset();
    expect((await fetch(server.url('/bad/flaky-2.mp4'))).status).toBe(500);
    server.reset();
  });

  it('drop: first GET ends before Content-Length; a Range resume and a second GET succeed', async () => {
    server.reset();
    const clip6 = await file('v/clip-6.mp4');
    const first = await rawRequest(server.baseUrl, '/bad/drop.mp4');
    expect(first.status).toBe(200);
    expect(first.headers['content-length']).toBe(String(clip6.length));
    expect(first.complete).toBe(false);
    expect(first.body.length).toBeGreaterThan(0);
    expect(first.body.length).toBeLessThan(clip6.length);
    expect(first.body.equals(clip6.subarray(0, first.body.length))).toBe(true);

    // fetch() sees the same failure as an error while reading the body
    server.reset();
    const viaFetch = await fetch(server.url('/bad/drop.mp4'));
    await expect(viaFetch.arrayBuffer()).rejects.toThrow();

    const resume = await rawRequest(server.baseUrl, '/bad/drop.mp4', {
      headers: { Range: `bytes=${first.body.length}-`, 'If-Range': String(first.headers.etag) },
    });
    expect(resume.status).toBe(206);
    expect(Buffer.concat([first.body, resume.body]).equals(clip6)).toBe(true);
    const second = await rawRequest(server.baseUrl, '/bad/drop.mp4');
    expect(second.status).toBe(200);
    expect(second.complete).toBe(true);
    expect(second.body.equals(clip6)).toBe(true);
    server.reset();
  });

  it('html.mp4 is an HTML page without any video', async () => {
    const r = await fetch(server.url('/bad/html.mp4'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await r.text();
    expect(html).toMatch(/<html/i);
    expect(html).not.toMatch(/<video|<source|\.mp4|\.m3u8|\.mpd/i);
  });

  it('nasty.html carries NASTY_TITLE, properly escaped', async () => {
    expect(NASTY_TITLE.length).toBeGreaterThanOrEqual(280);
    expect(NASTY_TITLE.length).toBeLessThanOrEqual(320);
    for (const needle of ['../../', '/', '\\', ':', '*?"<>|', '\u202E', '\u200F']) expect(NASTY_TITLE).toContain(needle);
    const html = await (await fetch(server.url('/page/nasty.html'))).text();
    const m = /<title>([^<]*)<\/title>/.exec(html);
    expect(m).not.toBeNull();
    const unescaped = (m?.[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(unescaped).toBe(NASTY_TITLE);
    expect(html).toContain('<video src="/v/clip-4.mp4"');
  });

  /*
   * What ffprobe 5.1 (`ffprobe -v error -show_format -show_streams -of json`) does with the
   * broken bodies (observed; the engine's validator must not rely on ffprobe alone):
   *
   * - truncated.mp4 (first 55% of a FASTSTART mp4, moov in front): ACCEPTED. Exit code 0, empty
   *   stderr, both streams listed with the original duration and nb_frames from the moov.
   *   Detection that does work:
   *     * `ffprobe -v error -count_packets -show_entries stream=nb_frames,nb_read_packets` exits 0
   *       but stderr has "stream 1, offset 0x...: partial file" and nb_read_packets < nb_frames;
   *     * `ffmpeg -v error -xerror -i f -f null -` exits 1 (stderr "partial file" /
   *       "corrupt input packet"); WITHOUT -xerror ffmpeg still exits 0 (errors on stderr only);
   *     * structurally: the mdat box claims more bytes than the file has.
   * - truncated-tail.mp4 (first 55% of a NON-faststart mp4, moov missing): REJECTED. Exit code 1,
   *   stderr "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x...] moov atom not found\n<file>: Invalid data found
   *   when processing input", stdout "{\n\n}".
   * - not-video.mp4 (50 kB random bytes): REJECTED. Exit code 1, stderr "[mov,mp4,m4a,3gp,3g2,mj2
   *   @ 0x...] moov atom not found\n<file>: Invalid data found when processing input" (the .mp4
   *   name makes ffprobe try the mov demuxer), stdout "{\n\n}".
   */
  it('broken files: what ffprobe says about truncated, truncated-tail and not-video', async () => {
    const dl = async (name: string): Promise<{ path: string; bytes: Buffer }> => {
      const r = await fetch(server.url(`/bad/${name}`));
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(await r.arrayBuffer());
      expect(String(bytes.length)).toBe(r.headers.get('content-length')); // the transfer itself is clean
      const p = path.join(tmp, `broken-${name}`);
      await fsp.writeFile(p, bytes);
      return { path: p, bytes };
    };
    const [trunc, tail, junk] = await Promise.all([
      dl('truncated.mp4'),
      dl('truncated-tail.mp4'),
      dl('not-video.mp4'),
    ]);
    const clip2 = await file('v/clip-2.mp4');
    expect(trunc.bytes.equals(clip2.subarray(0, trunc.bytes.length))).toBe(true);
    expect(trunc.bytes.length / clip2.length).toBeCloseTo(0.55, 2);
    expect(trunc.bytes.indexOf('moov')).toBeGreaterThanOrEqual(0); // moov in front survived
    expect(tail.bytes.indexOf('moov')).toBe(-1); // moov was at the end: cut off
    expect(junk.bytes.length).toBe(NOT_VIDEO_SIZE);
    const again = Buffer.from(await (await fetch(server.url('/bad/not-video.mp4'))).arrayBuffer());
    expect(again.equals(junk.bytes)).toBe(true); // deterministic

    const [pTrunc, pTail, pJunk] = await Promise.all([ffprobe(trunc.path), ffprobe(tail.path), ffprobe(junk.path)]);

    // truncated.mp4: plain ffprobe accepts it (see comment above) -> need a deeper check.
    const plainProbeAccepts = pTrunc.code === 0 && pTrunc.stderr.trim() === '';
    expect(plainProbeAccepts || pTrunc.code !== 0).toBe(true); // record either way
    if (plainProbeAccepts) expect(codecTypes(pTrunc.json)).toEqual(['audio', 'video']);
    const counted = await runTool('ffprobe', [
      '-v', 'error', '-count_packets', '-show_entries', 'stream=nb_frames,nb_read_packets', '-of', 'json', trunc.path,
    ]);
    const countedJson = JSON.parse(counted.stdout || '{}') as Probe;
    const shortStreams = (countedJson.streams ?? []).filter(
      (s) => Number(s.nb_read_packets ?? 0) < Number(s.nb_frames ?? 0),
    );
    const decode = await runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-xerror', '-i', trunc.path, '-f', 'null', '-']);
    expect(pTrunc.code !== 0 || pTrunc.stderr.trim() !== '' || counted.stderr.includes('partial file')).toBe(true);
    expect(shortStreams.length).toBeGreaterThan(0);
    expect(decode.code).not.toBe(0);

    // truncated-tail.mp4: ffprobe fails, moov atom not found.
    expect(pTail.code).not.toBe(0);
    expect(pTail.stderr).toContain('moov atom not found');
    expect(codecTypes(pTail.json)).toEqual([]);

    // not-video.mp4: ffprobe fails.
    expect(pJunk.code).not.toBe(0);
    expect(pJunk.stderr).toContain('Invalid data found when processing input');
    expect(codecTypes(pJunk.json)).toEqual([]);

    console.info(
      '[media-server] ffprobe on broken files:\n' +
        JSON.stringify(
          {
            truncated: { code: pTrunc.code, stderr: pTrunc.stderr.trim(), streams: codecTypes(pTrunc.json) },
            truncatedCountPackets: { code: counted.code, stderr: counted.stderr.trim(), streams: countedJson.streams },
            truncatedDecodeXerror: { code: decode.code, stderr: decode.stderr.trim().split('\n').slice(0, 4) },
            truncatedTail: { code: pTail.code, stderr: pTail.stderr.trim() },
            notVideo: { code: pJunk.code, stderr: pJunk.stderr.trim() },
          },
          null,
          2,
        ),
    );
  });
});

describe.concurrent('media server: yt-dlp end to end', () => {
  const download = async (route: string): Promise<{ file: string; bytes: Buffer; result: RunResult }> => {
    const dir = await fsp.mkdtemp(path.join(tmp, 'dl-'));
    const result = await ytdlp(['-o', path.join(dir, '%(id)s.%(ext)s'), '--', server.url(route)]);
    if (result.code !== 0) throw new Error(`yt-dlp ${route} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
    const files = (await fsp.readdir(dir)).filter((f) => !f.endsWith('.part') && !f.endsWith('.ytdl'));
    if (files.length !== 1) throw new Error(`yt-dlp ${route}: expected one output file, got ${files.join(', ')}`);
    const out = path.join(dir, files[0] ?? '');
    return { file: out, bytes: await fsp.readFile(out), result };
  };

  it('direct mp4 (byte-exact)', async ({ expect }) => {
    const { file: out, bytes } = await download('/v/clip-1.mp4');
    expect(path.basename(out)).toBe('clip-1.mp4');
    expect(sha256(bytes)).toBe(sha256(await file('v/clip-1.mp4')));
  });

  it('direct webm', async ({ expect }) => {
    const { file: out } = await download('/v/clip.webm');
    expect(path.basename(out)).toBe('clip.webm');
    expect(codecTypes((await ffprobe(out)).json)).toEqual(['audio', 'video']);
  });

  it('HLS media playlist (muxed A/V)', async ({ expect }) => {
    const { file: out } = await download('/hls/media.m3u8');
    expect(path.basename(out)).toBe('media.mp4');
    expect(codecTypes((await ffprobe(out)).json)).toEqual(['audio', 'video']);
  });

  it('HLS master with separate audio rendition is merged', async ({ expect }) => {
    const { file: out } = await download('/hls/master.m3u8');
    const probe = await ffprobe(out);
    expect(probe.code).toBe(0);
    expect(codecTypes(probe.json)).toEqual(['audio', 'video']);
    expect(server.hits('/hls/video-')).toBeGreaterThan(0);
    expect(server.hits('/hls/audio-')).toBeGreaterThan(0);
  });

  it('DASH manifest with separate adaptation sets is merged', async ({ expect }) => {
    const { file: out } = await download('/dash/manifest.mpd');
    const probe = await ffprobe(out);
    expect(probe.code).toBe(0);
    expect(codecTypes(probe.json)).toEqual(['audio', 'video']);
    expect(Number(probe.json?.format?.duration)).toBeGreaterThan(5);
  });

  it('page with one <video> (generic extractor)', async ({ expect }) => {
    const { file: out, bytes } = await download('/page/one.html');
    // yt-dlp's generic HTML5 extraction names the single entry "<page>-1" / "<title> (1)".
    expect(path.basename(out)).toBe('one-1.mp4');
    expect(sha256(bytes)).toBe(sha256(await file('v/clip-3.mp4')));
  });

  it('page with three videos is a flat playlist of 3', async ({ expect }) => {
    const r = await ytdlp(['-J', '--flat-playlist', '--', server.url('/page/many.html')]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { _type?: string; title?: string; entries?: Array<{ url?: string }> };
    expect(info._type).toBe('playlist');
    expect(info.title).toBe('Many clips');
    expect(info.entries?.map((e) => e.url)).toEqual([
      server.url('/v/clip-1.mp4'),
      server.url('/v/clip-2.mp4'),
      server.url('/v/clip.webm'),
    ]);
  });

  it('nasty page: yt-dlp reports NASTY_TITLE + " (1)"', async ({ expect }) => {
    const r = await ytdlp(['-J', '--', server.url('/page/nasty.html')]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { title?: string; id?: string };
    expect(info.id).toBe('nasty-1');
    expect(info.title).toBe(`${NASTY_TITLE} (1)`);
  });
});
