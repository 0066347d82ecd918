import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEDIA_DIR, startMediaServer, type MediaServer } from '../support/media-server';
import { download, libraryFiles, makeEngine, stagingEntries, stopAll, tempDir, waitFor } from '../support/engine';
import { runTool } from '../support/run';
import { isAlive } from '../../src/main/engine/proc';

let server: MediaServer;

beforeAll(async () => {
  server = await startMediaServer();
});
afterAll(async () => {
  await server?.close();
});
afterEach(async () => {
  await stopAll();
  server.reset();
});

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function streams(file: string): string[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out.trim().split('\n').sort();
}

describe('downloads into the library', () => {
  it('downloads a direct mp4, validates it and records it with metadata, thumbnail and hash', async () => {
    const { engine, libraryDir, states } = makeEngine();
    const [job] = await download(engine, [server.url('/v/clip-1.mp4')]);
    expect(job!.state).toBe('completed');
    expect(job!.result).toBe('downloaded');
    expect(states.get(job!.id)).toEqual(['queued', 'resolving', 'downloading', 'postprocessing', 'completed']);

    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(item.path).toBe('127.0.0.1/Unknown/clip-1 [clip-1].mp4');
    const abs = path.join(libraryDir, item.path);
    expect(fs.statSync(abs).size).toBe(item.bytes);
    expect(item.sha256).toBe(sha256(abs));
    expect(item.durationSec).toBeGreaterThan(1);
    expect(item.width).toBeGreaterThan(0);
    expect(item.height).toBeGreaterThan(0);
    expect(item.vcodec).toBe('h264');
    expect(item.acodec).toBe('aac');
    expect(item.thumbnail).toMatch(/^\.thumbs\/[0-9a-f]+\.jpg$/);
    expect(fs.readFileSync(path.join(libraryDir, item.thumbnail!)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(stagingEntries(libraryDir)).toEqual([]);

    const detail = await engine.call('jobs.get', { id: job!.id });
    expect(detail.attempts).toHaveLength(1);
    // a media file goes to the direct downloader, not yt-dlp
    expect(detail.attempts[0]).toMatchObject({ provider: 'direct', error: null, bytes: item.bytes });
  });

  it('downloads webm, HLS (media and master with separate audio), DASH, a page with one video, and audio-only', async () => {
    const { engine, libraryDir } = makeEngine({ overrides: { concurrency: 4 } });
    const urls = ['/v/clip.webm', '/hls/media.m3u8', '/hls/master.m3u8', '/dash/manifest.mpd', '/page/one.html'].map((p) => server.url(p));
    const jobs = await download(engine, urls);
    for (const job of jobs) expect(job.state, `${job.url}: ${job.error?.message}`).toBe('completed');
    const items = await Promise.all(jobs.map((j) => engine.call('library.get', { id: j.itemId! })));
    expect(items[0]!.path).toMatch(/\.webm$/);
    for (const item of items.slice(1, 4)) {
      expect(streams(path.join(libraryDir, item.path))).toEqual(['audio', 'video']);
    }
    expect(items[4]!.title).toContain('One clip');

    const [audio] = await download(engine, [server.url('/v/clip-3.mp4')], { quality: 'audio' });
    expect(audio!.state).toBe('completed');
    const audioItem = await engine.call('library.get', { id: audio!.itemId! });
    expect(audioItem.path).toMatch(/\.m4a$/);
    expect(audioItem.formatProfile).toBe('audio-m4a');
    expect(streams(path.join(libraryDir, audioItem.path))).toEqual(['audio']);
    expect(audioItem.thumbnail).toBeNull();
  });

  it('expands a page with several videos into child jobs under a playlist parent', async () => {
    const { engine, libraryDir } = makeEngine({ overrides: { concurrency: 3 } });
    const [parent] = await download(engine, [server.url('/page/many.html')]);
    expect(parent!.kind).toBe('playlist');
    expect(parent!.result).toBe('expanded');
    expect(parent!.title).toBe('Many clips');
    const { children } = await engine.call('jobs.get', { id: parent!.id });
    expect(children).toHaveLength(3);
    for (const c of children) {
      expect(c.parentId).toBe(parent!.id);
      expect(c.state).toBe('completed');
    }
    expect(parent!.children).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(libraryFiles(libraryDir)).toHaveLength(3);
  });
});

describe('dedup', () => {
  it('skips a known canonical URL at once, before any request', async () => {
    const { engine } = makeEngine();
    const [first] = await download(engine, [server.url('/v/clip-2.mp4')]);
    server.reset();
    const [again] = await download(engine, [server.url('/v/clip-2.mp4?utm_source=newsletter&fbclid=abc#t=3')]);
    expect(again!.result).toBe('skipped_duplicate');
    expect(again!.itemId).toBe(first!.itemId);
    expect(server.hits('/v/clip-2.mp4')).toBe(0);
  });

  it('skips the same (extractor, id, format) reached through another URL before downloading it', async () => {
    const { engine, libraryDir } = makeEngine();
    const [first] = await download(engine, [server.url('/v/clip-2.mp4')]);
    server.reset();
    const [other] = await download(engine, [server.url('/v/clip-2.mp4?variant=b')]);
    expect(other!.result).toBe('skipped_duplicate');
    expect(other!.itemId).toBe(first!.itemId);
    const detail = await engine.call('jobs.get', { id: other!.id });
    expect(detail.attempts.every((a) => (a.bytes ?? 0) === 0)).toBe(true);
    expect(libraryFiles(libraryDir)).toHaveLength(1);
  });

  it('skips identical content under a different URL and id by SHA-256', async () => {
    const { engine, libraryDir } = makeEngine();
    const [first] = await download(engine, [server.url('/v/clip-1.mp4')]);
    const [copy] = await download(engine, [server.url('/v/same-as-1.mp4')]);
    expect(copy!.result).toBe('skipped_duplicate');
    expect(copy!.itemId).toBe(first!.itemId);
    expect(libraryFiles(libraryDir)).toHaveLength(1);
    expect(stagingEntries(libraryDir)).toEqual([]);
  });

  it('keeps one job for a URL queued twice, and another quality of the same video as its own item', async () => {
    const { engine } = makeEngine();
    const { jobs } = await engine.call('jobs.add', { urls: [server.url('/v/clip-4.mp4'), server.url('/v/clip-4.mp4#again')] });
    expect(jobs[0]!.id).toBe(jobs[1]!.id);
    await engine.start();
    await engine.waitForJobs([jobs[0]!.id]);
    const [audio] = await download(engine, [server.url('/v/clip-4.mp4')], { quality: 'audio' });
    expect(audio!.result).toBe('downloaded');
  });
});

describe('validation and failures', () => {
  it.each([
    ['/bad/truncated.mp4', 'ERR_VALIDATION'],
    ['/bad/truncated-tail.mp4', 'ERR_VALIDATION'],
    ['/bad/not-video.mp4', 'ERR_VALIDATION'],
    ['/bad/html.mp4', 'ERR_VALIDATION'],
    ['/bad/404.mp4', 'ERR_UNAVAILABLE'],
  ])('%s fails with %s and leaves nothing in the library', async (route, code) => {
    const { engine, libraryDir, states } = makeEngine();
    const [job] = await download(engine, [server.url(route)]);
    expect(job!.state).toBe('failed');
    expect(job!.error?.code).toBe(code);
    expect(job!.error?.message.length).toBeGreaterThan(20);
    expect(states.get(job!.id)).not.toContain('retry_wait');
    expect(libraryFiles(libraryDir)).toEqual([]);
    expect(stagingEntries(libraryDir)).toEqual([]);
    expect((await engine.call('library.list', {})).total).toBe(0);
  });

  it('retries a transient server error with backoff and then succeeds', async () => {
    const { engine, states } = makeEngine();
    const [job] = await download(engine, [server.url('/bad/flaky-2.mp4')]);
    expect(job!.state).toBe('completed');
    expect(job!.tries).toBe(3);
    expect(states.get(job!.id)).toEqual([
      'queued', 'resolving', 'downloading', 'retry_wait', 'resolving', 'downloading', 'retry_wait', 'resolving', 'downloading', 'postprocessing', 'completed',
    ]);
    const { attempts } = await engine.call('jobs.get', { id: job!.id });
    expect(attempts.map((a) => a.error?.code ?? null)).toEqual(['ERR_HTTP_5XX', 'ERR_HTTP_5XX', null]);
  });

  it('gives up after the retry limit with the error', async () => {
    const { engine } = makeEngine({ overrides: { maxRetries: 1 } });
    const [job] = await download(engine, [server.url('/bad/flaky-5.mp4')]);
    expect(job!.state).toBe('failed');
    expect(job!.error?.code).toBe('ERR_HTTP_5XX');
    expect(job!.tries).toBe(2);
  });

  it('survives a connection dropped mid-body', async () => {
    const { engine, libraryDir } = makeEngine();
    const [job] = await download(engine, [server.url('/bad/drop.mp4')]);
    expect(job!.state).toBe('completed');
    const item = await engine.call('library.get', { id: job!.itemId! });
    expect(streams(path.join(libraryDir, item.path))).toEqual(['audio', 'video']);
  });

  // mounting a small file system needs root (as on CI and these machines); elsewhere there is no way to fill a disk safely
  it.skipIf(process.getuid?.() !== 0)('fails a download that fills the disk with ERR_DISK and leaves nothing behind', async () => {
    const libraryDir = tempDir('full');
    const mounted = await runTool('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', libraryDir]);
    expect(mounted.code, mounted.stderr).toBe(0);
    try {
      const { engine } = makeEngine({ libraryDir });
      const [job] = await download(engine, [server.url('/v/big.mp4')]);
      expect(job!.state).toBe('failed');
      expect(job!.error?.code).toBe('ERR_DISK');
      expect(job!.error?.message).toMatch(/disk.* is full/);
      expect(libraryFiles(libraryDir)).toEqual([]);
      expect(stagingEntries(libraryDir)).toEqual([]);
      await engine.stop();
    } finally {
      await runTool('umount', [libraryDir]);
    }
  });

  it('refuses jobs when yt-dlp is missing, naming what to install, and queues nothing', async () => {
    const { engine } = makeEngine({ env: { ...process.env, YTDLP_PATH: '/nonexistent/yt-dlp' } });
    // a page needs yt-dlp (a media file would go to the direct downloader)
    await expect(engine.call('jobs.add', { urls: [server.url('/page/one.html')] })).rejects.toMatchObject({
      code: 'ERR_BINARY_MISSING',
      message: expect.stringMatching(/yt-dlp was not found at \/nonexistent\/yt-dlp.*Install yt-dlp/),
    });
    expect((await engine.call('jobs.list', {})).total).toBe(0);
  });
});

describe('queue control', () => {
  const slowBig = (rate = 300_000) => server.url(`/slow/${rate}/v/big.mp4`);

  it('pauses a running download keeping its partial data, and resumes from it', async () => {
    const { engine, libraryDir, states } = makeEngine();
    const { jobs } = await engine.call('jobs.add', { urls: [slowBig()] });
    const id = jobs[0]!.id;
    await engine.start();
    await waitFor(() => (engine.progress.get(id)?.downloadedBytes ?? 0) > 300_000, 20_000, 'download progress');
    const paused = await engine.call('jobs.pause', { id });
    expect(paused.state).toBe('paused');
    // the partial data stays, and so do its figures: a paused bar must not drop to zero
    const listed = (await engine.call('jobs.get', { id })).job;
    expect(listed.progress?.downloadedBytes).toBeGreaterThan(300_000);
    const part = fs.readdirSync(path.join(libraryDir, '.staging', `job-${id}`)).find((n) => n.endsWith('.part'));
    expect(part).toBeDefined();
    const partSize = fs.statSync(path.join(libraryDir, '.staging', `job-${id}`, part!)).size;
    expect(partSize).toBeGreaterThan(0);
    server.reset();

    await engine.call('jobs.resume', { id });
    await engine.waitForJobs([id]);
    const done = engine.toJob(engine.jobs.require(id));
    expect(done.state).toBe('completed');
    expect(done.progress).toBeNull();
    const resumedFrom = server.requests.filter((r) => r.range && r.path.endsWith('big.mp4')).map((r) => Number(/bytes=(\d+)-/.exec(r.range!)?.[1]));
    expect(Math.max(...resumedFrom)).toBeGreaterThan(0);
    expect(states.get(id)).toEqual(['queued', 'resolving', 'downloading', 'paused', 'queued', 'resolving', 'downloading', 'postprocessing', 'completed']);
  });

  it('cancels a running download: stops yt-dlp and removes its staging data', async () => {
    // yt-dlp for media files too (a setting users have), so there is a child process to stop
    const { engine, libraryDir } = makeEngine({ overrides: { providerOrder: { youtube: ['yt-dlp'], instagram: ['yt-dlp'], direct: ['yt-dlp'], other: ['yt-dlp'] } } });
    const { jobs } = await engine.call('jobs.add', { urls: [slowBig(200_000)] });
    const id = jobs[0]!.id;
    await engine.start();
    await waitFor(() => (engine.progress.get(id)?.downloadedBytes ?? 0) > 100_000, 20_000, 'download progress');
    const pid = engine.jobs.require(id).worker_pid!;
    expect(isAlive(pid)).toBe(true);
    const canceled = await engine.call('jobs.cancel', { id });
    expect(canceled.state).toBe('canceled');
    await waitFor(() => !isAlive(pid), 5000, 'yt-dlp to exit');
    expect(stagingEntries(libraryDir)).toEqual([]);
    expect(libraryFiles(libraryDir)).toEqual([]);
    await expect(engine.call('jobs.resume', { id })).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });
    const retried = await engine.call('jobs.retry', { id });
    expect(retried.state).toBe('queued');
  });

  it('cancels a running direct download: stops it and removes its partial data', async () => {
    const { engine, libraryDir } = makeEngine();
    const { jobs } = await engine.call('jobs.add', { urls: [slowBig(200_000)] });
    const id = jobs[0]!.id;
    await engine.start();
    await waitFor(() => (engine.progress.get(id)?.downloadedBytes ?? 0) > 100_000, 20_000, 'download progress');
    expect(stagingEntries(libraryDir)).toEqual([`job-${id}`]);
    const canceled = await engine.call('jobs.cancel', { id });
    expect(canceled.state).toBe('canceled');
    expect(stagingEntries(libraryDir)).toEqual([]);
    const hits = server.hits('/slow/');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.hits('/slow/')).toBe(hits);
    const { attempts } = await engine.call('jobs.get', { id });
    expect(attempts.map((a) => [a.provider, a.error?.code])).toEqual([['direct', 'ERR_CANCELED']]);
  });

  it('cancels and pauses queued jobs without running them', async () => {
    const { engine } = makeEngine();
    const { jobs } = await engine.call('jobs.add', { urls: [server.url('/v/clip-5.mp4'), server.url('/v/clip-6.mp4')] });
    expect((await engine.call('jobs.cancel', { id: jobs[0]!.id })).state).toBe('canceled');
    expect((await engine.call('jobs.pause', { id: jobs[1]!.id })).state).toBe('paused');
    await engine.start();
    expect(server.hits('/v/')).toBe(0);
    expect((await engine.call('queue.resumeAll', {})).affected).toBe(1);
    await engine.waitForJobs([jobs[1]!.id]);
    expect(engine.jobs.require(jobs[1]!.id).state).toBe('completed');
  });

  it('runs higher priority first, then oldest first', async () => {
    const { engine } = makeEngine({ overrides: { concurrency: 1 } });
    const order: number[] = [];
    engine.on('job.updated', (j) => j.state === 'downloading' && !order.includes(j.id) && order.push(j.id));
    const low = await engine.call('jobs.add', { urls: [server.url('/v/clip-1.mp4')], priority: -5 });
    const normal = await engine.call('jobs.add', { urls: [server.url('/v/clip-2.mp4'), server.url('/v/clip-3.mp4')] });
    const high = await engine.call('jobs.add', { urls: [server.url('/v/clip-4.mp4')], priority: 10 });
    await engine.call('jobs.setPriority', { id: normal.jobs[1]!.id, priority: 20 });
    await engine.start();
    const ids = [low, normal, high].flatMap((r) => r.jobs.map((j) => j.id));
    await engine.waitForJobs(ids);
    expect(order).toEqual([normal.jobs[1]!.id, high.jobs[0]!.id, normal.jobs[0]!.id, low.jobs[0]!.id]);
  });

  it('applies a concurrency change while running', async () => {
    const { engine } = makeEngine({ overrides: {} });
    await engine.call('settings.update', { concurrency: 1 });
    const urls = [1, 2, 3].map((n) => server.url(`/slow/400000/v/clip-${n}.mp4`));
    const { jobs } = await engine.call('jobs.add', { urls });
    await engine.start();
    const active = () => jobs.filter((j) => ['resolving', 'downloading'].includes(engine.jobs.require(j.id).state)).length;
    await waitFor(() => active() === 1, 5000, 'one active job');
    expect(active()).toBe(1);
    await engine.call('settings.update', { concurrency: 3 });
    await waitFor(() => active() === 3, 5000, 'three active jobs');
    await engine.waitForJobs(jobs.map((j) => j.id));
    expect((await engine.call('settings.get', {})).concurrency).toBe(3);
  });

  it('pauses and resumes everything', async () => {
    const { engine } = makeEngine({ overrides: { concurrency: 1 } });
    const { jobs } = await engine.call('jobs.add', { urls: [slowBig(), server.url('/v/clip-5.mp4')] });
    await engine.start();
    await waitFor(() => engine.jobs.require(jobs[0]!.id).state === 'downloading', 10_000, 'download start');
    expect((await engine.call('queue.pauseAll', {})).affected).toBe(2);
    for (const j of jobs) expect(engine.jobs.require(j.id).state).toBe('paused');
    expect((await engine.call('queue.resumeAll', {})).affected).toBe(2);
    await engine.waitForJobs(jobs.map((j) => j.id));
    for (const j of jobs) expect(engine.jobs.require(j.id).state).toBe('completed');
  });
});

describe('crash recovery inside the engine', () => {
  it('records a file that reached the library just before a crash without downloading it again', async () => {
    const first = makeEngine();
    const { jobs } = await first.engine.call('jobs.add', { urls: [server.url('/v/clip-6.mp4')] });
    const id = jobs[0]!.id;
    // the state a crash leaves between the move into the library and the commit
    const rel = '127.0.0.1/Unknown/clip-6 [clip-6].mp4';
    fs.mkdirSync(path.dirname(path.join(first.libraryDir, rel)), { recursive: true });
    fs.copyFileSync(path.join(DEFAULT_MEDIA_DIR, 'v', 'clip-6.mp4'), path.join(first.libraryDir, rel));
    first.engine.jobs.update(id, { final_path: rel, extractor: 'generic', video_id: 'clip-6', title: 'clip-6', source: '127.0.0.1' });
    first.engine.db.prepare(`UPDATE jobs SET state = 'postprocessing' WHERE id = ?`).run(id);
    await first.engine.stop();

    const second = makeEngine({ dataDir: first.dataDir, libraryDir: first.libraryDir });
    server.reset();
    await second.engine.start();
    await second.engine.waitForJobs([id]);
    const job = second.engine.toJob(second.engine.jobs.require(id));
    expect(job.state).toBe('completed');
    expect(server.hits('/v/clip-6.mp4')).toBe(0);
    const item = await second.engine.call('library.get', { id: job.itemId! });
    expect(item.path).toBe(rel);
    expect(libraryFiles(first.libraryDir)).toEqual([rel]);
  });

  it('gives a second process a clear error instead of sharing the database', () => {
    const { dataDir } = makeEngine();
    const cli = path.resolve('out/main/cli.js');
    let stderr = '';
    let status = 0;
    try {
      execFileSync(process.execPath, [cli, 'list', '--data', dataDir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      stderr = String((err as { stderr: string }).stderr);
      status = (err as { status: number }).status;
    }
    expect(status).toBe(1);
    expect(stderr).toMatch(/Another ClipHarbor process \(pid \d+\) is using the data folder/);
  });
});

describe('library', () => {
  it('lists, searches, filters, sorts and removes items', async () => {
    const { engine, libraryDir } = makeEngine({ overrides: { concurrency: 3 } });
    const jobs = await download(engine, [server.url('/v/clip-1.mp4'), server.url('/v/clip-2.mp4'), server.url('/page/one.html')]);
    const all = await engine.call('library.list', {});
    expect(all.total).toBe(3);
    const found = await engine.call('library.list', { query: 'one' });
    expect(found.items.map((i) => i.title)).toEqual([expect.stringContaining('One clip')]);
    expect((await engine.call('library.list', { query: 'clip' })).total).toBe(3);
    expect((await engine.call('library.list', { query: 'nothing-like-this' })).total).toBe(0);
    const byTitle = await engine.call('library.list', { sort: 'title' });
    expect(byTitle.items.map((i) => i.title)).toEqual([...byTitle.items.map((i) => i.title)].sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' })));
    expect((await engine.call('library.list', { source: '127.0.0.1', minHeight: 1 })).total).toBe(3);
    expect((await engine.call('library.list', { minDurationSec: 1000 })).total).toBe(0);

    const removed: number[] = [];
    engine.on('library.removed', ({ id }) => removed.push(id));
    const victim = await engine.call('library.get', { id: jobs[0]!.itemId! });
    const res = await engine.call('library.remove', { id: victim.id, deleteFile: true });
    expect(res.fileDeleted).toBe(true);
    expect(fs.existsSync(path.join(libraryDir, victim.path))).toBe(false);
    const kept = await engine.call('library.get', { id: jobs[1]!.itemId! });
    await engine.call('library.remove', { id: kept.id });
    expect(fs.existsSync(path.join(libraryDir, kept.path))).toBe(true);
    expect(removed).toEqual([victim.id, kept.id]);
    expect((await engine.call('library.list', {})).total).toBe(1);
  });

  it('reports binaries, versions, folders and free space', async () => {
    const { engine, dataDir, libraryDir } = makeEngine();
    const info = await engine.call('system.info', {});
    expect(info.dataDir).toBe(dataDir);
    expect(info.libraryDir).toBe(libraryDir);
    expect(info.diskFreeBytes).toBeGreaterThan(0);
    const ytdlp = info.binaries.find((b) => b.name === 'yt-dlp')!;
    expect(ytdlp.version).toMatch(/^\d{4}\.\d{2}\.\d{2}/);
    expect(ytdlp.origin).toBe('path');
    expect(info.binaries.find((b) => b.name === 'ffprobe')!.version).toMatch(/\d/);
  });
});

describe('settings', () => {
  it('persists updates across restarts and rejects bad values without changing anything', async () => {
    const first = makeEngine();
    await first.engine.call('settings.update', { concurrency: 5, defaultQuality: '720p' });
    await expect(first.engine.call('settings.update', { concurrency: 11 })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(first.engine.call('settings.update', { nope: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await first.engine.stop();
    const second = makeEngine({ dataDir: first.dataDir, overrides: {} });
    const s = await second.engine.call('settings.get', {});
    expect(s.concurrency).toBe(5);
    expect(s.defaultQuality).toBe('720p');
  });
});

describe('bad input through the contract', () => {
  it.each([
    ['file:///etc/passwd'],
    ['javascript:alert(1)'],
    ['ftp://x'],
    ['--exec=touch /tmp/pwned'],
    ['-o/tmp/x'],
    [''],
    [`http://example.com/${'a'.repeat(100_000)}`],
    ['http://exa mple.com/x'],
    ['http://example.com/\u0000'],
  ])('refuses %j and queues nothing', async (url) => {
    const { engine } = makeEngine();
    await expect(engine.call('jobs.add', { urls: [server.url('/v/clip-1.mp4'), url] })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    expect((await engine.call('jobs.list', {})).total).toBe(0);
  });

  it('refuses unknown fields, wrong types and too many links', async () => {
    const { engine } = makeEngine();
    await expect(engine.call('jobs.add', { urls: [server.url('/v/clip-1.mp4')], extra: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(engine.call('jobs.get', { id: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(engine.call('jobs.get', { id: 999 })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    const many = Array.from({ length: 10_001 }, (_, i) => `http://h/${i}`);
    await expect(engine.call('jobs.add', { urls: many })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    expect((await engine.call('jobs.list', {})).total).toBe(0);
  });
});
