/**
 * The direct downloader's own HTTP/1.1 client (src/main/engine/net/wire.ts), through downloadFile, against raw TCP
 * servers on 127.0.0.1 that write scripted bytes: answers split at every byte, chunked bodies with extensions and
 * trailers, interim 1xx answers, bodies framed by the connection's end, and malformed answers that must fail
 * with a clear error. Plus HTTPS with a certificate made for the test (openssl): trusted through the built CLI
 * (NODE_EXTRA_CA_CERTS) it lands a video in the library; untrusted it fails saying so.
 * Every server destroys its sockets on close; every wait has a deadline. No timing assertions.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadResult } from '../../src/main/engine/net/download';
import { MIN_SPACE, WireChannel, type BodySink, type WireResponse } from '../../src/main/engine/net/wire';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { runCli } from '../support/run';
import { appErrorOf } from '../support/errors';

const MiB = 2 ** 20;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'clipharbor-wire-'));
  dirs.push(d);
  return d;
}

interface RawServer {
  url: string;
  /** The request heads received, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A TCP server that reads one request head per connection, then runs `answer` with a writer that sends the
 * given pieces one by one (each its own write, a little apart, so the client sees them as separate reads).
 */
function rawServer(answer: (send: (pieces: Array<string | Buffer>, end?: boolean) => Promise<void>, head: string) => Promise<void> | void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const head = got.slice(0, end);
      requests.push(head);
      const send = async (pieces: Array<string | Buffer>, close = true): Promise<void> => {
        for (const p of pieces) {
          if (socket.destroyed) return;
          socket.write(p);
          await new Promise((r) => setImmediate(r));
        }
        if (close) socket.end();
      };
      void Promise.resolve(answer(send, head)).catch(() => socket.destroy());
    };
    socket.on('data', onData);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/media/clip.mp4?x=1`,
        requests,
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      });
    });
  });
}

/** Splits `b` into pieces of the given sizes, cycling through them. */
function pieces(b: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < b.length; i++) {
    const n = sizes[i % sizes.length] as number;
    out.push(b.subarray(off, off + n));
    off += n;
  }
  return out;
}

function chunked(body: Buffer, sizes: number[], opts: { ext?: string; upper?: boolean; trailer?: string } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const piece of pieces(body, sizes)) {
    const hex = opts.upper ? piece.length.toString(16).toUpperCase() : piece.length.toString(16);
    parts.push(Buffer.from(`${hex}${opts.ext ?? ''}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0${opts.ext ?? ''}\r\n${opts.trailer ?? ''}\r\n`));
  return Buffer.concat(parts);
}

async function fetchTo(url: string, over: { headers?: Record<string, string> } = {}): Promise<{ res: DownloadResult; body: Buffer; dir: string }> {
  const dir = tempDir();
  const res = await downloadFile({ url, dir, maxBytes: 1024 * MiB, connections: 1, signal: new AbortController().signal, ...over });
  return { res, body: fs.readFileSync(res.file), dir };
}


const servers: RawServer[] = [];
async function serve(answer: Parameters<typeof rawServer>[0]): Promise<RawServer> {
  const s = await rawServer(answer);
  servers.push(s);
  return s;
}

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('HTTP/1.1 answers', () => {
  it('sends one well-formed GET and reads an answer that arrives one byte at a time', async () => {
    const body = randomBytes(3000);
    const answer = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: ${body.length}\r\nX-Folded: a\r\n b\r\n\r\n`), body]);
    const srv = await serve((send) => send(pieces(answer, [1])));
    const { res, body: got } = await fetchTo(srv.url.replace('http://', 'http://us%20er:p%40ss@'), { headers: { Referer: 'https://example.com/page' } });
    expect(sha256(got)).toBe(sha256(body));
    expect(res.contentType).toBe('video/mp4');
    const head = srv.requests[0] as string;
    const [line, ...fields] = head.split('\r\n');
    expect(line).toBe('GET /media/clip.mp4?x=1 HTTP/1.1');
    const names = fields.map((f) => f.slice(0, f.indexOf(':')).toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    // HTTP/1.1 keeps the connection by default: a segmented download asks for its next window on it
    expect(names).not.toContain('connection');
    expect(fields).toEqual(
      expect.arrayContaining([
        `host: ${new URL(srv.url).host}`,
        'accept-encoding: identity',
        'referer: https://example.com/page',
        // credentials in the link become Basic authorization, as curl and browsers send them
        `authorization: Basic ${Buffer.from('us er:p@ss').toString('base64')}`,
      ]),
    );
  });

  it('decodes chunked bodies: extensions, upper-case sizes, trailers, split anywhere, across receive buffers', async () => {
    const small = randomBytes(700);
    const big = randomBytes(5 * MiB + 123);
    const cases: Array<{ body: Buffer; wire: Buffer; split: number[] }> = [
      { body: small, wire: chunked(small, [1, 7, 250], { ext: ';name=value', upper: true, trailer: 'X-Sum: 1\r\nX-More: 2\r\n' }), split: [1] },
      { body: big, wire: chunked(big, [300_000, 65_536, 1, 1_000_003]), split: [70_001, 3, 2 * MiB] },
    ];
    for (const c of cases) {
      const srv = await serve((send) => send([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nTransfer-Encoding: chunked\r\n\r\n'), ...pieces(c.wire, c.split)], false));
      const { res, body } = await fetchTo(srv.url);
      expect(res.bytes).toBe(c.body.length);
      expect(sha256(body)).toBe(sha256(c.body));
    }
  });

  it('skips interim 1xx answers', async () => {
    const body = randomBytes(10_000);
    const srv = await serve((send) => send([`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body]));
    const { body: got } = await fetchTo(srv.url);
    expect(sha256(got)).toBe(sha256(body));
  });

  it('reads a body without length to the end of the connection (HTTP/1.0 style)', async () => {
    const body = randomBytes(MiB + 3);
    const srv = await serve((send) => send(['HTTP/1.0 200 OK\r\nContent-Type: video/webm\r\n\r\n', ...pieces(body, [100_000])]));
    const { res, body: got } = await fetchTo(srv.url);
    expect(res.bytes).toBe(body.length);
    expect(sha256(got)).toBe(sha256(body));
  });

  it('ignores bytes past Content-Length (a file shorter than the 512 bytes looked at for a web page)', async () => {
    const body = randomBytes(300);
    const srv = await serve((send) => send([`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body, 'GARBAGE AFTER THE BODY']));
    const { body: got } = await fetchTo(srv.url);
    expect(sha256(got)).toBe(sha256(body));
  });

  it('refuses malformed answers with an error that says so, and writes nothing', async () => {
    const bad: Array<[string, Array<string | Buffer>, RegExp]> = [
      ['not HTTP', ['SSH-2.0-OpenSSH_9.6\r\n\r\n'], /not valid HTTP \(it did not answer in HTTP\/1\.1\)/],
      ['a header line without a colon', ['HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello'], /malformed/],
      ['conflicting Content-Length', ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'], /Content-Length is not valid/],
      ['a transfer coding other than chunked', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'], /transfer coding "gzip, chunked"/],
      ['a chunk size that is not hexadecimal', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'], /not hexadecimal/],
      ['a chunk without its CRLF', ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n'], /does not end in CRLF/],
      ['a head larger than 64 KiB', [`HTTP/1.1 200 OK\r\n${'X-Big: ' + 'a'.repeat(70 * 1024)}\r\n\r\n`], /larger than 64 KiB/],
    ];
    for (const [what, answer, message] of bad) {
      const srv = await serve((send) => send(answer));
      const dir = tempDir();
      const err = await appErrorOf(downloadFile({ url: srv.url, dir, maxBytes: MiB, connections: 1, signal: new AbortController().signal }));
      expect(err.code, what).toBe('ERR_UNAVAILABLE');
      expect(err.message, what).toMatch(message);
      // no body byte was written (an empty part file may be left for a retry)
      for (const f of fs.readdirSync(dir)) if (!f.endsWith('.json')) expect(fs.statSync(path.join(dir, f)).size, `${what}: ${f}`).toBe(0);
    }
  });

  it('fails with ERR_NETWORK when the connection ends in the middle of the head, or keeps ending in the middle of a body', async () => {
    const answers: Array<[string, RegExp]> = [
      ['HTTP/1.1 200 OK\r\nContent-Le', /closed before the end of the response head/],
      // this server ignores Range: every retry starts from zero, until the downloader gives up
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly some', /keeps dropping, and the server cannot resume a download/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some', /keeps dropping, and the server cannot resume a download/],
    ];
    for (const [answer, message] of answers) {
      const srv = await serve((send) => send([answer]));
      const err = await appErrorOf(fetchTo(srv.url));
      expect(err.code, answer).toBe('ERR_NETWORK');
      expect(err.message, answer).toMatch(message);
    }
  });

  it('gives up on a server that keeps answering a range with nothing, after a few tries', async () => {
    const first = randomBytes(1000);
    const srv = await serve((send, head) => {
      const probe = /range: bytes=0-/.test(head);
      const range = probe ? 'bytes 0-999/5000' : 'bytes 1000-999/5000';
      send([Buffer.concat([Buffer.from(`HTTP/1.1 206 Partial Content\r\nContent-Range: ${range}\r\nETag: "e"\r\nContent-Length: ${probe ? 1000 : 0}\r\n\r\n`), probe ? first : Buffer.alloc(0)])]);
    });
    const err = await appErrorOf(fetchTo(srv.url));
    expect(err.code).toBe('ERR_NETWORK');
    expect(err.message).toMatch(/tries without progress/);
    // the probe, then the window after it asked for 4 times in all
    expect(srv.requests).toHaveLength(5);
  });

  it('refuses header values that would split the request, before connecting', async () => {
    const srv = await serve((send) => send(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx']));
    const err = await appErrorOf(fetchTo(srv.url, { headers: { referer: 'https://a.example/\r\nX-Injected: 1' } }));
    expect(err.message).toMatch(/request header "referer"/);
    expect(srv.requests).toEqual([]);
  });
});

/**
 * A TCP server for several requests per connection: `onHead` runs for every request head that arrives, with the
 * heads received so far on that connection, and writes what it likes. Counts connections.
 */
async function keptServer(onHead: (socket: net.Socket, heads: string[]) => void): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const heads: string[] = [];
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      for (let end = got.indexOf('\r\n\r\n'); end >= 0; end = got.indexOf('\r\n\r\n')) {
        heads.push(got.slice(0, end));
        got = got.slice(end + 4);
        onHead(socket, heads);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push({
    url: '',
    requests: [],
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  });
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/clip.mp4`, connections: () => connections };
}

/** A body sink that keeps a copy of everything. */
function collector(): BodySink & { bytes: () => Buffer } {
  const room = Buffer.allocUnsafe(4 * MIN_SPACE);
  const chunks: Buffer[] = [];
  return {
    space: () => room,
    data: (bytes) => {
      chunks.push(Buffer.from(bytes));
      return true;
    },
    bytes: () => Buffer.concat(chunks),
  };
}

const answer = (body: Buffer, extra = ''): Buffer => Buffer.concat([Buffer.from(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n${extra}\r\n`), body]);

describe('kept connections', () => {
  const get = (ch: WireChannel, url: string, range: string): Promise<WireResponse> =>
    ch.get({ url: new URL(url), headers: { range }, signal: new AbortController().signal, idleMs: 10_000 });
  const body = async (res: WireResponse): Promise<Buffer> => {
    const sink = collector();
    await res.pipe(sink, new AbortController().signal);
    return sink.bytes();
  };

  it('sends the next request behind an answer still arriving, and reads both answers when they come in one piece', async () => {
    const parts = [randomBytes(200_000), randomBytes(300_000)];
    // the first answer waits for the second request, then both go out in a single write: the end of the first
    // body, the second head and the start of the second body arrive in the same read
    const srv = await keptServer((socket, heads) => {
      if (heads.length === 2) socket.write(Buffer.concat(parts.map((p) => answer(p))));
    });
    const ch = new WireChannel();
    const first = await Promise.race([get(ch, srv.url, 'bytes=0-199999'), new Promise<null>((r) => setTimeout(() => r(null), 300))]);
    // no answer before the second request: the client cannot know the first one's length yet, so it cannot pipeline
    expect(first).toBeNull();
    expect(ch.canPipeline(new URL(srv.url))).toBe(false);
    ch.close();

    const srv2 = await keptServer((socket, heads) => {
      if (heads.length === 1) socket.write(answer(parts[0] as Buffer).subarray(0, 1000));
      if (heads.length === 2) socket.write(Buffer.concat([answer(parts[0] as Buffer).subarray(1000), answer(parts[1] as Buffer)]));
    });
    const ch2 = new WireChannel();
    const a = await get(ch2, srv2.url, 'bytes=0-199999');
    expect(ch2.canPipeline(new URL(srv2.url))).toBe(true);
    const b = get(ch2, srv2.url, 'bytes=200000-499999');
    expect(sha256(await body(a))).toBe(sha256(parts[0] as Buffer));
    expect(sha256(await body(await b))).toBe(sha256(parts[1] as Buffer));
    expect(srv2.connections()).toBe(1);
    ch2.close();
  });

  it('opens a new connection after an answer that says Connection: close, after unasked bytes, and for a kept one the server closed', async () => {
    const part = randomBytes(5000);
    const srv = await keptServer((socket, heads) => {
      const range = /range: (.*)/.exec(heads.at(-1) as string)?.[1];
      if (range === 'close') socket.write(answer(part, 'Connection: close\r\n'));
      else if (range === 'junk') socket.write(Buffer.concat([answer(part), Buffer.from('HTTP/1.1 200 OK\r\n')]));
      else if (range === 'hangup') socket.end(answer(part));
      else socket.write(answer(part));
    });
    const ch = new WireChannel();
    const sequence = ['kept', 'kept', 'close', 'kept', 'junk', 'kept', 'hangup', 'kept'];
    for (const range of sequence) {
      expect(sha256(await body(await get(ch, srv.url, range)))).toBe(sha256(part));
      // the server's close reaches the client a moment later
      if (range === 'hangup') await new Promise((r) => setTimeout(r, 50));
    }
    // each of close, junk and hangup ends its connection: kept, kept, close | kept, junk | kept, hangup | kept
    expect(srv.connections()).toBe(4);
    ch.close();
  });

  it('sends a request again on a new connection when the kept one ends before answering it, and not when the owner closed the channel', async () => {
    const part = randomBytes(5000);
    let closed = 0;
    const srv = await keptServer((socket, heads) => {
      // every connection answers its first request and drops its second (an idle timeout that strikes as it arrives)
      if (heads.length === 1) socket.write(answer(part));
      else {
        closed++;
        socket.destroy();
      }
    });
    const ch = new WireChannel();
    expect(sha256(await body(await get(ch, srv.url, 'a')))).toBe(sha256(part));
    expect(sha256(await body(await get(ch, srv.url, 'b')))).toBe(sha256(part));
    expect(closed).toBe(1);
    expect(srv.connections()).toBe(2);

    // pipelined behind an answer the owner then gives up: the request is not sent again
    const slow = await keptServer((socket, heads) => {
      if (heads.length === 1) socket.write(answer(part).subarray(0, 100));
    });
    const a = await get(ch, slow.url, 'a');
    const b = get(ch, slow.url, 'b');
    ch.close();
    expect((await appErrorOf(b)).code).toBe('ERR_NETWORK');
    expect((await appErrorOf(body(a))).code).toBe('ERR_NETWORK');
    expect(slow.connections()).toBe(1);
  });
});

describe('HTTPS', () => {
  let media: MediaServer;
  let tlsDir: string;
  let server: https.Server;
  let base: string;

  beforeAll(async () => {
    media = await startMediaServer();
    tlsDir = tempDir();
    const key = path.join(tlsDir, 'key.pem');
    const cert = path.join(tlsDir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    // the media server's clips, over TLS (the body is fetched from it, so it is the same file)
    server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      fetch(media.url(req.url ?? '/')).then(
        async (up) => {
          const body = Buffer.from(await up.arrayBuffer());
          res.writeHead(up.status, { 'Content-Type': up.headers.get('content-type') ?? 'application/octet-stream', 'Content-Length': body.length });
          res.end(body);
        },
        () => res.destroy(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await media?.close();
  });

  it('refuses a server whose certificate it cannot verify, saying so', async () => {
    const err = await appErrorOf(fetchTo(`${base}/v/clip-1.mp4`));
    expect(err.code).toBe('ERR_NETWORK');
    expect(err.message).toMatch(/secure connection .* failed \(\w+\): its certificate could not be verified/);
  });

  it('`clipharbor get` lands an https video when the certificate is trusted (NODE_EXTRA_CA_CERTS)', async () => {
    const env = { NODE_EXTRA_CA_CERTS: path.join(tlsDir, 'cert.pem') };
    const got = await runCli(['get', '--json', '--data', tempDir(), '--dir', tempDir(), `${base}/v/clip-2.mp4`], { env, timeoutMs: 90_000 });
    expect(got.code, got.stderr + got.stdout).toBe(0);
    const line = JSON.parse(got.stdout.trim().split('\n').at(-1) as string) as { status: string; provider: string; file: string; sha256: string };
    expect(line).toMatchObject({ status: 'completed', provider: 'direct' });
    const expected = Buffer.from(await (await fetch(media.url('/v/clip-2.mp4'))).arrayBuffer());
    expect(line.sha256).toBe(sha256(expected));
    expect(sha256(fs.readFileSync(line.file))).toBe(line.sha256);
  }, 120_000);
});
