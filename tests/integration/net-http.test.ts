import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUrl, httpRequest, type HttpPolicy } from '../../src/main/engine/net/http';
import { backoffDelay } from '../../src/main/engine/net/retry';
import { appErrorOf } from '../support/errors';

/**
 * A loopback server whose paths are scenarios. Each scenario is a list of per-try behaviours: the n-th request to a
 * path gets the n-th behaviour (the last one repeats), so "N failures then success" reads as a list.
 */
type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Behaviour => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
};
const text = (status: number, value: string, headers: Record<string, string> = {}): Behaviour => (_req, res) => {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers });
  res.end(value);
};
/** Sends headers and part of the promised body, then cuts the connection. */
const dropMidBody: Behaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
  res.write('{"partial":');
  setTimeout(() => res.socket?.destroy(), 20);
};
/** Answers only after far longer than the client waits; gives up when the client goes away. */
const stall: Behaviour = (_req, res) => {
  const timer = setTimeout(() => json(200, { late: true })(_req, res, ''), 30_000);
  res.on('close', () => clearTimeout(timer));
};
const echo: Behaviour = (req, res, body) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ method: req.method, headers: req.headers, body, url: req.url }));
};

const scenarios: Record<string, Behaviour[]> = {
  '/flaky': [json(503, { error: 'busy' }), json(503, { error: 'busy' }), json(200, { ok: true })],
  '/retry-after-0': [json(429, { error: 'slow down' }, { 'retry-after': '0' }), json(200, { ok: true })],
  '/retry-after-1': [json(429, { error: 'slow down' }, { 'retry-after': '1' }), json(200, { ok: true })],
  '/limited-no-header': [json(429, { error: 'slow down' }), json(200, { ok: true })],
  '/always-429': [json(429, { error: 'quota' }, { 'retry-after': '3600' })],
  '/drop-then-ok': [dropMidBody, json(200, { ok: true })],
  '/always-drop': [dropMidBody],
  '/always-503': [json(503, { error: 'busy' })],
  '/slow': [stall],
  '/bad-request': [text(400, '[ERROR 400] Invalid or missing API key')],
  '/echo': [echo],
  '/not-json-type': [text(200, '{"looks":"json"}')],
  '/redirect': [
    (_req, res) => {
      res.writeHead(302, { location: '/echo' });
      res.end();
    },
  ],
};

const hits = new Map<string, number>();
let server: http.Server;
let base: string;
/** Resolved whenever a request arrives, so a test can act once the server holds its request. */
let onHit: ((path: string) => void) | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const n = hits.get(path) ?? 0;
    hits.set(path, n + 1);
    onHit?.(path);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const list = scenarios[path];
      if (!list) return json(404, { error: 'no such scenario' })(req, res, body);
      const behaviour = list[Math.min(n, list.length - 1)];
      behaviour?.(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Records every wait the policy asks for and returns at once, so retries cost no real time. */
function recorder(): { waits: number[]; sleep: NonNullable<HttpPolicy['sleep']> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}


describe('httpRequest', () => {
  it('retries 5xx and returns the first success (503, 503, 200)', async () => {
    const { waits, sleep } = recorder();
    const res = await httpRequest({ url: `${base}/flaky` }, { maxRetries: 3, sleep });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(hits.get('/flaky')).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it.each([
    ['0', 0],
    ['1', 1000],
  ])('honours Retry-After: %s on a 429', async (value, expected) => {
    const { waits, sleep } = recorder();
    const res = await httpRequest({ url: `${base}/retry-after-${value}` }, { maxRetries: 3, sleep });
    expect(res.status).toBe(200);
    expect(hits.get(`/retry-after-${value}`)).toBe(2);
    expect(waits).toEqual([expected]);
  });

  it('caps a long Retry-After and returns the last 429 once the retries are used up', async () => {
    const { waits, sleep } = recorder();
    const res = await httpRequest({ url: `${base}/always-429` }, { maxRetries: 2, maxRetryAfterMs: 5000, sleep });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: 'quota' });
    expect(hits.get('/always-429')).toBe(3);
    expect(waits).toEqual([5000, 5000]);
  });

  it('backs off with jitter on a 429 without Retry-After', async () => {
    const { waits, sleep } = recorder();
    const random = (): number => 0.5;
    const res = await httpRequest(
      { url: `${base}/limited-no-header` },
      { maxRetries: 3, baseDelayMs: 100, capDelayMs: 1000, sleep, random },
    );
    expect(res.status).toBe(200);
    expect(hits.get('/limited-no-header')).toBe(2);
    expect(waits).toEqual([backoffDelay(0, 100, 1000, random)]);
  });

  it('retries a connection dropped in the middle of the body', async () => {
    const { waits, sleep } = recorder();
    const res = await httpRequest({ url: `${base}/drop-then-ok` }, { maxRetries: 2, sleep });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(hits.get('/drop-then-ok')).toBe(2);
    expect(waits).toHaveLength(1);

    const err = await appErrorOf(httpRequest({ url: `${base}/always-drop` }, { maxRetries: 0 }));
    expect(err.code).toBe('ERR_NETWORK');
    expect(err.message).toMatch(/1 try/);
  });

  it('fails with ERR_TIMEOUT when every try outlasts timeoutMs', async () => {
    const { waits, sleep } = recorder();
    const before = hits.get('/slow') ?? 0;
    const err = await appErrorOf(httpRequest({ url: `${base}/slow`, timeoutMs: 200 }, { maxRetries: 1, sleep }));
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.message).toContain(`${base}/slow`);
    expect(err.message).toMatch(/2 tries/);
    expect((hits.get('/slow') ?? 0) - before).toBe(2);
    expect(waits).toHaveLength(1);
  });

  it('fails with ERR_CANCELED, not a timeout, when the caller aborts mid-request', async () => {
    const ac = new AbortController();
    onHit = (path) => {
      if (path === '/slow') ac.abort();
    };
    const before = hits.get('/slow') ?? 0;
    try {
      const err = await appErrorOf(
        httpRequest({ url: `${base}/slow`, timeoutMs: 20_000, signal: ac.signal }, { maxRetries: 3, sleep: recorder().sleep }),
      );
      expect(err.code).toBe('ERR_CANCELED');
      expect((hits.get('/slow') ?? 0) - before).toBe(1);
    } finally {
      onHit = null;
    }
  });

  it('fails with ERR_CANCELED when aborted during the pause between tries, and does not start another try', async () => {
    const ac = new AbortController();
    const err = await appErrorOf(
      httpRequest(
        { url: `${base}/always-503`, signal: ac.signal },
        {
          maxRetries: 3,
          baseDelayMs: 60_000,
          random: () => 1,
          // the real sleep: the abort must cut the 60 s pause short
          onResponse: () => setTimeout(() => ac.abort(), 10),
        },
      ),
    );
    expect(err.code).toBe('ERR_CANCELED');
    expect(hits.get('/always-503')).toBe(1);
  });

  it('does not retry a 400 and hands back its plain-text body', async () => {
    const { waits, sleep } = recorder();
    const res = await httpRequest({ url: `${base}/bad-request?key=SECRET` }, { maxRetries: 3, sleep });
    expect(res.status).toBe(400);
    expect(res.text).toBe('[ERROR 400] Invalid or missing API key');
    expect(res.body).toBeUndefined();
    expect(hits.get('/bad-request')).toBe(1);
    expect(waits).toEqual([]);
  });

  it('parses JSON bodies by content-type or by their look', async () => {
    const res = await httpRequest({ url: `${base}/not-json-type` }, { maxRetries: 0 });
    expect(res.body).toEqual({ looks: 'json' });
  });

  it('sends json bodies with their content type, follows redirects, and calls the hooks on every try', async () => {
    const seen: number[] = [];
    let tries = 0;
    const res = await httpRequest(
      { url: `${base}/echo`, method: 'POST', json: { urls: ['https://example.com/v'] }, headers: { 'x-api-key': 'k' } },
      { maxRetries: 0, beforeTry: async () => void tries++, onResponse: (r) => seen.push(r.status) },
    );
    expect(res.body).toMatchObject({
      method: 'POST',
      body: JSON.stringify({ urls: ['https://example.com/v'] }),
      headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
    });
    expect(tries).toBe(1);
    expect(seen).toEqual([200]);

    const redirected = await httpRequest({ url: `${base}/redirect` }, { maxRetries: 0 });
    expect(redirected.status).toBe(200);
    expect(redirected.body).toMatchObject({ url: '/echo' });
  });

  it('sends user:pass@ from the URL as Basic auth', async () => {
    const url = `${base}/echo`.replace('http://', 'http://me:p%40ss@');
    const res = await httpRequest({ url }, { maxRetries: 0 });
    expect(res.body).toMatchObject({ headers: { authorization: `Basic ${Buffer.from('me:p@ss').toString('base64')}` } });
  });

  it('names the URL without its query or credentials when no response comes', async () => {
    // a port that was just free: connection refused, on loopback
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const { waits, sleep } = recorder();
    const err = await appErrorOf(
      httpRequest({ url: `http://user:SECRETPASS@127.0.0.1:${port}/api/videos/?key=SECRET&q=cats` }, { maxRetries: 2, sleep }),
    );
    expect(err.code).toBe('ERR_NETWORK');
    expect(err.message).toContain(`http://127.0.0.1:${port}/api/videos/`);
    expect(err.message).not.toContain('SECRET');
    expect(err.message).not.toContain('cats');
    expect(waits).toHaveLength(2);

    const timeout = await appErrorOf(httpRequest({ url: `${base}/slow?key=SECRET`, timeoutMs: 100 }, { maxRetries: 0 }));
    expect(timeout.code).toBe('ERR_TIMEOUT');
    expect(timeout.message).not.toContain('SECRET');

    const invalid = await appErrorOf(httpRequest({ url: 'http://[bad?key=SECRET' }, { maxRetries: 0 }));
    expect(invalid.message).not.toContain('SECRET');
  });
});

describe('describeUrl', () => {
  it('keeps origin and path, drops query, fragment and credentials', () => {
    expect(describeUrl('https://pixabay.com/api/videos/?key=secret&q=cats')).toBe('https://pixabay.com/api/videos/');
    expect(describeUrl('https://user:pass@api.example.com:8443/v1/jobs/1#frag')).toBe('https://api.example.com:8443/v1/jobs/1');
    expect(describeUrl('http://127.0.0.1:5680')).toBe('http://127.0.0.1:5680/');
  });

  it('still drops secrets from text that is not a URL', () => {
    const out = describeUrl('//user:pass@[broken/path?key=secret');
    expect(out).not.toContain('secret');
    expect(out).not.toContain('pass');
  });
});
