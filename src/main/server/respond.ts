/** Small response helpers shared by the server's routes: request targets, security headers, text, JSON, files. */
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Envelope } from '../../shared/wire';

export interface Target {
  /** The path exactly as sent (still percent-encoded), so routes can refuse encoded tricks before decoding. */
  path: string;
  query: URLSearchParams;
}

export function parseTarget(url: string | undefined): Target {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: new URLSearchParams() } : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
}

/**
 * Sent with every response: the app only runs its own scripts and only talks back to the host it came from.
 * Pictures may come from any https origin: stock search results show the sites' own thumbnails.
 */
export function setSecurityHeaders(res: ServerResponse, host: string): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; " +
      `connect-src 'self' ws://${host}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

export function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, envelope: Envelope<unknown>, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Streams bytes start..end (inclusive) of an open file after the head was written, or just ends a HEAD response.
 * The file is closed either way, and reading stops as soon as the client goes away.
 */
export function sendFileBody(req: IncomingMessage, res: ServerResponse, file: FileHandle, start: number, end: number): void {
  if (req.method === 'HEAD' || end < start) {
    res.end();
    void file.close();
    return;
  }
  pipeline(file.createReadStream({ start, end }), res, () => {
    // a client that leaves mid-stream is normal (seeking, closing a tab); pipeline already destroyed both ends
  });
}
