/**
 * Keyframes for real: downloads from the loopback media server through yt-dlp, extraction with ffmpeg, the rows in
 * SQLite, the files next to the thumbnail, and the headless server's route to them.
 *
 * The media server here serves the shared generated clips plus three made for this file: clip-7 cuts between very
 * different pictures every 2 s (scene changes at 2, 4, 6, 8 and 10 s), clip-8 is one moving test pattern (none), and
 * clip-9 is clip-1's audio and video under another title (other bytes, same content).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ItemDetail } from '../../src/shared/contract';
import { THUMBS_DIR } from '../../src/main/engine/library/files';
import { extractKeyframes } from '../../src/main/engine/media/keyframes';
import { startServer, type RunningServer } from '../../src/main/server';
import { download, makeEngine, stopAll, tempDir, type TestEngine } from '../support/engine';
import { DEFAULT_CLIPS, DEFAULT_MEDIA_DIR, makeMedia, startMediaServer, type MediaServer } from '../support/media-server';
import { rawRequest } from '../support/server';

const SCENE_CUTS = [2, 4, 6, 8, 10];
/** A keyframe every second, like the shared clips. */
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0'];
const SINE = ['-f', 'lavfi', '-i', 'sine=frequency=500:sample_rate=44100:duration=12'];
const AAC = ['-c:a', 'aac', '-b:a', '64k', '-shortest', '-movflags', '+faststart'];

let media: MediaServer;
let mediaDir: string;
const servers: RunningServer[] = [];

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed (${code}): ${stderr}`))));
  });
}

/** The shared clips (hard links, generated once for every test file) plus clip-7, clip-8 and clip-9. */
async function makeMediaDir(): Promise<string> {
  await makeMedia(DEFAULT_MEDIA_DIR, DEFAULT_CLIPS);
  const dir = tempDir('keyframe-media');
  fs.mkdirSync(path.join(dir, 'v'));
  for (const name of fs.readdirSync(path.join(DEFAULT_MEDIA_DIR, 'v'))) fs.linkSync(path.join(DEFAULT_MEDIA_DIR, 'v', name), path.join(dir, 'v', name));
  for (const sub of ['src', 'hls', 'dash']) fs.symlinkSync(path.join(DEFAULT_MEDIA_DIR, sub), path.join(dir, sub));
  const segments = ['testsrc', 'color=c=black', 'smptebars', 'color=c=white', 'rgbtestsrc', 'color=c=black'];
  await ffmpeg([
    ...segments.flatMap((s) => ['-f', 'lavfi', '-i', `${s}${s.includes('=') ? ':' : '='}size=320x240:rate=25:duration=2`]),
    '-filter_complex', `${segments.map((_, i) => `[${i}:v]`).join('')}concat=n=${segments.length}:v=1:a=0,format=yuv420p[v]`,
    ...SINE, '-map', '[v]', '-map', `${segments.length}:a`, ...X264, ...AAC, path.join(dir, 'v', 'clip-7.mp4'),
  ]);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=10', ...SINE, ...X264, ...AAC, path.join(dir, 'v', 'clip-8.mp4')]);
  await ffmpeg(['-i', path.join(dir, 'v', 'clip-1.mp4'), '-map', '0', '-c', 'copy', '-metadata', 'title=Same content, other bytes', path.join(dir, 'v', 'clip-9.mp4')]);
  return dir;
}

function isJpeg(file: string): boolean {
  const head = fs.readFileSync(file).subarray(0, 3);
  return head.equals(Buffer.from([0xff, 0xd8, 0xff]));
}

/** Keyframe files in the library's thumbnail folder. */
function keyframeFiles(libraryDir: string): string[] {
  try {
    return fs.readdirSync(path.join(libraryDir, THUMBS_DIR)).filter((n) => /-k\d+\.jpg$/.test(n));
  } catch {
    return [];
  }
}

function keyframeRows(t: TestEngine, itemId: number): number {
  return (t.engine.db.prepare('SELECT COUNT(*) AS n FROM keyframes WHERE item_id = ?').get(itemId) as { n: number }).n;
}

async function downloadOne(t: TestEngine, urlPath: string, extra: Parameters<typeof download>[2] = {}): Promise<ItemDetail> {
  const [job] = await download(t.engine, [media.url(urlPath)], extra);
  expect(job!.state).toBe('completed');
  return t.engine.call('library.get', { id: job!.itemId! });
}

function expectWellFormed(item: ItemDetail, max: number): void {
  expect(item.keyframes.length).toBeLessThanOrEqual(max);
  expect(item.keyframes.map((k) => k.index)).toEqual(item.keyframes.map((_, i) => i));
  for (const [i, k] of item.keyframes.entries()) {
    expect(k.timeSec).toBeGreaterThanOrEqual(0);
    expect(k.timeSec).toBeLessThanOrEqual(item.durationSec!);
    if (i > 0) expect(k.timeSec).toBeGreaterThan(item.keyframes[i - 1]!.timeSec);
  }
}

beforeAll(async () => {
  mediaDir = await makeMediaDir();
  media = await startMediaServer({ mediaDir, clips: 9 });
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await stopAll();
  await media?.close();
  if (mediaDir) fs.rmSync(mediaDir, { recursive: true, force: true });
});

describe('keyframes of a download', () => {
  it('are the scene changes, filled up with evenly spaced frames, as JPEGs next to the thumbnail', async () => {
    const t = makeEngine();
    const item = await downloadOne(t, '/v/clip-7.mp4');
    expect(item.keyframes).toHaveLength(8);
    expectWellFormed(item, 8);
    const times = item.keyframes.map((k) => k.timeSec);
    for (const cut of SCENE_CUTS) expect(times).toContain(cut);

    const rows = t.engine.items.keyframes(item.id);
    expect(rows.map(({ index, timeSec }) => ({ index, timeSec }))).toEqual(item.keyframes);
    const prefix = item.thumbnail!.replace(/\.jpg$/, '');
    for (const row of rows) {
      expect(row.path).toBe(`${prefix}-k${row.index}.jpg`);
      expect(isJpeg(path.join(t.libraryDir, row.path))).toBe(true);
    }
    // nothing left in staging, no stray scan images
    expect(fs.existsSync(path.join(t.libraryDir, '.staging', `job-${item.jobId}`))).toBe(false);
    expect(keyframeFiles(t.libraryDir)).toHaveLength(8);
    expect(fs.readdirSync(path.join(t.libraryDir, THUMBS_DIR)).filter((n) => /-s\d+\.jpg$/.test(n))).toEqual([]);
  });

  it('keeps only the strongest scene changes when fewer are wanted, one per stretch of the video', async () => {
    const t = makeEngine({ overrides: { keyframeCount: 4 } });
    const item = await downloadOne(t, '/v/clip-7.mp4');
    expect(item.keyframes).toHaveLength(4);
    expectWellFormed(item, 4);
    for (const k of item.keyframes) expect(SCENE_CUTS).toContain(k.timeSec);
  });

  it('spreads them evenly over a video without scene changes', async () => {
    const t = makeEngine();
    const item = await downloadOne(t, '/v/clip-8.mp4');
    expect(item.keyframes).toHaveLength(8);
    expectWellFormed(item, 8);
    const times = item.keyframes.map((k) => k.timeSec);
    const spacing = item.durationSec! / 8;
    expect(times[0]).toBeLessThan(spacing * 1.5);
    expect(times.at(-1)).toBeGreaterThan(item.durationSec! - spacing * 1.5);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(spacing * 2);
  });

  it('are fewer than wanted when the video has fewer keyframes, and none for audio or with keyframeCount 0', async () => {
    const t = makeEngine();
    // clip-2: 4 s with a keyframe every second
    const short = await downloadOne(t, '/v/clip-2.mp4');
    expect(short.keyframes.length).toBeGreaterThan(0);
    expect(short.keyframes.length).toBeLessThanOrEqual(4);
    expectWellFormed(short, 8);
    const audio = await downloadOne(t, '/v/audio.m4a');
    expect(audio.keyframes).toEqual([]);

    const none = makeEngine({ overrides: { keyframeCount: 0 } });
    const item = await downloadOne(none, '/v/clip-7.mp4');
    expect(item.thumbnail).toBeTruthy();
    expect(item.keyframes).toEqual([]);
    expect(keyframeFiles(none.libraryDir)).toEqual([]);
  });

  it('never fail the download: an ffmpeg that cannot extract them leaves the item without keyframes', async () => {
    // a real ffmpeg behind a wrapper that refuses only the keyframe scan
    const dir = tempDir('broken-ffmpeg');
    const wrapper = path.join(dir, 'ffmpeg');
    fs.writeFileSync(wrapper, '#!/bin/sh\ncase "$*" in *scene_score*) echo "no keyframes today" >&2; exit 1;; esac\nexec ffmpeg "$@"\n', { mode: 0o755 });
    const t = makeEngine({ overrides: { ffmpegPath: wrapper } });
    const item = await downloadOne(t, '/v/clip-7.mp4');
    expect(item.thumbnail).toBeTruthy();
    expect(item.keyframes).toEqual([]);
    expect(keyframeFiles(t.libraryDir)).toEqual([]);
  });

  it('go with the item: rows always, files when the file is deleted too', async () => {
    const t = makeEngine();
    const kept = await downloadOne(t, '/v/clip-7.mp4');
    const deleted = await downloadOne(t, '/v/clip-8.mp4');
    const keptFiles = t.engine.items.keyframes(kept.id).map((k) => path.join(t.libraryDir, k.path));
    const deletedFiles = t.engine.items.keyframes(deleted.id).map((k) => path.join(t.libraryDir, k.path));
    expect(keptFiles.length).toBeGreaterThan(0);
    expect(deletedFiles.length).toBeGreaterThan(0);

    await t.engine.call('library.remove', { id: deleted.id, deleteFile: true });
    expect(keyframeRows(t, deleted.id)).toBe(0);
    for (const f of deletedFiles) expect(fs.existsSync(f)).toBe(false);

    await t.engine.call('library.remove', { id: kept.id, deleteFile: false });
    expect(keyframeRows(t, kept.id)).toBe(0);
    for (const f of keptFiles) expect(fs.existsSync(f)).toBe(true);
  });

  it('are not extracted for a download whose content is already in the library', async () => {
    const t = makeEngine();
    const first = await downloadOne(t, '/v/clip-1.mp4');
    const before = keyframeFiles(t.libraryDir).sort();
    expect(before.length).toBeGreaterThan(0);
    // the same bytes, then the same packets in other bytes (which would have other keyframe names)
    for (const dupPath of ['/v/same-as-1.mp4', '/v/clip-9.mp4']) {
      const [dup] = await download(t.engine, [media.url(dupPath)]);
      expect(dup!.result, dupPath).toBe('skipped_duplicate');
      expect(dup!.itemId, dupPath).toBe(first.id);
      expect(keyframeFiles(t.libraryDir).sort(), dupPath).toEqual(before);
    }
    expect(fs.readdirSync(path.join(t.libraryDir, '.staging')).filter((n) => n.startsWith('job-'))).toEqual([]);
  });
});

describe('the media route', () => {
  it('serves keyframe i of an item as a JPEG and answers 404 for anything else', async () => {
    const t = makeEngine();
    const item = await downloadOne(t, '/v/clip-7.mp4');
    const audio = await downloadOne(t, '/v/audio.m4a');
    const rendererDir = tempDir('renderer');
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test</title>');
    const server = await startServer({ engine: t.engine, host: '127.0.0.1', port: 0, rendererDir });
    servers.push(server);

    for (const k of t.engine.items.keyframes(item.id)) {
      const r = await rawRequest(server.origin, `/media/${item.id}/keyframe/${k.index}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('image/jpeg');
      expect(r.body.equals(fs.readFileSync(path.join(t.libraryDir, k.path)))).toBe(true);
    }
    const last = item.keyframes.length - 1;
    for (const p of [
      `/media/${item.id}/keyframe/${last + 1}`,
      `/media/${item.id}/keyframe/999`,
      `/media/${item.id}/keyframe/1000`,
      `/media/${item.id}/keyframe/-1`,
      `/media/${item.id}/keyframe/01`,
      `/media/${item.id}/keyframe/1e1`,
      `/media/${item.id}/keyframe/abc`,
      `/media/${item.id}/keyframe/`,
      `/media/${item.id}/keyframe`,
      `/media/${item.id}/keyframe/0/x`,
      `/media/${item.id}/keyframe/..%2F..%2Fmedia`,
      `/media/${audio.id}/keyframe/0`,
      '/media/999999/keyframe/0',
    ]) {
      const r = await rawRequest(server.origin, p);
      expect(r.status, p).toBe(404);
    }

    // a keyframe file swapped for a symlink out of the library is refused like any other file
    const outside = path.join(tempDir('outside'), 'secret.jpg');
    fs.writeFileSync(outside, 'not for the browser');
    const victim = path.join(t.libraryDir, t.engine.items.keyframePath(item.id, 0)!);
    fs.rmSync(victim);
    fs.symlinkSync(outside, victim);
    const r = await rawRequest(server.origin, `/media/${item.id}/keyframe/0`);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain('not for the browser');
  });
});

describe('extractKeyframes', () => {
  let intra: string;
  beforeAll(async () => {
    // every frame a keyframe: more than the scan writes, so frames further in are written by seeking
    intra = path.join(tempDir('intra'), 'intra.mp4');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '1', intra]);
  });

  it('writes frames past the scanned ones by seeking, and leaves only the chosen images', async () => {
    const outDir = tempDir('kf-out');
    const got = await extractKeyframes({ ffmpeg: 'ffmpeg', file: intra, durationSec: 10, count: 8, outDir, baseName: 'abc' });
    expect(got).toHaveLength(8);
    expect(got.filter((k) => k.timeSec > 32 / 25).length).toBeGreaterThan(0);
    for (const [i, k] of got.entries()) {
      expect(k.index).toBe(i);
      expect(k.file).toBe(path.join(outDir, `abc-k${i}.jpg`));
      expect(isJpeg(k.file)).toBe(true);
      if (i > 0) expect(k.timeSec).toBeGreaterThan(got[i - 1]!.timeSec);
    }
    expect(fs.readdirSync(outDir).sort()).toEqual(got.map((k) => path.basename(k.file)).sort());
  });

  it('stops when aborted, leaving nothing behind', async () => {
    const outDir = tempDir('kf-abort');
    const ac = new AbortController();
    ac.abort();
    await expect(extractKeyframes({ ffmpeg: 'ffmpeg', file: intra, durationSec: 10, count: 8, outDir, baseName: 'abc', signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_CANCELED' });
    expect(fs.readdirSync(outDir)).toEqual([]);
  });

  it('makes none for a clip under a second or when none are wanted', async () => {
    const outDir = tempDir('kf-none');
    expect(await extractKeyframes({ ffmpeg: 'ffmpeg', file: intra, durationSec: 0.5, count: 8, outDir, baseName: 'abc' })).toEqual([]);
    expect(await extractKeyframes({ ffmpeg: 'ffmpeg', file: intra, durationSec: 10, count: 0, outDir, baseName: 'abc' })).toEqual([]);
    expect(fs.readdirSync(outDir)).toEqual([]);
  });
});
