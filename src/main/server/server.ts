/**
 * The headless server: the built renderer, the contract over HTTP (`/api/<method>`), engine events over one WebSocket
 * (`/api/events`) and library media (`/media/<id>/<kind>`), behind the Host check and, when set, the access token.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../../shared/errors';
import { HTTP_API_PREFIX, HTTP_EVENTS_PATH, TOKEN_QUERY } from '../../shared/wire';
import type { Engine } from '../engine';
import type { Logger } from '../engine/log';
import { handleApi } from './api';
import { assertBindAllowed, createGate, type Gate } from './auth';
import { createEventHub } from './events';
import { serveMedia } from './media';
import { parseTarget, sendJson, sendText, setSecurityHeaders, type Target } from './respond';
import { staticFiles } from './static';

export interface ServerOptions {
  engine: Engine;
  host: string;
  /** 0 picks any free port. */
  port: number;
  /** Required for any address other than loopback. */
  token?: string | null;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  logger?: Logger;
}

export interface RunningServer {
  /** The address to open, without the token. */
  url: string;
  origin: string;
  /** Stops serving; the engine keeps running (its owner stops it). */
  close(): Promise<void>;
}

/** How long requests in flight (a video being streamed) may finish before their connections are cut. */
const CLOSE_GRACE_MS = 500;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  assertBindAllowed(opts.host, opts.token);
  const serveStatic = staticFiles(opts.rendererDir);
  const log = opts.logger ?? opts.engine.log;
  const server = http.createServer();
  const port = await listen(server, opts.host, opts.port);
  const gate = createGate({ host: opts.host, port, token: opts.token });
  const hub = createEventHub(opts.engine, log);

  const route = async (req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> => {
    if (target.path === HTTP_EVENTS_PATH) sendText(req, res, 426, 'Events need a WebSocket connection.', { Upgrade: 'websocket' });
    else if (target.path.startsWith(HTTP_API_PREFIX)) await handleApi({ engine: opts.engine, log, originAllowed: gate.originAllowed }, req, res, target.path);
    else if (target.path.startsWith('/media/')) await serveMedia(opts.engine, req, res, target.path);
    else await serveStatic(req, res, target.path);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = parseTarget(req.url);
    const host = gate.hostOf(req);
    setSecurityHeaders(res, host ?? gate.host);
    if (!host) {
      sendText(req, res, 403, `Unknown Host: open ClipHarbor at ${gate.origin}/.`);
      return;
    }
    if (tokenRedirect(gate, req, res, target)) return;
    if (!gate.authorized(req, target.query)) {
      refuseUnauthorized(req, res, target);
      return;
    }
    route(req, res, target).catch((err: unknown) => {
      log.error({ path: target.path, err: (err as Error).message }, 'request failed');
      if (!res.headersSent) sendText(req, res, 500, 'Internal error; see the ClipHarbor log.');
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const target = parseTarget(req.url);
    if (!gate.hostOf(req)) return refuseUpgrade(socket, 403, 'Unknown Host.');
    if (target.path !== HTTP_EVENTS_PATH) return refuseUpgrade(socket, 404, 'Not found.');
    if (!gate.authorized(req, target.query)) return refuseUpgrade(socket, 401, 'Access token missing or wrong.');
    // the same-origin policy does not cover WebSockets: any page may open one here, and the Origin every browser
    // sends is the only way to tell our own page from another site's
    const origin = req.headers.origin;
    if (!origin || !gate.originAllowed(origin)) return refuseUpgrade(socket, 403, 'WebSocket from another site refused.');
    hub.accept(req, socket, head);
  });

  log.info({ origin: gate.origin, tokenRequired: gate.tokenRequired }, 'server listening');
  let closing: Promise<void> | null = null;
  return {
    url: `${gate.origin}/`,
    origin: gate.origin,
    close() {
      closing ??= Promise.all([hub.close(), stopListening(server)]).then(() => log.info('server stopped'));
      return closing;
    },
  };
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): AppError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new AppError('ERR_INVALID_INPUT', `Port ${port} is in use: pass --port with another number, or --port 0 for any free port.`);
    case 'EACCES':
      return new AppError('ERR_INVALID_INPUT', `Not allowed to listen on port ${port}: pass --port with a number above 1023.`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AppError('ERR_INVALID_INPUT', `${host} is not an address of this machine: pass --host 127.0.0.1, or one of its own addresses.`);
    default:
      return new AppError('ERR_UNKNOWN', `Cannot listen on ${host}:${port}: ${err.message}`);
  }
}

/**
 * A GET with the right `?token=` (the link `clipharbor serve` prints) trades it for a cookie and reloads without
 * it, so the token never stays in the address bar, history or a shared screenshot.
 */
function tokenRedirect(gate: Gate, req: IncomingMessage, res: ServerResponse, target: Target): boolean {
  if (req.method !== 'GET' || !target.query.has(TOKEN_QUERY)) return false;
  if (!target.query.getAll(TOKEN_QUERY).some(gate.tokenMatches)) return false;
  const rest = new URLSearchParams(target.query);
  rest.delete(TOKEN_QUERY);
  // one leading slash only: "//evil.example" as a Location would leave the site
  const path = `/${target.path.replace(/^[/\\]+/, '')}`;
  const search = rest.size ? `?${rest}` : '';
  res.writeHead(302, { Location: path + search, 'Set-Cookie': gate.cookie(), 'Cache-Control': 'no-store', 'Content-Length': 0 });
  res.end();
  return true;
}

function refuseUnauthorized(req: IncomingMessage, res: ServerResponse, target: Target): void {
  const message = 'ClipHarbor needs its access token: open the address that `clipharbor serve` printed (it ends in ?token=…).';
  const headers = { 'WWW-Authenticate': 'Bearer realm="ClipHarbor"' };
  if (target.path.startsWith(HTTP_API_PREFIX)) sendJson(res, 401, { ok: false, error: { code: 'ERR_UNAUTHORIZED', message } }, headers);
  else sendText(req, res, 401, message, headers);
}

/** Answers a refused upgrade with a plain HTTP status, then drops the socket. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = `${message}\n`;
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function stopListening(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
