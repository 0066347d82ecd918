// @vitest-environment happy-dom
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/shared/wire';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, type EventFrame, type PreloadApi } from '../../src/shared/wire';
import { toAppError } from '../../src/shared/errors';
import type { ConnectionState } from '../../src/renderer/src/client/types';
import { createHttpClient } from '../../src/renderer/src/client/http';
import { createIpcClient } from '../../src/renderer/src/client/ipc';
import { makeEngine, stopAll, waitFor } from '../support/engine';
import { appErrorOf } from '../support/errors';

/**
 * A stand-in for `clipharbor serve` that answers from a script: each method name maps to a status and a raw body,
 * so the client meets well-formed envelopes, error envelopes and things that are not envelopes at all.
 */
interface FakeServer {
  origin: string;
  requests: Array<{ method: string; contentType: string | undefined; body: unknown }>;
  sockets: Set<ServerSocket>;
  /** Upgrades refused from now on, before one is accepted again. */
  refuseUpgrades: number;
  upgrades: number;
  send(frame: unknown): void;
  close(): Promise<void>;
}

const REPLIES: Record<string, { status: number; type: string; body: string }> = {
  'queue.summary': {
    status: 200,
    type: 'application/json',
    body: JSON.stringify({ ok: true, result: { active: 1, queued: 2, paused: 0, retrying: 0, failed: 3, completed: 4 } }),
  },
  'jobs.get': {
    status: 404,
    type: 'application/json',
    body: JSON.stringify({ ok: false, error: { code: 'ERR_NOT_FOUND', message: 'Job 7 does not exist.' } }),
  },
  'settings.get': { status: 502, type: 'text/html', body: '<html><body>Bad gateway</body></html>' },
  'stats.summary': { status: 500, type: 'application/json', body: JSON.stringify({ ok: false, error: { code: 'ERR_NOPE' } }) },
};

async function startFakeServer(): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const method = (req.url ?? '').slice(HTTP_API_PREFIX.length);
      requests.push({ method, contentType: req.headers['content-type'], body: JSON.parse(raw || 'null') });
      const reply = REPLIES[method] ?? { status: 404, type: 'text/plain', body: 'no such route' };
      res.writeHead(reply.status, { 'Content-Type': reply.type });
      res.end(reply.body);
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  const fake: FakeServer = {
    origin: '',
    requests,
    sockets: new Set(),
    refuseUpgrades: 0,
    upgrades: 0,
    send: (frame) => {
      for (const s of fake.sockets) s.send(JSON.stringify(frame));
    },
    close: async () => {
      for (const s of fake.sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req, socket, head) => {
    fake.upgrades++;
    if (req.url !== HTTP_EVENTS_PATH || fake.refuseUpgrades > 0) {
      fake.refuseUpgrades = Math.max(0, fake.refuseUpgrades - 1);
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      fake.sockets.add(ws);
      ws.on('close', () => fake.sockets.delete(ws));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** The page is served by the same server in real use; happy-dom enforces the same-origin rule like a browser. */
function servePageFrom(origin: string): void {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${origin}/`);
}


describe('HTTP client', () => {
  let server: FakeServer;

  beforeAll(async () => {
    server = await startFakeServer();
    servePageFrom(server.origin);
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.requests.length = 0;
  });

  it('posts the input as JSON to the method route and unwraps the result', async () => {
    const client = createHttpClient(server.origin);
    const summary = await client.call('queue.summary', {});
    expect(summary).toEqual({ active: 1, queued: 2, paused: 0, retrying: 0, failed: 3, completed: 4 });
    expect(server.requests).toEqual([{ method: 'queue.summary', contentType: 'application/json', body: {} }]);
    expect(client.host).toBe('browser');
    expect(client.mediaUrl(12, 'thumbnail')).toBe(`${server.origin}/media/12/thumbnail`);
  });

  it('turns an error envelope into an AppError with its code and sentence', async () => {
    const err = await appErrorOf(createHttpClient(server.origin).call('jobs.get', { id: 7 }));
    expect(err.code).toBe('ERR_NOT_FOUND');
    expect(err.message).toBe('Job 7 does not exist.');
    expect(server.requests[0]?.body).toEqual({ id: 7 });
  });

  it('reports a malformed error envelope as ERR_UNKNOWN with the HTTP status', async () => {
    const err = await appErrorOf(createHttpClient(server.origin).call('stats.summary', { days: 7 }));
    expect(err.code).toBe('ERR_UNKNOWN');
    expect(err.message).toContain('500');
  });

  it('reports an answer that is not JSON, and a server that is gone, as ERR_NETWORK naming the server', async () => {
    const notJson = await appErrorOf(createHttpClient(server.origin).call('settings.get', {}));
    expect(notJson.code).toBe('ERR_NETWORK');
    expect(notJson.message).toBe(`Cannot reach the ClipHarbor server at ${server.origin} — is \`clipharbor serve\` still running?`);

    const gone = await startFakeServer();
    await gone.close();
    const refused = await appErrorOf(createHttpClient(gone.origin).call('queue.summary', {}));
    expect(refused.code).toBe('ERR_NETWORK');
    expect(refused.message).toContain(gone.origin);
  });

  it('opens the event socket on the first subscriber and hands each frame to the handlers of its event', async () => {
    const client = createHttpClient(server.origin);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.sockets.size).toBe(0);

    const progress: unknown[] = [];
    const removed: unknown[] = [];
    const offProgress = client.on('job.progress', (p) => progress.push(p));
    const offRemoved = client.on('library.removed', (p) => removed.push(p));
    await waitFor(() => server.sockets.size === 1, 5000, 'the event socket');

    const frame: EventFrame<'library.removed'> = { event: 'library.removed', payload: { id: 4 } };
    server.send({ event: 'no.such.event', payload: 1 });
    server.send(frame);
    await waitFor(() => removed.length === 1, 5000, 'the event');
    expect(removed).toEqual([{ id: 4 }]);
    expect(progress).toEqual([]);

    // the last handler leaving closes the socket, and nothing reconnects it
    offProgress();
    offRemoved();
    await waitFor(() => server.sockets.size === 0, 5000, 'the socket to close');
    const upgrades = server.upgrades;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(server.upgrades).toBe(upgrades);
  });

  it('reconnects after the server drops the socket, reporting reconnecting once and then connected', async () => {
    const client = createHttpClient(server.origin);
    const states: ConnectionState[] = [];
    client.onConnection((state) => states.push(state));
    const removed: unknown[] = [];
    const off = client.on('library.removed', (p) => removed.push(p));
    await waitFor(() => server.sockets.size === 1, 5000, 'the event socket');
    const upgrades = server.upgrades;

    // one refused attempt: the client keeps trying without announcing every failure
    server.refuseUpgrades = 1;
    for (const s of server.sockets) s.terminate();
    await waitFor(() => states.includes('connected'), 10_000, 'the reconnect');
    expect(states).toEqual(['reconnecting', 'connected']);
    expect(server.upgrades).toBe(upgrades + 2);

    server.send({ event: 'library.removed', payload: { id: 9 } });
    await waitFor(() => removed.length === 1, 5000, 'an event on the new socket');
    expect(removed).toEqual([{ id: 9 }]);
    off();
  });
});

describe('IPC client', () => {
  afterEach(() => stopAll());

  /** What the preload exposes, built the way the desktop shell does: errors travel as envelopes. */
  function preloadOver(engine: ReturnType<typeof makeEngine>['engine']): PreloadApi {
    return {
      platform: 'linux',
      call: async (method, input) => {
        try {
          return { ok: true, result: await engine.call(method, input) };
        } catch (err) {
          const error: Envelope<never> = { ok: false, error: toAppError(err).toJSON() };
          return error;
        }
      },
      on: (event, handler) => engine.on(event, handler),
    };
  }

  it('unwraps results, rethrows error envelopes as AppError, relays events and names media by scheme', async () => {
    const { engine } = makeEngine();
    const client = createIpcClient(preloadOver(engine));
    expect(client.host).toBe('desktop');
    expect(client.mediaUrl(5, 'media')).toBe('clipharbor-media://item/5/media');

    const updates: number[] = [];
    const off = client.on('job.updated', (job) => updates.push(job.id));
    const { jobs } = await client.call('jobs.add', { urls: ['https://example.com/clip.mp4'] });
    expect(updates).toEqual([jobs[0]!.id]);
    off();

    expect(await client.call('queue.summary', {})).toMatchObject({ queued: 1 });
    const err = await appErrorOf(client.call('jobs.get', { id: 999 }));
    expect(err.code).toBe('ERR_NOT_FOUND');
    const bad = await appErrorOf(client.call('jobs.add', { urls: ['ftp://example.com/x'] }));
    expect(bad.code).toBe('ERR_INVALID_INPUT');
    expect(bad.message).toContain('ftp');
  });
});
