import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/main/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { download, makeEngine, stopAll, tempDir } from '../support/engine';

// The contract methods the app screens need: stats, history export, secrets, queue summary, facets, reveal, and
// media files by item id.

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

describe('stats and history', () => {
  it('counts completed, failed and duplicate jobs per day and per source, with bytes and a success rate', async () => {
    const { engine } = makeEngine({ overrides: { maxRetries: 0 } });
    const [ok1, ok2, bad] = await download(engine, [server.url('/v/clip-1.mp4'), server.url('/v/clip-2.mp4'), server.url('/bad/404.mp4')]);
    expect([ok1!.state, ok2!.state, bad!.state]).toEqual(['completed', 'completed', 'failed']);
    const [dup] = await download(engine, [server.url('/v/same-as-1.mp4')]);
    expect(dup!.result).toBe('skipped_duplicate');

    const stats = await engine.call('stats.summary', { days: 7, utcOffsetMin: 0 });
    const bytes = engine.items.get(ok1!.itemId!)!.bytes + engine.items.get(ok2!.itemId!)!.bytes;
    expect(stats.totals).toMatchObject({ completed: 2, failed: 1, duplicates: 1, bytes });
    expect(stats.totals.successRate).toBeCloseTo(2 / 3);
    expect(stats.totals.avgSpeed).toBeGreaterThan(0);
    expect(stats.days).toHaveLength(7);
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.days.at(-1)).toEqual({ day: today, completed: 2, failed: 1, bytes });
    expect(stats.days.slice(0, -1).every((d) => d.completed === 0 && d.failed === 0)).toBe(true);
    expect(stats.sources.reduce((n, s) => n + s.completed, 0)).toBe(2);
    expect(stats.sources.reduce((n, s) => n + s.failed, 0)).toBe(1);
  });

  it('puts each event on the local day of the caller', async () => {
    const { engine } = makeEngine();
    await download(engine, [server.url('/v/clip-3.mp4')]);
    const at = (engine.db.prepare("SELECT at FROM events WHERE type = 'job.completed'").get() as { at: number }).at;
    // 14 hours east of UTC the same instant can fall on the next calendar day
    const east = await engine.call('stats.summary', { days: 2, utcOffsetMin: 14 * 60 });
    expect(east.days.at(-1)!.day).toBe(new Date(at + 14 * 3_600_000).toISOString().slice(0, 10));
    expect(east.days.at(-1)!.completed).toBe(1);
  });

  it('exports every job as JSON and as CSV with formula-like cells defused', async () => {
    const { engine } = makeEngine({ overrides: { maxRetries: 0 } });
    const [ok] = await download(engine, [server.url('/v/clip-4.mp4'), server.url('/bad/404.mp4')]);
    engine.jobs.update(ok!.id, { title: '=HYPERLINK("http://x","y"), "quoted"' });

    const json = await engine.call('stats.export', { format: 'json' });
    expect(json.mimeType).toBe('application/json');
    const rows = JSON.parse(json.content) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: ok!.id, state: 'completed', path: engine.items.get(ok!.itemId!)!.path });
    expect(rows[1]).toMatchObject({ state: 'failed', path: null });
    expect(rows[1]!.error_code).toMatch(/^ERR_/);

    const csv = await engine.call('stats.export', { format: 'csv' });
    expect(csv.filename).toMatch(/^clipharbor-history-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = csv.content.trimEnd().split('\r\n');
    expect(lines[0]!.split(',')).toContain('url');
    expect(lines).toHaveLength(3);
    // the item's own title wins over the job's, so check the raw job title through a fresh export without an item
    engine.db.prepare('UPDATE jobs SET item_id = NULL WHERE id = ?').run(ok!.id);
    const csv2 = await engine.call('stats.export', { format: 'csv' });
    expect(csv2.content).toContain(`"'=HYPERLINK(""http://x"",""y""), ""quoted"""`);
    expect(json.content).not.toMatch(/cookies|proxy/i);
  });
});

describe('secrets', () => {
  it('stores cookies file and proxy outside settings and only reports whether they are set', async () => {
    const { engine, dataDir } = makeEngine();
    const none = { cookiesFile: false, proxy: false, apifyToken: false, huntapiToken: false, pexelsApiKey: false, pixabayApiKey: false };
    const noEnv = { cookiesFile: null, proxy: null, apifyToken: null, huntapiToken: null, pexelsApiKey: null, pixabayApiKey: null };
    expect(await engine.call('secrets.status', {})).toEqual({ protection: 'file', set: none, fromEnv: noEnv });
    const status = await engine.call('secrets.set', { name: 'proxy', value: 'http://user:hunter2@127.0.0.1:3128' });
    expect(status.set).toEqual({ ...none, proxy: true });
    expect(JSON.stringify(await engine.call('settings.get', {}))).not.toContain('hunter2');
    expect(JSON.stringify(status)).not.toContain('hunter2');
    expect(engine.secrets.get('proxy')).toBe('http://user:hunter2@127.0.0.1:3128');
    await expect(engine.call('secrets.set', { name: 'apiKey' as never, value: 'x' })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(engine.call('secrets.set', { name: 'proxy', value: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(engine.call('settings.update', { proxy: 'x' } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await engine.stop();

    const reopened = createEngine({ dataDir, libraryDir: tempDir('lib') });
    expect(reopened.secrets.get('proxy')).toBe('http://user:hunter2@127.0.0.1:3128');
    expect((await reopened.call('secrets.clear', { name: 'proxy' })).set.proxy).toBe(false);
    expect(reopened.secrets.get('proxy')).toBeUndefined();
    await reopened.stop();
  });

  it('seals with the box it is given and treats a value it cannot open as unset', async () => {
    const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
    const box = { protection: 'os' as const, seal: (s: string) => xor(Buffer.from(s)), open: (b: Buffer) => xor(b).toString() };
    const { engine } = makeEngine({ secretBox: box });
    await engine.call('secrets.set', { name: 'cookiesFile', value: '/home/me/cookies.txt' });
    const raw = (engine.db.prepare("SELECT value FROM secrets WHERE name = 'cookiesFile'").get() as { value: Buffer }).value;
    expect(raw.toString()).not.toContain('cookies.txt');
    expect(engine.secrets.get('cookiesFile')).toBe('/home/me/cookies.txt');
    expect((await engine.call('secrets.status', {})).protection).toBe('os');

    const broken = { ...box, open: () => { throw new Error('keychain changed'); } };
    const { engine: other } = makeEngine({ secretBox: broken });
    other.db.prepare("INSERT INTO secrets(name, value, protection, updated_at) VALUES (?, ?, 'os', 0)").run('cookiesFile', raw);
    expect((await other.call('secrets.status', {})).set.cookiesFile).toBe(false);

    // the CLI on the desktop app's data folder has no keychain: the sealed bytes must not pass for the value
    const { engine: cli } = makeEngine();
    cli.db.prepare("INSERT INTO secrets(name, value, protection, updated_at) VALUES (?, ?, 'os', 0)").run('cookiesFile', raw);
    expect(cli.secrets.get('cookiesFile')).toBeUndefined();
    expect((await cli.call('secrets.status', {})).set.cookiesFile).toBe(false);
  });
});

describe('queue summary, facets, reveal', () => {
  it('counts single jobs by state and lists sources with counts', async () => {
    const { engine } = makeEngine({ overrides: { maxRetries: 0 } });
    await download(engine, [server.url('/v/clip-1.mp4'), server.url('/v/clip-2.mp4'), server.url('/bad/404.mp4')]);
    await engine.call('queue.pauseAll', {});
    await engine.call('jobs.add', { urls: [server.url('/v/clip-5.mp4')] });
    await engine.call('queue.pauseAll', {});
    expect(await engine.call('queue.summary', {})).toEqual({ active: 0, queued: 0, paused: 1, retrying: 0, failed: 1, completed: 2 });
    const { sources } = await engine.call('library.facets', {});
    expect(sources.reduce((n, s) => n + s.count, 0)).toBe(2);
    expect(sources[0]!.source).toBe(engine.items.list({ sort: 'newest', limit: 1, offset: 0 }).items[0]!.source);
  });

  it('reveals a file only where the host can, and reports which host it is', async () => {
    const { engine } = makeEngine();
    const [job] = await download(engine, [server.url('/v/clip-1.mp4')]);
    await expect(engine.call('library.reveal', { id: job!.itemId! })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect((await engine.call('system.info', {})).host).toEqual({ kind: 'cli', canReveal: false });

    const revealed: string[] = [];
    const { engine: desktop } = makeEngine({ host: { kind: 'desktop', reveal: (p) => void revealed.push(p) } });
    const [j2] = await download(desktop, [server.url('/v/clip-2.mp4')]);
    const { path: shown } = await desktop.call('library.reveal', { id: j2!.itemId! });
    expect(revealed).toEqual([shown]);
    expect(fs.existsSync(shown)).toBe(true);
    expect((await desktop.call('system.info', {})).host).toEqual({ kind: 'desktop', canReveal: true });
  });
});

describe('library files by item id', () => {
  it('resolves the media file and thumbnail inside the library and refuses anything that leads out of it', async () => {
    const { engine, libraryDir } = makeEngine();
    const [job] = await download(engine, [server.url('/v/clip-1.mp4')]);
    const item = engine.items.get(job!.itemId!)!;
    expect(engine.itemFile(item.id, 'media')).toBe(fs.realpathSync(path.join(libraryDir, item.path)));
    expect(fs.existsSync(engine.itemFile(item.id, 'thumbnail'))).toBe(true);
    expect(() => engine.itemFile(9999, 'media')).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));

    // a symlink planted in place of the file must not lead outside the library
    const outside = path.join(tempDir('outside'), 'secret.txt');
    fs.writeFileSync(outside, 'not yours');
    const abs = path.join(libraryDir, item.path);
    fs.rmSync(abs);
    fs.symlinkSync(outside, abs);
    expect(() => engine.itemFile(item.id, 'media')).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));

    // nor may a recorded path climb out of it
    engine.db.prepare('UPDATE items SET path = ? WHERE id = ?').run('../' + path.basename(path.dirname(outside)) + '/secret.txt', item.id);
    expect(() => engine.itemFile(item.id, 'media')).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }));
  });

  it('keeps older items playable after the library folder changes, and refuses the change while downloads run', async () => {
    const dataDir = tempDir('data');
    const first = tempDir('lib-a');
    const second = tempDir('lib-b');
    const engine = createEngine({ dataDir });
    try {
      await engine.call('settings.update', { libraryDir: first, retryBaseDelayMs: 50 });
      const [a] = await download(engine, [server.url('/v/clip-1.mp4')]);
      await engine.call('settings.update', { libraryDir: second });
      expect((await engine.call('system.info', {})).libraryDir).toBe(second);
      const [b] = await download(engine, [server.url('/v/clip-2.mp4')]);
      expect(engine.itemFile(a!.itemId!, 'media').startsWith(fs.realpathSync(first))).toBe(true);
      expect(engine.itemFile(b!.itemId!, 'media').startsWith(fs.realpathSync(second))).toBe(true);

      const plainFile = path.join(tempDir('file'), 'not-a-folder');
      fs.writeFileSync(plainFile, '');
      await expect(engine.call('settings.update', { libraryDir: path.join(plainFile, 'videos') })).rejects.toMatchObject({ code: 'ERR_DISK' });
      // Node's own recursive mkdir never returns on /proc: this would hang the whole app
      await expect(engine.call('settings.update', { libraryDir: '/proc/clipharbor-nope' })).rejects.toMatchObject({ code: 'ERR_DISK' });
      expect((await engine.call('settings.get', {})).libraryDir).toBe(second);

      await engine.call('jobs.add', { urls: [server.url('/slow/200000/v/clip-3.mp4')] });
      await new Promise((r) => setTimeout(r, 300));
      await expect(engine.call('settings.update', { libraryDir: first })).rejects.toMatchObject({ code: 'ERR_BAD_STATE' });

      // removing an older item deletes its file from the folder it is in, not from the current library
      const oldFile = engine.itemFile(a!.itemId!, 'media');
      const { fileDeleted } = await engine.call('library.remove', { id: a!.itemId!, deleteFile: true });
      expect(fileDeleted).toBe(true);
      expect(fs.existsSync(oldFile)).toBe(false);
    } finally {
      await engine.stop();
    }
  });

  it('announces settings changes to every front end', async () => {
    const { engine } = makeEngine();
    const seen: number[] = [];
    engine.on('settings.changed', (s) => seen.push(s.concurrency));
    await engine.call('settings.update', { concurrency: 5 });
    expect(seen).toEqual([5]);
  });

  it('changes only the settings named in an update', async () => {
    const { engine, dataDir } = makeEngine();
    await engine.call('settings.update', { theme: 'dark' });
    await engine.call('settings.update', { concurrency: 7 });
    expect(await engine.call('settings.get', {})).toMatchObject({ theme: 'dark', concurrency: 7 });
    const saved = engine.db.prepare('SELECT key FROM settings ORDER BY key').all() as Array<{ key: string }>;
    expect(saved.map((r) => r.key)).toEqual(['concurrency', 'theme']);
    await engine.stop();
    const reopened = createEngine({ dataDir, libraryDir: tempDir('lib') });
    expect(await reopened.call('settings.get', {})).toMatchObject({ theme: 'dark', concurrency: 7 });
    await reopened.stop();
  });
});
