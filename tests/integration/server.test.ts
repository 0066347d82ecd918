/**
 * The headless server for real: engines on temporary folders, real downloads (yt-dlp, ffmpeg) from the loopback media
 * server, HTTP and WebSocket on 127.0.0.1, and the built renderer in out/renderer.
 *
 * - `npm test` builds first; when running this file alone, run `npx electron-vite build` after changing src/.
 * - Servers started by a test are closed in afterEach, shared ones in afterAll; every engine is stopped in afterAll.
 * - The last block runs the built CLI (`clipharbor serve`) as a child process, with a hard timeout on each run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_NAMES, type Item, type Job } from '../../src/shared/contract';
import type { AppErrorData } from '../../src/shared/errors';
import { TOKEN_COOKIE, type Envelope } from '../../src/shared/wire';
import type { Engine } from '../../src/main/engine';
import { startServer, type RunningServer, type ServerOptions } from '../../src/main/server';
import { download, makeEngine, stopAll, tempDir, waitFor } from '../support/engine';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { runTool, type RunResult } from '../support/run';
import { apiCall, connectEvents, rawRequest, type EventSocket, type RawResponse } from '../support/server';

const ROOT = path.resolve(__dirname, '../..');
const RENDERER = path.join(ROOT, 'out/renderer');
const CLI = path.join(ROOT, 'out/main/cli.js');
/** Vitest runs on the project's Node 22; the system node (20) cannot load better-sqlite3 for this build. */
const NODE = Number(process.versions.node.split('.')[0]) >= 22 ? process.execPath : path.join(ROOT, 'node_modules/.bin/node');
const TOKEN = 'correct-horse-battery-staple';

let media: MediaServer;
const perTest: RunningServer[] = [];
const scratchDirs: string[] = [];

/** A temporary folder removed after all tests (engines keep theirs until they are stopped). */
function scratch(prefix: string): string {
  const dir = tempDir(prefix);
  scratchDirs.push(dir);
  return dir;
}
const sockets: EventSocket[] = [];

/** A server on 127.0.0.1, any free port, over the real renderer; closed after the test. */
async function serve(engine: Engine, opts: Partial<ServerOptions> = {}): Promise<RunningServer> {
  const server = await startServer({ engine, host: '127.0.0.1', port: 0, rendererDir: RENDERER, ...opts });
  perTest.push(server);
  return server;
}

async function events(origin: string, opts: Parameters<typeof connectEvents>[1] = { origin }): Promise<EventSocket> {
  const s = await connectEvents(origin, opts);
  sockets.push(s);
  return s;
}

function envelope<T>(r: RawResponse): Envelope<T> {
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  return JSON.parse(r.text) as Envelope<T>;
}

function errorOf(r: RawResponse): AppErrorData {
  const body = envelope(r);
  if (body.ok) throw new Error(`expected an error envelope, got ${r.text}`);
  return body.error;
}

function resultOf<T>(r: RawResponse): T {
  const body = envelope<T>(r);
  if (!body.ok) throw new Error(`expected a result, got ${r.status} ${r.text}`);
  return body.result;
}

async function jobCount(origin: string, headers: Record<string, string> = {}): Promise<number> {
  const r = await apiCall(origin, 'jobs.list', {}, headers);
  expect(r.status).toBe(200);
  return resultOf<{ total: number }>(r).total;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`${RENDERER} is missing: run \`npx electron-vite build\` (npm test builds first).`);
  media = await startMediaServer();
}, 180_000);

afterEach(async () => {
  for (const s of sockets.splice(0)) if (s.ok) s.ws.terminate();
  await Promise.all(perTest.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await stopAll();
  await media?.close();
  for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('API and events', () => {
  it('jobs.add over HTTP downloads, and the WebSocket reports every state through completed and the new item', async () => {
    const { engine, libraryDir } = makeEngine();
    await engine.start();
    const server = await serve(engine);
    const sock = await events(server.origin);
    if (!sock.ok) throw new Error(`event socket refused: ${sock.status}`);

    const url = media.url('/v/clip-3.mp4');
    const r = await apiCall(server.origin, 'jobs.add', { urls: [url] });
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const added = resultOf<{ jobs: Job[]; created: number }>(r);
    expect(added.created).toBe(1);
    expect(added.jobs.map((j) => j.url)).toEqual([url]);
    const id = added.jobs[0]!.id;

    await waitFor(() => sock.frames.some((f) => f.event === 'library.added'), 30_000, 'library.added over the WebSocket');
    for (const f of sock.frames) expect(EVENT_NAMES).toContain(f.event);
    const states = sock.frames
      .filter((f) => f.event === 'job.updated' && (f.payload as Job).id === id)
      .map((f) => (f.payload as Job).state)
      .filter((s, i, all) => s !== all[i - 1]);
    expect(states[0]).toBe('queued');
    expect(states).toContain('downloading');
    expect(states.at(-1)).toBe('completed');
    const item = sock.frames.find((f) => f.event === 'library.added')!.payload as Item;
    expect(item.jobId).toBe(id);
    expect(fs.existsSync(path.join(libraryDir, item.path))).toBe(true);

    const list = resultOf<{ items: Item[]; total: number }>(await apiCall(server.origin, 'library.list', {}));
    expect(list.items.map((i) => i.id)).toEqual([item.id]);
    const file = await rawRequest(server.origin, `/media/${item.id}/media`);
    expect(file.status).toBe(200);
    expect(file.body.equals(fs.readFileSync(path.join(libraryDir, item.path)))).toBe(true);
  }, 40_000);

  it('bad input is a 400 ERR_INVALID_INPUT envelope and queues nothing', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const notUrl = await apiCall(server.origin, 'jobs.add', { urls: ['not a link'] });
    expect(notUrl.status).toBe(400);
    expect(errorOf(notUrl).code).toBe('ERR_INVALID_INPUT');
    expect(errorOf(notUrl).message).toMatch(/urls/);

    const extra = await apiCall(server.origin, 'jobs.add', { urls: [media.url('/v/clip-1.mp4')], shell: 'rm -rf /' });
    expect(extra.status).toBe(400);
    expect(errorOf(extra).code).toBe('ERR_INVALID_INPUT');

    const malformed = await rawRequest(server.origin, '/api/jobs.add', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"urls": ["${media.url('/v/clip-1.mp4')}"]`,
    });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed)).toEqual({ code: 'ERR_INVALID_INPUT', message: 'The request body is not valid JSON.' });

    const missing = await apiCall(server.origin, 'jobs.get', { id: 4242 });
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('ERR_NOT_FOUND');

    expect(await jobCount(server.origin)).toBe(0);
    expect(engine.jobs.listIds(['queued'])).toEqual([]);
  });

  it('refuses unknown methods (404), other verbs (405), other content types (415), foreign origins (403) and huge bodies (413)', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const input = { urls: [media.url('/v/clip-1.mp4')] };

    const unknown = await apiCall(server.origin, 'jobs.explode', {});
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).code).toBe('ERR_NOT_FOUND');

    const get = await rawRequest(server.origin, '/api/jobs.list');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await rawRequest(server.origin, '/api/jobs.add', { method: 'POST', headers: { 'Content-Type': type }, body: JSON.stringify(input) });
      expect(r.status, type).toBe(415);
      expect(errorOf(r).code).toBe('ERR_INVALID_INPUT');
    }
    const noType = await rawRequest(server.origin, '/api/jobs.add', { method: 'POST', body: JSON.stringify(input) });
    expect(noType.status).toBe(415);

    const foreign = await apiCall(server.origin, 'jobs.add', input, { Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const otherPort = await apiCall(server.origin, 'jobs.add', input, { Origin: `http://127.0.0.1:${Number(new URL(server.origin).port) + 1}` });
    expect(otherPort.status).toBe(403);
    expect(errorOf(foreign).code).toBe('ERR_UNAUTHORIZED');

    const huge = await rawRequest(server.origin, '/api/jobs.add', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.alloc(9 * 1024 * 1024, 0x20),
    });
    expect(huge.status).toBe(413);

    expect(await jobCount(server.origin)).toBe(0);
    // the same call from the app's own page goes through
    expect((await apiCall(server.origin, 'settings.get', {})).status).toBe(200);
  });

  it('accepts WebSockets from its own origin only', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    expect(await events(server.origin, { origin: 'http://evil.example' })).toEqual({ ok: false, status: 403 });
    expect(await events(server.origin, {})).toEqual({ ok: false, status: 403 });
    expect(await events(server.origin, { origin: server.origin, headers: { Host: 'evil.example' } })).toEqual({ ok: false, status: 403 });
    const wrongPath = await connectEvents(server.origin, { origin: server.origin, suffix: '/../other' });
    expect(wrongPath.ok).toBe(false);

    const own = await events(server.origin);
    if (!own.ok) throw new Error(`refused: ${own.status}`);
    const alias = await events(server.origin, { origin: server.origin.replace('127.0.0.1', 'localhost') });
    expect(alias.ok).toBe(true);
    await engine.call('settings.update', { concurrency: 2 });
    await waitFor(() => own.frames.length > 0, 5000, 'a settings.changed frame');
    expect(own.frames[0]!.event).toBe('settings.changed');
    expect((own.frames[0]!.payload as { concurrency: number }).concurrency).toBe(2);
  });

  it('skips progress frames for a client that stops reading, but never other events', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const sock = await events(server.origin);
    if (!sock.ok) throw new Error('refused');
    sock.ws.pause();
    // ~25 MB of progress frames at once: far more than the socket buffers and the 4 MB allowance hold
    const sent = 100_000;
    const progress = { phase: 'downloading', downloadedBytes: 1, totalBytes: 2, percent: 50, speed: 1, etaSec: 1, part: 1, parts: 1 } as const;
    for (let i = 0; i < sent; i++) engine.bus.emit('job.progress', { jobId: 1, progress: { ...progress, downloadedBytes: i } });
    engine.bus.emit('library.removed', { id: 7 });
    sock.ws.resume();
    await waitFor(() => sock.frames.at(-1)?.event === 'library.removed', 20_000, 'the library.removed frame');
    const received = sock.frames.filter((f) => f.event === 'job.progress');
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(sent);
    expect(sock.frames.at(-1)!.payload).toEqual({ id: 7 });
  });

  it('checks the Host header on every request (DNS rebinding)', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const port = new URL(server.origin).port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`]) {
      expect((await rawRequest(server.origin, '/', { headers: { Host: host } })).status, host).toBe(403);
      expect((await apiCall(server.origin, 'settings.get', {}, { Host: host })).status, host).toBe(403);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await rawRequest(server.origin, '/', { headers: { Host: host } })).status, host).toBe(200);
    }
  });

  it('close() ends WebSockets with 1001 and idle connections, stops listening, and leaves the engine running', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const sock = await events(server.origin);
    if (!sock.ok) throw new Error('refused');
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http.get(`${server.origin}/`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
    await server.close();
    expect((await sock.closed).code).toBe(1001);
    await expect(rawRequest(server.origin, '/')).rejects.toThrow(/ECONNREFUSED/);
    expect((await engine.call('queue.summary', {})).queued).toBe(0);
    agent.destroy();
  });
});

describe('static files', () => {
  it('serves index.html with the security headers, assets as immutable, HEAD without a body', async () => {
    const { engine } = makeEngine();
    const server = await serve(engine);
    const index = await rawRequest(server.origin, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toBe(fs.readFileSync(path.join(RENDERER, 'index.html'), 'utf8'));
    expect(index.headers['cache-control']).toBe('no-store');
    const csp = index.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain(`connect-src 'self' ws://${new URL(server.origin).host};`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['x-frame-options']).toBe('DENY');

    const script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    expect(script, 'index.html names its script').toBeTruthy();
    const asset = await rawRequest(server.origin, script!);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body.equals(fs.readFileSync(path.join(RENDERER, script!)))).toBe(true);

    const head = await rawRequest(server.origin, '/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(index.body.length);
    expect(head.body.length).toBe(0);

    expect((await rawRequest(server.origin, '/', { method: 'DELETE' })).status).toBe(405);
    expect((await rawRequest(server.origin, '/nope.js')).status).toBe(404);
    expect((await rawRequest(server.origin, '/assets')).status).toBe(404);
  });

  it('never serves a file outside the renderer folder', async () => {
    const { engine } = makeEngine();
    // a copy of the renderer with a symlink planted in it, so the real build stays untouched
    const dir = scratch('renderer');
    fs.cpSync(RENDERER, dir, { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'package.json'), path.join(dir, 'leak.json'));
    const server = await serve(engine, { rendererDir: dir });
    const attempts = [
      '/../package.json',
      '/%2e%2e/package.json',
      '/%2E%2E/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      '/assets/../../package.json',
      '/..%5c..%5cpackage.json',
      '/..\\package.json',
      '/index.html%00.js',
      '/%ff',
      '/leak.json',
      `/${encodeURIComponent(path.join(ROOT, 'package.json'))}`,
    ];
    for (const p of attempts) {
      const r = await rawRequest(server.origin, p);
      expect(r.status, p).toBe(404);
      expect(r.text, p).not.toContain('"devDependencies"');
    }
  });

  it('refuses to start without a built renderer, telling to build', async () => {
    const { engine } = makeEngine();
    await expect(startServer({ engine, host: '127.0.0.1', port: 0, rendererDir: scratch('empty') })).rejects.toThrow(/npm run build/);
  });
});

describe('access control', () => {
  it('refuses a non-loopback address without a token, and binds one with a token', async () => {
    const { engine } = makeEngine();
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      await expect(startServer({ engine, host, port: 0, rendererDir: RENDERER }), host).rejects.toMatchObject({
        code: 'ERR_INVALID_INPUT',
        message: expect.stringMatching(/--token/),
      });
    }
    const server = await serve(engine, { host: '0.0.0.0', token: TOKEN });
    const port = new URL(server.origin).port;
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await rawRequest(`http://127.0.0.1:${port}`, '/', { headers: { ...auth, Host: `127.0.0.1:${port}` } })).status).toBe(200);
    expect((await rawRequest(`http://127.0.0.1:${port}`, '/', { headers: { ...auth, Host: 'evil.example' } })).status).toBe(403);
    // other loopback addresses need no token
    const other = await serve(engine, { host: '127.0.0.2' });
    expect((await rawRequest(other.origin, '/')).status).toBe(200);
  });
});

describe('with a library', () => {
  let engine: Engine;
  let open: RunningServer;
  let locked: RunningServer;
  let item: Item;
  let file: Buffer;
  let victim: Item;
  let libraryDir: string;

  beforeAll(async () => {
    const made = makeEngine();
    engine = made.engine;
    libraryDir = made.libraryDir;
    const jobs = await download(engine, [media.url('/v/clip-4.mp4'), media.url('/v/clip-5.mp4')]);
    expect(jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    item = engine.items.require(jobs[0]!.itemId!);
    victim = engine.items.require(jobs[1]!.itemId!);
    file = fs.readFileSync(path.join(libraryDir, item.path));
    open = await startServer({ engine, host: '127.0.0.1', port: 0, rendererDir: RENDERER });
    locked = await startServer({ engine, host: '127.0.0.1', port: 0, rendererDir: RENDERER, token: TOKEN });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([open?.close(), locked?.close()]);
  });

  describe('media', () => {
    const mediaPath = () => `/media/${item.id}/media`;

    it('serves the whole file with Accept-Ranges, and HEAD without a body', async () => {
      const r = await rawRequest(open.origin, mediaPath());
      expect(r.status).toBe(200);
      expect(r.headers['accept-ranges']).toBe('bytes');
      expect(r.headers['content-type']).toBe('video/mp4');
      expect(Number(r.headers['content-length'])).toBe(file.length);
      expect(r.body.equals(file)).toBe(true);
      const head = await rawRequest(open.origin, mediaPath(), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(Number(head.headers['content-length'])).toBe(file.length);
      expect(head.body.length).toBe(0);
    });

    it('answers byte ranges with 206 and the same bytes as the file on disk', async () => {
      const size = file.length;
      const cases: Array<[string, number, number]> = [
        ['bytes=100-1099', 100, 1099],
        ['bytes=0-0', 0, 0],
        [`bytes=${size - 10}-`, size - 10, size - 1],
        ['bytes=-500', size - 500, size - 1],
        [`bytes=1000-${size + 5000}`, 1000, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const r = await rawRequest(open.origin, mediaPath(), { headers: { Range: range } });
        expect(r.status, range).toBe(206);
        expect(r.headers['content-range'], range).toBe(`bytes ${start}-${end}/${size}`);
        expect(Number(r.headers['content-length']), range).toBe(end - start + 1);
        expect(r.body.equals(file.subarray(start, end + 1)), range).toBe(true);
      }
      for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
        const r = await rawRequest(open.origin, mediaPath(), { headers: { Range: range } });
        expect(r.status, range).toBe(416);
        expect(r.headers['content-range'], range).toBe(`bytes */${size}`);
      }
    });

    it('serves the thumbnail as an image', async () => {
      expect(item.thumbnail).toBeTruthy();
      const r = await rawRequest(open.origin, `/media/${item.id}/thumbnail`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('image/jpeg');
      expect(r.body.equals(fs.readFileSync(path.join(libraryDir, item.thumbnail!)))).toBe(true);
    });

    it('keeps serving after a client leaves mid-stream', async () => {
      const { hostname, port } = new URL(open.origin);
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect(Number(port), hostname, () => sock.write(`GET ${mediaPath()} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`));
        sock.once('data', () => {
          sock.destroy();
          resolve();
        });
        sock.on('error', reject);
      });
      const r = await rawRequest(open.origin, mediaPath(), { headers: { Range: 'bytes=0-99' } });
      expect(r.body.equals(file.subarray(0, 100))).toBe(true);
    });

    it('answers 404 for unknown items, bad ids and kinds, and files that lead out of the library', async () => {
      for (const p of ['/media/999999/media', '/media/0/media', '/media/01/media', '/media/abc/media', `/media/${item.id}/other`, `/media/${item.id}/media/x`, '/media/-1/media', `/media/${item.id}`]) {
        const r = await rawRequest(open.origin, p);
        expect(r.status, p).toBe(404);
        expect(r.headers['content-type'], p).toBe('text/plain; charset=utf-8');
      }
      // the recorded file replaced by a symlink to a file outside the library
      const outside = path.join(scratch('outside'), 'secret.mp4');
      fs.writeFileSync(outside, 'not for the browser');
      const abs = path.join(libraryDir, victim.path);
      expect((await rawRequest(open.origin, `/media/${victim.id}/media`)).status).toBe(200);
      fs.rmSync(abs);
      fs.symlinkSync(outside, abs);
      const r = await rawRequest(open.origin, `/media/${victim.id}/media`);
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('not for the browser');
    });
  });

  describe('token', () => {
    const bearer = { Authorization: `Bearer ${TOKEN}` };

    it('is required on static files, the API, media and the WebSocket, and accepted as a Bearer header', async () => {
      const targets = ['/', '/index.html', `/media/${item.id}/media`];
      for (const p of targets) {
        const denied = await rawRequest(locked.origin, p);
        expect(denied.status, p).toBe(401);
        expect(denied.text, p).toMatch(/token/);
        expect(denied.text, p).not.toContain(TOKEN);
        expect((await rawRequest(locked.origin, p, { headers: { Authorization: 'Bearer wrong-horse-battery-staple' } })).status, p).toBe(401);
        expect((await rawRequest(locked.origin, p, { headers: bearer })).status, p).toBe(200);
      }
      const api = await apiCall(locked.origin, 'library.list', {});
      expect(api.status).toBe(401);
      expect(errorOf(api).code).toBe('ERR_UNAUTHORIZED');
      expect(resultOf<{ total: number }>(await apiCall(locked.origin, 'library.list', {}, bearer)).total).toBe(2);

      expect(await events(locked.origin, { origin: locked.origin })).toEqual({ ok: false, status: 401 });
      expect(await events(locked.origin, { origin: locked.origin, suffix: '?token=nope' })).toEqual({ ok: false, status: 401 });
      expect((await events(locked.origin, { origin: locked.origin, headers: bearer })).ok).toBe(true);
      expect((await events(locked.origin, { origin: locked.origin, suffix: `?token=${TOKEN}` })).ok).toBe(true);
      // the token does not excuse a foreign page
      expect(await events(locked.origin, { origin: 'http://evil.example', headers: bearer })).toEqual({ ok: false, status: 403 });
    });

    it('trades ?token= for an HttpOnly cookie and a redirect without it; the cookie then works everywhere', async () => {
      const first = await rawRequest(locked.origin, `/?token=${TOKEN}`);
      expect(first.status).toBe(302);
      expect(first.headers.location).toBe('/');
      const setCookie = first.headers['set-cookie']?.[0] ?? '';
      expect(setCookie).toBe(`${TOKEN_COOKIE}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
      const cookie = { Cookie: `other=1; ${setCookie.split(';')[0]}` };

      const page = await rawRequest(locked.origin, '/', { headers: cookie });
      expect(page.status).toBe(200);
      expect(page.text).toContain('<div id="root">');
      expect((await rawRequest(locked.origin, `/media/${item.id}/media`, { headers: { ...cookie, Range: 'bytes=0-9' } })).status).toBe(206);
      expect((await apiCall(locked.origin, 'queue.summary', {}, cookie)).status).toBe(200);
      expect((await events(locked.origin, { origin: locked.origin, headers: cookie })).ok).toBe(true);
      expect((await rawRequest(locked.origin, '/', { headers: { Cookie: `${TOKEN_COOKIE}=stale` } })).status).toBe(401);

      const deep = await rawRequest(locked.origin, `/index.html?a=1&token=${TOKEN}&b=2`);
      expect(deep.status).toBe(302);
      expect(deep.headers.location).toBe('/index.html?a=1&b=2');
      // a protocol-relative path must not turn the redirect into one to another site
      const sneaky = await rawRequest(locked.origin, `//evil.example/?token=${TOKEN}`);
      expect(sneaky.status).toBe(302);
      expect(sneaky.headers.location).toBe('/evil.example/');

      const wrong = await rawRequest(locked.origin, '/?token=wrong');
      expect(wrong.status).toBe(401);
      expect(wrong.headers['set-cookie']).toBeUndefined();
    });
  });
});

describe('clipharbor serve', () => {
  const live = new Set<ChildProcess>();

  function cleanEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` };
    for (const k of ['CLIPHARBOR_DATA', 'CLIPHARBOR_LIBRARY', 'CLIPHARBOR_TOKEN', 'NODE_OPTIONS']) delete env[k];
    return env;
  }

  function startCli(args: string[]): { child: ChildProcess; stdout: () => string; done: Promise<RunResult> } {
    const t0 = performance.now();
    const child = spawn(NODE, [CLI, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const done = new Promise<RunResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        live.delete(child);
        resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
      });
    });
    return { child, stdout: () => stdout, done };
  }

  async function printedUrl(run: ReturnType<typeof startCli>): Promise<string> {
    let early: RunResult | null = null;
    void run.done.then((r) => (early = r));
    await waitFor(() => {
      if (early) throw new Error(`serve ended early: ${JSON.stringify(early)}`);
      return /Press Ctrl-C to stop\./.test(run.stdout());
    }, 20_000, 'the URL line');
    return /^ClipHarbor is running at (\S+)$/m.exec(run.stdout())![1]!;
  }

  afterEach(() => {
    for (const child of live) child.kill('SIGKILL');
  });

  it('prints the URL, serves the app, and on SIGTERM exits 0 releasing the data folder', async () => {
    const root = scratch('serve');
    const dirs = ['--data', path.join(root, 'data'), '--dir', path.join(root, 'lib')];
    const run = startCli(['serve', '--port', '0', ...dirs]);
    const url = await printedUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await rawRequest(url, '/');
    expect(page.status).toBe(200);
    expect(page.text).toBe(fs.readFileSync(path.join(RENDERER, 'index.html'), 'utf8'));
    const info = resultOf<{ host: { kind: string } }>(await apiCall(new URL(url).origin, 'system.info', {}));
    expect(info.host.kind).toBe('server');

    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const list = await runTool(NODE, [CLI, 'list', ...dirs]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim()).toBe('No jobs.');
  }, 40_000);

  it('with --token prints a link that logs the browser in', async () => {
    const root = scratch('serve');
    const run = startCli(['serve', '--port', '0', '--token', TOKEN, '--data', path.join(root, 'data'), '--dir', path.join(root, 'lib')]);
    const url = await printedUrl(run);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?token=${TOKEN}$`));
    const origin = new URL(url).origin;
    expect((await rawRequest(origin, '/')).status).toBe(401);
    const login = await rawRequest(origin, `/?token=${TOKEN}`);
    expect(login.status).toBe(302);
    expect(login.headers['set-cookie']?.[0]).toContain(`${TOKEN_COOKIE}=${TOKEN}`);
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'data', 'logs', 'clipharbor.log'), 'utf8')).not.toContain(TOKEN);
  }, 40_000);

  it('exits 2 for a non-loopback address without --token, and for a port in use, changing nothing', async () => {
    const root = scratch('serve');
    const data = path.join(root, 'data');
    const refused = await startCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', data, '--dir', path.join(root, 'lib')]).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without an access token.*--token/);
    expect(fs.existsSync(data)).toBe(false);

    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const busy = await startCli(['serve', '--port', String(port), '--data', data, '--dir', path.join(root, 'lib')]).done;
      expect(busy.code).toBe(2);
      expect(busy.stderr.trim()).toBe(`clipharbor: Port ${port} is in use: pass --port with another number, or --port 0 for any free port.`);
    } finally {
      blocker.close();
    }
  }, 40_000);
});
